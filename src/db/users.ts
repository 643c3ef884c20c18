import type { Pool, RowDataPacket } from "mysql2/promise";
import { inTransaction } from "./transaction.js";

/**
 * Deletes a user with their sessions and keys in one transaction, so a failure halfway leaves
 * the account whole (Lucia's `deleteUser` runs three separate statements) — but only while the
 * key's password hash is still `checkedHash`, the one the caller's password was checked against:
 * a password change that landed meanwhile wins ("changed"). The user row is locked first, so a
 * login storing a session at the same moment waits (and then finds no user) instead of
 * deadlocking with the session delete.
 */
export function deleteUserCompletely(
  pool: Pool,
  userId: string,
  keyId: string,
  checkedHash: string,
): Promise<"deleted" | "changed" | "gone"> {
  return inTransaction(pool, async (connection) => {
    const [users] = await connection.execute<RowDataPacket[]>(
      "SELECT id FROM auth_user WHERE id = ? FOR UPDATE",
      [userId],
    );
    if (users.length === 0) return "gone";
    const [keys] = await connection.execute<RowDataPacket[]>(
      "SELECT hashed_password FROM user_key WHERE id = ? FOR UPDATE",
      [keyId],
    );
    if (keys[0]?.hashed_password !== checkedHash) return "changed";
    await connection.execute("DELETE FROM user_session WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM user_key WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM auth_user WHERE id = ?", [userId]);
    return "deleted";
  });
}
