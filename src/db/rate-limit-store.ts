import type { ClientRateLimitInfo, Store } from "hono-rate-limiter";
import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { deleteInBatches } from "./purge.js";

// One statement counts and reports: a window that has ended starts again at 1, and
// LAST_INSERT_ID(expr) hands the new count back in the OK packet (insertId), so no SELECT is
// needed. ON DUPLICATE KEY UPDATE assigns left to right: `hits` still sees the old `reset_at`.
const incrementSql = `INSERT INTO rate_limit (bucket, hits, reset_at) VALUES (?, 1, ?)
  ON DUPLICATE KEY UPDATE
    hits = LAST_INSERT_ID(IF(reset_at <= ?, 1, hits + 1)),
    reset_at = IF(reset_at <= ?, VALUES(reset_at), reset_at)`;

/**
 * A hono-rate-limiter store on the `rate_limit` table: fixed windows, counted with one atomic
 * upsert, so every API process on the database shares the counts.
 */
export class MySqlRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private limit = 0;

  constructor(
    private readonly pool: Pool,
    readonly prefix: string,
  ) {}

  init(options: { windowMs: number; limit: unknown }) {
    this.windowMs = options.windowMs;
    if (typeof options.limit === "number") this.limit = options.limit;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = Date.now();
    const [result] = await this.pool.execute<ResultSetHeader>(incrementSql, [
      this.prefix + key,
      now + this.windowMs,
      now,
      now,
    ]);
    // A new row (affectedRows 1) or a restarted window counts 1 and ends a window from now.
    const totalHits = result.affectedRows === 1 ? 1 : result.insertId;
    if (totalHits <= 1) return { totalHits: 1, resetTime: new Date(now + this.windowMs) };
    // Only a limited client needs to know when its window ends (for Retry-After).
    if (totalHits > this.limit) return (await this.get(key)) ?? { totalHits };
    return { totalHits };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      "SELECT hits, reset_at FROM rate_limit WHERE bucket = ?",
      [this.prefix + key],
    );
    const row = rows[0];
    if (!row || Number(row.reset_at) <= Date.now()) return undefined;
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.reset_at)) };
  }

  async decrement(key: string): Promise<void> {
    await this.pool.execute(
      "UPDATE rate_limit SET hits = GREATEST(hits, 1) - 1 WHERE bucket = ? AND reset_at > ?",
      [this.prefix + key, Date.now()],
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.pool.execute("DELETE FROM rate_limit WHERE bucket = ?", [this.prefix + key]);
  }
}

/** Deletes counters whose window has ended; returns how many. */
export const purgeExpiredRateLimits = (pool: Pool, now = Date.now()): Promise<number> =>
  deleteInBatches(pool, "DELETE FROM rate_limit WHERE reset_at <= ?", [now]);
