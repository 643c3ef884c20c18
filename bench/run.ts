// `npm run bench`: seeds a throwaway database, starts the API and a one-query baseline, drives
// them from a separate load process, and prints a markdown table (also saved to results/).
// Progress goes to stderr so stdout carries only the table. BENCH_DURATION_S shortens it.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropDatabase, newDatabaseName, SERVER_URL } from "./bench-database.js";
import { summarizeLog } from "./facts.js";
import { measure } from "./measure.js";
import { ROOT, stopAll } from "./processes.js";
import { renderReport } from "./report.js";

const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
// Self-stop: a stuck phase must not leave load running or the database behind.
const hardStopMs = (50 + durationS * 13) * 1000;
const started = performance.now();
const log = (message: string) => {
  const elapsed = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[bench +${elapsed}s] ${message}\n`);
};

const tmp = mkdtempSync(join(tmpdir(), "auth-bench-"));
const databaseName = newDatabaseName();
const logFile = join(tmp, "api.log");
// The servers log at info (one JSON line per request, as in production) into a temp file: the
// write syscalls are real, nothing has to drain a pipe, and the file goes away at the end.
let logFd: number | undefined = openSync(logFile, "a");

let cleaning: Promise<void> | undefined;
/** Idempotent: ends every child, drops the database, removes temp files. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll().catch((error) => log(`stopping children: ${error}`));
    if (logFd !== undefined) closeSync(logFd);
    logFd = undefined;
    await dropDatabase(databaseName).catch((error) => log(`dropping ${databaseName}: ${error}`));
    rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
setTimeout(() => {
  log(`still running after ${hardStopMs / 1000} s: stopping`);
  void cleanup().finally(() => process.exit(1));
}, hardStopMs).unref();

try {
  const measurements = await measure({
    databaseName,
    databaseUrl: `${SERVER_URL}/${databaseName}`,
    tmp,
    logFd,
    durationS,
    log,
  });
  await stopAll();
  measurements.logNote = await summarizeLog(logFile);
  const report = renderReport(measurements);
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "latest.md"), report);
  await cleanup();
  log("done; database dropped, servers stopped");
  process.stdout.write(report);
} catch (error) {
  // After Ctrl-C the children die with the terminal's SIGINT too; that is no failure to report.
  if (!interrupted) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  await cleanup();
  process.exit(1);
}
