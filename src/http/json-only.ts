import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { problemResponse } from "./problem.js";

const jsonMediaType = /^application\/json\s*(;|$)/i;

/** Routes with a JSON body answer 415 to any other media type (or none). */
export const jsonOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!jsonMediaType.test(c.req.header("Content-Type") ?? "")) {
    return problemResponse(c, "UNSUPPORTED_MEDIA_TYPE", {
      detail: "Send the body as application/json.",
    });
  }
  await next();
};

/** Like jsonOnly, but a request without any body is fine too (an optional body). */
export const jsonOrEmpty: MiddlewareHandler<AppEnv> = async (c, next) => {
  const length = c.req.header("Content-Length");
  const hasBody = (length !== undefined && length !== "0") || c.req.header("Transfer-Encoding");
  if (!hasBody && !c.req.header("Content-Type")) return next();
  return jsonOnly(c, next);
};
