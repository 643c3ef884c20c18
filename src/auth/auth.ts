import { lucia } from "lucia";
import { web } from "lucia/middleware";
import type { Pool } from "mysql2/promise";
import { hashedSessionAdapter } from "./mysql-adapter.js";
import type { PasswordHasher } from "./password-hasher.js";

export interface AuthSettings {
  production: boolean;
  activePeriodMs: number;
  idlePeriodMs: number;
}

/** Lucia v2, configured as the username-and-password guide does, for bearer tokens only. */
export function createAuth(pool: Pool, hasher: PasswordHasher, settings: AuthSettings) {
  return lucia({
    adapter: hashedSessionAdapter(pool),
    env: settings.production ? "PROD" : "DEV",
    middleware: web(),
    // Tokens travel in the Authorization header only: no cookie is read or set.
    sessionCookie: { expires: false },
    csrfProtection: false,
    sessionExpiresIn: { activePeriod: settings.activePeriodMs, idlePeriod: settings.idlePeriodMs },
    passwordHash: { generate: hasher.generate, validate: hasher.validate },
    getUserAttributes: (data) => ({ username: data.username }),
    // Never enable experimental.debugMode: it logs submitted passwords.
  });
}

export type Auth = ReturnType<typeof createAuth>;
