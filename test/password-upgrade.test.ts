import { hash } from "@node-rs/argon2";
import { generateLuciaPasswordHash } from "lucia/utils";
import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { hasLegacyPasswordHashes, replacePasswordHash } from "../src/db/user-keys.js";
import { expectProblem, getWithToken, login, postJson, uniqueName } from "./support/client.js";
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp();

/** A user as an older deployment (Lucia's guide) would have stored it. */
async function insertUser(username: string, hashedPassword: string) {
  const userId = uniqueName("").slice(1, 16).padEnd(15, "0");
  await ctx.db.pool.execute("INSERT INTO auth_user (id, username) VALUES (?, ?)", [
    userId,
    username,
  ]);
  await ctx.db.pool.execute(
    "INSERT INTO user_key (id, user_id, hashed_password) VALUES (?, ?, ?)",
    [`username:${username.toLowerCase()}`, userId, hashedPassword],
  );
}

async function storedHash(username: string) {
  const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
    "SELECT hashed_password FROM user_key WHERE id = ?",
    [`username:${username.toLowerCase()}`],
  );
  return rows[0]?.hashed_password as string;
}

describe("existing Lucia v2 databases", () => {
  it("a password hashed by Lucia v2's own scrypt logs in and is re-hashed to Argon2id", async () => {
    const username = uniqueName("legacy");
    const password = "Ünïcode pässword ﬁne"; // NFKC matters: "ﬁ" becomes "fi"
    const legacy = await generateLuciaPasswordHash(password);
    expect(legacy).toMatch(/^s2:/);
    await insertUser(username, legacy);
    expect(await hasLegacyPasswordHashes(ctx.db.pool)).toBe(true);

    const wrong = await postJson(ctx.app, "/auth/login", { username, password: "not it at all" });
    await expectProblem(wrong, 400, "INVALID_CREDENTIALS");
    expect(await storedHash(username)).toBe(legacy);

    const token = await login(ctx.app, username, password);
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
    const upgraded = await storedHash(username);
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The new hash works, for the NFKC-equivalent spelling too.
    await login(ctx.app, username, password.normalize("NFKC"));
  });

  it("re-hashes Argon2 hashes made with weaker parameters, and leaves current ones alone", async () => {
    const weakUser = uniqueName("weak");
    const password = "an older argon2 hash";
    await insertUser(
      weakUser,
      await hash(password, { memoryCost: 4096, timeCost: 1, parallelism: 1 }),
    );
    await login(ctx.app, weakUser, password);
    expect(await storedHash(weakUser)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const current = await storedHash(weakUser);
    await login(ctx.app, weakUser, password);
    expect(await storedHash(weakUser)).toBe(current);
  });

  it("an upgrade never overwrites a hash that changed after it was read", async () => {
    // The race it guards: a login reads an old hash, the user changes the password, and the
    // login's upgrade lands afterwards. It must not put the old password back.
    const username = uniqueName("race");
    const legacy = await generateLuciaPasswordHash("the old password");
    await insertUser(username, legacy);
    const keyId = `username:${username.toLowerCase()}`;
    const changed = await hash("the new password");
    await ctx.db.pool.execute("UPDATE user_key SET hashed_password = ? WHERE id = ?", [
      changed,
      keyId,
    ]);

    const stale = await hash("the old password");
    expect(await replacePasswordHash(ctx.db.pool, keyId, legacy, stale)).toBe(false);
    expect(await storedHash(username)).toBe(changed);
    expect(await replacePasswordHash(ctx.db.pool, keyId, changed, stale)).toBe(true);
    expect(await storedHash(username)).toBe(stale);
  });

  it("a login whose password hash another login upgrades meanwhile still succeeds", async () => {
    // The first of two logins to store its session is held for 500 ms (a trigger that only the
    // holder of a named lock sleeps in); the other finishes and re-hashes the password. The held
    // login then finds another hash than the one it checked: the same password, so no refusal.
    const username = uniqueName("parallel");
    const password = "an old-format password";
    const legacy = await generateLuciaPasswordHash(password);
    await insertUser(username, legacy);
    await ctx.db.pool.query(`CREATE TRIGGER hold_first_session BEFORE INSERT ON user_session
      FOR EACH ROW BEGIN
        IF GET_LOCK('hold_first_session', 0) = 1 THEN DO SLEEP(0.5); DO RELEASE_LOCK('hold_first_session'); END IF;
      END`);
    try {
      const answers = await Promise.all(
        [1, 2].map(() => postJson(ctx.app, "/auth/login", { username, password })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
    } finally {
      await ctx.db.pool.query("DROP TRIGGER hold_first_session");
    }
    expect(await storedHash(username)).toMatch(/^\$argon2id\$/);
  });
});
