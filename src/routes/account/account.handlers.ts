import { LuciaError } from "lucia";
import { USERNAME_PROVIDER } from "../../auth/accounts.js";
import { isCommonPassword } from "../../auth/common-passwords.js";
import { hashSessionToken } from "../../auth/session-token.js";
import { deleteOtherSessions } from "../../db/sessions.js";
import { deleteUserCompletely } from "../../db/users.js";
import type { AppDeps } from "../../deps.js";
import { problemResponse } from "../../http/problem.js";
import type { AppRouteHandler } from "../../http/route-handler.js";
import { commonPasswordIssue } from "../auth/auth.handlers.js";
import type { changePassword, deleteAccount } from "./account.routes.js";

/** Checks a signed-in user's password with Lucia's useKey; false when it is wrong. */
async function passwordMatches(deps: AppDeps, username: string, password: string) {
  try {
    await deps.auth.useKey(USERNAME_PROVIDER, username.toLowerCase(), password);
    return true;
  } catch (error) {
    if (error instanceof LuciaError && error.message === "AUTH_INVALID_PASSWORD") return false;
    throw error;
  }
}

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
  if (!(await passwordMatches(deps, username, currentPassword))) {
    c.set("credentialsRejected", true);
    return problemResponse(c, "INVALID_CREDENTIALS");
  }
  await deps.auth.updateKeyPassword(USERNAME_PROVIDER, username.toLowerCase(), newPassword);
  // After the new hash is in place, so no session made with the old password survives.
  await deleteOtherSessions(deps.pool, userId, hashSessionToken(session.sessionId));
  await deps.rateLimits.clearAccountFailures(username);
  return c.body(null, 204);
};

export const deleteAccountHandler: AppRouteHandler<typeof deleteAccount> = async (c) => {
  const { password } = c.req.valid("json");
  const deps = c.get("deps");
  const session = c.get("session");
  if (!(await passwordMatches(deps, session.user.username, password))) {
    c.set("credentialsRejected", true);
    return problemResponse(c, "INVALID_CREDENTIALS");
  }
  await deleteUserCompletely(deps.pool, session.user.userId);
  await deps.rateLimits.clearAccountFailures(session.user.username);
  return c.body(null, 204);
};
