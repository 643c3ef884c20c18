import type { Pool, ResultSetHeader } from "mysql2/promise";

/** Rows one purge statement deletes at most. */
export const PURGE_BATCH_ROWS = 1000;

/**
 * Runs a `DELETE … LIMIT ${PURGE_BATCH_ROWS}` until it deletes fewer rows; returns how many in
 * all. Small statements keep each one's locks short (logins and signups insert into the same
 * tables meanwhile) and, on Galera, each write set small: one statement for a day's expired
 * rows would be one large write set every node certifies and applies at once.
 */
export async function deleteInBatches(pool: Pool, sql: string, params: number[]) {
  let total = 0;
  for (;;) {
    const [result] = await pool.execute<ResultSetHeader>(
      `${sql} LIMIT ${PURGE_BATCH_ROWS}`,
      params,
    );
    total += result.affectedRows;
    if (result.affectedRows < PURGE_BATCH_ROWS) return total;
  }
}
