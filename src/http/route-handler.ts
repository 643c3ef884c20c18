import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";

/** A handler typed by its route definition. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
