import { readFileSync } from "node:fs";

/** CPU a process has used so far, in ms, from /proc (Linux only; NaN elsewhere). */
export interface CpuTimes {
  /** User + system, every thread. */
  totalMs: number;
  /** System (kernel) time: syscalls such as socket writes, page faults. */
  systemMs: number;
  /** User + system of the main thread alone (the event loop: JS, parsing, I/O callbacks). */
  mainThreadMs: number;
}

/** utime + stime and stime of one /proc stat file, in ms. */
function readStat(path: string): { total: number; system: number } {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = readFileSync(path, "utf8").split(") ")[1]?.split(" ") ?? [];
    // /proc reports clock ticks of USER_HZ, which Linux fixes at 100 for user space.
    const user = Number(fields[11]) * 10;
    const system = Number(fields[12]) * 10;
    return { total: user + system, system };
  } catch {
    return { total: Number.NaN, system: Number.NaN };
  }
}

/**
 * CPU time a process has used so far. CPU per request is far steadier than req/s when other
 * work shares the machine.
 */
export function cpuTimes(pid: number | undefined): CpuTimes {
  const all = readStat(`/proc/${pid}/stat`);
  const main = readStat(`/proc/${pid}/task/${pid}/stat`);
  return { totalMs: all.total, systemMs: all.system, mainThreadMs: main.total };
}
