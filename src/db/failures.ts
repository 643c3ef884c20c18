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
const unavailableErrnos = new Set([NODE_NOT_READY, 1053, 1205, 1213, 2002, 2003, 2006, 2013]);

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

/** A Galera node refused a statement because it is joining or without quorum; it ran nothing. */
export const isNodeNotReady = (error: unknown): boolean =>
  asDbError(error)?.errno === NODE_NOT_READY;

const networkCodes = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * A host that cannot be used now (no connection, a connection lost, a node refusing to run
 * anything), as opposed to a statement that failed: another host may serve.
 */
export function isHostUnusable(error: unknown): boolean {
  const e = asDbError(error);
  if (!e) return false;
  if (e.errno === NODE_NOT_READY || e.fatal === true || isConnectionLost(e)) return true;
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

/** An insert or update named a parent row that is not there (a foreign key failed). */
export const isMissingParentRow = (error: unknown): boolean =>
  asDbError(error)?.code === "ER_NO_REFERENCED_ROW_2";
