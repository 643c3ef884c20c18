/** What the orchestrator asks the load process to do: one autocannon instance per job. */
export interface LoadJob {
  name: string;
  /** Origin of the server under test, e.g. http://127.0.0.1:4000 */
  origin: string;
  /** `me`: GET /auth/me with a seeded bearer token; `login`: POST /auth/login as a seeded user. */
  kind: "me" | "login";
  connections: number;
  durationS: number;
  /** JSON file with an array of tokens (`me`) or usernames (`login`). */
  valuesFile: string;
  /** The seeded password, for `login`. */
  password?: string;
}

export interface LoadResult {
  name: string;
  durationS: number;
  ok: number;
  /** Responses other than 2xx, plus socket errors and timeouts. */
  failed: number;
  statusCounts: Record<string, number>;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}
