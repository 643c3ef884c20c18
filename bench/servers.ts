// The two servers under test: the real API (with the event-loop probe preloaded) and the baseline.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { freePort } from "../test/support/free-port.js";
import type { ProbeSnapshot } from "./event-loop-probe.js";
import { spawnTs, waitForHealth } from "./processes.js";

export const POOL_SIZE = "16"; // the API's default, set explicitly so the baseline matches it

export interface Running {
  origin: string;
  child: ChildProcess;
}

export interface ApiOptions {
  databaseUrl: string;
  /** Descriptor that receives the API's stdout and stderr (its JSON logs). */
  logFd: number;
  probeFile: string;
  /** Extra node flags, e.g. --cpu-prof (BENCH_API_NODE_ARGS). */
  nodeArgs: string[];
}

export async function startApi(options: ApiOptions): Promise<Running> {
  const port = await freePort();
  const child = spawnTs(
    ["--import", "./bench/event-loop-probe.ts", ...options.nodeArgs],
    "src/server.ts",
    [],
    {
      output: options.logFd,
      env: {
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: options.databaseUrl,
        DB_POOL_SIZE: POOL_SIZE,
        LOG_LEVEL: "info",
        // High enough never to answer 429: the bench measures work, not the limiter's refusals.
        LOGIN_ATTEMPTS_PER_IP: "100000000",
        LOGIN_FAILURES_PER_ACCOUNT: "100000000",
        SIGNUPS_PER_IP: "100000000",
        BENCH_PROBE_FILE: options.probeFile,
      },
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(origin, child);
  return { origin, child };
}

export async function startBaseline(databaseUrl: string, logFd: number): Promise<Running> {
  const port = await freePort();
  const child = spawnTs([], "bench/baseline-server.ts", [], {
    output: logFd,
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DB_POOL_SIZE: POOL_SIZE,
    },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(origin, child);
  return { origin, child };
}

/**
 * Asks the API's probe for a snapshot (event-loop delay since the previous one, peak RSS) and
 * waits for it to be written.
 */
export async function readProbe(api: Running, probeFile: string): Promise<ProbeSnapshot> {
  const previous = readSeq(probeFile);
  api.child.kill("SIGUSR2");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (readSeq(probeFile) > previous) {
      return JSON.parse(readFileSync(probeFile, "utf8")) as ProbeSnapshot;
    }
  }
  throw new Error("the API's event-loop probe did not answer");
}

function readSeq(file: string): number {
  if (!existsSync(file)) return 0;
  return (JSON.parse(readFileSync(file, "utf8")) as ProbeSnapshot).seq;
}
