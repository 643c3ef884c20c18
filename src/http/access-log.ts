import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";

/**
 * One JSON line per request: id, method, path (never the query string, which could carry a
 * token someone pasted there), status and duration. Headers and bodies are never logged.
 */
export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const { logger } = c.get("deps");
  if (!logger.isLevelEnabled("info")) return;
  logger.info({
    requestId: c.get("requestId"),
    method: c.req.method,
    path: loggedPath(c),
    status: c.res.status,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  });
};

/**
 * The path to log. A session handle's place is redacted whatever route matched, since a client
 * that confuses its token with a handle puts the token there — in the DELETE, in the browser's
 * CORS preflight before it, and in any mistyped path below it. Any other long run of letters and
 * digits (a token pasted into a mistyped path: `/auth/me/<token>`, `/auth%2Fsessions/<token>`)
 * is redacted too; no route of this API has one.
 */
function loggedPath(c: Context<AppEnv>): string {
  // Any spelling that can reach that place: doubled slashes, letter case, an encoded slash.
  return c.req.path
    .replace(/^\/+auth\/+sessions(?:\/|%2f).*/i, "/auth/sessions/:id")
    .replace(/[A-Za-z0-9]{24,}/g, ":redacted");
}
