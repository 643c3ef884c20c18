// The load generator, run as its own process so its CPU use is not billed to the servers'
// event loops. Usage: load.ts '<JSON LoadJob[]>'; prints one JSON line of LoadResult[].
import { readFileSync } from "node:fs";
import { createHistogram } from "node:perf_hooks";
import autocannon, { type RawRequest } from "autocannon";
import type { LoadJob, LoadResult } from "./load-spec.js";

async function runJob(job: LoadJob): Promise<LoadResult> {
  const values = JSON.parse(readFileSync(job.valuesFile, "utf8")) as string[];
  // A random start, then in order: every request uses another seeded token or user.
  let next = Math.floor(Math.random() * values.length);
  const pick = () => values[next++ % values.length] as string;

  const setupRequest = (request: RawRequest): RawRequest =>
    job.kind === "me"
      ? { ...request, headers: { ...request.headers, authorization: `Bearer ${pick()}` } }
      : { ...request, body: JSON.stringify({ username: pick(), password: job.password }) };

  const instance = autocannon({
    url: job.origin,
    connections: job.connections,
    duration: job.durationS,
    requests: [
      job.kind === "me"
        ? { method: "GET", path: "/auth/me", setupRequest }
        : {
            method: "POST",
            path: "/auth/login",
            headers: { "content-type": "application/json" },
            setupRequest,
          },
    ],
  });

  // autocannon's own histogram has 1 ms buckets; a µs histogram resolves sub-millisecond p50s.
  const latencyUs = createHistogram();
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencyUs.record(Math.max(1, Math.round(ms * 1000)));
  });
  const result = await instance;

  const statusCounts: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statusCounts[status] = count;
  }
  const ok = result["2xx"];
  return {
    name: job.name,
    durationS: result.duration,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    statusCounts,
    rps: ok / result.duration,
    p50Ms: ok > 0 ? latencyUs.percentile(50) / 1000 : Number.NaN,
    p99Ms: ok > 0 ? latencyUs.percentile(99) / 1000 : Number.NaN,
  };
}

const jobs = JSON.parse(process.argv[2] ?? "[]") as LoadJob[];
const running = jobs.map(runJob);
// Tells the bench the load begins now (it resets the API's event-loop histogram on this line).
process.stdout.write("started\n");
const results = await Promise.all(running);
process.stdout.write(`${JSON.stringify(results)}\n`);
