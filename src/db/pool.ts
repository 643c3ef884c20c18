import mysql, { type Pool, type PoolOptions } from "mysql2/promise";
import type { DatabaseHost, DatabaseLocation } from "./database-url.js";
import { CAUSAL_READS_SQL } from "./health.js";
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
 * A mysql2 pool on one server whose new connections ask for causal reads (CAUSAL_READS_SQL) in
 * case it is a Galera node, e.g. behind a proxy. mysql2 runs a connection's commands in order, so
 * this runs before anything the pool lends the connection for. (With several hosts, OrderedPool
 * makes the setting part of each new connection's time-limited readiness check instead.)
 */
function createSingleServerPool(options: PoolOptions): Pool {
  const pool = mysql.createPool(options);
  pool.pool.on("connection", (connection) => {
    connection.query(CAUSAL_READS_SQL, () => undefined);
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
    const pool = createSingleServerPool(connectionOptions(location, first, settings));
    return { pool, close: () => pool.end() };
  }
  const ordered = new OrderedPool(
    location.hosts.map((host) => connectionOptions(location, host, settings)),
    NODE_RETRY_AFTER_MS,
  );
  // It offers query/execute/getConnection, which is all the adapter and our data modules use.
  return { pool: ordered as unknown as Pool, close: () => ordered.end() };
}
