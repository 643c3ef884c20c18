import { usernameKeyId } from "../../auth/accounts.js";
import { isCommonPassword } from "../../auth/common-passwords.js";
import { unauthenticated } from "../../auth/require-auth.js";
import { hashSessionToken } from "../../auth/session-token.js";
import { deleteOtherSessions } from "../../db/sessions.js";
import { findPasswordHash, replacePasswordHash } from "../../db/user-keys.js";
import { deleteUserCompletely } from "../../db/users.js";
import type { AppDeps } from "../../deps.js";
import { problemResponse } from "../../http/problem.js";
import type { AppRouteHandler } from "../../http/route-handler.js";
import { commonPasswordIssue } from "../auth/auth.handlers.js";
import type { changePassword, deleteAccount } from "./account.routes.js";

/**
 * Checks a signed-in user's password against the stored hash: the hash when it matches, "wrong"
 * when it does not, "gone" when the account was deleted meanwhile (by another of its sessions).
 */
async function checkPassword(deps: AppDeps, keyId: string, password: string) {
  const stored = await findPasswordHash(deps.pool, keyId);
  if (stored === null) return "gone";
  return (await deps.hasher.validate(password, stored)) ? stored : "wrong";
}

/**
 * Changes the password with one conditional write: the new hash replaces only the hash the
 * current password was checked against. (Lucia's updateKeyPassword writes unconditionally: two
 * changes at once both answered 204, each ended the other's session, and one password was lost.)
 * The second of two concurrent changes now answers INVALID_CREDENTIALS, as its retry would.
 */
export const changePasswordHandler: AppRouteHandler<typeof changePassword> = async (c) => {
  const { currentPassword, newPassword } = c.req.valid("json");
  if (isCommonPassword(newPassword)) {
    return problemResponse(c, "VALIDATION_FAILED", {
      errors: [{ ...commonPasswordIssue, path: "newPassword" }],
    });
  }
  const deps = c.get("deps");
  const session = c.get("session");
  const { username, userId } = session.user;
  const keyId = usernameKeyId(username);
  const checked = await checkPassword(deps, keyId, currentPassword);
  if (checked === "gone") return unauthenticated(c, true);
  if (checked === "wrong") {
    c.set("credentialsRejected", true);
    return problemResponse(c, "INVALID_CREDENTIALS");
  }
  const newHash = await deps.hasher.generate(newPassword);
  if (!(await replacePasswordHash(deps.pool, keyId, checked, newHash))) {
    // The hash changed meanwhile: another change or a deletion (which win), or a login's
    // re-hash of the same password (which does not: check again against the hash now stored).
    const again = await checkPassword(deps, keyId, currentPassword);
    if (again === "gone") return unauthenticated(c, true);
    if (again === "wrong" || !(await replacePasswordHash(deps.pool, keyId, again, newHash))) {
      return problemResponse(c, "INVALID_CREDENTIALS");
    }
  }
  // After the new hash is in place, so no session made with the old password survives.
  await deleteOtherSessions(deps.pool, userId, hashSessionToken(session.sessionId));
  await deps.rateLimits.clearAccountFailures(username);
  return c.body(null, 204);
};

export const deleteAccountHandler: AppRouteHandler<typeof deleteAccount> = async (c) => {
  const { password } = c.req.valid("json");
  const deps = c.get("deps");
  const session = c.get("session");
  const keyId = usernameKeyId(session.user.username);
  const checked = await checkPassword(deps, keyId, password);
  if (checked === "gone") return unauthenticated(c, true);
  if (checked === "wrong") {
    c.set("credentialsRejected", true);
    return problemResponse(c, "INVALID_CREDENTIALS");
  }
  let outcome = await deleteUserCompletely(deps.pool, session.user.userId, keyId, checked);
  if (outcome === "changed") {
    // The hash changed after the check: a password change (which wins: the old password no
    // longer deletes the account) or a login's re-hash of the same password (check again).
    const again = await checkPassword(deps, keyId, password);
    if (again === "gone") outcome = "gone";
    else if (again !== "wrong") {
      outcome = await deleteUserCompletely(deps.pool, session.user.userId, keyId, again);
    }
  }
  if (outcome === "gone") return unauthenticated(c, true);
  if (outcome === "changed") return problemResponse(c, "INVALID_CREDENTIALS");
  await deps.rateLimits.clearAccountFailures(session.user.username);
  return c.body(null, 204);
};
