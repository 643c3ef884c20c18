// Preloaded into the API process (`node --import tsx --import ./bench/event-loop-probe.ts`), so
// the bench can read the API's event-loop delay and peak RSS without any change to src/.
// On SIGUSR2 it writes a snapshot to BENCH_PROBE_FILE, then restarts the delay histogram: the
// bench sends one signal before a phase (to reset) and one after it (to read that phase).
import { renameSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { exitWithParent } from "./orphan-guard.js";

export interface ProbeSnapshot {
  seq: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Peak resident set size of the whole process life, KiB (getrusage ru_maxrss). */
  maxRssKiB: number;
}

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  exitWithParent();
  // 10 ms (the default) samples often enough for a p99 while costing ~100 timer wake-ups/s.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let seq = 0;
  process.on("SIGUSR2", () => {
    const snapshot: ProbeSnapshot = {
      seq: ++seq,
      delayP50Ms: delay.percentile(50) / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      maxRssKiB: process.resourceUsage().maxRSS,
    };
    // Written then renamed, so the bench never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
    delay.reset();
  });
}
