import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { expectProblem, getWithToken, PASSWORD, postJson, signup } from "./support/client.js";
import { testConfig, useTestApp } from "./support/test-app.js";

const ctx = useTestApp();

describe("no partial writes", () => {
  it("a signup whose key insert fails leaves no user row behind", async () => {
    // A real failure of the second INSERT in Lucia's transaction, raised by the database.
    await ctx.db.pool.query(`CREATE TRIGGER fail_doomed_keys BEFORE INSERT ON user_key FOR EACH ROW
      BEGIN
        IF NEW.id LIKE 'username:doomed%' THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'forced key failure';
        END IF;
      END`);
    try {
      const response = await postJson(ctx.app, "/auth/signup", {
        username: "Doomed_1",
        password: PASSWORD,
      });
      const body = await expectProblem(response, 500, "INTERNAL_ERROR");
      expect(JSON.stringify(body)).not.toContain("forced key failure");
      const [users] = await ctx.db.pool.query<RowDataPacket[]>(
        "SELECT id FROM auth_user WHERE username = 'Doomed_1'",
      );
      expect(users).toHaveLength(0);
    } finally {
      await ctx.db.pool.query("DROP TRIGGER fail_doomed_keys");
    }
    // The name was not half-taken: it signs up once the failure is gone.
    await signup(ctx.app, "Doomed_1");
  });
});

describe("overload", () => {
  it("past the hash queue, logins get 503 with Retry-After at once, and nothing else fails", async () => {
    const app = createApp({
      config: testConfig({ HASH_CONCURRENCY: 1, HASH_QUEUE_LIMIT: 2 }),
      pool: ctx.db.pool,
    });
    const { username, token } = await signup(app);
    const storm = Array.from({ length: 16 }, () =>
      postJson(app, "/auth/login", { username, password: PASSWORD }),
    );
    // Session checks never wait for password hashing.
    const me = await getWithToken(app, "/auth/me", token);
    const responses = await Promise.all(storm);
    expect(me.status).toBe(200);
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.every((s) => s === 200 || s === 503),
      statuses.join(),
    ).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    const rejected = responses.filter((r) => r.status === 503);
    expect(rejected.length).toBeGreaterThan(0);
    for (const response of rejected) {
      await expectProblem(response, 503, "SERVICE_UNAVAILABLE");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });
});
