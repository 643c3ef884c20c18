import { createHash } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { PURGE_BATCH_ROWS } from "../src/db/purge.js";
import { purgeExpiredSessions } from "../src/db/sessions.js";
import { bearer, expectProblem, getWithToken, login, signup } from "./support/client.js";
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp();
const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

type SessionList = {
  sessions: {
    id: string;
    current: boolean;
    createdAt: string | null;
    activePeriodExpiresAt: string;
    idlePeriodExpiresAt: string;
  }[];
};

async function listSessions(token: string) {
  const response = await getWithToken(ctx.app, "/auth/sessions", token);
  expect(response.status).toBe(200);
  return ((await response.json()) as SessionList).sessions;
}

const revoke = (token: string, handle: string) =>
  ctx.app.request(`/auth/sessions/${handle}`, { method: "DELETE", headers: bearer(token) });

const logoutAll = (token: string, body?: unknown) =>
  ctx.app.request("/auth/logout-all", {
    method: "POST",
    headers:
      body === undefined ? bearer(token) : { ...bearer(token), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("GET /auth/sessions", () => {
  it("lists the user's live sessions newest first, marks the current one, and hands out hashes", async () => {
    const { token: phone, username } = await signup(ctx.app);
    await new Promise((r) => setTimeout(r, 5));
    const laptop = await login(ctx.app, username);
    const sessions = await listSessions(laptop);
    expect(sessions.map((s) => s.id)).toEqual([sha256(laptop), sha256(phone)]);
    expect(sessions.map((s) => s.current)).toEqual([true, false]);
    for (const s of sessions) {
      expect(Date.parse(s.createdAt ?? "")).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(s.idlePeriodExpiresAt)).toBeGreaterThan(
        Date.parse(s.activePeriodExpiresAt),
      );
      // A handle is not a bearer token.
      expect((await getWithToken(ctx.app, "/auth/me", s.id)).status).toBe(401);
    }
  });

  it("leaves out expired sessions and other users' sessions", async () => {
    const alice = await signup(ctx.app);
    const bob = await signup(ctx.app);
    const old = await login(ctx.app, alice.username);
    await ctx.db.pool.execute(
      "UPDATE user_session SET active_expires = 1, idle_expires = 2 WHERE id = ?",
      [sha256(old)],
    );
    const sessions = await listSessions(alice.token);
    expect(sessions.map((s) => s.id)).toEqual([sha256(alice.token)]);
    expect(sessions.map((s) => s.id)).not.toContain(sha256(bob.token));
  });

  it("answers UNAUTHENTICATED without a session", async () => {
    await expectProblem(await ctx.app.request("/auth/sessions"), 401, "UNAUTHENTICATED");
  });
});

describe("DELETE /auth/sessions/{id}", () => {
  it("ends another session of mine, which then gets 401", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const response = await revoke(laptop, sha256(phone));
    expect(response.status).toBe(204);
    expect((await getWithToken(ctx.app, "/auth/me", phone)).status).toBe(401);
    expect((await getWithToken(ctx.app, "/auth/me", laptop)).status).toBe(200);
    await expectProblem(await revoke(laptop, sha256(phone)), 404, "NOT_FOUND");
  });

  it("answers another user's handle exactly like a missing one, and leaves it alone", async () => {
    const alice = await signup(ctx.app);
    const bob = await signup(ctx.app);
    const foreign = await revoke(alice.token, sha256(bob.token));
    const missing = await revoke(alice.token, sha256("no such token"));
    const garbage = await revoke(alice.token, "not-a-handle");
    // Non-ASCII, and a real handle padded with a space (which a PAD SPACE column would match).
    const accented = await revoke(alice.token, "%C3%A9t%C3%A9");
    const padded = await revoke(alice.token, `${sha256(alice.token)}%20`);
    expect(foreign.status).toBe(404);
    const bodies = await Promise.all(
      [foreign, missing, garbage, accented, padded].map((r) => r.text()),
    );
    for (const body of bodies.slice(1)) expect(body).toBe(bodies[0]);
    expect((await getWithToken(ctx.app, "/auth/me", bob.token)).status).toBe(200);
    // Bob's token cannot list or revoke Alice's sessions either.
    expect((await listSessions(bob.token)).map((s) => s.id)).toEqual([sha256(bob.token)]);
    expect((await revoke(bob.token, sha256(alice.token))).status).toBe(404);
    expect((await getWithToken(ctx.app, "/auth/me", alice.token)).status).toBe(200);
  });
});

describe("POST /auth/logout-all", () => {
  it("without a body ends every session, this one included", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    expect((await logoutAll(laptop)).status).toBe(204);
    expect((await getWithToken(ctx.app, "/auth/me", phone)).status).toBe(401);
    expect((await getWithToken(ctx.app, "/auth/me", laptop)).status).toBe(401);
  });

  it("with a Content-Type but no body ends every session too (clients that always send one)", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const response = await ctx.app.request("/auth/logout-all", {
      method: "POST",
      headers: { ...bearer(laptop), "Content-Type": "application/json", "Content-Length": "0" },
    });
    expect(response.status).toBe(204);
    expect((await getWithToken(ctx.app, "/auth/me", phone)).status).toBe(401);
    expect((await getWithToken(ctx.app, "/auth/me", laptop)).status).toBe(401);
  });

  it("with keepCurrent ends every other session", async () => {
    const { token: phone, username } = await signup(ctx.app);
    const laptop = await login(ctx.app, username);
    const other = await signup(ctx.app);
    expect((await logoutAll(laptop, { keepCurrent: true })).status).toBe(204);
    expect((await getWithToken(ctx.app, "/auth/me", phone)).status).toBe(401);
    expect((await getWithToken(ctx.app, "/auth/me", laptop)).status).toBe(200);
    expect((await getWithToken(ctx.app, "/auth/me", other.token)).status).toBe(200);
  });

  it("answers VALIDATION_FAILED for a bad body and 401 without a session", async () => {
    const { token } = await signup(ctx.app);
    await expectProblem(await logoutAll(token, { keepCurrent: "yes" }), 400, "VALIDATION_FAILED");
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
    await expectProblem(
      await ctx.app.request("/auth/logout-all", { method: "POST" }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("purging expired sessions", () => {
  it("deletes every expired session, batch after batch, and no live one", async () => {
    const { token, userId } = await signup(ctx.app);
    const expired = PURGE_BATCH_ROWS * 2 + 345;
    const rows = Array.from({ length: expired }, (_, i) => [
      sha256(`expired ${userId} ${i}`),
      userId,
      1000 + i,
      2000 + i,
    ]);
    await ctx.db.pool.query(
      "INSERT INTO user_session (id, user_id, active_expires, idle_expires) VALUES ?",
      [rows],
    );
    // Other tests in this file leave expired sessions too.
    expect(await purgeExpiredSessions(ctx.db.pool)).toBeGreaterThanOrEqual(expired);
    const [left] = await ctx.db.pool.query<RowDataPacket[]>(
      "SELECT SUM(user_id = ?) AS mine, SUM(idle_expires <= ?) AS expired FROM user_session",
      [userId, Date.now()],
    );
    expect([Number(left[0]?.mine), Number(left[0]?.expired)]).toEqual([1, 0]);
    expect((await getWithToken(ctx.app, "/auth/me", token)).status).toBe(200);
  });
});
