import { connect } from "node:net";
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
  /** A 300 ms request timeout, and a way to send a request whose body stops halfway (408). */
  impatient: Target & { stalled(path: string, init?: RequestInit): Promise<Response> };
}

/** Splits a raw HTTP/1.1 answer (Content-Length framed) into a fetch Response. */
function parseRawResponse(raw: string): Response {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return new Response(body, { status: Number(statusLine.split(" ")[1]), headers });
}

/**
 * Sends `init`'s method and headers to `path` with a JSON body announced at 100 bytes, of which
 * only a few arrive, and returns the answer the server gives (recorded like a fetch's).
 */
const stalledRequest =
  (recorder: ResponseRecorder, baseUrl: string) =>
  async (path: string, init: RequestInit = {}) => {
    const { port } = new URL(baseUrl);
    const method = init.method ?? "POST";
    const extra = [...new Headers(init.headers)].filter(
      ([name]) => name !== "content-type" && name !== "content-length",
    );
    const head = [
      `${method} ${path} HTTP/1.1`,
      "Host: localhost",
      "Content-Type: application/json",
      "Content-Length: 100",
      ...extra.map(([name, value]) => `${name}: ${value}`),
    ].join("\r\n");
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(`${head}\r\n\r\n{"x":`));
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    return recorder.record(method, `${baseUrl}${path}`, parseRawResponse(raw));
  };

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
    const impatient = await serve(testConfig({ REQUEST_TIMEOUT_MS: 300 }), (await database()).pool);
    apps.impatient = { ...impatient, stalled: stalledRequest(recorder, impatient.baseUrl) };
  });
  afterAll(async () => {
    // Servers close before the databases they use are dropped.
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return apps;
}
