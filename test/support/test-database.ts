import { randomBytes } from "node:crypto";
import mysql, { type Pool } from "mysql2/promise";
import { parseDatabaseUrl } from "../../src/db/database-url.js";
import { migrate } from "../../src/db/migrate.js";
import { openDatabase } from "../../src/db/pool.js";

/** The server tests run against; override with TEST_DATABASE_URL (a URL without the database). */
export const testServerUrl = process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306";

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A new database with a random name and the schema applied; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_auth_${randomBytes(6).toString("hex")}`;
  const url = `${testServerUrl}/${name}`;
  const location = parseDatabaseUrl(url);
  await migrate(location);
  const database = openDatabase(location, { size: 8, connectTimeoutMs: 2000 });
  return {
    name,
    url,
    pool: database.pool,
    async drop() {
      await database.close();
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string) {
  const connection = await mysql.createConnection(`${testServerUrl}/`);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
