/**
 * Ends this process (SIGTERM to itself, so the server's own graceful shutdown runs) when the
 * bench that spawned it disappears, e.g. after a SIGKILL that left it no chance to clean up.
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}
