import type { Pool } from "mysql2/promise";
import { inTransaction } from "./transaction.js";

/**
 * Deletes a user with their sessions and keys in one transaction, so a failure halfway leaves
 * the account whole (Lucia's `deleteUser` runs three separate statements).
 */
export function deleteUserCompletely(pool: Pool, userId: string): Promise<void> {
  return inTransaction(pool, async (connection) => {
    await connection.execute("DELETE FROM user_session WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM user_key WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM auth_user WHERE id = ?", [userId]);
  });
}
