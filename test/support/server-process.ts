import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = new URL("../../", import.meta.url);

/**
 * Starts the real server entry (`src/server.ts`, as `npm start` does) in its own process on a
 * random port, and resolves once it has logged "listening" (once per worker).
 */
export async function startServer(
  env: Record<string, string>,
  options: { workers?: number; timeoutMs?: number; viaNpmStart?: boolean } = {},
): Promise<ServerProcess> {
  const [command, args] = options.viaNpmStart
    ? ["npm", ["start", "--silent"]]
    : [process.execPath, ["--import", "tsx", "src/server.ts"]];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { stdout } = child;
  if (!stdout) throw new Error("the server's stdout is not piped");
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = once(child, "exit");
  const listening = new Promise<number>((resolve, reject) => {
    let workers = 0;
    createInterface({ input: stdout }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "listening" && ++workers === (options.workers ?? 1)) {
          resolve(Number(entry.port));
        }
      } catch {
        // not a log line
      }
    });
    void exited.then(([code]) =>
      reject(new Error(`server exited (${code}) before listening: ${stderr}`)),
    );
    setTimeout(
      () => reject(new Error(`server did not start: ${stderr}`)),
      options.timeoutMs ?? 20_000,
    ).unref();
  });
  const port = await listening;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    logs,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}
