// Runs in the password hasher's worker threads (see password-hasher.ts): Argon2id, synchronously,
// on a thread that runs at a lower CPU priority than the event loop.
import { hashSync, verifySync } from "@node-rs/argon2";

/** @param {{ password: string, options: import("@node-rs/argon2").Options }} task */
export function hash({ password, options }) {
  return hashSync(password, options);
}

/** @param {{ hash: string, password: string }} task */
export function verify({ hash, password }) {
  return verifySync(hash, password);
}

/** Answers once this thread is up (and niced): the hasher's warm-up sends one to each thread. */
export function ping() {
  return true;
}
