import { readdirSync, readFileSync } from "node:fs";
import { generateLuciaPasswordHash } from "lucia/utils";
import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "../src/auth/password-hasher.js";
import { ServiceUnavailableError } from "../src/http/errors.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("password hasher", () => {
  it("an unknown-user check refused while the queue is full works once the queue drains", async () => {
    // The first such check makes the dummy hash that later ones verify against: a refusal at
    // that moment must not be remembered, or every unknown user would get 503 from then on
    // while real users got 400, telling the two apart.
    const hasher = createPasswordHasher({ concurrency: 1, queueLimit: 0 });
    const busy = hasher.generate("a password being hashed");
    await nextTurn();
    await expect(hasher.burnVerification("guess")).rejects.toBeInstanceOf(ServiceUnavailableError);
    await busy;

    await expect(hasher.burnVerification("guess")).resolves.toBeUndefined();
  });

  it.runIf(process.platform === "linux")(
    "warms up threads of its own at the configured lower CPU priority, hashes on them, and ends them",
    async () => {
      const niceOfThreads = () =>
        readdirSync("/proc/self/task").map((tid) => {
          // Fields after the command name; nice is the 19th field of the whole line.
          const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1] ?? "";
          return Number(fields.split(" ")[16]);
        });
      const before = niceOfThreads().filter((nice) => nice === 7).length;
      const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 4, niceness: 7 });
      await hasher.warmUp(); // what the server does before it listens
      expect(niceOfThreads().filter((nice) => nice === 7).length - before).toBe(2);

      const stored = await hasher.generate("a password");
      expect(await hasher.validate("a password", stored)).toBe(true);
      expect(await hasher.validate("another password", stored)).toBe(false);
      await expect(hasher.burnVerification("a guess")).resolves.toBeUndefined();

      await hasher.close(); // what the server does when it shuts down
      expect(niceOfThreads().filter((nice) => nice === 7).length - before).toBe(0);
      // For good: a late request gets 503, not a new set of threads.
      await expect(hasher.generate("too late")).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(niceOfThreads().filter((nice) => nice === 7).length - before).toBe(0);
    },
  );

  // A timing measurement on a shared machine: a noisy neighbour can skew one run, so it may retry.
  it("with Lucia scrypt hashes around, every failed check lasts as long as a scrypt one", {
    retry: 2,
  }, async () => {
    const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 8 });
    await hasher.warmUp({ legacyHashes: true });
    const scryptHash = await generateLuciaPasswordHash("the legacy password");
    const argon2Hash = await hasher.generate("the current password");
    const median = async (check: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const startedAt = performance.now();
        await check();
        times.push(performance.now() - startedAt);
      }
      return times.sort((a, b) => a - b)[3] ?? Number.NaN;
    };
    const legacyWrong = await median(() => hasher.validate("a guess", scryptHash));
    const argon2Wrong = await median(() => hasher.validate("a guess", argon2Hash));
    const unknownUser = await median(() => hasher.burnVerification("a guess"));
    for (const other of [argon2Wrong, unknownUser]) {
      expect(Math.abs(other - legacyWrong) / legacyWrong).toBeLessThan(0.25);
    }
    // A right password is never held back.
    expect(await median(() => hasher.validate("the current password", argon2Hash))).toBeLessThan(
      legacyWrong * 0.6,
    );
    await hasher.close();
  });
});
