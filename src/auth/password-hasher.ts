import { scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { parseOptions } from "@node-rs/argon2";
import pLimit from "p-limit";
import { Piscina } from "piscina";
import { ServiceUnavailableError } from "../http/errors.js";

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** Argon2id parameters (OWASP's minimum: m=19 MiB, t=2, p=1). */
export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const owaspArgon2: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
/** A Lucia v2 scrypt hash (made by lucia/utils) that warm-up checks once to time scrypt. */
const LEGACY_SAMPLE_HASH =
  "s2:i167f89rzss35tzw:0212b43ac0bfdd18b91e1c3e0558533e947518f0c130a6159deabeacf3d5fc1aff3465216657fd1c83381a46604820e95f0e17f87fdab5258259a1823afeed5f";
const ARGON2ID = 2; // Algorithm.Argon2id; a const enum, which isolated modules cannot import

export interface PasswordHasher {
  /** Lucia's `passwordHash.generate`: NFKC, then Argon2id, as a PHC string. */
  generate(password: string): Promise<string>;
  /** Lucia's `passwordHash.validate`: Argon2 PHC strings, and Lucia v2's own scrypt hashes. */
  validate(password: string, storedHash: string): Promise<boolean>;
  /** True when a stored hash is not Argon2id with at least the current parameters. */
  needsRehash(storedHash: string): boolean;
  /** Spends the time of one verification, so an unknown user costs what a wrong password does. */
  burnVerification(password: string): Promise<void>;
  /**
   * Starts the hashing threads and makes the dummy hash now, so the first login after start-up
   * (and the first unknown user's) costs what every later one does. With `legacyHashes` (the
   * database still holds Lucia v2 scrypt hashes), it also times one scrypt check: from then on
   * every failed check lasts at least that long (see `createPasswordHasher`).
   */
  warmUp(options?: { legacyHashes?: boolean }): Promise<void>;
  /** Ends the hashing threads (after the work in hand). */
  close(): Promise<void>;
}

export interface HasherSettings {
  /** Hashes computed at once; each holds one hashing thread and one core. */
  concurrency: number;
  /** Hashes allowed to wait; past that, ServiceUnavailableError at once. */
  queueLimit: number;
  /** How much lower than the event loop the hashing threads' CPU priority is (nice, 0–19). */
  niceness?: number;
  argon2?: Argon2Parameters;
}

/**
 * The password hasher handed to Lucia. Every hash runs through one bounded queue, so a login
 * storm cannot grow without limit, on a pool of worker threads (Piscina) of their own, at a
 * lower CPU priority than the event loop: when logins and session checks compete for the cores,
 * the session checks win, and hashing takes what they leave (all of it when they are idle).
 * libuv's thread pool stays free for DNS and fs. (Lucia v2's scrypt hashes, a one-time path per
 * user before the upgrade, still use node's crypto.scrypt on libuv's pool.)
 */
export function createPasswordHasher(settings: HasherSettings): PasswordHasher {
  const argon2 = settings.argon2 ?? owaspArgon2;
  const limit = pLimit(settings.concurrency);
  const options = { ...argon2, algorithm: ARGON2ID };

  // Made on first use (building the app for the OpenAPI document starts no threads).
  let pool: Piscina | undefined;
  let closed = false;
  const workers = () => {
    if (closed) throw new ServiceUnavailableError("The server is shutting down");
    pool ??= new Piscina({
      filename: new URL("./hash-worker.mjs", import.meta.url).href,
      minThreads: settings.concurrency,
      maxThreads: settings.concurrency,
      // Plain JavaScript: the threads need none of the process's --import hooks (tsx, probes).
      execArgv: [],
      // Set through @napi-rs/nice in each thread; Piscina ignores it where that cannot load.
      niceIncrement: settings.niceness ?? 0,
    });
    return pool;
  };
  const hash = (password: string): Promise<string> =>
    workers().run({ password, options }, { name: "hash" });
  const verify = (storedHash: string, password: string): Promise<boolean> =>
    workers().run({ hash: storedHash, password }, { name: "verify" });
  const verifyStoredHash = async (normalized: string, storedHash: string) => {
    if (storedHash.startsWith("$argon2")) return verify(storedHash, normalized);
    return verifyLuciaScrypt(normalized, storedHash);
  };

  const bounded = <T>(work: () => Promise<T>): Promise<T> => {
    if (limit.activeCount >= settings.concurrency && limit.pendingCount >= settings.queueLimit) {
      return Promise.reject(new ServiceUnavailableError("Too many password checks in progress"));
    }
    return limit(work);
  };

  // Made once, lazily: verifying against it costs exactly one real verification. A failure
  // (the queue was full) is forgotten, or every unknown user would get 503 from then on.
  let dummyHash: Promise<string> | undefined;
  const makeDummyHash = () =>
    bounded(() => hash("not a password anyone has")).catch((error: unknown) => {
      dummyHash = undefined;
      throw error;
    });

  // A wrong password on an account still holding Lucia's scrypt hash takes scrypt's time (~90 ms
  // here) against Argon2's ~15 ms for every other failure, an unknown user's included: that
  // difference tells which usernames exist. While such hashes exist, every failed check holds
  // its hash slot at least as long as a scrypt check (a timer, no CPU), so all failures look
  // alike, queueing included: padding after the slot was freed let parallel guesses for one
  // name show the difference in their wait for a slot.
  let failureFloorMs = 0;
  const padFailure = async (startedAt: number) => {
    const left = failureFloorMs - (performance.now() - startedAt);
    if (left > 0) await sleep(left);
  };

  return {
    generate: (password) => bounded(() => hash(password.normalize("NFKC"))),
    validate: (password, storedHash) =>
      bounded(async () => {
        const startedAt = performance.now();
        const valid = await verifyStoredHash(password.normalize("NFKC"), storedHash);
        if (!valid) await padFailure(startedAt);
        return valid;
      }),
    needsRehash(storedHash) {
      if (!storedHash.startsWith("$argon2id$")) return true;
      const stored = parseOptions(storedHash);
      return stored.memoryCost < argon2.memoryCost || stored.timeCost < argon2.timeCost;
    },
    async burnVerification(password) {
      dummyHash ??= makeDummyHash();
      const target = await dummyHash;
      await bounded(async () => {
        const startedAt = performance.now();
        await verify(target, password.normalize("NFKC"));
        await padFailure(startedAt);
      });
    },
    async warmUp({ legacyHashes = false } = {}) {
      // One task per thread, sent while all are idle, so each thread gets one and must be up.
      const pool = workers();
      const pings = Array.from({ length: settings.concurrency }, () =>
        pool.run(null, { name: "ping" }),
      );
      await Promise.all(pings);
      dummyHash ??= makeDummyHash();
      await dummyHash;
      if (legacyHashes) {
        const startedAt = performance.now();
        await verifyLuciaScrypt("not a password anyone has", LEGACY_SAMPLE_HASH);
        // A margin over one quiet-machine measurement, since checks run slower under load.
        failureFloorMs = (performance.now() - startedAt) * 1.25;
      }
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}

/**
 * Lucia v2's scrypt format, checked with node's native scrypt: `s2:<salt>:<hex>` (N=16384, r=16)
 * and the older `<salt>:<hex>` (r=8). Salts are used as their UTF-8 text, as Lucia does.
 */
async function verifyLuciaScrypt(normalized: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split(":");
  let salt: string | undefined;
  let expectedHex: string | undefined;
  let blockSize: number;
  if (parts.length === 3 && parts[0] === "s2") {
    [, salt, expectedHex] = parts;
    blockSize = 16;
  } else if (parts.length === 2) {
    [salt, expectedHex] = parts;
    blockSize = 8;
  } else {
    return false;
  }
  if (!salt || !expectedHex || !/^[0-9a-f]{128}$/.test(expectedHex)) return false;
  const derived = await scrypt(normalized, salt, 64, {
    N: 16_384,
    r: blockSize,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(derived, Buffer.from(expectedHex, "hex"));
}
