import cluster from "node:cluster";
import type { AddressInfo } from "node:net";
import { createApp, createHasher } from "./app.js";
import { parseDatabaseUrl } from "./db/database-url.js";
import { migrate } from "./db/migrate.js";
import { openDatabase } from "./db/pool.js";
import { purgeExpiredRateLimits } from "./db/rate-limit-store.js";
import { purgeExpiredSessions } from "./db/sessions.js";
import { hasLegacyPasswordHashes } from "./db/user-keys.js";
import { type Config, parseEnv } from "./env.js";
import { createInFlight } from "./http/in-flight.js";
import { closeGracefully, serveApp } from "./http/node-server.js";
import { bufferedStdout, createLogger, type Logger } from "./logger.js";

const parsed = parseEnv(process.env);
if (!parsed.ok) {
  for (const line of parsed.errors) console.error(`Invalid configuration: ${line}`);
  process.exit(1);
}
const config = parsed.config;
const logOutput = bufferedStdout();
const logger = createLogger(config.LOG_LEVEL, logOutput);
const exit = (code: number) => {
  logOutput.flushSync();
  process.exit(code);
};

try {
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
    await runPrimary(config, logger);
  } else {
    await runWorker(config, logger);
  }
} catch (error) {
  // Start-up failed (typically: the database cannot be reached to apply the schema).
  const { message, code } = error as Error & { code?: string };
  logger.fatal({ code, message }, "could not start");
  exit(1);
}

/** With WEB_CONCURRENCY > 1: migrate once, then fork workers that share the port. */
async function runPrimary(config: Config, logger: Logger) {
  await migrate(parseDatabaseUrl(config.DATABASE_URL));
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork();
  let stopping = false;
  let exitCode = 0;
  // A worker that dies is replaced, once the cluster has served: a replacement that cannot start
  // is tried again a second later. Before any worker ever listened, a death means start-up
  // itself fails (a port in use, say): retrying would loop forever, so stop instead.
  const listened = new Set<number>();
  cluster.on("listening", (worker) => listened.add(worker.id));
  cluster.on("exit", (worker, code) => {
    if (!stopping && listened.size > 0) {
      logger.error({ workerPid: worker.process.pid, code }, "worker died; starting another");
      setTimeout(() => stopping || cluster.fork(), 1000);
      return;
    }
    if (!stopping) {
      logger.fatal({ workerPid: worker.process.pid, code }, "a worker could not start; stopping");
      exitCode = 1;
      stop("SIGTERM");
    } else if (code !== 0 && listened.has(worker.id)) {
      // A serving worker cut off by SHUTDOWN_TIMEOUT_MS (or killed): the server did not stop
      // cleanly. (A replacement still starting has no handler yet; the signal just ends it.)
      exitCode = 1;
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) exit(exitCode);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping workers");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function runWorker(config: Config, logger: Logger) {
  const location = parseDatabaseUrl(config.DATABASE_URL);
  if (cluster.isPrimary) await migrate(location);
  const database = openDatabase(location, {
    size: config.DB_POOL_SIZE,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  });
  // Hashing threads and the dummy hash are ready before the first request.
  const hasher = createHasher(config);
  await hasher.warmUp({ legacyHashes: await hasLegacyPasswordHashes(database.pool) });
  const inFlight = createInFlight();
  const app = createApp({ config, pool: database.pool, logger, hasher, inFlight });
  const server = await serveApp(app.fetch, { port: config.PORT, hostname: config.HOST, logger });
  const address = server.address() as AddressInfo;
  logger.info({ port: address.port, host: address.address }, "listening");
  logOutput.flushSync(); // say so at once, whatever the buffering

  const purge = async () => {
    try {
      const sessions = await purgeExpiredSessions(database.pool);
      const counters = await purgeExpiredRateLimits(database.pool);
      logger.info({ sessions, counters }, "purged expired rows");
    } catch (error) {
      logger.warn({ err: error }, "purge failed; will try again");
    }
  };
  const purgeTimer =
    config.SESSION_PURGE_INTERVAL_MS > 0
      ? setInterval(purge, config.SESSION_PURGE_INTERVAL_MS).unref()
      : undefined;

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: no new connections, finishing requests in flight");
    clearInterval(purgeTimer);
    const forced = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown timed out; exiting");
      exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    closeGracefully(server, async () => {
      // Handlers of clients that went away may still run: let them finish first.
      await inFlight.drained();
      await Promise.all(
        [database.close(), hasher.close()].map((done) => done.catch(() => undefined)),
      );
      clearTimeout(forced);
      logger.info("stopped");
      exit(0);
    });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
