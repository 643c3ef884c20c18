import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import {
  expectProblem,
  getWithToken,
  PASSWORD,
  postJson,
  signup,
  uniqueName,
} from "./support/client.js";
import { captureLogs } from "./support/log-capture.js";
import { testConfig, useTestApp } from "./support/test-app.js";
import { createTestDatabase } from "./support/test-database.js";

const logs = captureLogs();
const ctx = useTestApp({ LOG_LEVEL: "info" }, logs.logger);

/** Nothing a client sees may carry internals. */
function expectNoInternals(text: string) {
  for (const leak of [
    /\bat .*\(.*:\d+:\d+\)/,
    /\.ts:\d+/,
    /SELECT|INSERT|UPDATE|DELETE FROM/i,
    /ER_[A-Z_]+/,
    /mysql|mariadb/i,
    /user_session|auth_user|user_key/,
    /ECONNREFUSED/,
  ]) {
    expect(text).not.toMatch(leak);
  }
}

describe("request bodies", () => {
  it("answers PAYLOAD_TOO_LARGE for a 17 KiB body", async () => {
    const response = await postJson(ctx.app, "/auth/signup", {
      username: uniqueName(),
      password: "x".repeat(17 * 1024),
    });
    await expectProblem(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers PAYLOAD_TOO_LARGE for a chunked body without Content-Length", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await ctx.app.request("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectProblem(response, 413, "PAYLOAD_TOO_LARGE");
    expect(sent).toBeLessThan(64);
  });

  it.each([
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["no content type", undefined],
  ])("answers UNSUPPORTED_MEDIA_TYPE for %s", async (_label, type) => {
    const response = await ctx.app.request("/auth/signup", {
      method: "POST",
      headers: type ? { "Content-Type": type } : {},
      body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
    });
    await expectProblem(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it.each([
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
    // RFC 9110 allows optional whitespace around ";" and "=".
    "application/json ; charset=utf-8",
    "application/json;  charset = utf-8",
    // …and empty parameters: `*( OWS ";" OWS [ parameter ] )`.
    "application/json;",
    "application/json; charset=utf-8;",
  ])("accepts the media type %j", async (contentType) => {
    const response = await ctx.app.request("/auth/signup", {
      method: "POST",
      headers: { "Content-Type": contentType },
      body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
    });
    expect(response.status).toBe(201);
  });

  it.each([["{"], ['{"username": "a",}'], ["not json"], [""]])(
    "answers MALFORMED_JSON for the body %j",
    async (body) => {
      for (const path of ["/auth/signup", "/auth/login"]) {
        const response = await ctx.app.request(path, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
        });
        const problem = await expectProblem(response, 400, "MALFORMED_JSON");
        expectNoInternals(JSON.stringify(problem));
      }
    },
  );

  it("answers MALFORMED_JSON for a body that is not UTF-8, instead of replacing the bytes", async () => {
    const username = uniqueName();
    const bytes = (password: number[]) =>
      Uint8Array.from([
        ...new TextEncoder().encode(`{"username":"${username}","password":"abcdefgh`),
        ...password,
        ...new TextEncoder().encode('"}'),
      ]);
    // Decoded leniently, both would become "abcdefgh\uFFFD\uFFFD": one password for two.
    for (const [path, invalid] of [
      ["/auth/signup", [0xff, 0xff]],
      ["/auth/login", [0xc0, 0xfe]],
    ] as const) {
      const response = await ctx.app.request(path, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=iso-8859-1" },
        body: bytes([...invalid]),
      });
      const problem = await expectProblem(response, 400, "MALFORMED_JSON");
      expect(problem.detail).toMatch(/UTF-8/);
    }
    // Valid UTF-8 beyond ASCII is fine.
    const ok = await ctx.app.request("/auth/signup", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: bytes([...new TextEncoder().encode("pässwörd")]),
    });
    expect(ok.status).toBe(201);
  });

  it.each(["gzip", "br", "deflate"])(
    "answers UNSUPPORTED_MEDIA_TYPE for a body with Content-Encoding %s",
    async (encoding) => {
      const response = await ctx.app.request("/auth/signup", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Encoding": encoding },
        body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
      });
      await expectProblem(response, 415, "UNSUPPORTED_MEDIA_TYPE");
      expect(response.headers.get("accept-encoding")).toBe("identity");
    },
  );

  it.each([["[]"], ["null"], ['"text"'], ["42"]])(
    "answers VALIDATION_FAILED for the JSON %s",
    async (body) => {
      const response = await ctx.app.request("/auth/signup", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      await expectProblem(response, 400, "VALIDATION_FAILED");
    },
  );
});

describe("routes", () => {
  it("answers NOT_FOUND for an unknown route", async () => {
    const response = await ctx.app.request("/nope");
    await expectProblem(response, 404, "NOT_FOUND");
  });

  it("GET /health answers ok without touching anything", async () => {
    const response = await ctx.app.request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("GET /ready answers ready while the database answers", async () => {
    const response = await ctx.app.request("/ready");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready" });
  });

  it("GET /docs serves Swagger UI with its assets from this server", async () => {
    const page = await ctx.app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/openapi.json");
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const response = await ctx.app.request(asset);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(1000);
    }
  });
});

describe("failures inside", () => {
  it("answers INTERNAL_ERROR for a bug, logs it with its stack, and leaks nothing", async () => {
    const db = await createTestDatabase();
    try {
      const app = createApp({ config: testConfig(), pool: db.pool, logger: logs.logger });
      const { token } = await signup(app);
      await db.pool.query("DROP TABLE user_session");
      const response = await getWithToken(app, "/auth/me", token);
      const body = await expectProblem(response, 500, "INTERNAL_ERROR");
      expectNoInternals(JSON.stringify(body));
      const logged = logs.lines().find((line) => line.msg === "unhandled error");
      expect(JSON.stringify(logged)).toContain("stack");
    } finally {
      await db.drop();
    }
  });

  describe("with the database unreachable", () => {
    const pool = mysql.createPool({ host: "127.0.0.1", port: 1, connectTimeout: 500 });
    const app = createApp({ config: testConfig(), pool, logger: logs.logger });
    afterAll(() => pool.end());

    it.each([
      [
        "POST /auth/signup",
        () => postJson(app, "/auth/signup", { username: uniqueName(), password: PASSWORD }),
      ],
      [
        "POST /auth/login",
        () => postJson(app, "/auth/login", { username: uniqueName(), password: PASSWORD }),
      ],
      [
        "GET /auth/me",
        () => getWithToken(app, "/auth/me", "abcdefghijklmnopqrstuvwxyz0123456789abcd"),
      ],
      ["GET /ready", () => app.request("/ready")],
    ])("%s answers SERVICE_UNAVAILABLE with Retry-After", async (_label, call) => {
      const response = await call();
      const body = await expectProblem(response, 503, "SERVICE_UNAVAILABLE");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expectNoInternals(JSON.stringify(body));
    });
  });
});
