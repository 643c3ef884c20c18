import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";

/** The stored password hash of a key, or null (no such key, or a key without a password). */
export async function findPasswordHash(pool: Pool, keyId: string): Promise<string | null> {
  const [rows] = await pool.execute<RowDataPacket[]>(
    "SELECT hashed_password FROM user_key WHERE id = ?",
    [keyId],
  );
  return (rows[0]?.hashed_password as string | null | undefined) ?? null;
}

/** The owner of a key, or null. */
export async function findKeyOwner(pool: Pool, keyId: string): Promise<string | null> {
  const [rows] = await pool.execute<RowDataPacket[]>("SELECT user_id FROM user_key WHERE id = ?", [
    keyId,
  ]);
  return (rows[0]?.user_id as string | undefined) ?? null;
}

/**
 * Replaces a key's password hash, but only while it still is `expected` (the hash just verified):
 * a password change that landed in between wins. True when the hash was replaced.
 */
export async function replacePasswordHash(
  pool: Pool,
  keyId: string,
  expected: string,
  replacement: string,
): Promise<boolean> {
  const [result] = await pool.execute<ResultSetHeader>(
    "UPDATE user_key SET hashed_password = ? WHERE id = ? AND hashed_password = ?",
    [replacement, keyId, expected],
  );
  return result.affectedRows > 0;
}

/**
 * True while some key still holds a password hash in Lucia v2's scrypt format (an account not
 * signed in since the move from Lucia's guide). One scan, at start-up.
 */
export async function hasLegacyPasswordHashes(pool: Pool): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT EXISTS (SELECT 1 FROM user_key WHERE hashed_password NOT LIKE '$argon2%') AS legacy",
  );
  return Number(rows[0]?.legacy) === 1;
}
