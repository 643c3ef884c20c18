import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { problemResponse } from "./problem.js";

const jsonMediaType = /^application\/json\s*(;|$)/i;
/** The spelling @hono/zod-openapi's body validator accepts: no blanks around ";" or "=". */
const compactJsonMediaType = /^application\/json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** `application/json ; charset = utf-8` → `application/json; charset=utf-8`. */
const compact = (mediaType: string) =>
  mediaType
    .split(";")
    .map((part) =>
      part
        .split("=")
        .map((side) => side.trim())
        .join("="),
    )
    .join("; ");

/**
 * Routes with a JSON body answer 415 to any other media type (or none). RFC 9110 allows blanks
 * around ";" and "=" in a media type; the body validator does not, so such a header is rewritten
 * to the compact form before it runs (rare: clients write the compact form).
 */
export const jsonOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!jsonMediaType.test(contentType)) {
    return problemResponse(c, "UNSUPPORTED_MEDIA_TYPE", {
      detail: "Send the body as application/json.",
    });
  }
  if (!compactJsonMediaType.test(contentType)) {
    c.req.raw.headers.set("Content-Type", compact(contentType));
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
