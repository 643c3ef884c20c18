import { readFile } from "node:fs/promises";
import mysql from "mysql2/promise";
import type { DatabaseHost, DatabaseLocation } from "./database-url.js";
import { isHostUnusable } from "./failures.js";

const schemaFile = new URL("../../schema.sql", import.meta.url);

/** Columns added after the first release: [table, column, definition]. */
const addedColumns: ReadonlyArray<readonly [string, string, string]> = [
  ["user_session", "created_at", "BIGINT UNSIGNED NULL"],
];

/**
 * Creates the database if it is missing, applies schema.sql (idempotent) and upgrades a
 * database made by an earlier schema. Uses the first host that can be reached and is ready, in
 * order, so a cluster whose first node is down still starts; DDL on one Galera node reaches all.
 */
export async function migrate(location: DatabaseLocation): Promise<void> {
  if (location.hosts.length === 0) throw new Error("DATABASE_URL names no host");
  let firstError: unknown;
  for (const host of location.hosts) {
    try {
      return await migrateOn(location, host);
    } catch (error) {
      // A statement that fails would fail on every node: only an unusable host moves on.
      if (!isHostUnusable(error)) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}

async function migrateOn(location: DatabaseLocation, host: DatabaseHost): Promise<void> {
  const connection = await mysql.createConnection({
    host: host.host,
    port: host.port,
    user: location.user,
    password: location.password,
    multipleStatements: true,
    charset: "utf8mb4_general_ci",
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${location.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    );
    await connection.changeUser({ database: location.database });
    await connection.query(await readFile(schemaFile, "utf8"));
    for (const [table, column, definition] of addedColumns) {
      const [rows] = await connection.execute<mysql.RowDataPacket[]>(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?",
        [location.database, table, column],
      );
      if (rows.length === 0) {
        // Another process starting at the same moment may add it first: that is success too.
        await connection
          .query(`ALTER TABLE \`${table}\` ADD COLUMN \`${column}\` ${definition}`)
          .catch((error: { code?: string }) => {
            if (error.code !== "ER_DUP_FIELDNAME") throw error;
          });
      }
    }
  } finally {
    // end() waits for the server's reply; a dead connection needs destroy().
    await connection.end().catch(() => connection.destroy());
  }
}
