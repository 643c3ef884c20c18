import { LuciaError, type Session } from "lucia";
import { createUsernameUser, USERNAME_PROVIDER, usernameKeyId } from "../../auth/accounts.js";
import { isCommonPassword } from "../../auth/common-passwords.js";
import { isDeadlock, isMissingParentRow } from "../../db/failures.js";
import { findPasswordHash, replacePasswordHash } from "../../db/user-keys.js";
import type { AppDeps } from "../../deps.js";
import { problemResponse } from "../../http/problem.js";
import type { AppRouteHandler } from "../../http/route-handler.js";
import type { login, logout, me, signup } from "./auth.routes.js";

const sessionBody = (session: Session) => ({
  sessionId: session.sessionId,
  user: { userId: session.user.userId, username: session.user.username },
  activePeriodExpiresAt: session.activePeriodExpiresAt.toISOString(),
  idlePeriodExpiresAt: session.idlePeriodExpiresAt.toISOString(),
});

export const commonPasswordIssue = {
  path: "password",
  message: "This password is too common: choose one that is harder to guess",
};

/** The account was deleted while the request ran (Lucia finds no user, or the insert no parent). */
const isAccountGone = (error: unknown) =>
  (error instanceof LuciaError &&
    (error.message === "AUTH_INVALID_USER_ID" || error.message === "AUTH_INVALID_KEY_ID")) ||
  isMissingParentRow(error);

const isRejectedPassword = (error: unknown) =>
  error instanceof LuciaError &&
  (error.message === "AUTH_INVALID_PASSWORD" || error.message === "AUTH_OUTDATED_PASSWORD");

export const signupHandler: AppRouteHandler<typeof signup> = async (c) => {
  const { username, password } = c.req.valid("json");
  if (isCommonPassword(password)) {
    return problemResponse(c, "VALIDATION_FAILED", { errors: [commonPasswordIssue] });
  }
  const { auth } = c.get("deps");
  const user = await createUsernameUser(c.get("deps"), username, password);
  if (!user) return problemResponse(c, "USERNAME_TAKEN");
  const session = await auth.createSession({ userId: user.userId, attributes: {} });
  return c.json(sessionBody(session), 201);
};

export const loginHandler: AppRouteHandler<typeof login> = async (c) => {
  const { username, password } = c.req.valid("json");
  const deps = c.get("deps");
  const { auth, hasher, rateLimits } = deps;
  const providerUserId = username.toLowerCase();
  const keyId = usernameKeyId(providerUserId);
  try {
    // Read before the check, to see afterwards whether the password changed meanwhile.
    const checkedHash = await findPasswordHash(deps.pool, keyId);
    const key = await auth.useKey(USERNAME_PROVIDER, providerUserId, password);
    const session = await createSessionRetryingDeadlock(auth, key.userId);
    // A password change ends the other sessions after its new hash is in place. A session made
    // here after that sweep must not survive with the old password: if the hash is no longer
    // the one read before the check, it must still accept this password (a concurrent login's
    // re-hash changes the hash, not the password), or the change (or a deletion) won.
    const currentHash = await findPasswordHash(deps.pool, keyId);
    const stillValid =
      currentHash !== null &&
      (currentHash === checkedHash || (await hasher.validate(password, currentHash)));
    if (!stillValid) {
      await auth.invalidateSession(session.sessionId);
      c.set("credentialsRejected", true);
      return problemResponse(c, "INVALID_CREDENTIALS");
    }
    // Only a login that stands clears the account's failures. The session exists by now, so a
    // failure to clear them (the count then runs out with its window) must not cost the login.
    await Promise.all([
      rateLimits.clearAccountFailures(providerUserId).catch((error: unknown) => {
        deps.logger.warn({ err: error }, "clearing the account's login failures failed");
      }),
      upgradePasswordHash(deps, keyId, currentHash, password),
    ]);
    return c.json(sessionBody(session), 200);
  } catch (error) {
    if (error instanceof LuciaError && error.message === "AUTH_INVALID_KEY_ID") {
      // No such user: spend what a wrong password costs, then answer exactly as for one.
      await hasher.burnVerification(password);
    } else if (!isRejectedPassword(error) && !isAccountGone(error)) {
      throw error;
    }
    c.set("credentialsRejected", true);
    return problemResponse(c, "INVALID_CREDENTIALS");
  }
};

/**
 * Lucia's createSession, tried once more after a deadlock: an account deletion at the same moment
 * can deadlock with the session insert (the insert holds its new row, then checks the user row
 * the deletion holds). The retry then finds no user, which answers INVALID_CREDENTIALS.
 */
async function createSessionRetryingDeadlock(auth: AppDeps["auth"], userId: string) {
  try {
    return await auth.createSession({ userId, attributes: {} });
  } catch (error) {
    if (!isDeadlock(error)) throw error;
    return auth.createSession({ userId, attributes: {} });
  }
}

/**
 * Re-hashes a just-verified password when its stored hash is Lucia's old scrypt or Argon2 with
 * weaker parameters than ours, so stored hashes improve as people sign in. The write only
 * replaces the hash that was checked (a password change made meanwhile is never undone), and a
 * failure (no free hash slot, a database error) costs the login nothing: the next one retries.
 */
async function upgradePasswordHash(deps: AppDeps, keyId: string, stored: string, password: string) {
  if (!deps.hasher.needsRehash(stored)) return;
  try {
    await replacePasswordHash(deps.pool, keyId, stored, await deps.hasher.generate(password));
  } catch (error) {
    deps.logger.warn({ err: error, keyId }, "password hash upgrade failed; the next login retries");
  }
}

export const meHandler: AppRouteHandler<typeof me> = (c) => {
  const session = c.get("session");
  return c.json(
    {
      user: { userId: session.user.userId, username: session.user.username },
      session: {
        activePeriodExpiresAt: session.activePeriodExpiresAt.toISOString(),
        idlePeriodExpiresAt: session.idlePeriodExpiresAt.toISOString(),
      },
    },
    200,
  );
};

export const logoutHandler: AppRouteHandler<typeof logout> = async (c) => {
  await c.get("deps").auth.invalidateSession(c.get("session").sessionId);
  return c.body(null, 204);
};
