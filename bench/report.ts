// The result table: markdown, printed to stdout and saved as bench/results/latest.md.

export interface LatencyStats {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Measurements {
  date: string;
  cores: number;
  node: string;
  mariadb: string;
  /** 1-minute load average when the bench started and when it ended. */
  loadAverage: [number, number];
  users: number;
  sessions: number;
  durationS: number;
  rounds: number;
  baseline: LatencyStats;
  api: LatencyStats;
  cpuUsPerMe: { baseline: number; api: number };
  /** The kernel's share of cpuUsPerMe (socket syscalls mostly). */
  systemUsPerMe: { baseline: number; api: number };
  argon2PerS: number;
  cpuMsPerLogin: { argon2: number; api: number };
  /** The API's event-loop thread alone; the rest of cpuMsPerLogin is Argon2 and GC threads. */
  mainThreadMsPerLogin: number;
  loginPerS: number;
  stormMe: LatencyStats;
  stormLoginPerS: number;
  stormDelayP99Ms: number;
  stormDelayMaxMs: number;
  peakRssMiB: number;
  /** Lines such as "3 of 900 failed": any makes the numbers suspect. */
  problems: string[];
  logNote: string;
}

const num = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : "n/a";
const mark = (met: boolean) => (met ? "✓" : "✗");
type Row = [string, string, string, string, string, string];

/** A row comparing the API with a reference; `digits` formats both values. */
function compare(label: string, ref: number, api: number, digits: number, target = ""): Row {
  const ratio = api / ref;
  const [op, bound] = target.split(" ");
  const met =
    op === "≥" ? mark(ratio >= Number(bound)) : op === "≤" ? mark(ratio <= Number(bound)) : "";
  return [label, num(ref, digits), num(api, digits), num(ratio, 2), target, met];
}

export function renderReport(m: Measurements): string {
  const rows: Row[] = [
    compare("GET /auth/me req/s (ref: one-query baseline)", m.baseline.rps, m.api.rps, 0, "≥ 0.85"),
    compare("GET /auth/me p50 ms", m.baseline.p50Ms, m.api.p50Ms, 2),
    compare("GET /auth/me p99 ms", m.baseline.p99Ms, m.api.p99Ms, 2),
    compare("server CPU µs per GET /auth/me", m.cpuUsPerMe.baseline, m.cpuUsPerMe.api, 0),
    compare("… of which kernel (system) µs", m.systemUsPerMe.baseline, m.systemUsPerMe.api, 0),
    compare(
      "logins/s at c=8 (ref: argon2 verify/s alone, 8 in flight)",
      m.argon2PerS,
      m.loginPerS,
      1,
      "≥ 0.8",
    ),
    compare(
      "CPU ms per login (ref: per argon2 verify alone)",
      m.cpuMsPerLogin.argon2,
      m.cpuMsPerLogin.api,
      1,
    ),
    ["… of which the API's event-loop thread, ms", "", num(m.mainThreadMsPerLogin, 1), "", "", ""],
    compare("/auth/me req/s during login storm (ref: idle)", m.api.rps, m.stormMe.rps, 0, "≥ 0.4"),
    compare(
      "/auth/me p99 ms during login storm (ref: idle)",
      m.api.p99Ms,
      m.stormMe.p99Ms,
      2,
      "≤ 5",
    ),
    [
      "API event-loop delay p99 ms during storm (max)",
      "",
      `${num(m.stormDelayP99Ms, 1)} (${num(m.stormDelayMaxMs, 1)})`,
      "",
      "",
      "",
    ],
    [
      "API peak RSS MiB, whole run",
      "",
      num(m.peakRssMiB, 1),
      "",
      "≤ 256 MiB",
      mark(m.peakRssMiB <= 256),
    ],
  ];
  const [loadStart, loadEnd] = m.loadAverage;
  return [
    `## npm run bench, ${m.date} UTC`,
    "",
    `${m.cores} cores · Node ${m.node} · MariaDB ${m.mariadb} · load average ${num(loadStart, 1)} at start, ${num(loadEnd, 1)} at end · ` +
      `${num(m.users)} users, ${num(m.sessions)} sessions · /auth/me at c=50, median of ${m.rounds} × ${m.durationS} s runs, ` +
      `baseline and API alternating · logins at c=8 for ${m.durationS} s · both servers NODE_ENV=production, DB_POOL_SIZE=16`,
    "",
    "| measure | reference | API | API ÷ ref | target | met |",
    "|---|--:|--:|--:|:-:|:-:|",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
    "",
    `Logins/s during the storm: ${num(m.stormLoginPerS, 1)}. ${m.logNote}`,
    ...(m.problems.length > 0 ? ["", "**Warnings:**", ...m.problems.map((p) => `- ${p}`)] : []),
    "",
  ].join("\n");
}
