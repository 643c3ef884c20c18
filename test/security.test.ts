import { createHash } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
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
import { captureLogs } from "./support/log-capture.js";
import { testConfig, useTestApp } from "./support/test-app.js";
import { createTestDatabase } from "./support/test-database.js";

const ctx = useTestApp({
  TRUST_PROXY: true,
  LOGIN_FAILURES_PER_ACCOUNT: 10,
  LOGIN_ATTEMPTS_PER_IP: 30,
  SIGNUPS_PER_IP: 3,
});

let ipCounter = 0;
/** A client address of its own, so per-IP limits of one test never touch another's. */
const freshIp = () => ({ "X-Forwarded-For": `203.0.113.${++ipCounter}` });

/** The status of a signup sent through the trusted proxy on behalf of `address`. */
const signupFrom = async (address: string) =>
  (
    await postJson(
      ctx.app,
      "/auth/signup",
      { username: uniqueName(), password: PASSWORD },
      { "X-Forwarded-For": address },
    )
  ).status;

const wrongLogin = (username: string, ip = freshIp()) =>
  postJson(ctx.app, "/auth/login", { username, password: "not the password" }, ip);

describe("failed logins per account", () => {
  it("the 11th failure for one account gets RATE_LIMITED with Retry-After, even from another IP", async () => {
    const { username } = await signup(ctx.app, uniqueName(), PASSWORD, freshIp());
    for (let i = 0; i < 10; i++) {
      await expectProblem(await wrongLogin(username), 400, "INVALID_CREDENTIALS");
    }
    const limited = await wrongLogin(username.toUpperCase());
    await expectProblem(limited, 429, "RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(ctx.config.LOGIN_FAILURES_WINDOW_MS / 1000);

    // The right password does not get through either, and no session is made.
    const right = await postJson(
      ctx.app,
      "/auth/login",
      { username, password: PASSWORD },
      freshIp(),
    );
    await expectProblem(right, 429, "RATE_LIMITED");
  });

  it("a successful login clears the account's failures", async () => {
    const { username } = await signup(ctx.app, uniqueName(), PASSWORD, freshIp());
    for (let i = 0; i < 9; i++) await wrongLogin(username);
    await login(ctx.app, username);
    for (let i = 0; i < 9; i++) {
      await expectProblem(await wrongLogin(username), 400, "INVALID_CREDENTIALS");
    }
  });

  it("two app instances on one database share the count", async () => {
    const other = createApp({ config: ctx.config, pool: ctx.db.pool });
    const { username } = await signup(ctx.app, uniqueName(), PASSWORD, freshIp());
    for (let i = 0; i < 10; i++) {
      const app = i % 2 ? ctx.app : other;
      const response = await postJson(
        app,
        "/auth/login",
        { username, password: "nope nope" },
        freshIp(),
      );
      expect(response.status).toBe(400);
    }
    const limited = await postJson(other, "/auth/login", { username, password: "nope" }, freshIp());
    await expectProblem(limited, 429, "RATE_LIMITED");
  });
});

describe("attempts per client IP", () => {
  it("limits login attempts per IP across accounts; another IP is unaffected", async () => {
    const ip = freshIp();
    for (let i = 0; i < 30; i++) {
      const response = await wrongLogin(uniqueName("ip"), ip);
      expect(response.status).toBe(400);
    }
    await expectProblem(await wrongLogin(uniqueName("ip"), ip), 429, "RATE_LIMITED");
    expect((await wrongLogin(uniqueName("ip"))).status).toBe(400);
  });

  it("limits signups per IP", async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const response = await postJson(
        ctx.app,
        "/auth/signup",
        { username: uniqueName(), password: PASSWORD },
        ip,
      );
      expect(response.status).toBe(201);
    }
    const limited = await postJson(
      ctx.app,
      "/auth/signup",
      { username: uniqueName(), password: PASSWORD },
      ip,
    );
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3000);
  });

  it("counts IPv6 clients by their /64, and IPv4-mapped addresses as IPv4", async () => {
    const sameNetwork = ["::a", "::b", "::c", ":ffff:ffff:ffff:ffff"].map(
      (host) => `2001:db8:5:6${host}`,
    );
    const statuses = [];
    for (const address of sameNetwork) statuses.push(await signupFrom(address));
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(await signupFrom("2001:db8:5:7::a")).toBe(201);

    const v4 = `198.51.100.${++ipCounter}`;
    expect([await signupFrom(v4), await signupFrom(`::ffff:${v4}`), await signupFrom(v4)]).toEqual([
      201, 201, 201,
    ]);
    expect(await signupFrom(`::ffff:${v4}`)).toBe(429);
  });

  it("takes an X-Forwarded-For entry with a port (as some proxies write it) as its address", async () => {
    const v4 = `198.51.100.${++ipCounter}`;
    const v4Statuses = [];
    for (const port of [1000, 2000, 3000, 4000]) v4Statuses.push(await signupFrom(`${v4}:${port}`));
    expect(v4Statuses).toEqual([201, 201, 201, 429]);
    const v6Statuses = [];
    for (const entry of ["[2001:db8:9:9::1]:1000", "[2001:db8:9:9::2]", "2001:db8:9:9::3"]) {
      v6Statuses.push(await signupFrom(entry));
    }
    expect(v6Statuses).toEqual([201, 201, 201]);
    expect(await signupFrom("[2001:db8:9:9::4]:4000")).toBe(429);
  });

  it("does not take an X-Forwarded-For entry that is no IP address", async () => {
    // Made-up values would otherwise be fresh budgets each, and long ones broke the counter.
    const db = await createTestDatabase();
    try {
      const app = createApp({
        config: testConfig({ TRUST_PROXY: true, SIGNUPS_PER_IP: 2 }),
        pool: db.pool,
      });
      const statuses: number[] = [];
      for (const forged of ["client-1", "client-2", "x".repeat(300)]) {
        const body = { username: uniqueName(), password: PASSWORD };
        statuses.push(
          (await postJson(app, "/auth/signup", body, { "X-Forwarded-For": forged })).status,
        );
      }
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await db.drop();
    }
  });

  it("ignores X-Forwarded-For unless TRUST_PROXY is set", async () => {
    const db = await createTestDatabase();
    try {
      const app = createApp({ config: testConfig({ SIGNUPS_PER_IP: 2 }), pool: db.pool });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const body = { username: uniqueName(), password: PASSWORD };
        statuses.push((await postJson(app, "/auth/signup", body, freshIp())).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await db.drop();
    }
  });
});

