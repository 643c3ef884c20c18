import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";

/**
 * Counts requests whose handlers are still running. A shutdown waits for them before it closes
 * the database and the hashing threads: closing the server's connections is not enough, since a
 * handler keeps running after its client has gone.
 */
export interface InFlight {
  middleware: MiddlewareHandler<AppEnv>;
  /** Resolves when no handler is running. */
  drained(): Promise<void>;
}

export function createInFlight(): InFlight {
  let running = 0;
  let waiting: (() => void)[] = [];
  return {
    middleware: async (_c, next) => {
      running++;
      try {
        await next();
      } finally {
        running--;
        if (running === 0 && waiting.length > 0) {
          for (const resolve of waiting) resolve();
          waiting = [];
        }
      }
    },
    drained: () =>
      running === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve)),
  };
}
