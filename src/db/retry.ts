import { setTimeout as sleep } from "node:timers/promises";
import { isConnectionLost } from "./failures.js";

/**
 * A short, jittered pause before a retry. After a lost connection it lets the pool see the
 * other connections to a dead server close (they all get their FIN at once) before it lends
 * one; after a Galera certification conflict it lets the winning write be applied locally, so
 * the retry meets it as a plain duplicate instead of conflicting again.
 */
export const pauseBeforeRetry = (attempt: number) => sleep(10 * attempt + Math.random() * 20);

/**
 * Runs an idempotent read, and runs it once more if the connection died under it (a database
 * node lost mid-query: the retry gets a fresh connection, on the next node of a cluster).
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    await pauseBeforeRetry(1);
    return read();
  }
}
