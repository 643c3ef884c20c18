import type { Pool } from "mysql2/promise";
import { createApp, openApiInfo } from "./app.js";
import { defaultConfig } from "./env.js";
import { createLogger } from "./logger.js";

/**
 * The OpenAPI document the code describes, built without a database: the routes are only
 * registered, never called, so the pool is never touched.
 */
export function openApiDocument() {
  const app = createApp({
    config: defaultConfig(),
    pool: {} as Pool,
    logger: createLogger("silent"),
  });
  return app.getOpenAPI31Document(openApiInfo);
}
