import type { Pool, PoolConnection, RowDataPacket } from "mysql2/promise";

/** Runs a `SHOW ... LIKE` statement and returns the Value of its one row. */
export type ValueReader = (sql: string) => Promise<string | undefined>;

/** A ValueReader on a pool or a lent connection, each statement bounded by `timeoutMs` if given. */
export function valueReader(on: Pool | PoolConnection, timeoutMs?: number): ValueReader {
  return async (sql) => {
    const [rows] = await on.query<RowDataPacket[]>({ sql, timeout: timeoutMs });
    return rows[0]?.Value as string | undefined;
  };
}

/**
 * Galera's causality check for every statement that reads or writes rows: 1 (reads) + 2 (UPDATE,
 * DELETE) + 4 (INSERT, REPLACE). A node applies what the others commit a moment later, and a
 * request may reach another node than the previous one (another API instance, a load balancer,
 * a failover or failback in between): without it, a session made through one node reads as
 * invalid on another, a logout there deletes nothing, and a session insert fails its foreign key
 * on a user the node has not applied yet. With it, a node first catches up with everything
 * committed anywhere before the statement (one round trip within the cluster). A server without
 * Galera ignores the setting (MariaDB) or refuses it as an unknown variable (MySQL, 1193), which
 * is fine: it has no other node to be behind.
 */
export const CAUSAL_READS_SQL = "SET SESSION wsrep_sync_wait = 7";
export const UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * Whether a server runs statements now, on current data. On a Galera node `SELECT 1` works even
 * while it refuses everything else (joining, no quorum), so `wsrep_ready` decides there; and a
 * node that has rejoined runs statements (JOINED) before it has applied what it missed, where a
 * read could miss a session made meanwhile, so only a Synced node (state 4) or a donor (2, the
 * source of a state transfer) counts. `wsrep_on` is read first because MariaDB without Galera
 * reports `wsrep_ready` OFF, and MySQL has neither.
 */
export async function acceptsStatements(readValue: ValueReader): Promise<boolean> {
  if ((await readValue("SHOW VARIABLES LIKE 'wsrep_on'")) !== "ON") return true;
  if ((await readValue("SHOW STATUS LIKE 'wsrep_ready'")) !== "ON") return false;
  const state = await readValue("SHOW STATUS LIKE 'wsrep_local_state'");
  return state === "4" || state === "2";
}

/**
 * Whether a server can serve every request, writes included: it runs statements and is not
 * read-only (a demoted primary, maintenance). Only readiness asks this; the pool keeps reading
 * from a read-only server, since session checks need no write.
 */
export async function acceptsWrites(readValue: ValueReader): Promise<boolean> {
  if ((await readValue("SHOW VARIABLES LIKE 'read_only'")) === "ON") return false;
  return acceptsStatements(readValue);
}

/** A pool over several servers answers readiness itself (see OrderedPool). */
export interface ReadinessAware {
  anyNodeAcceptsWrites(timeoutMs: number): Promise<boolean>;
}

const isReadinessAware = (pool: object): pool is ReadinessAware =>
  typeof (pool as Partial<ReadinessAware>).anyNodeAcceptsWrites === "function";

/** Whether the database can serve requests, answered within `timeoutMs`. */
export async function isDatabaseReady(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const check = isReadinessAware(pool)
      ? pool.anyNodeAcceptsWrites(timeoutMs)
      : acceptsWrites(valueReader(pool, timeoutMs));
    return await Promise.race([check.catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
