import { availableParallelism } from "node:os";
import { z } from "zod";
import { parseDatabaseUrl } from "./db/database-url.js";

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const minutes = (n: number) => n * 60_000;
/** Node runs a timer of more than 2^31 - 1 ms after 1 ms instead: refuse such settings. */
const MAX_TIMER_MS = 2_147_483_647;
const timerMessage = `at most ${MAX_TIMER_MS} ms (about 24.8 days): Node's timers cannot wait longer`;
const timerMs = positiveInt.max(MAX_TIMER_MS, timerMessage);
/** Sessions longer than this make no sense, and far longer ones break date arithmetic. */
const TEN_YEARS_MS = 10 * 365 * 24 * 3_600_000;
const sessionPeriodMs = positiveInt.max(TEN_YEARS_MS, `at most ${TEN_YEARS_MS} ms (10 years)`);
const flag = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");

/** The environment variables the server reads, with their defaults. `.env.example` mirrors this. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .default("mysql://root@127.0.0.1:3306/lucia_auth")
    .superRefine((url, ctx) => {
      try {
        parseDatabaseUrl(url);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: (error as Error).message.replace(/^DATABASE_URL /, ""),
        });
      }
    }),
  DB_POOL_SIZE: positiveInt.default(16),
  DB_CONNECT_TIMEOUT_MS: timerMs.default(2000),
  REQUEST_TIMEOUT_MS: timerMs.default(5000),
  SESSION_ACTIVE_PERIOD_MS: sessionPeriodMs.default(minutes(60 * 24)),
  SESSION_IDLE_PERIOD_MS: sessionPeriodMs.default(minutes(60 * 24 * 14)),
  // One hash per core. Measured on 2 cores (hashing at the event loop's priority): one hash at
  // a time kept GET /auth/me at 54% of its idle rate during a login storm but halved logins/s.
  HASH_CONCURRENCY: positiveInt.default(availableParallelism()),
  HASH_QUEUE_LIMIT: nonNegativeInt.default(64),
  // Measured on 2 cores (npm run bench): GET /auth/me kept 0.64× its idle rate during a login
  // storm with the hashing threads at nice 10, 0.45–0.60× at the event loop's own priority.
  HASH_THREAD_NICE: nonNegativeInt.max(19).default(10),
  LOGIN_FAILURES_PER_ACCOUNT: positiveInt.default(10),
  LOGIN_FAILURES_WINDOW_MS: positiveInt.default(minutes(15)),
  LOGIN_ATTEMPTS_PER_IP: positiveInt.default(100),
  LOGIN_ATTEMPTS_WINDOW_MS: positiveInt.default(minutes(15)),
  SIGNUPS_PER_IP: positiveInt.default(20),
  SIGNUPS_WINDOW_MS: positiveInt.default(minutes(60)),
  TRUST_PROXY: flag.default(false),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((list) => !list.includes("*"), "list origins explicitly; '*' is not allowed"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: timerMs.default(10_000),
  SESSION_PURGE_INTERVAL_MS: nonNegativeInt.max(MAX_TIMER_MS, timerMessage).default(minutes(60)),
  WEB_CONCURRENCY: positiveInt.default(1),
});

export type Config = z.infer<typeof envSchema>;

/** Parses an environment into a Config, or returns one message line per bad variable. */
export function parseEnv(
  source: Record<string, string | undefined>,
): { ok: true; config: Config } | { ok: false; errors: string[] } {
  // An empty variable means "use the default", as with most twelve-factor services.
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = envSchema.safeParse(present);
  if (result.success) return { ok: true, config: result.data };
  const errors = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`,
  );
  return { ok: false, errors };
}

/** A Config with every default, for tests and tools; `overrides` win. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const parsed = parseEnv({});
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return { ...parsed.config, ...overrides };
}
