import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { deleteUserCompletely } from "../src/db/users.js";
import {
  bearer,
  expectProblem,
  getWithToken,
  login,
  PASSWORD,
  postJson,
  signup,
  uniqueName,
} from "./support/client.js";
import { testConfig, useTestApp } from "./support/test-app.js";

const ctx = useTestApp();
const NEW_PASSWORD = "a brand new passphrase 7";

const changePassword = (token: string, body: unknown) =>
  postJson(ctx.app, "/auth/password", body, bearer(token));

const deleteAccount = (token: string, body: unknown) =>
  ctx.app.request("/auth/me", {
    method: "DELETE",
    headers: { ...bearer(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe("POST /auth/password", () => {
  it("changes the password, ends the other sessions and keeps this one", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const response = await changePassword(laptop, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(response.status).toBe(204);
    expect((await getWithToken(ctx.app, "/auth/me", laptop)).status).toBe(200);
    expect((await getWithToken(ctx.app, "/auth/me", phone)).status).toBe(401);
    const old = await postJson(ctx.app, "/auth/login", { username, password: PASSWORD });
    await expectProblem(old, 400, "INVALID_CREDENTIALS");
    expect(await login(ctx.app, username, NEW_PASSWORD)).toMatch(/^[a-z0-9]{40}$/);
  });

  it("answers INVALID_CREDENTIALS for a wrong current password and changes nothing", async () => {
    const { token, username } = await signup(ctx.app);
    const response = await changePassword(token, {
      currentPassword: "not my password",
      newPassword: NEW_PASSWORD,
    });
    await expectProblem(response, 400, "INVALID_CREDENTIALS");
    expect(await login(ctx.app, username, PASSWORD)).toMatch(/^[a-z0-9]{40}$/);
  });

  it.each([
    [{ currentPassword: PASSWORD, newPassword: "short" }, "newPassword"],
    [{ currentPassword: PASSWORD, newPassword: "password123" }, "newPassword"],
    [{ currentPassword: PASSWORD }, "newPassword"],
    [{ newPassword: NEW_PASSWORD }, "currentPassword"],
  ])("answers VALIDATION_FAILED for %j", async (body, path) => {
    const { token } = await signup(ctx.app);
    const problem = await expectProblem(
      await changePassword(token, body),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors).toEqual([expect.objectContaining({ path })]);
  });

  it("answers UNAUTHENTICATED without a session", async () => {
    const response = await postJson(ctx.app, "/auth/password", {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    await expectProblem(response, 401, "UNAUTHENTICATED");
  });
});

describe("DELETE /auth/me", () => {
  it("deletes the user, keys and sessions, and frees the username", async () => {
    const { token, userId, username } = await signup(ctx.app);
    const second = await login(ctx.app, username);
    const response = await deleteAccount(token, { password: PASSWORD });
    expect(response.status).toBe(204);
    for (const [table, column] of [
      ["auth_user", "id"],
      ["user_key", "user_id"],
      ["user_session", "user_id"],
    ]) {
      const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
        `SELECT 1 FROM ${table} WHERE ${column} = ?`,
        [userId],
      );
      expect(rows, table).toHaveLength(0);
    }
    expect((await getWithToken(ctx.app, "/auth/me", second)).status).toBe(401);
    const again = await signup(ctx.app, username.toUpperCase());
    expect(again.userId).not.toBe(userId);
  });

  it("answers INVALID_CREDENTIALS for a wrong password and deletes nothing", async () => {
    const { token } = await signup(ctx.app);
    await expectProblem(
      await deleteAccount(token, { password: "wrong one" }),
      400,
      "INVALID_CREDENTIALS",
    );
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
  });

  it("answers UNAUTHENTICATED without a session and VALIDATION_FAILED without a password", async () => {
    const { token } = await signup(ctx.app);
    await expectProblem(await deleteAccount(token, {}), 400, "VALIDATION_FAILED");
    await expectProblem(
      await deleteAccount(`x${token}`, { password: PASSWORD }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("wrong passwords count against the account", () => {
  it("failed confirmations by a signed-in user lock the account's logins too", async () => {
    const { token, username } = await signup(ctx.app, uniqueName("lock"));
    const app = ctx.app;
    // This file's limits are high; count through the shared per-account counter directly.
    for (let i = 0; i < 3; i++) {
      await changePassword(token, { currentPassword: "wrong!", newPassword: NEW_PASSWORD });
    }
    const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT hits FROM rate_limit WHERE bucket = ?",
      [`login-account:${username.toLowerCase()}`],
    );
    expect(Number(rows[0]?.hits)).toBe(3);
    await login(app, username);
    const [after] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT hits FROM rate_limit WHERE bucket = ?",
      [`login-account:${username.toLowerCase()}`],
    );
    expect(after).toHaveLength(0);
  });

  it("past the limit, a password confirmation answers RATE_LIMITED before checking anything", async () => {
    const app = createApp({
      config: testConfig({ LOGIN_FAILURES_PER_ACCOUNT: 2 }),
      pool: ctx.db.pool,
    });
    const { token } = await signup(app);
    const wrong = { currentPassword: "wrong!", newPassword: NEW_PASSWORD };
    for (let i = 0; i < 2; i++) {
      expect((await postJson(app, "/auth/password", wrong, bearer(token))).status).toBe(400);
    }
    const right = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };
    const limited = await postJson(app, "/auth/password", right, bearer(token));
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("concurrent changes to one account", () => {
  it("of two password changes at once, one wins and the other answers INVALID_CREDENTIALS", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const [fromPhone, fromLaptop] = await Promise.all([
      changePassword(phone, { currentPassword: PASSWORD, newPassword: "phone's new passphrase" }),
      changePassword(laptop, { currentPassword: PASSWORD, newPassword: "laptop's new passphrase" }),
    ]);
    expect([fromPhone.status, fromLaptop.status].sort()).toEqual([204, 400]);
    const [winner, loser, winnerPassword] =
      fromPhone.status === 204
        ? [phone, laptop, "phone's new passphrase"]
        : [laptop, phone, "laptop's new passphrase"];
    await expectProblem(
      fromPhone.status === 204 ? fromLaptop : fromPhone,
      400,
      "INVALID_CREDENTIALS",
    );
    // The winner's device stays signed in with the winner's password; the other device is out.
    expect((await getWithToken(ctx.app, "/auth/me", winner)).status).toBe(200);
    expect((await getWithToken(ctx.app, "/auth/me", loser)).status).toBe(401);
    await login(ctx.app, username, winnerPassword);
  });

  it("a login with the old password that races a password change keeps no session", async () => {
    // The race: the login checks the old password, the change then stores its hash and ends the
    // other sessions, and only then does the login store its session. A trigger holds this
    // user's session inserts for 300 ms to make that order certain.
    const { token, username, userId } = await signup(ctx.app);
    await ctx.db.pool.query(`CREATE TRIGGER slow_session_insert BEFORE INSERT ON user_session
      FOR EACH ROW BEGIN IF NEW.user_id = ${ctx.db.pool.escape(userId)} THEN DO SLEEP(0.3); END IF; END`);
    try {
      const racing = postJson(ctx.app, "/auth/login", { username, password: PASSWORD });
      const changed = await changePassword(token, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(changed.status).toBe(204);
      const answer = await racing;
      if (answer.status === 200) {
        const { sessionId } = (await answer.json()) as { sessionId: string };
        expect((await getWithToken(ctx.app, "/auth/me", sessionId)).status).toBe(401);
      } else {
        await expectProblem(answer, 400, "INVALID_CREDENTIALS");
      }
    } finally {
      await ctx.db.pool.query("DROP TRIGGER slow_session_insert");
    }
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
  });

  it("deleting the account while another device changes the password or logs in is never a 500", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const [deleted, changed, loggedIn] = await Promise.all([
      deleteAccount(phone, { password: PASSWORD }),
      changePassword(laptop, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      postJson(ctx.app, "/auth/login", { username, password: PASSWORD }),
    ]);
    expect([204, 400]).toContain(deleted.status);
    expect([204, 400, 401]).toContain(changed.status);
    expect([200, 400]).toContain(loggedIn.status);
    if (deleted.status === 204 && loggedIn.status === 200) {
      const { sessionId } = (await loggedIn.json()) as { sessionId: string };
      expect((await getWithToken(ctx.app, "/auth/me", sessionId)).status).toBe(401);
    }
  });

  it("an account is deleted only while its password hash is the one that was checked", async () => {
    // The race it guards: a device checks the old password, another changes the password, and
    // the first one's delete lands afterwards. The old password must not delete the account.
    const { username, userId } = await signup(ctx.app);
    const keyId = `username:${username.toLowerCase()}`;
    const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT hashed_password FROM user_key WHERE id = ?",
      [keyId],
    );
    const current = rows[0]?.hashed_password as string;
    expect(await deleteUserCompletely(ctx.db.pool, userId, keyId, "$argon2id$an older hash")).toBe(
      "changed",
    );
    await login(ctx.app, username);
    expect(await deleteUserCompletely(ctx.db.pool, userId, keyId, current)).toBe("deleted");
    expect(await deleteUserCompletely(ctx.db.pool, userId, keyId, current)).toBe("gone");
  });
});
