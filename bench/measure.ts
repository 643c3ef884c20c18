// The measured phases, in order; every load runs in a separate process (bench/load.ts).
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { createSeededDatabase, PASSWORD } from "./bench-database.js";
import { mariadbVersion } from "./facts.js";
import type { LoadJob, LoadResult } from "./load-spec.js";
import { type CpuTimes, cpuTimes } from "./proc-stats.js";
import { runJsonWorker } from "./processes.js";
import type { LatencyStats, Measurements } from "./report.js";
import { type Running, readProbe, startApi, startBaseline } from "./servers.js";

export const USERS = 10_000;
export const SESSIONS = 100_000;
const ROUNDS = 3;
const WARMUP_S = 3;

export interface Setup {
  databaseName: string;
  databaseUrl: string;
  tmp: string;
  logFd: number;
  durationS: number;
  log(message: string): void;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const stats = (runs: LoadResult[]): LatencyStats => ({
  rps: median(runs.map((r) => r.rps)),
  p50Ms: median(runs.map((r) => r.p50Ms)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
});

/** What one load run reports: its results and the measured server's CPU per OK response. */
type Load = {
  results: LoadResult[];
  cpuUsPerOk: number;
  systemUsPerOk: number;
  mainThreadUsPerOk: number;
};
type CpuField = Exclude<keyof Load, "results">;

/** The median of one CPU figure over each side's rounds. */
const medianOf = (loads: { baseline: Load[]; api: Load[] }, field: CpuField) => ({
  baseline: median(loads.baseline.map((l) => l[field])),
  api: median(loads.api.map((l) => l[field])),
});

export async function measure(setup: Setup): Promise<Measurements> {
  const { tmp, durationS, log } = setup;
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const problems: string[] = [];
  const files = { tokens: join(tmp, "tokens.json"), users: join(tmp, "users.json") };
  const probeFile = join(tmp, "probe.json");

  log(`seeding ${setup.databaseName}: ${USERS} users, ${SESSIONS} sessions`);
  const seed = await createSeededDatabase(setup.databaseName, USERS, SESSIONS);
  writeFileSync(files.tokens, JSON.stringify(seed.tokens));
  writeFileSync(files.users, JSON.stringify(seed.usernames));

  log("starting the API and the baseline");
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const [api, baseline] = await Promise.all([
    startApi({ databaseUrl: setup.databaseUrl, logFd: setup.logFd, probeFile, nodeArgs }),
    startBaseline(setup.databaseUrl, setup.logFd),
  ]);

  const me = (name: string, server: Running, seconds: number): LoadJob => ({
    name,
    origin: server.origin,
    kind: "me",
    connections: 50,
    durationS: seconds,
    valuesFile: files.tokens,
  });
  const login = (name: string, seconds: number): LoadJob => ({
    name,
    origin: api.origin,
    kind: "login",
    connections: 8,
    durationS: seconds,
    valuesFile: files.users,
    password: PASSWORD,
  });

  /** Runs jobs in one load process; `cpuOf`'s CPU time is counted while the load runs. */
  async function load(
    jobs: LoadJob[],
    cpuOf?: ChildProcess,
    onStarted?: () => void,
  ): Promise<Load> {
    let cpuStart: CpuTimes | undefined;
    const results = await runJsonWorker<LoadResult[]>(
      "bench/load.ts",
      [JSON.stringify(jobs)],
      {},
      () => {
        cpuStart = cpuTimes(cpuOf?.pid);
        onStarted?.();
      },
    );
    const cpuEnd = cpuTimes(cpuOf?.pid);
    for (const r of results) {
      const total = r.ok + r.failed;
      if (r.failed > 0) {
        problems.push(
          `${r.name}: ${r.failed} of ${total} failed ${JSON.stringify(r.statusCounts)}`,
        );
      }
      log(
        `${r.name}: ${r.rps.toFixed(1)}/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`,
      );
    }
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    const usPerOk = (field: keyof CpuTimes) =>
      cpuStart ? ((cpuEnd[field] - cpuStart[field]) * 1000) / ok : Number.NaN;
    return {
      results,
      cpuUsPerOk: usPerOk("totalMs"),
      systemUsPerOk: usPerOk("systemMs"),
      mainThreadUsPerOk: usPerOk("mainThreadMs"),
    };
  }

  log(`warming up both servers for ${WARMUP_S} s each (JIT, pool connections)`);
  await load([me("warm-up baseline", baseline, WARMUP_S)]);
  await load([me("warm-up api", api, WARMUP_S)]);

  const loads = { baseline: [] as Load[], api: [] as Load[] };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating order, so drift (other work, CPU frequency) hits both sides alike.
    const order = round % 2 === 1 ? (["baseline", "api"] as const) : (["api", "baseline"] as const);
    for (const side of order) {
      const server = side === "api" ? api : baseline;
      const run = await load(
        [me(`/auth/me ${side} round ${round}`, server, durationS)],
        server.child,
      );
      loads[side].push(run);
    }
  }

  const argon2S = Math.min(5, durationS);
  log(`argon2 alone: ${argon2S} s, 8 in flight`);
  const argon2 = await runJsonWorker<{ perSecond: number; cpuMsPerVerify: number }>(
    "bench/argon2-alone.ts",
    [String(argon2S), "8"],
    { BENCH_HASH: seed.passwordHash, BENCH_PASSWORD: PASSWORD },
  );

  const loginAlone = await load([login("login alone", durationS)], api.child);

  // The probe's histogram restarts when the load begins, so it covers the storm only.
  let reset: Promise<unknown> = Promise.resolve();
  const storm = await load(
    [login("storm login", durationS), me("storm /auth/me", api, durationS)],
    undefined,
    () => {
      reset = readProbe(api, probeFile);
    },
  );
  await reset;
  const stormProbe = await readProbe(api, probeFile);
  const finalProbe = await readProbe(api, probeFile);
  const [stormLogin, stormMe] = storm.results;

  return {
    date: new Date().toISOString().slice(0, 16).replace("T", " "),
    cores: availableParallelism(),
    node: process.version,
    mariadb: await mariadbVersion(),
    loadAverage: [loadAtStart, loadavg()[0] ?? Number.NaN],
    users: USERS,
    sessions: SESSIONS,
    durationS,
    rounds: ROUNDS,
    baseline: stats(loads.baseline.flatMap((l) => l.results)),
    api: stats(loads.api.flatMap((l) => l.results)),
    cpuUsPerMe: medianOf(loads, "cpuUsPerOk"),
    systemUsPerMe: medianOf(loads, "systemUsPerOk"),
    argon2PerS: argon2.perSecond,
    cpuMsPerLogin: { argon2: argon2.cpuMsPerVerify, api: loginAlone.cpuUsPerOk / 1000 },
    mainThreadMsPerLogin: loginAlone.mainThreadUsPerOk / 1000,
    loginPerS: loginAlone.results[0]?.rps ?? Number.NaN,
    stormMe: stats(stormMe ? [stormMe] : []),
    stormLoginPerS: stormLogin?.rps ?? Number.NaN,
    stormDelayP99Ms: stormProbe.delayP99Ms,
    stormDelayMaxMs: stormProbe.delayMaxMs,
    peakRssMiB: finalProbe.maxRssKiB / 1024,
    problems,
    logNote: "",
  };
}
