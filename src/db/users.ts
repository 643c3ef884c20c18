import type { Pool } from "mysql2/promise";

/**
 * Deletes a user with their sessions and keys in one transaction, so a failure halfway leaves
 * the account whole (Lucia's `deleteUser` runs three separate statements).
 */
export async function deleteUserCompletely(pool: Pool, userId: string): Promise<void> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    await connection.execute("DELETE FROM user_session WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM user_key WHERE user_id = ?", [userId]);
    await connection.execute("DELETE FROM auth_user WHERE id = ?", [userId]);
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}
