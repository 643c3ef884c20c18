import type { Pool, RowDataPacket } from "mysql2/promise";

/**
 * Whether the database can serve requests, answered within `timeoutMs`. On a Galera node
 * `SELECT 1` works even while the node refuses statements (joining, no quorum), so
 * `wsrep_ready` decides there.
 */
export async function isDatabaseReady(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const readValue = async (sql: string) => {
    const [rows] = await pool.query<RowDataPacket[]>({ sql, timeout: timeoutMs });
    return rows[0]?.Value as string | undefined;
  };
  const check = (async () => {
    if ((await readValue("SHOW VARIABLES LIKE 'wsrep_on'")) !== "ON") return true;
    return (await readValue("SHOW STATUS LIKE 'wsrep_ready'")) === "ON";
  })().catch(() => false);
  try {
    return await Promise.race([check, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
