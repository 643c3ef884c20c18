import type { Pool, PoolConnection } from "mysql2/promise";

/**
 * Runs `work` in a transaction on one pooled connection. The connection goes back to the pool
 * even when the rollback fails too (a dead connection), so a database outage cannot drain the
 * pool — unlike the Lucia MySQL adapter's own helper, which skips release() then.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}
