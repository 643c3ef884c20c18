import mysql, { type RowDataPacket } from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../src/db/database-url.js";
import { migrate } from "../src/db/migrate.js";
import { dropDatabase, testServerUrl } from "./support/test-database.js";

const name = `test_auth_migrate_${Date.now().toString(36)}`;
afterAll(() => dropDatabase(name));

// The tables as Lucia v2's MySQL guide makes them, before this API added anything.
const previousSchema = `
CREATE TABLE auth_user (id VARCHAR(15) NOT NULL PRIMARY KEY, username VARCHAR(31) NOT NULL UNIQUE);
CREATE TABLE user_key (id VARCHAR(255) NOT NULL PRIMARY KEY, user_id VARCHAR(15) NOT NULL,
  hashed_password VARCHAR(255), FOREIGN KEY (user_id) REFERENCES auth_user(id));
CREATE TABLE user_session (id VARCHAR(127) NOT NULL PRIMARY KEY, user_id VARCHAR(15) NOT NULL,
  active_expires BIGINT UNSIGNED NOT NULL, idle_expires BIGINT UNSIGNED NOT NULL,
  FOREIGN KEY (user_id) REFERENCES auth_user(id));
INSERT INTO auth_user VALUES ('u1', 'Alice');
INSERT INTO user_session VALUES ('s1', 'u1', 1, 2);`;

async function columns(table: string) {
  const connection = await mysql.createConnection(`${testServerUrl}/${name}`);
  try {
    const [rows] = await connection.query<RowDataPacket[]>(`SHOW COLUMNS FROM ${table}`);
    return rows.map((row) => row.Field as string);
  } finally {
    await connection.end();
  }
}

describe("npm run db:migrate", () => {
  it("creates the database, and upgrades one made by the previous schema without losing rows, even from several processes at once", async () => {
    const connection = await mysql.createConnection({
      uri: `${testServerUrl}/`,
      multipleStatements: true,
    });
    try {
      await connection.query(`CREATE DATABASE \`${name}\``);
      await connection.changeUser({ database: name });
      await connection.query(previousSchema);
    } finally {
      await connection.end();
    }
    const location = parseDatabaseUrl(`${testServerUrl}/${name}`);
    // Three processes starting at once on the old schema: each may find the column missing.
    await Promise.all([migrate(location), migrate(location), migrate(location)]);
    await migrate(location); // idempotent
    expect(await columns("user_session")).toContain("created_at");
    expect(await columns("rate_limit")).toEqual(["bucket", "hits", "reset_at"]);
    const check = await mysql.createConnection(`${testServerUrl}/${name}`);
    const [rows] = await check.query<RowDataPacket[]>("SELECT id, created_at FROM user_session");
    await check.end();
    expect(rows).toEqual([{ id: "s1", created_at: null }]);
  });
});
