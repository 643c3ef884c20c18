import { afterAll, beforeAll } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { type Config, defaultConfig } from "../../src/env.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/**
 * Test defaults: quiet, and limits high enough that ordinary flows never meet them. Hashing at
 * the event loop's priority: at the default nice 10 the other test file's work (a Galera
 * cluster, Chromium, server processes) starves the hashing threads, and a burst of Argon2 hashes
 * (20 concurrent signups) then outlived the 5 s request timeout (503). No in-process test is
 * about that timeout, so it is generous here.
 */
export const testConfig = (overrides: Partial<Config> = {}): Config =>
  defaultConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    HASH_THREAD_NICE: 0,
    REQUEST_TIMEOUT_MS: 20_000,
    LOGIN_ATTEMPTS_PER_IP: 100_000,
    LOGIN_FAILURES_PER_ACCOUNT: 100_000,
    SIGNUPS_PER_IP: 100_000,
    ...overrides,
  });

export interface TestContext {
  app: App;
  db: TestDatabase;
  config: Config;
}

/**
 * Gives a test file its own database and app (built in beforeAll, dropped in afterAll).
 * Read the fields inside tests, not at module level.
 */
export function useTestApp(overrides: Partial<Config> = {}, logger?: Logger): TestContext {
  const context = {} as TestContext;
  beforeAll(async () => {
    context.db = await createTestDatabase();
    context.config = testConfig(overrides);
    context.app = createApp({
      config: context.config,
      pool: context.db.pool,
      logger: logger ?? createLogger("silent"),
    });
  });
  afterAll(async () => {
    await context.db?.drop();
  });
  return context;
}
