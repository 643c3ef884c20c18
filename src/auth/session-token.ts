import { createHash } from "node:crypto";

/**
 * What the session table stores for a token: its SHA-256, hex. Synchronous on purpose: about a
 * microsecond, and it never waits behind password hashes on libuv's thread pool.
 */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** RFC 6750 `b64token`. */
const bearerHeader = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The token of an `Authorization: Bearer <token>` header, parsed strictly: scheme in any case,
 * one space, one b64token, nothing else. Anything else is not a session (null).
 */
export function parseBearerHeader(header: string | undefined | null): string | null {
  if (!header || header.length > 1024) return null;
  return bearerHeader.exec(header)?.[1] ?? null;
}
