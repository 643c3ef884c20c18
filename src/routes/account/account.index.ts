import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.js";
import { validationHook } from "../../http/errors.js";
import * as handlers from "./account.handlers.js";
import * as routes from "./account.routes.js";

/** POST /auth/password and DELETE /auth/me. */
export function accountRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.changePassword, handlers.changePasswordHandler)
    .openapi(routes.deleteAccount, handlers.deleteAccountHandler);
}
