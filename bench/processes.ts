// Child processes of the bench: every one is tracked so cleanup can end it, whatever happened.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project root: children run from there so `--import tsx` and `src/` resolve. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

const children = new Set<ChildProcess>();

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Where stdout and stderr go: a file descriptor, or "pipe" to collect them. */
  output?: number | "pipe";
}

/** Starts `node --import tsx [...nodeArgs] script [...args]` from the project root. */
export function spawnTs(nodeArgs: string[], script: string, args: string[], options: SpawnOptions) {
  const output = options.output ?? "pipe";
  const child = spawn(process.execPath, ["--import", "tsx", ...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", output, output],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/**
 * Runs a TypeScript worker to completion and parses the JSON line it prints last. `onStarted`
 * runs when the worker prints a line `started` (its set-up is done and the work begins).
 */
export function runJsonWorker<T>(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  onStarted?: () => void,
) {
  const child = spawnTs([], script, args, { env });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const before = stdout;
    stdout += chunk;
    if (onStarted && !/^started$/m.test(before) && /^started$/m.test(stdout)) onStarted();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise<T>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${script} exited with ${signal ?? code}:\n${stderr.trim()}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") as T);
    });
  });
}

/** Sends SIGTERM to every live child, and SIGKILL to any still there after `graceMs`. */
export async function stopAll(graceMs = 3000): Promise<void> {
  const live = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = live.map((c) => new Promise((resolve) => c.once("exit", resolve)));
  for (const child of live) child.kill("SIGTERM");
  const timer = setTimeout(() => {
    for (const child of live) if (child.exitCode === null) child.kill("SIGKILL");
  }, graceMs);
  await Promise.all(exited);
  clearTimeout(timer);
}

/** Polls `${origin}/health` until it answers 200; fails early if the child exits. */
export async function waitForHealth(origin: string, child: ChildProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server for ${origin} exited before it was ready`);
    }
    try {
      const response = await fetch(`${origin}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${origin}/health did not answer within ${timeoutMs} ms`);
}
