import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import type { Pool } from "mysql2/promise";
import { MySqlRateLimitStore } from "../db/rate-limit-store.js";
import type { Config } from "../env.js";
import type { AppEnv } from "./app-env.js";
import { addressBucket, clientIp } from "./client-ip.js";
import { problemResponse } from "./problem.js";

type Limits = Pick<
  Config,
  | "LOGIN_FAILURES_PER_ACCOUNT"
  | "LOGIN_FAILURES_WINDOW_MS"
  | "LOGIN_ATTEMPTS_PER_IP"
  | "LOGIN_ATTEMPTS_WINDOW_MS"
  | "SIGNUPS_PER_IP"
  | "SIGNUPS_WINDOW_MS"
  | "TRUST_PROXY"
>;

export interface RateLimits {
  /** Every login attempt, per client IP. */
  loginPerIp: MiddlewareHandler<AppEnv>;
  /** Failed password checks (logins, and confirmations by a signed-in user), per account. */
  loginFailuresPerAccount: MiddlewareHandler<AppEnv>;
  /** Every signup, per client IP. */
  signupPerIp: MiddlewareHandler<AppEnv>;
  /** Forgets an account's failures (after a successful password check). */
  clearAccountFailures(username: string): Promise<void>;
}

/**
 * Whose password is being tried: the signed-in user on routes that confirm a password, else the
 * lower-cased username of a login body (null when there is none to read).
 */
async function accountOf(c: Context<AppEnv>): Promise<string | null> {
  const signedIn = c.get("session")?.user.username;
  if (signedIn) return signedIn.toLowerCase();
  try {
    const body: unknown = await c.req.json();
    const username = (body as { username?: unknown } | null)?.username;
    return typeof username === "string" && username.length > 0
      ? username.toLowerCase().slice(0, 64)
      : null;
  } catch {
    return null; // malformed JSON: the validator answers MALFORMED_JSON after us
  }
}

const tooMany = (c: Context<AppEnv>) => {
  const resetTime = c.get("rateLimit" as never) as { resetTime?: Date } | undefined;
  const seconds = Math.max(
    1,
    Math.ceil(((resetTime?.resetTime?.getTime() ?? 0) - Date.now()) / 1000),
  );
  return problemResponse(c, "RATE_LIMITED", {
    detail: `Too many attempts. Try again in ${seconds} seconds.`,
    headers: { "Retry-After": String(seconds) },
  });
};

/**
 * Brute-force limits, counted in MySQL so every instance shares them. They run before the
 * handler, so a limited request never reaches password hashing.
 */
export function createRateLimits(pool: Pool, limits: Limits): RateLimits {
  const accountStore = new MySqlRateLimitStore(pool, "login-account:");
  const ipKey = (c: Context<AppEnv>) => addressBucket(clientIp(c, limits.TRUST_PROXY));
  const common = { standardHeaders: false, handler: tooMany } as const;

  return {
    loginPerIp: rateLimiter<AppEnv>({
      ...common,
      windowMs: limits.LOGIN_ATTEMPTS_WINDOW_MS,
      limit: limits.LOGIN_ATTEMPTS_PER_IP,
      keyGenerator: ipKey,
      store: new MySqlRateLimitStore(pool, "login-ip:"),
    }),
    loginFailuresPerAccount: rateLimiter<AppEnv>({
      ...common,
      windowMs: limits.LOGIN_FAILURES_WINDOW_MS,
      limit: limits.LOGIN_FAILURES_PER_ACCOUNT,
      skip: async (c) => (await accountOf(c)) === null,
      keyGenerator: async (c) => (await accountOf(c)) ?? "",
      // Counted up front (atomically, so parallel guesses cannot slip past the limit), and given
      // back when the password was never judged (bad input, overload). A correct password
      // deletes the whole count instead (clearAccountFailures), so it needs no give-back.
      skipSuccessfulRequests: true,
      requestWasSuccessful: (c) => c.get("credentialsRejected") !== true && c.res.status >= 300,
      store: accountStore,
    }),
    signupPerIp: rateLimiter<AppEnv>({
      ...common,
      windowMs: limits.SIGNUPS_WINDOW_MS,
      limit: limits.SIGNUPS_PER_IP,
      keyGenerator: ipKey,
      store: new MySqlRateLimitStore(pool, "signup-ip:"),
    }),
    clearAccountFailures: (username) => accountStore.resetKey(username.toLowerCase()),
  };
}

type LimiterName = "loginPerIp" | "loginFailuresPerAccount" | "signupPerIp";

/** Route middleware running the app's limiter `name` (the limiters live on `c.get("deps")`). */
export const rateLimit =
  (name: LimiterName): MiddlewareHandler<AppEnv> =>
  (c, next) =>
    c.get("deps").rateLimits[name](c, next);
