import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * Asynchronous stdout for servers: lines written while a write is in flight go out together, so
 * under load there is one write per batch instead of one blocking write per line.
 * Call `flushSync()` before exiting.
 */
export const asyncStdout = () => pino.destination({ dest: 1, sync: false });

/**
 * JSON logs. The redaction list is a second line of defence: nothing in this codebase logs a
 * request body or headers, but a future `logger.info({ req })` must not leak credentials.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Fixed paths, no wildcards: wildcard redaction costs tens of microseconds on every line.
    redact: {
      paths: [
        "password",
        "currentPassword",
        "newPassword",
        "sessionId",
        "token",
        "authorization",
        "headers.authorization",
        "req.headers.authorization",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
