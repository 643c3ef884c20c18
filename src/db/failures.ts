/** What mysql2 puts on its errors. */
type DbError = Error & { code?: string; errno?: number; fatal?: boolean };

const asDbError = (error: unknown): DbError | undefined =>
  error instanceof Error ? (error as DbError) : undefined;

/** Codes that mean "the database cannot be reached, is not ready, or is overloaded". */
const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_LOCK_DEADLOCK",
  "ER_QUERY_INTERRUPTED",
  "POOL_CLOSED",
  "POOL_NONEONLINE",
  "POOL_NOEXIST",
]);
/**
 * 1047 ER_UNKNOWN_COM_ERROR is how a Galera node that is joining or has lost quorum refuses a
 * statement ("WSREP has not yet prepared node for application use"); it ran nothing.
 */
const NODE_NOT_READY = 1047;
/**
 * A read-only server (a demoted primary after a failover, maintenance) refuses writes with 1290
 * ER_OPTION_PREVENTS_STATEMENT, 1792 in a read-only transaction, or 1836 ER_READ_ONLY_MODE: the
 * database cannot serve the request now, which is a 503, not a bug.
 */
const READ_ONLY_ERRNOS = [1290, 1792, 1836];
/**
 * 1180 ER_ERROR_DURING_COMMIT is how Galera reports a commit cut off by the node leaving the
 * cluster: the database is unavailable (503), and the commit's outcome is unknown, so it is never
 * retried.
 */
const ERROR_DURING_COMMIT = 1180;
const unavailableErrnos = new Set([
  NODE_NOT_READY,
  ERROR_DURING_COMMIT,
  1053,
  1205,
  1213,
  2002,
  2003,
  2006,
  2013,
  ...READ_ONLY_ERRNOS,
]);

// mysql2's pool and connections reject with plain Errors for these.
const unavailableMessages =
  /^(Queue limit reached|Pool is closed|Connection lost|Can't add new command when connection is in closed state)/;

/** True when an error says the database is unreachable, not ready or overloaded. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = asDbError(error);
  if (!e) return false;
  if (e.code && unavailableCodes.has(e.code)) return true;
  if (e.errno && unavailableErrnos.has(e.errno)) return true;
  return e.fatal === true || unavailableMessages.test(e.message);
}

/**
 * A server refused a statement before running it: a Galera node joining or without quorum, or a
 * read-only server refusing a write. Another node may take it.
 */
export function isNodeNotReady(error: unknown): boolean {
  const errno = asDbError(error)?.errno;
  return errno === NODE_NOT_READY || (errno !== undefined && READ_ONLY_ERRNOS.includes(errno));
}

/** The host could not be reached, or did not answer a check within its time limit. */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_SEQUENCE_TIMEOUT",
]);

/**
 * A host that cannot be used now (no connection, a connection lost, a node refusing to run
 * anything), as opposed to a statement that failed: another host may serve.
 */
export function isHostUnusable(error: unknown): boolean {
  const e = asDbError(error);
  if (!e) return false;
  if (isNodeNotReady(e) || e.fatal === true || isConnectionLost(e)) return true;
  return e.code !== undefined && networkCodes.has(e.code);
}

/**
 * The connection died under a statement, so it may or may not have run: only an idempotent
 * statement, or a write made safe to repeat, may be retried.
 */
export function isConnectionLost(error: unknown): boolean {
  const e = asDbError(error);
  if (!e) return false;
  if (e.code === "PROTOCOL_CONNECTION_LOST" || e.code === "ECONNRESET" || e.code === "EPIPE") {
    return true;
  }
  return /^Can't add new command when connection is in closed state/.test(e.message);
}

/**
 * The transaction was rolled back and may simply be run again: an InnoDB deadlock, or on Galera
 * a write that lost certification to a conflicting write committed on another node.
 */
export const isDeadlock = (error: unknown): boolean =>
  asDbError(error)?.code === "ER_LOCK_DEADLOCK";

/** mysql2 gave up waiting for a statement's answer (its `timeout`); the server may still run it. */
export const isStatementTimeout = (error: unknown): boolean =>
  asDbError(error)?.code === "PROTOCOL_SEQUENCE_TIMEOUT";

/**
 * A statement waited too long and was rolled back (1205): for a lock, or on Galera for the node
 * to catch up before it ran (the causal wait, bounded by `repl.causal_read_timeout`).
 */
export const isLockWaitTimeout = (error: unknown): boolean => asDbError(error)?.errno === 1205;

/** An insert or update named a parent row that is not there (a foreign key failed). */
export const isMissingParentRow = (error: unknown): boolean =>
  asDbError(error)?.code === "ER_NO_REFERENCED_ROW_2";
