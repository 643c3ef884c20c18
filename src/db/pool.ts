import mysql, { type Pool, type PoolOptions } from "mysql2/promise";
import type { DatabaseHost, DatabaseLocation } from "./database-url.js";
import { OrderedPool } from "./ordered-pool.js";

/**
 * What the app needs from MySQL: something that runs statements and lends connections for
 * transactions (a mysql2 Pool, or a PoolCluster namespace), and a way to close it.
 */
export interface Database {
  readonly pool: Pool;
  close(): Promise<void>;
}

export interface PoolSettings {
  size: number;
  connectTimeoutMs: number;
}

/** How long a failed or unready node is skipped before a request tries it again. */
export const NODE_RETRY_AFTER_MS = 3000;

function connectionOptions(
  location: DatabaseLocation,
  host: DatabaseHost,
  settings: PoolSettings,
): PoolOptions {
  return {
    host: host.host,
    port: host.port,
    user: location.user,
    password: location.password,
    database: location.database,
    connectionLimit: settings.size,
    maxIdle: settings.size,
    // A bounded wait list: past it a request fails at once (503) instead of piling up.
    queueLimit: settings.size * 64,
    connectTimeout: settings.connectTimeoutMs,
    enableKeepAlive: true,
    // BIGINT expiry columns come back as numbers (they are far below 2^53).
    supportBigNumbers: true,
    bigNumberStrings: false,
    charset: "utf8mb4_general_ci",
    timezone: "Z",
    // mysql2 otherwise captures a stack trace on every statement, to show the caller if it fails:
    // ~20 µs of a ~170 µs GET /auth/me. A failed statement still names itself (`err.sql`, the
    // error code), which is what the error log shows.
    trace: false,
  };
}

/**
 * Galera's causality check for every statement that reads or writes rows: 1 (reads) + 2 (UPDATE,
 * DELETE) + 4 (INSERT, REPLACE). A node applies what the others commit a moment later, and a
 * request may reach another node than the previous one (another API instance, a load balancer,
 * a failover or failback in between): without it, a session made through one node reads as
 * invalid on another, a logout there deletes nothing, and a session insert fails its foreign key
 * on a user the node has not applied yet. With it, a node first catches up with everything
 * committed anywhere before the statement (one round trip within the cluster).
 */
const CAUSAL_SYNC_WAIT = 7;

/**
 * A mysql2 pool whose new connections ask for causal reads when the server is a Galera node. A
 * server without Galera ignores the setting (MariaDB) or refuses it as an unknown variable
 * (MySQL), which is fine: it has no other node to be behind. mysql2 runs a connection's commands
 * in order, so this runs before anything the pool lends the connection for.
 */
export function createNodePool(options: PoolOptions): Pool {
  const pool = mysql.createPool(options);
  pool.pool.on("connection", (connection) => {
    connection.query(`SET SESSION wsrep_sync_wait = ${CAUSAL_SYNC_WAIT}`, () => undefined);
  });
  return pool;
}

/**
 * Opens a pool on one server, or an OrderedPool over several (the nodes of a Galera cluster,
 * used one at a time, in order; see ordered-pool.ts).
 */
export function openDatabase(location: DatabaseLocation, settings: PoolSettings): Database {
  const [first, ...rest] = location.hosts;
  if (!first) throw new Error("DATABASE_URL names no host");
  if (rest.length === 0) {
    const pool = createNodePool(connectionOptions(location, first, settings));
    return { pool, close: () => pool.end() };
  }
  const ordered = new OrderedPool(
    location.hosts.map((host) => connectionOptions(location, host, settings)),
    NODE_RETRY_AFTER_MS,
  );
  // It offers query/execute/getConnection, which is all the adapter and our data modules use.
  return { pool: ordered as unknown as Pool, close: () => ordered.end() };
}
