import { LuciaError, type User } from "lucia";
import { generateRandomString } from "lucia/utils";
import { isConnectionLost, isDeadlock } from "../db/failures.js";
import { pauseBeforeRetry, retryRead } from "../db/retry.js";
import { findKeyOwner } from "../db/user-keys.js";
import type { AppDeps } from "../deps.js";

export const USERNAME_PROVIDER = "username";

/** The Lucia key id of a username: the provider and the lower-cased name. */
export const usernameKeyId = (username: string) => `${USERNAME_PROVIDER}:${username.toLowerCase()}`;

/**
 * Tries per signup. Two conflicting signups on two Galera nodes: the loser is rolled back
 * with a deadlock, and its retry normally meets the winner's row as a duplicate (409). If the
 * winner's row is not applied on the loser's node yet, the retry conflicts again; a third try,
 * after a pause, meets it.
 */
const MAX_ATTEMPTS = 3;

const isDuplicate = (error: unknown) =>
  (error instanceof Error && (error as Error & { code?: string }).code === "ER_DUP_ENTRY") ||
  (error instanceof LuciaError && error.message === "AUTH_DUPLICATE_KEY_ID");

/**
 * Creates a user with a username key, as Lucia's guide does. Returns null when the username is
 * taken in any letter case (a duplicate on the key or on the user table, whichever MySQL or
 * MariaDB reports). Retries after a deadlock (rolled back) and after a lost connection (the
 * write may have committed): the user id is fixed up front, so a retry that finds its own
 * committed user returns it instead of "taken".
 */
export async function createUsernameUser(
  deps: Pick<AppDeps, "auth" | "pool">,
  username: string,
  password: string,
): Promise<User | null> {
  const userId = generateRandomString(15);
  const attempt = () =>
    deps.auth.createUser({
      userId,
      key: { providerId: USERNAME_PROVIDER, providerUserId: username.toLowerCase(), password },
      attributes: { username },
    });
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (isDuplicate(error)) {
        const owner =
          tries > 1 && (await retryRead(() => findKeyOwner(deps.pool, usernameKeyId(username))));
        return owner === userId ? deps.auth.getUser(userId) : null;
      }
      if (tries >= MAX_ATTEMPTS || !(isDeadlock(error) || isConnectionLost(error))) throw error;
      await pauseBeforeRetry(tries);
    }
  }
}
