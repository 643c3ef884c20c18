import { parseDatabaseUrl } from "../src/db/database-url.js";
import { openDatabase } from "../src/db/pool.js";
import { purgeExpiredRateLimits } from "../src/db/rate-limit-store.js";
import { purgeExpiredSessions } from "../src/db/sessions.js";
import { configFromEnvironment } from "./cli-config.js";

// Meant for cron: deletes sessions past their idle period and ended rate-limit windows.
const config = configFromEnvironment();
const database = openDatabase(parseDatabaseUrl(config.DATABASE_URL), {
  size: 1,
  connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
});
try {
  const sessions = await purgeExpiredSessions(database.pool);
  const counters = await purgeExpiredRateLimits(database.pool);
  console.log(JSON.stringify({ purgedSessions: sessions, purgedRateLimitCounters: counters }));
} finally {
  await database.close();
}
