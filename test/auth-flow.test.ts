import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
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
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp();
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("signup → me → logout → login", () => {
  it("runs the whole flow with one token per session", async () => {
    const username = uniqueName("Flow");
    const signupResponse = await postJson(ctx.app, "/auth/signup", {
      username,
      password: PASSWORD,
    });
    expect(signupResponse.status).toBe(201);
    expect(signupResponse.headers.get("content-type")).toMatch(/^application\/json/);
    expect(signupResponse.headers.get("cache-control")).toBe("no-store");
    expect(signupResponse.headers.get("set-cookie")).toBeNull();
    const created = (await signupResponse.json()) as Record<string, unknown> & {
      sessionId: string;
      user: { userId: string; username: string };
    };
    expect(created.user.username).toBe(username);
    expect(created.sessionId).toMatch(/^[a-z0-9]{40}$/);
    expect(created.activePeriodExpiresAt).toMatch(isoUtc);
    expect(created.idlePeriodExpiresAt).toMatch(isoUtc);

    const me = await getWithToken(ctx.app, "/auth/me", created.sessionId);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      user: { userId: created.user.userId, username },
      session: {
        activePeriodExpiresAt: created.activePeriodExpiresAt,
        idlePeriodExpiresAt: created.idlePeriodExpiresAt,
      },
    });

    const logout = await ctx.app.request("/auth/logout", {
      method: "POST",
      headers: bearer(created.sessionId),
    });
    expect(logout.status).toBe(204);
    expect(await logout.text()).toBe("");

    const afterLogout = await getWithToken(ctx.app, "/auth/me", created.sessionId);
    await expectProblem(afterLogout, 401, "UNAUTHENTICATED");

    const token = await login(ctx.app, username.toUpperCase());
    expect(token).not.toBe(created.sessionId);
    const meAgain = await getWithToken(ctx.app, "/auth/me", token);
    expect(meAgain.status).toBe(200);
    expect(((await meAgain.json()) as { user: { username: string } }).user.username).toBe(username);
  });

  it("POST /auth/login starts a new session each time", async () => {
    const { username } = await signup(ctx.app);
    const first = await login(ctx.app, username);
    const second = await login(ctx.app, username);
    expect(first).not.toBe(second);
    expect((await getWithToken(ctx.app, "/auth/me", first)).status).toBe(200);
    expect((await getWithToken(ctx.app, "/auth/me", second)).status).toBe(200);
  });
});

