// The floor /auth/me is measured against: the same HTTP stack (Hono on @hono/node-server), the
// same mysql2 pool settings, and the one statement a session check cannot avoid. No middleware,
// no Lucia, no logging. Env: PORT, DATABASE_URL, DB_POOL_SIZE.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { RowDataPacket } from "mysql2/promise";
import { hashSessionToken, parseBearerHeader } from "../src/auth/session-token.js";
import { parseDatabaseUrl } from "../src/db/database-url.js";
import { openDatabase } from "../src/db/pool.js";
import { exitWithParent } from "./orphan-guard.js";

const sessionSql = `SELECT u.id, u.username, s.active_expires, s.idle_expires
  FROM user_session s JOIN auth_user u ON u.id = s.user_id WHERE s.id = ?`;

const database = openDatabase(parseDatabaseUrl(process.env.DATABASE_URL ?? ""), {
  size: Number(process.env.DB_POOL_SIZE ?? 16),
  connectTimeoutMs: 2000,
});

const app = new Hono();
app.get("/health", (c) => c.json({ status: "ok" }));
app.get("/auth/me", async (c) => {
  const token = parseBearerHeader(c.req.header("Authorization"));
  if (!token) return c.json({ code: "UNAUTHENTICATED" }, 401);
  const [rows] = await database.pool.execute<RowDataPacket[]>(sessionSql, [
    hashSessionToken(token),
  ]);
  const row = rows[0];
  // Lucia refuses a session past its idle period; so does the baseline.
  if (!row || Number(row.idle_expires) <= Date.now()) {
    return c.json({ code: "UNAUTHENTICATED" }, 401);
  }
  return c.json({
    user: { userId: row.id as string, username: row.username as string },
    session: {
      activePeriodExpiresAt: new Date(Number(row.active_expires)).toISOString(),
      idlePeriodExpiresAt: new Date(Number(row.idle_expires)).toISOString(),
    },
  });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
exitWithParent();

const stop = () => {
  server.close(() => {
    void database.close().finally(() => process.exit(0));
  });
  if ("closeIdleConnections" in server) server.closeIdleConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