describe("no user enumeration", () => {
  // A timing measurement on a shared machine: a noisy neighbour can skew one run, so it may retry.
  it("an unknown user costs what a wrong password costs (medians within 25%)", {
    retry: 2,
  }, async () => {
    // Limits out of the way: this test makes 25 failures for one account.
    const app = createApp({ config: testConfig(), pool: ctx.db.pool });
    const { username } = await signup(app);
    const time = async (name: string) => {
      const started = performance.now();
      const response = await postJson(app, "/auth/login", { username: name, password: "nope" });
      expect(response.status).toBe(400);
      return performance.now() - started;
    };
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // Paired and in alternating order, so each pair sees the same machine load and neither kind
    // always runs first; the median of the per-pair ratios ignores load that drifts between pairs.
    const ratios: number[] = [];
    for (let i = 0; i < 25; i++) {
      const ghost = uniqueName("ghost");
      const [wrong, unknown] =
        i % 2 === 0
          ? [await time(username), await time(ghost)]
          : [await time(ghost), await time(username)].reverse();
      ratios.push((unknown ?? 0) / (wrong ?? 1));
    }
    const ratio = median(ratios);
    const detail = `median unknown/wrong ratio ${ratio.toFixed(2)} of ${ratios.map((r) => r.toFixed(2))}`;
    expect(ratio, detail).toBeGreaterThan(0.75);
    expect(ratio, detail).toBeLessThan(1.25);
  });
});