describe("usernames", () => {
  it("POST /auth/signup answers USERNAME_TAKEN for a name that exists in another letter case", async () => {
    const username = uniqueName("Alice");
    await signup(ctx.app, username);
    const again = await postJson(ctx.app, "/auth/signup", {
      username: username.toLowerCase(),
      password: PASSWORD,
    });
    await expectProblem(again, 409, "USERNAME_TAKEN");
  });

  it("20 concurrent signups of one username make exactly one user and one key", async () => {
    const username = uniqueName("race");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson(ctx.app, "/auth/signup", {
          username: i % 2 ? username : username.toUpperCase(),
          password: PASSWORD,
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const [users] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT id FROM auth_user WHERE username = ?",
      [username],
    );
    const [keys] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT id FROM user_key WHERE id = ?",
      [`username:${username.toLowerCase()}`],
    );
    expect(users).toHaveLength(1);
    expect(keys).toHaveLength(1);
  });

  it.each([
    ["abcd", true],
    ["a".repeat(31), true],
    ["A-b_9", true],
    ["abc", false],
    ["a".repeat(32), false],
    ["with space", false],
    ["dot.name", false],
    ["ünïcode", false],
    ["robert'); DROP TABLE auth_user;--", false],
    ["", false],
  ])("signup username %j is accepted: %s", async (username, ok) => {
    const name = ok
      ? `${username.slice(0, 31 - 6)}${uniqueName("").slice(1, 7)}`.slice(-31)
      : username;
    const response = await postJson(ctx.app, "/auth/signup", {
      username: name,
      password: PASSWORD,
    });
    if (ok) {
      expect(response.status).toBe(201);
    } else {
      const body = await expectProblem(response, 400, "VALIDATION_FAILED");
      expect(body.errors).toEqual([expect.objectContaining({ path: "username" })]);
    }
  });

  it("treats SQL metacharacters in a login username as data", async () => {
    const response = await postJson(ctx.app, "/auth/login", {
      username: "' OR '1'='1' -- ",
      password: PASSWORD,
    });
    await expectProblem(response, 400, "INVALID_CREDENTIALS");
    const [tables] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM auth_user",
    );
    expect(Number(tables[0]?.n)).toBeGreaterThan(0);
  });

  it.each([
    [{ password: PASSWORD }, "username"],
    [{ username: "x".repeat(32), password: PASSWORD }, "username"],
    [{ username: "someone" }, "password"],
    [{ username: "someone", password: "" }, "password"],
    [{ username: 42, password: PASSWORD }, "username"],
  ])("POST /auth/login answers VALIDATION_FAILED for %j", async (body, path) => {
    const response = await postJson(ctx.app, "/auth/login", body);
    const problem = await expectProblem(response, 400, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe("passwords", () => {
  it.each([
    ["8 characters", 201, "Zq7!kP2m"],
    ["255 characters", 201, "Zq7!kP2m".repeat(32).slice(0, 255)],
    ["255 emoji", 201, "🔐".repeat(255)],
    ["spaces", 201, "   a passphrase with spaces   "],
    ["7 characters", 400, "Zq7!kP2"],
    ["256 characters", 400, "Zq7!kP2m".repeat(32).slice(0, 256)],
    ["256 emoji", 400, "🔐".repeat(256)],
    ["5,000 characters (one error, not two)", 400, "Zq7!kP2m".repeat(625)],
    ["an unpaired surrogate", 400, "Zq7!kP2m\ud800"],
    [
      "5,000 characters with an unpaired surrogate (one error)",
      400,
      `${"Zq7!kP2m".repeat(625)}\ud800`,
    ],
  ])("signup with a password of %s answers %i", async (_label, status, password) => {
    const response = await postJson(ctx.app, "/auth/signup", {
      username: uniqueName("pw"),
      password,
    });
    if (status === 201) {
      expect(response.status).toBe(201);
    } else {
      const body = await expectProblem(response, 400, "VALIDATION_FAILED");
      expect(body.errors).toEqual([expect.objectContaining({ path: "password" })]);
    }
  });

  it("an existing password with an unpaired surrogate is checked, not refused", async () => {
    // Accounts made before new passwords had to be well-formed must still be able to sign in.
    const response = await postJson(ctx.app, "/auth/login", {
      username: uniqueName("pw"),
      password: "Zq7!kP2m\ud800",
    });
    await expectProblem(response, 400, "INVALID_CREDENTIALS");
  });

  it("a password typed in NFD signs in with its NFC form (and the reverse)", async () => {
    const nfd = "Cafe\u0301 au lait, s'il vous plai\u0302t";
    const nfc = nfd.normalize("NFC");
    expect(nfc).not.toBe(nfd);
    const { username } = await signup(ctx.app, uniqueName("nfd"), nfd);
    expect(await login(ctx.app, username, nfc)).toMatch(/^[a-z0-9]{40}$/);
    const other = await signup(ctx.app, uniqueName("nfc"), nfc);
    expect(await login(ctx.app, other.username, nfd)).toMatch(/^[a-z0-9]{40}$/);
  });

  it("stores Argon2id PHC strings, never the password", async () => {
    const { username } = await signup(ctx.app);
    const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT hashed_password FROM user_key WHERE id = ?",
      [`username:${username.toLowerCase()}`],
    );
    expect(rows[0]?.hashed_password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]?.hashed_password).not.toContain(PASSWORD);
  });
});

describe("login failures", () => {
  it("answers byte-identical bodies for a wrong password and an unknown user", async () => {
    const { username } = await signup(ctx.app);
    const wrong = await postJson(ctx.app, "/auth/login", { username, password: "wrong password" });
    const unknown = await postJson(ctx.app, "/auth/login", {
      username: uniqueName("ghost"),
      password: "wrong password",
    });
    const impossible = await postJson(ctx.app, "/auth/login", {
      username: "not a/valid name",
      password: "wrong password",
    });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(impossible.status).toBe(400);
    const bodies = await Promise.all([wrong.text(), unknown.text(), impossible.text()]);
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[2]).toBe(bodies[0]);
    expect(JSON.parse(bodies[0] ?? "")).toMatchObject({ code: "INVALID_CREDENTIALS", status: 400 });
    const headerNames = (r: Response) => [...r.headers.keys()].filter((h) => h !== "x-request-id");
    expect(headerNames(unknown)).toEqual(headerNames(wrong));
  });

  it("a username with trailing spaces is another name, even with the right password", async () => {
    // MariaDB's PAD SPACE collations compare "name  " equal to "name"; a login must not.
    const { username } = await signup(ctx.app);
    for (const padded of [`${username} `, `${username}   `]) {
      const response = await postJson(ctx.app, "/auth/login", {
        username: padded,
        password: PASSWORD,
      });
      await expectProblem(response, 400, "INVALID_CREDENTIALS");
    }
    const exact = await postJson(ctx.app, "/auth/login", { username, password: PASSWORD });
    expect(exact.status).toBe(200);
  });
});

describe("sessions", () => {
  it("GET /auth/me answers UNAUTHENTICATED for a session past its idle period", async () => {
    const { token, userId } = await signup(ctx.app);
    await ctx.db.pool.execute(
      "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE user_id = ?",
      [Date.now() - 2000, Date.now() - 1000, userId],
    );
    const response = await getWithToken(ctx.app, "/auth/me", token);
    await expectProblem(response, 401, "UNAUTHENTICATED");
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token"',
    );
  });

  it("GET /auth/me renews an idle session in place and returns the new expiry", async () => {
    const { token, userId } = await signup(ctx.app);
    const idleUntil = Date.now() + 60_000;
    await ctx.db.pool.execute(
      "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE user_id = ?",
      [Date.now() - 1000, idleUntil, userId],
    );
    const response = await getWithToken(ctx.app, "/auth/me", token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      session: { activePeriodExpiresAt: string; idlePeriodExpiresAt: string };
    };
    const active = Date.parse(body.session.activePeriodExpiresAt);
    expect(active).toBeGreaterThan(Date.now() + ctx.config.SESSION_ACTIVE_PERIOD_MS - 60_000);
    expect(Date.parse(body.session.idlePeriodExpiresAt)).toBe(
      active + ctx.config.SESSION_IDLE_PERIOD_MS,
    );
    const [rows] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT active_expires, idle_expires FROM user_session WHERE user_id = ?",
      [userId],
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.active_expires)).toBe(active);
    expect(Number(rows[0]?.idle_expires)).toBeGreaterThan(idleUntil);
  });
});

