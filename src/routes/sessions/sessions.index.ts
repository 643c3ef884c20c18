import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.js";
import { validationHook } from "../../http/errors.js";
import * as handlers from "./sessions.handlers.js";
import * as routes from "./sessions.routes.js";

/** /auth/sessions and /auth/logout-all: a user's sessions across devices. */
export function sessionsRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.listSessions, handlers.listSessionsHandler)
    .openapi(routes.revokeSession, handlers.revokeSessionHandler)
    .openapi(routes.logoutAll, handlers.logoutAllHandler);
}
