// The throwaway database: created with the app's own migration, seeded with bulk INSERTs.
import { randomBytes } from "node:crypto";
import { generateRandomString } from "lucia/utils";
import mysql from "mysql2/promise";
import { createPasswordHasher } from "../src/auth/password-hasher.js";
import { hashSessionToken } from "../src/auth/session-token.js";
import { parseDatabaseUrl } from "../src/db/database-url.js";
import { migrate } from "../src/db/migrate.js";

export const SERVER_URL = process.env.BENCH_DATABASE_SERVER ?? "mysql://root@127.0.0.1:3306";
export const PASSWORD = "bench password 7f3a9c";
const BATCH = 5000;
const DAY_MS = 86_400_000;

export interface Seed {
  usernames: string[];
  tokens: string[];
  /** The Argon2id hash every seeded user shares. */
  passwordHash: string;
}

export function newDatabaseName(): string {
  return `bench_auth_${randomBytes(6).toString("hex")}`;
}

/** Runs `work` on a connection to the server (no database selected). */
export async function withServer<T>(work: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(`${SERVER_URL}/`);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await withServer((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
}

async function insertBatched(c: mysql.Connection, sql: string, rows: unknown[][]) {
  // One transaction per table: one redo-log flush instead of one per batch.
  await c.beginTransaction();
  for (let i = 0; i < rows.length; i += BATCH) {
    await c.query(sql, [rows.slice(i, i + BATCH)]);
  }
  await c.commit();
}

/** Creates the schema in database `name` and seeds users, keys and sessions. */
export async function createSeededDatabase(
  name: string,
  users: number,
  sessions: number,
): Promise<Seed> {
  const url = `${SERVER_URL}/${name}`;
  await migrate(parseDatabaseUrl(url));
  // The app's own hasher, so the stored hash has exactly the parameters production writes.
  const hasher = createPasswordHasher({ concurrency: 1, queueLimit: 0 });
  const passwordHash = await hasher.generate(PASSWORD);

  const userIds = Array.from({ length: users }, () => generateRandomString(15));
  const usernames = userIds.map((_, i) => `bench_${String(i).padStart(6, "0")}`);
  const tokens = Array.from({ length: sessions }, () => generateRandomString(40));
  const now = Date.now();

  const connection = await mysql.createConnection(url);
  try {
    const userRows = userIds.map((id, i) => [id, usernames[i]]);
    await insertBatched(connection, "INSERT INTO auth_user (id, username) VALUES ?", userRows);
    const keyRows = userIds.map((id, i) => [
      `username:${usernames[i]?.toLowerCase()}`,
      id,
      passwordHash,
    ]);
    const keySql = "INSERT INTO user_key (id, user_id, hashed_password) VALUES ?";
    await insertBatched(connection, keySql, keyRows);
    const sessionRows = tokens.map((token, i) => [
      hashSessionToken(token),
      userIds[i % users],
      now + DAY_MS,
      now + 15 * DAY_MS,
      now,
    ]);
    const sessionSql =
      "INSERT INTO user_session (id, user_id, active_expires, idle_expires, created_at) VALUES ?";
    await insertBatched(connection, sessionSql, sessionRows);
  } finally {
    await connection.end();
  }
  return { usernames, tokens, passwordHash };
}
