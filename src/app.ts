import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timeout } from "hono/timeout";
import type { Pool } from "mysql2/promise";
import { createAuth } from "./auth/auth.js";
import { createPasswordHasher, type PasswordHasher } from "./auth/password-hasher.js";
import type { AppDeps } from "./deps.js";
import type { Config } from "./env.js";
import { accessLog } from "./http/access-log.js";
import type { AppEnv } from "./http/app-env.js";
import { createErrorHandler, notFound, validationHook } from "./http/errors.js";
import type { InFlight } from "./http/in-flight.js";
import { createRateLimits } from "./http/rate-limits.js";
import { createLogger, type Logger } from "./logger.js";
import { accountRouter } from "./routes/account/account.index.js";
import { authRouter } from "./routes/auth/auth.index.js";
import { sessionsRouter } from "./routes/sessions/sessions.index.js";
import { docsRouter } from "./routes/system/docs.js";
import { systemRouter } from "./routes/system/system.index.js";

export const openApiInfo = {
  openapi: "3.1.0",
  info: {
    title: "Auth API",
    version: "1.0.0",
    description:
      "Username/password accounts and bearer-token sessions for native apps and single-page apps. Every error is RFC 9457 problem details (`application/problem+json`) with a stable `code`.",
  },
} as const;

export interface AppOptions {
  config: Config;
  pool: Pool;
  logger?: Logger;
  /** The password hasher; by default one made from `config` (see `createHasher`). */
  hasher?: PasswordHasher;
  /** Counts running handlers, for a shutdown that waits for them (the server passes one). */
  inFlight?: InFlight;
}

/** The password hasher the configuration asks for. */
export function createHasher(config: Config): PasswordHasher {
  return createPasswordHasher({
    concurrency: config.HASH_CONCURRENCY,
    queueLimit: config.HASH_QUEUE_LIMIT,
    niceness: config.HASH_THREAD_NICE,
  });
}

/** Builds the API from its dependencies; the server entry, the tests and the OpenAPI script call this. */
export function createApp({
  config,
  pool,
  logger = createLogger(config.LOG_LEVEL),
  hasher = createHasher(config),
  inFlight,
}: AppOptions) {
  const deps: AppDeps = {
    config,
    pool,
    logger,
    hasher,
    auth: createAuth(pool, hasher, {
      production: config.NODE_ENV === "production",
      activePeriodMs: config.SESSION_ACTIVE_PERIOD_MS,
      idlePeriodMs: config.SESSION_IDLE_PERIOD_MS,
    }),
    rateLimits: createRateLimits(pool, config),
  };

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(requestId());
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use(accessLog);
  app.use(secureHeaders());
  // Before CORS, so its preflight answers on /auth/* carry it too.
  app.use("/auth/*", (c, next) => {
    c.header("Cache-Control", "no-store");
    return next();
  });
  const corsForBrowsers = cors({
    origin: config.CORS_ORIGINS,
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["Retry-After", "WWW-Authenticate", "X-Request-Id"],
    credentials: false,
    maxAge: 600,
  });
  // Headers are set before the handler runs: set afterwards, they make @hono/node-server rebuild
  // the response on its slow path (measured: ~2x the CPU of a GET /auth/me).
  app.use((c, next) => {
    // Only browsers send Origin; native apps skip CORS, whose middleware edits every response.
    if (c.req.header("Origin")) return corsForBrowsers(c, next);
    c.header("Vary", "Origin");
    return next();
  });
  app.use(
    "/auth/*",
    timeout(config.REQUEST_TIMEOUT_MS, (c: Context<AppEnv>) =>
      // Still waiting for the client's body: its delay, not the service's (a 5xx would page
      // whoever watches the service's error rate).
      c.env?.incoming?.complete === false ? new HTTPException(408) : new HTTPException(503),
    ),
  );
  // Inside the timeout: a handler that outlived its 503 still counts until it ends.
  if (inFlight) app.use(inFlight.middleware);

  app.route("/", authRouter());
  app.route("/", sessionsRouter());
  app.route("/", accountRouter());
  app.route("/", systemRouter());
  app.route("/", docsRouter());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "The `sessionId` from signup or login.",
  });
  app.doc31("/openapi.json", openApiInfo);

  app.notFound(notFound);
  app.onError(createErrorHandler(logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
