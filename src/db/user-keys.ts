import type { Pool, RowDataPacket } from "mysql2/promise";

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
