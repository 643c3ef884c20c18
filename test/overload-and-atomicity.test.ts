import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { expectProblem, getWithToken, PASSWORD, postJson, signup } from "./support/client.js";
import { testConfig, useTestApp } from "./support/test-app.js";

const ctx = useTestApp();

/**
 * Runs `work` while the database raises an error (SIGNAL `signal`) on `event` for rows matching
 * `condition` (NEW.x or OLD.x): a real failure of that statement, raised by the database.
 */
async function whileFailing(
  trigger: { name: string; event: string; condition: string; signal: string },
  work: () => Promise<void>,
) {
  await ctx.db.pool.query(`CREATE TRIGGER ${trigger.name} ${trigger.event} FOR EACH ROW
    BEGIN
      IF ${trigger.condition} THEN
        SIGNAL ${trigger.signal};
      END IF;
    END`);
  try {
    await work();
  } finally {
    await ctx.db.pool.query(`DROP TRIGGER ${trigger.name}`);
  }
}

describe("no partial writes", () => {
  // A real failure of the second INSERT in Lucia's transaction: a plain error (500), and the
  // error Galera reports for a commit cut off by the node leaving the cluster (1180, a 503).
  it.each([
    { name: "Doomed_1", errno: "", status: 500, code: "INTERNAL_ERROR" },
    { name: "Cutoff_1", errno: "MYSQL_ERRNO = 1180,", status: 503, code: "SERVICE_UNAVAILABLE" },
  ])("a signup whose key insert fails ($status) leaves no user row behind", async (failure) => {
    const failingKeys = {
      name: "fail_doomed_keys",
      event: "BEFORE INSERT ON user_key",
      condition: `NEW.id = 'username:${failure.name.toLowerCase()}'`,
      signal: `SQLSTATE 'HY000' SET ${failure.errno} MESSAGE_TEXT = 'forced key failure'`,
    };
    await whileFailing(failingKeys, async () => {
      const response = await postJson(ctx.app, "/auth/signup", {
        username: failure.name,
        password: PASSWORD,
      });
      const body = await expectProblem(response, failure.status, failure.code);
      expect(JSON.stringify(body)).not.toContain("forced key failure");
      const [users] = await ctx.db.pool.query<RowDataPacket[]>(
        "SELECT id FROM auth_user WHERE username = ?",
        [failure.name],
      );
      expect(users).toHaveLength(0);
    });
    // The name was not half-taken: it signs up once the failure is gone.
    await signup(ctx.app, failure.name);
  });
});

describe("failures that are not the request's fault", () => {
  it("a login whose failure count cannot be cleared still signs in", async () => {
    const { username } = await signup(ctx.app, "uncleared_1");
    const keepFailures = {
      name: "keep_failures",
      event: "BEFORE DELETE ON rate_limit",
      condition: "OLD.bucket LIKE '%uncleared_1'",
      signal: "SQLSTATE '45000' SET MESSAGE_TEXT = 'forced clean-up failure'",
    };
    await whileFailing(keepFailures, async () => {
      // A wrong password first, so there is a failure count to clear.
      const wrong = await postJson(ctx.app, "/auth/login", {
        username,
        password: "wrong password",
      });
      expect(wrong.status).toBe(400);
      const response = await postJson(ctx.app, "/auth/login", { username, password: PASSWORD });
      expect(response.status).toBe(200);
      const { sessionId } = (await response.json()) as { sessionId: string };
      expect((await getWithToken(ctx.app, "/auth/me", sessionId)).status).toBe(200);
    });
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
