import { readFileSync } from "node:fs";

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux only; NaN
 * elsewhere). CPU per request is far steadier than req/s when other work shares the machine.
 */
export function cpuTimeMs(pid: number | undefined): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // /proc reports clock ticks of USER_HZ, which Linux fixes at 100 for user space.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
