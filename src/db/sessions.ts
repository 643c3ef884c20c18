import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { deleteInBatches } from "./purge.js";

/** Deletes sessions past their idle period (Lucia already refuses them); returns how many. */
export const purgeExpiredSessions = (pool: Pool, now = Date.now()): Promise<number> =>
  deleteInBatches(pool, "DELETE FROM user_session WHERE idle_expires <= ?", [now]);

export interface StoredSession {
  /** SHA-256 of the token: an opaque handle, not a usable token. */
  id: string;
  createdAt: number | null;
  activeExpires: number;
  idleExpires: number;
}

/** A user's live sessions, newest first. */
export async function listLiveSessions(pool: Pool, userId: string, now = Date.now()) {
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT id, created_at, active_expires, idle_expires FROM user_session
      WHERE user_id = ? AND idle_expires > ?
      ORDER BY created_at IS NULL, created_at DESC, idle_expires DESC`,
    [userId, now],
  );
  return rows.map(
    (row): StoredSession => ({
      id: row.id,
      createdAt: row.created_at === null ? null : Number(row.created_at),
      activeExpires: Number(row.active_expires),
      idleExpires: Number(row.idle_expires),
    }),
  );
}

/** What a handle looks like: the hex SHA-256 the session table stores. */
const handleShape = /^[0-9a-f]{64}$/;

/**
 * Ends one of a user's sessions by handle; false when the user has no live session by it.
 * Anything not shaped like a handle is no session: it never reaches the ASCII column, where
 * non-ASCII text fails the comparison and trailing spaces would be ignored.
 */
export async function deleteUserSession(pool: Pool, userId: string, handle: string) {
  if (!handleShape.test(handle)) return false;
  const [result] = await pool.execute<ResultSetHeader>(
    "DELETE FROM user_session WHERE id = ? AND user_id = ? AND idle_expires > ?",
    [handle, userId, Date.now()],
  );
  return result.affectedRows > 0;
}

/** Ends every session of a user except the one by handle `keep` (if given). */
export async function deleteOtherSessions(pool: Pool, userId: string, keep: string | null) {
  await pool.execute("DELETE FROM user_session WHERE user_id = ? AND id <> ?", [
    userId,
    keep ?? "",
  ]);
}
