import type { Hook } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { isDatabaseUnavailable } from "../db/failures.js";
import type { Logger } from "../logger.js";
import type { AppEnv } from "./app-env.js";
import { problemResponse } from "./problem.js";

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** The server cannot take this request now (overload); the client may retry shortly. */
export class ServiceUnavailableError extends Error {
  override name = "ServiceUnavailableError";
}

export function validationIssues(error: ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.join(".") || "(body)",
    message: issue.message,
  }));
}

/** The zod-openapi `defaultHook`: every schema failure becomes VALIDATION_FAILED. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    return problemResponse(c, "VALIDATION_FAILED", { errors: validationIssues(result.error) });
  }
};

export const notFound: NotFoundHandler<AppEnv> = (c) => problemResponse(c, "NOT_FOUND");

const unavailable = (c: Context) =>
  problemResponse(c, "SERVICE_UNAVAILABLE", {
    headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
  });

/** The one error handler: known failures become their problem, anything else a logged 500. */
export function createErrorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof HTTPException) {
      if (error.status === 413) return problemResponse(c, "PAYLOAD_TOO_LARGE");
      if (error.status === 415) return problemResponse(c, "UNSUPPORTED_MEDIA_TYPE");
      if (error.status === 503) return unavailable(c);
      if (error.status === 408) {
        // The rest of the body may still come: it must not be read as a next request.
        return problemResponse(c, "REQUEST_TIMEOUT", { headers: { Connection: "close" } });
      }
      // Hono's JSON validator throws a 400 HTTPException when the body does not parse.
      if (error.status === 400) return problemResponse(c, "MALFORMED_JSON");
    }
    if (isClientAbort(error)) {
      // The client went away mid-body: nobody reads this answer, and it is no outage.
      logger.info({ requestId: c.get("requestId") }, "client closed the connection mid-body");
      return problemResponse(c, "MALFORMED_JSON", { detail: "The body did not arrive in full." });
    }
    if (error instanceof ServiceUnavailableError || isDatabaseUnavailable(error)) {
      logger.warn({ err: summarize(error), requestId: c.get("requestId") }, "service unavailable");
      return unavailable(c);
    }
    logger.error({ err: error, requestId: c.get("requestId") }, "unhandled error");
    return problemResponse(c, "INTERNAL_ERROR");
  };
}

/**
 * Node's error for a request body cut short by the client ("aborted", ECONNRESET), as it reaches
 * a body reader. (A database connection reset has another message.) The server gives it to a
 * body left behind by its client too (see node-server.ts).
 */
export const clientAbortError = () => Object.assign(new Error("aborted"), { code: "ECONNRESET" });

const isClientAbort = (error: unknown) =>
  error instanceof Error &&
  error.message === "aborted" &&
  (error as Error & { code?: string }).code === "ECONNRESET";

/** Enough of an expected error to diagnose it, without its stack. */
function summarize(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, errno } = error as Error & { code?: string; errno?: number };
  return { name: error.name, message: error.message, code, errno };
}
