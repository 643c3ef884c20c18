import type { Context } from "hono";
import { usernameKeyId } from "../../auth/accounts.js";
import { isCommonPassword } from "../../auth/common-passwords.js";
import { unauthenticated } from "../../auth/require-auth.js";
import { hashSessionToken } from "../../auth/session-token.js";
import { deleteOtherSessions } from "../../db/sessions.js";
import { findPasswordHash, replacePasswordHash } from "../../db/user-keys.js";
import { deleteUserCompletely } from "../../db/users.js";
import type { AppDeps } from "../../deps.js";
import type { AppEnv } from "../../http/app-env.js";
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

type WriteOutcome = "done" | "changed" | "gone";

/**
 * Checks `password`, then runs `write`, which must only take effect while the stored hash is
 * still the one checked (else "changed"). A hash that changed meanwhile is a password change or
 * a deletion, which win, or a login's re-hash of the same password, which does not: so the
 * password is checked once more against the hash now stored, and the write tried once more.
 */
async function writeIfPassword(
  deps: AppDeps,
  keyId: string,
  password: string,
  write: (checkedHash: string) => Promise<WriteOutcome>,
): Promise<WriteOutcome | "wrong"> {
  const checked = await checkPassword(deps, keyId, password);
  if (checked === "gone" || checked === "wrong") return checked;
  const outcome = await write(checked);
  if (outcome !== "changed") return outcome;
  const again = await checkPassword(deps, keyId, password);
  if (again === "gone") return "gone";
  if (again === "wrong") return "changed";
  return write(again);
}

/**
 * The answer to a refused write: 401 when the account is gone, 400 INVALID_CREDENTIALS for a
 * wrong password (counted against the account) or a password that stopped being current.
 */
function refused(c: Context<AppEnv>, outcome: "wrong" | "changed" | "gone") {
  if (outcome === "gone") return unauthenticated(c, true);
  if (outcome === "wrong") c.set("credentialsRejected", true);
  return problemResponse(c, "INVALID_CREDENTIALS");
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
  let newHash: string | undefined; // made once, after the current password checked out
  const outcome = await writeIfPassword(deps, keyId, currentPassword, async (checkedHash) => {
    newHash ??= await deps.hasher.generate(newPassword);
    return (await replacePasswordHash(deps.pool, keyId, checkedHash, newHash)) ? "done" : "changed";
  });
  if (outcome !== "done") return refused(c, outcome);
  // After the new hash is in place, so no session made with the old password survives.
  await deleteOtherSessions(deps.pool, userId, hashSessionToken(session.sessionId));
  await deps.rateLimits.clearAccountFailures(username);
  return c.body(null, 204);
};

export const deleteAccountHandler: AppRouteHandler<typeof deleteAccount> = async (c) => {
  const { password } = c.req.valid("json");
  const deps = c.get("deps");
  const { userId, username } = c.get("session").user;
  const keyId = usernameKeyId(username);
  const outcome = await writeIfPassword(deps, keyId, password, async (checkedHash) => {
    const deleted = await deleteUserCompletely(deps.pool, userId, keyId, checkedHash);
    return deleted === "deleted" ? "done" : deleted;
  });
  if (outcome !== "done") return refused(c, outcome);
  await deps.rateLimits.clearAccountFailures(username);
  return c.body(null, 204);
};
