import { readFile } from "node:fs/promises";
import mysql from "mysql2/promise";
import type { DatabaseLocation } from "./database-url.js";

const schemaFile = new URL("../../schema.sql", import.meta.url);

/** Columns added after the first release: [table, column, definition]. */
const addedColumns: ReadonlyArray<readonly [string, string, string]> = [
  ["user_session", "created_at", "BIGINT UNSIGNED NULL"],
];

/**
 * Creates the database if it is missing, applies schema.sql (idempotent) and upgrades a
 * database made by an earlier schema. Uses the first host of the location.
 */
export async function migrate(location: DatabaseLocation): Promise<void> {
  const host = location.hosts[0];
  if (!host) throw new Error("DATABASE_URL names no host");
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
        await connection.query(`ALTER TABLE \`${table}\` ADD COLUMN \`${column}\` ${definition}`);
      }
    }
  } finally {
    await connection.end();
  }
}
