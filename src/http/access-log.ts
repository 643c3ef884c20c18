import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
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
 * The path to log: a route with parameters as its pattern (`/auth/sessions/:id`), since a
 * parameter may be a secret (a client that sends its token where a session handle belongs);
 * any other path as it came.
 */
function loggedPath(c: Context<AppEnv>): string {
  const route = matchedRoutes(c).at(-1)?.path;
  return route?.includes(":") ? route : c.req.path;
}
