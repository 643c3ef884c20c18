import mysql, { type Pool, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll } from "vitest";
import { createApp } from "../../src/app.js";
import type { Config } from "../../src/env.js";
import { createLogger } from "../../src/logger.js";
import { listen } from "./http-server.js";
import type { ResponseRecorder } from "./response-recorder.js";
import { testConfig } from "./test-app.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** One running app; every response through `fetch` is checked against the document. */
export interface Target {
  baseUrl: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** The apps the contract test needs to make every documented status happen. */
export interface ContractApps {
  /** Ordinary configuration. */
  main: Target;
  /** Every brute-force limit at 1, counted per `X-Forwarded-For`, so each scenario owns its IP. */
  limited: Target;
  /** A pool on a closed port: the database is unreachable (503). */
  unreachable: Target;
  /** A database without tables: every statement fails with a non-transient error (500). */
  broken: Target;
}

async function dropAllTables(db: TestDatabase) {
  const connection = await db.pool.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?",
      [db.name],
    );
    await connection.query("SET FOREIGN_KEY_CHECKS = 0");
    for (const { name } of rows) await connection.query(`DROP TABLE \`${name}\``);
  } finally {
    // The session variable must not leak into the pool's next borrower.
    connection.destroy();
  }
}

/** Starts the four apps over real HTTP in beforeAll and tears them down in afterAll. */
export function useContractApps(recorder: ResponseRecorder): ContractApps {
  const apps = {} as ContractApps;
  const cleanups: (() => Promise<void>)[] = [];

  const serve = async (config: Config, pool: Pool): Promise<Target> => {
    const server = await listen(createApp({ config, pool, logger: createLogger("silent") }));
    cleanups.push(server.close);
    return { baseUrl: server.baseUrl, fetch: recorder.fetch(server.baseUrl) };
  };
  const database = async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    return db;
  };

  beforeAll(async () => {
    apps.main = await serve(testConfig(), (await database()).pool);
    const limits = { SIGNUPS_PER_IP: 1, LOGIN_ATTEMPTS_PER_IP: 1, LOGIN_FAILURES_PER_ACCOUNT: 1 };
    apps.limited = await serve(
      testConfig({ ...limits, TRUST_PROXY: true }),
      (await database()).pool,
    );
    const closedPort = mysql.createPool({ host: "127.0.0.1", port: 1, connectTimeout: 500 });
    cleanups.push(() => closedPort.end());
    apps.unreachable = await serve(testConfig({ DB_CONNECT_TIMEOUT_MS: 500 }), closedPort);
    const broken = await database();
    await dropAllTables(broken);
    apps.broken = await serve(testConfig(), broken.pool);
  });
  afterAll(async () => {
    // Servers close before the databases they use are dropped.
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return apps;
}
