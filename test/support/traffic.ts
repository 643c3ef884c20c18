import { setTimeout as sleep } from "node:timers/promises";
import { PASSWORD, uniqueName } from "./client.js";

export type RequestKind = "signup" | "login" | "me" | "logout";

/** What each kind answers when all is well. */
export const successStatus: Record<RequestKind, number> = {
  signup: 201,
  login: 200,
  me: 200,
  logout: 204,
};

export interface Outcome {
  kind: RequestKind;
  client: number;
  startedAt: number;
  ms: number;
  /** 0 when no response came (network error, or the client gave up after `giveUpMs`). */
  status: number;
  code?: string;
}

export interface Traffic {
  readonly outcomes: Outcome[];
  /** Usernames whose signup answered 201. */
  readonly signedUp: string[];
  /** Lets each client finish its current request, then resolves. */
  stop(): Promise<void>;
}

/**
 * Clients that each repeat signup → me → logout → login → me against a real server until
 * stopped, one request at a time, recording every outcome. A step that fails skips the rest of
 * the round. `giveUpMs` turns a hang into a recorded status 0 instead of a stuck test.
 */
export function startTraffic(baseUrl: string, clients: number, giveUpMs: number): Traffic {
  const outcomes: Outcome[] = [];
  const signedUp: string[] = [];
  let running = true;

  const call = async (
    client: number,
    kind: RequestKind,
    init: { body?: unknown; token?: string },
  ): Promise<Record<string, unknown> | null> => {
    const startedAt = Date.now();
    const outcome: Outcome = { kind, client, startedAt, ms: 0, status: 0 };
    let body: Record<string, unknown> = {};
    try {
      const response = await fetch(`${baseUrl}/auth/${kind}`, {
        method: kind === "me" ? "GET" : "POST",
        headers: {
          ...(init.body ? { "Content-Type": "application/json" } : {}),
          ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
        },
        body: init.body ? JSON.stringify(init.body) : null,
        signal: AbortSignal.timeout(giveUpMs),
      });
      outcome.status = response.status;
      body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (typeof body.code === "string") outcome.code = body.code;
    } catch (error) {
      outcome.code = error instanceof Error ? error.name : String(error);
    }
    outcome.ms = Date.now() - startedAt;
    outcomes.push(outcome);
    return outcome.status === successStatus[kind] ? body : null;
  };

  const round = async (client: number) => {
    const username = uniqueName(`g${client}`);
    const credentials = { username, password: PASSWORD };
    const created = await call(client, "signup", { body: credentials });
    if (!created) return;
    signedUp.push(username);
    if (!(await call(client, "me", { token: String(created.sessionId) }))) return;
    if (!(await call(client, "logout", { token: String(created.sessionId) }))) return;
    const session = await call(client, "login", { body: credentials });
    if (session) await call(client, "me", { token: String(session.sessionId) });
  };

  const loops = Array.from({ length: clients }, async (_, client) => {
    while (running) {
      await round(client);
      // A pause between rounds, so four clients leave the two cores some room.
      await sleep(150);
    }
  });
  return {
    outcomes,
    signedUp,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Four loops of slow idempotent reads through `read` (which should retry a lost connection),
 * so some are always in flight when a server dies. Reports the reads that still failed and how
 * many tries were retries.
 */
export function startReads(read: (count: () => void) => Promise<unknown>) {
  const failures: string[] = [];
  let tries = 0;
  let reads = 0;
  let running = true;
  const loops = Array.from({ length: 4 }, async () => {
    while (running) {
      await read(() => tries++).catch((error: unknown) => failures.push(String(error)));
      reads++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { failures, retried: tries - reads };
    },
  };
}