describe("session tokens at rest", () => {
  it("stores SHA-256 of the session id and never the id itself", async () => {
    const { token } = await signup(ctx.app, uniqueName(), PASSWORD, freshIp());
    const digest = createHash("sha256").update(token).digest("hex");
    const dump: string[] = [];
    for (const table of ["auth_user", "user_key", "user_session", "rate_limit"]) {
      const [rows] = await ctx.db.pool.query<RowDataPacket[]>(`SELECT * FROM ${table}`);
      dump.push(JSON.stringify(rows));
    }
    const everything = dump.join("\n");
    expect(everything).not.toContain(token);
    expect(everything).toContain(digest);
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
    // The stored hash is not itself a token.
    expect((await getWithToken(ctx.app, "/auth/me", digest)).status).toBe(401);
  });
});

describe("common passwords", () => {
  it.each([["password123"], ["Password123"], ["qwertyuiop"], ["iloveyou2"]])(
    "signup refuses %s with VALIDATION_FAILED saying why",
    async (password) => {
      const response = await postJson(
        ctx.app,
        "/auth/signup",
        { username: uniqueName(), password },
        freshIp(),
      );
      const body = await expectProblem(response, 400, "VALIDATION_FAILED");
      expect(body.errors).toEqual([
        { path: "password", message: expect.stringMatching(/too common/) },
      ]);
    },
  );
});

describe("at the edge", () => {
  it("sets security headers, a request id and no-store on every /auth answer, errors included", async () => {
    const responses = [
      await postJson(ctx.app, "/auth/login", { username: "x", password: "y" }, freshIp()),
      await ctx.app.request("/auth/me"),
      await ctx.app.request("/auth/signup", { method: "POST", body: "x" }),
      // A problem made by the error handler, after the route threw.
      await ctx.app.request("/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...freshIp() },
        body: "{",
      }),
    ];
    for (const response of responses) {
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(response.headers.get("strict-transport-security")).toMatch(/max-age=/);
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("never logs a password or a session token, even at trace level", async () => {
    const logs = captureLogs("trace");
    const app = createApp({
      config: testConfig({ TRUST_PROXY: true }),
      pool: ctx.db.pool,
      logger: logs.logger,
    });
    const username = uniqueName("log");
    const password = "a very secret passphrase 42";
    const created = await postJson(app, "/auth/signup", { username, password }, freshIp());
    const { sessionId } = (await created.json()) as { sessionId: string };
    const token = await login(app, username, password);
    await getWithToken(app, "/auth/me", token);
    // A client that confuses its token with a session handle puts the token in the path.
    const misused = await app.request(`/auth/sessions/${token}`, {
      method: "DELETE",
      headers: bearer(token),
    });
    expect(misused.status).toBe(404);
    await app.request(`/auth/sessions/${token}`, {
      method: "OPTIONS",
      headers: { Origin: "http://spa.example", "Access-Control-Request-Method": "DELETE" },
    });
    for (const path of [
      `/auth/sessions/${token}/more`,
      `//auth/sessions/${token}`,
      `/auth/sessions//${token}`,
      `/Auth/Sessions/${token}`,
      `/auth/sessions%2F${token}`,
      // Mistyped paths with a token pasted in: 404s, logged like any other request.
      `/auth%2Fsessions/${token}`,
      `/auth/session/${token}`,
      `/auth/sessions%20/${token}`,
      `/auth/me/${token}`,
      `/auth/me;${token}`,
      `/${token}`,
    ]) {
      await app.request(path, { headers: bearer(token) });
    }
    await app.request("/auth/logout", { method: "POST", headers: bearer(sessionId) });
    await postJson(app, "/auth/login", { username, password: `${password}!` });
    const text = logs.text();
    expect(logs.lines().length).toBeGreaterThanOrEqual(5);
    expect(text).toContain(username.length > 0 ? "/auth/login" : "");
    expect(text).toContain('"path":"/auth/sessions/:id"');
    expect(text).toContain('"path":"/auth/me/:redacted"');
    for (const secret of [password, sessionId, token]) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain("authorization");
  });
});
