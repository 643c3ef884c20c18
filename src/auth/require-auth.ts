import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { problemResponse } from "../http/problem.js";
import { parseBearerHeader } from "./session-token.js";

/** The Bearer scheme followed by something: a token was sent, however malformed. */
const sentBearerToken = /^bearer\s+\S/i;

/**
 * Protects a route: a strictly parsed bearer token, validated by Lucia's
 * `validateBearerToken()` (which renews an idle session), puts the session on `c.get("session")`.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("Authorization");
  const token = parseBearerHeader(header);
  const session = token ? await validate(c.get("deps").auth, c.req.method, c.req.url, token) : null;
  if (!session) return unauthenticated(c, sentBearerToken.test(header ?? ""));
  c.set("session", session);
  await next();
};

function validate(
  auth: AppEnv["Variables"]["deps"]["auth"],
  method: string,
  url: string,
  token: string,
) {
  // Lucia reads the header itself, and its own parser is lax ("Bearer a b" yields "a"), so it is
  // handed a request that carries only the token we parsed — and no cookie to read.
  const request = { method, url, headers: new Headers({ Authorization: `Bearer ${token}` }) };
  return auth.handleRequest(request as Request).validateBearerToken();
}

/** 401 UNAUTHENTICATED with its challenge; `invalid_token` when a token was sent (RFC 6750). */
export function unauthenticated(c: Context<AppEnv>, sentToken: boolean) {
  return problemResponse(c, "UNAUTHENTICATED", {
    headers: {
      "WWW-Authenticate": sentToken
        ? 'Bearer realm="api", error="invalid_token"'
        : 'Bearer realm="api"',
    },
  });
}
