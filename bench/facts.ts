// Facts for the report that come from outside the measurements.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { RowDataPacket } from "mysql2/promise";
import { withServer } from "./bench-database.js";

export async function mariadbVersion(): Promise<string> {
  return withServer(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>("SELECT VERSION() AS version");
    return String(rows[0]?.version ?? "unknown");
  });
}

/** One sentence on the servers' log: how many lines, and how many at warn level or above. */
export async function summarizeLog(file: string): Promise<string> {
  let lines = 0;
  let warnings = 0;
  let firstWarning = "";
  for await (const line of createInterface({ input: createReadStream(file) })) {
    lines++;
    // pino levels: 40 warn, 50 error, 60 fatal; non-JSON lines are stack traces or crashes.
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level === undefined || Number(level) >= 40) {
      warnings++;
      firstWarning ||= line.slice(0, 200);
    }
  }
  const note = `API log (LOG_LEVEL=info, stdout and stderr): ${lines.toLocaleString("en-US")} lines written to a temp file, deleted afterwards; ${warnings} at warn or above`;
  return warnings > 0 ? `${note} (first: \`${firstWarning}\`).` : `${note}.`;
}
