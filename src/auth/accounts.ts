import { LuciaError, type User } from "lucia";
import { generateRandomString } from "lucia/utils";
import { findKeyOwner } from "../db/user-keys.js";
import type { AppDeps } from "../deps.js";

export const USERNAME_PROVIDER = "username";

/** The Lucia key id of a username: the provider and the lower-cased name. */
export const usernameKeyId = (username: string) => `${USERNAME_PROVIDER}:${username.toLowerCase()}`;

const hasCode = (error: unknown, ...codes: string[]) =>
  error instanceof Error && codes.includes((error as Error & { code?: string }).code ?? "");

/** Errors after which the write may or may not have committed, or that ask for a retry. */
const isRetryable = (error: unknown) =>
  hasCode(
    error,
    "ER_LOCK_DEADLOCK", // Galera: a conflicting write on another node won certification
    "PROTOCOL_CONNECTION_LOST",
    "ECONNRESET",
    "EPIPE",
  );

/**
 * Creates a user with a username key, as Lucia's guide does. Returns null when the username is
 * taken in any letter case (a duplicate on the key or on the user table, whichever MySQL or
 * MariaDB reports). Retries once where the first try may not have happened: the user id is fixed
 * up front, so a retry that finds its own committed user returns it instead of "taken".
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
  let retried = false;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const duplicate =
        hasCode(error, "ER_DUP_ENTRY") ||
        (error instanceof LuciaError && error.message === "AUTH_DUPLICATE_KEY_ID");
      if (duplicate) {
        if (retried && (await findKeyOwner(deps.pool, usernameKeyId(username))) === userId) {
          return deps.auth.getUser(userId);
        }
        return null;
      }
      if (retried || !isRetryable(error)) throw error;
      retried = true;
    }
  }
}
