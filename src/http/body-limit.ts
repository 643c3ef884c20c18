import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";

export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * For routes that read a body: past 16 KiB the request fails with 413 as soon as the limit is
 * crossed (Content-Length, or counting a chunked stream), without buffering the rest. Routes
 * without a body never read it, so they need no limit.
 */
export const limitBody = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new HTTPException(413);
  },
});
