import type { MiddlewareHandler } from "hono";
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
    path: c.req.path,
    status: c.res.status,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  });
};
