import type { Pool } from "mysql2/promise";
import type { Auth } from "./auth/auth.js";
import type { PasswordHasher } from "./auth/password-hasher.js";
import type { Config } from "./env.js";
import type { RateLimits } from "./http/rate-limits.js";
import type { Logger } from "./logger.js";

/** Everything a request may need, built once by createApp and handed to handlers on `c.get("deps")`. */
export interface AppDeps {
  config: Config;
  pool: Pool;
  auth: Auth;
  hasher: PasswordHasher;
  rateLimits: RateLimits;
  logger: Logger;
}
