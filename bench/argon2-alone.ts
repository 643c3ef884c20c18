// Argon2 verification throughput with nothing else running: the ceiling for logins/s.
// Usage: argon2-alone.ts <durationS> <inFlight>; env BENCH_HASH, BENCH_PASSWORD.
// Prints one JSON line: { verifications, seconds, perSecond, cpuMsPerVerify }.
import { verify } from "@node-rs/argon2";

const durationMs = Number(process.argv[2] ?? 5) * 1000;
const inFlight = Number(process.argv[3] ?? 8);
const storedHash = process.env.BENCH_HASH ?? "";
const password = process.env.BENCH_PASSWORD ?? "";

let verifications = 0;
const started = performance.now();
const cpuStart = process.cpuUsage();
const deadline = started + durationMs;

async function lane() {
  while (performance.now() < deadline) {
    // The app normalises to NFKC before verifying; do the same so the work is identical.
    if (!(await verify(storedHash, password.normalize("NFKC")))) {
      throw new Error("the seeded hash does not verify the seeded password");
    }
    verifications++;
  }
}

await Promise.all(Array.from({ length: inFlight }, lane));
const seconds = (performance.now() - started) / 1000;
// Process-wide (the libuv threads included), in µs.
const cpu = process.cpuUsage(cpuStart);
const cpuMsPerVerify = (cpu.user + cpu.system) / 1000 / verifications;
process.stdout.write(
  `${JSON.stringify({ verifications, seconds, perSecond: verifications / seconds, cpuMsPerVerify })}\n`,
);