describe("bearer header parsing", () => {
  it("accepts the scheme in any letter case", async () => {
    const { token } = await signup(ctx.app);
    for (const scheme of ["bearer", "Bearer", "BEARER"]) {
      const response = await ctx.app.request("/auth/me", {
        headers: { Authorization: `${scheme} ${token}` },
      });
      expect(response.status, scheme).toBe(200);
    }
  });

  it.each([
    ["no header", undefined, 'Bearer realm="api"'],
    ["an empty header", "", 'Bearer realm="api"'],
    ["Basic credentials", "Basic dXNlcjpwYXNz", 'Bearer realm="api"'],
    // No token was sent, so no error code (RFC 6750 §3.1).
    ["a scheme without a token", "Bearer", 'Bearer realm="api"'],
    ["a scheme and a space", "Bearer ", 'Bearer realm="api"'],
    ["another scheme that starts like Bearer", "Bearer-x abcdefgh", 'Bearer realm="api"'],
    ["garbage", "Bearer !!!not-a-token!!!", 'Bearer realm="api", error="invalid_token"'],
    [
      "an unknown token",
      "Bearer abcdefghijklmnopqrstuvwxyz0123456789abcd",
      'Bearer realm="api", error="invalid_token"',
    ],
  ])("GET /auth/me answers UNAUTHENTICATED for %s", async (_label, header, challenge) => {
    const headers: Record<string, string> = header === undefined ? {} : { Authorization: header };
    const response = await ctx.app.request("/auth/me", { headers });
    await expectProblem(response, 401, "UNAUTHENTICATED");
    expect(response.headers.get("www-authenticate")).toBe(challenge);
  });

  it("rejects a valid token sent with a second token, extra spaces, or in the query string", async () => {
    const { token } = await signup(ctx.app);
    // (Leading and trailing blanks are not part of a header value in HTTP, so they are not tested.)
    for (const header of [`Bearer ${token} ${token}`, `Bearer  ${token}`, `Bearer\t${token}`]) {
      const response = await ctx.app.request("/auth/me", { headers: { Authorization: header } });
      expect(response.status, JSON.stringify(header)).toBe(401);
    }
    const inQuery = await ctx.app.request(`/auth/me?access_token=${token}`);
    expect(inQuery.status).toBe(401);
  });

  it("POST /auth/logout answers UNAUTHENTICATED without a session", async () => {
    const response = await ctx.app.request("/auth/logout", { method: "POST" });
    await expectProblem(response, 401, "UNAUTHENTICATED");
  });
});
