import { tracingChannel } from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getWithToken, PASSWORD, postJson, signup } from "./support/client.js";
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp();

// mysql2 publishes every statement on these tracing channels; counting them needs no mock.
const statements: string[] = [];
const onStart = (message: unknown) => {
  statements.push(String((message as { query?: string }).query ?? "?"));
};
const channels = [tracingChannel("mysql2:query"), tracingChannel("mysql2:execute")];
beforeAll(() => {
  for (const channel of channels) channel.start.subscribe(onStart);
});
afterAll(() => {
  for (const channel of channels) channel.start.unsubscribe(onStart);
});

async function countStatements(run: () => Response | Promise<Response>) {
  statements.length = 0;
  const response = await run();
  return { response, count: statements.length, statements: [...statements] };
}

describe("statements per request", () => {
  it("GET /auth/me issues exactly one SQL statement", async () => {
    const { token } = await signup(ctx.app);
    const { response, count, statements } = await countStatements(() =>
      getWithToken(ctx.app, "/auth/me", token),
    );
    expect(response.status).toBe(200);
    expect(count, statements.join("\n")).toBe(1);
  });

  it("GET /auth/me issues two when it renews an idle session", async () => {
    const { token, userId } = await signup(ctx.app);
    await ctx.db.pool.execute("UPDATE user_session SET active_expires = ? WHERE user_id = ?", [
      Date.now() - 1000,
      userId,
    ]);
    const { response, count, statements } = await countStatements(() =>
      getWithToken(ctx.app, "/auth/me", token),
    );
    expect(response.status).toBe(200);
    expect(count, statements.join("\n")).toBe(2);
  });

  it("GET /auth/me with an unknown token issues one and answers 401", async () => {
    const { response, count } = await countStatements(() =>
      getWithToken(ctx.app, "/auth/me", "abcdefghijklmnopqrstuvwxyz0123456789abcd"),
    );
    expect(response.status).toBe(401);
    expect(count).toBe(1);
  });

  it("POST /auth/login stays within its budget of eight statements", async () => {
    const { username } = await signup(ctx.app);
    const { response, count, statements } = await countStatements(() =>
      postJson(ctx.app, "/auth/login", { username, password: PASSWORD }),
    );
    expect(response.status).toBe(200);
    // Two limit counters, Lucia's key read, session insert and user read, clearing the account's
    // failures, and the stored hash read before and after the check (a password change that
    // lands meanwhile wins; the second read also decides the hash upgrade).
    expect(count, statements.join("\n")).toBeLessThanOrEqual(8);
  });
});
