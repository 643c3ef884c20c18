import { isUtf8 } from "node:buffer";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { problemResponse } from "./problem.js";

const jsonMediaType = /^application\/json\s*(;|$)/i;
/** The spelling @hono/zod-openapi's body validator accepts: no blanks around ";" or "=". */
const compactJsonMediaType = /^application\/json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** `application/json ; charset = utf-8;` → `application/json; charset=utf-8`. */
const compact = (mediaType: string) =>
  mediaType
    .split(";")
    .map((part) =>
      part
        .split("=")
        .map((side) => side.trim())
        .join("="),
    )
    .filter((part) => part !== "")
    .join("; ");

/**
 * Routes with a JSON body answer 415 to any other media type (or none), and to a compressed body
 * (a `Content-Encoding` other than identity; RFC 9110 §15.5.16). RFC 9110 allows blanks around
 * ";" and "=" in a media type, and empty parameters; the body validator does not, so such a header is rewritten to the
 * compact form before it runs (rare: clients write the compact form).
 *
 * The body must be UTF-8 (RFC 8259 §8.1), whatever `charset` the header names: a decoder would
 * turn every invalid byte into U+FFFD, so different passwords would become the same one. Such a
 * body is MALFORMED_JSON. (The body is read here; later readers get the cached copy.)
 */
export const jsonOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!jsonMediaType.test(contentType)) {
    return problemResponse(c, "UNSUPPORTED_MEDIA_TYPE", {
      detail: "Send the body as application/json.",
    });
  }
  const encoding = c.req.header("Content-Encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return problemResponse(c, "UNSUPPORTED_MEDIA_TYPE", {
      detail: "Send the body uncompressed: no Content-Encoding is accepted.",
      headers: { "Accept-Encoding": "identity" },
    });
  }
  if (!compactJsonMediaType.test(contentType)) {
    c.req.raw.headers.set("Content-Type", compact(contentType));
  }
  if (!isUtf8(await c.req.arrayBuffer())) {
    return problemResponse(c, "MALFORMED_JSON", { detail: "The body is not valid UTF-8." });
  }
  await next();
};

/**
 * Like jsonOnly, but a request without a body (none announced, `Content-Length: 0`, or an empty
 * chunked one) is fine too, with or without a Content-Type: some clients send one on every
 * request. Its Content-Type is then dropped, so nothing downstream takes it for a JSON body.
 */
export const jsonOrEmpty: MiddlewareHandler<AppEnv> = async (c, next) => {
  const length = c.req.header("Content-Length");
  const empty =
    length === undefined ? (await c.req.arrayBuffer()).byteLength === 0 : Number(length) === 0;
  if (!empty) return jsonOnly(c, next);
  c.req.raw.headers.delete("Content-Type");
  await next();
};
