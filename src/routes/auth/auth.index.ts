import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.js";
import { validationHook } from "../../http/errors.js";
import * as handlers from "./auth.handlers.js";
import * as routes from "./auth.routes.js";

/** The /auth routes. */
export function authRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.signup, handlers.signupHandler)
    .openapi(routes.login, handlers.loginHandler)
    .openapi(routes.me, handlers.meHandler)
    .openapi(routes.logout, handlers.logoutHandler);
}
