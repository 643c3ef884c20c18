import { OpenAPIHono } from "@hono/zod-openapi";
import { isDatabaseReady } from "../../db/health.js";
import type { AppEnv } from "../../http/app-env.js";
import { RETRY_AFTER_SECONDS } from "../../http/errors.js";
import { problemResponse } from "../../http/problem.js";
import { health, ready } from "./system.routes.js";

/** /health and /ready. */
export function systemRouter() {
  return new OpenAPIHono<AppEnv>()
    .openapi(health, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(ready, async (c) => {
      const { pool, config } = c.get("deps");
      if (await isDatabaseReady(pool, config.DB_CONNECT_TIMEOUT_MS)) {
        return c.json({ status: "ready" as const }, 200);
      }
      return problemResponse(c, "SERVICE_UNAVAILABLE", {
        detail: "The database is not answering.",
        headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
      });
    });
}
