import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueName } from "./support/client.js";
import { type MariaDbServer, startMariaDb } from "./support/mariadb-server.js";
import { type ServerProcess, startServer } from "./support/server-process.js";

// This file kills its database, so it runs its own MariaDB, never the shared server.
let database: MariaDbServer;
let api: ServerProcess;
beforeAll(async () => {
  database = await startMariaDb();
  api = await startServer({
    DATABASE_URL: database.url("lucia_auth"),
    DB_CONNECT_TIMEOUT_MS: "1000",
    REQUEST_TIMEOUT_MS: "1500",
    // With 1.5 s per request, hashing must not be starved by other tests' work (nice 10).
    HASH_THREAD_NICE: "0",
    LOGIN_ATTEMPTS_PER_IP: "100000",
    SIGNUPS_PER_IP: "100000",
  });
}, 120_000);
afterAll(async () => {
  await api?.stop("SIGKILL");
  await database?.destroy();
});

interface Outcome {
  startedAt: number;
  ms: number;
  status: number;
  code?: string;
  retryAfter: string | null;
}

const post = (path: string, body: unknown) =>
  fetch(`${api.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

async function signupAccount() {
  const username = uniqueName("outage");
  const response = await post("/auth/signup", { username, password: PASSWORD });
  expect(response.status).toBe(201);
  const { sessionId } = (await response.json()) as { sessionId: string };
  return { username, token: sessionId };
}

describe("a database outage", () => {
  it("answers 503 with Retry-After within 2 s while the database is down, then serves again", async () => {
    // One at a time: four Argon2 hashes at once on a busy 2-core machine can outlast the 1.5 s
    // request timeout before the database has even been touched.
    const accounts: Awaited<ReturnType<typeof signupAccount>>[] = [];
    for (let i = 0; i < 4; i++) accounts.push(await signupAccount());
    const outcomes: Outcome[] = [];
    let running = true;
    let turn = 0;
    // Mixed traffic from four clients until told to stop.
    const clients = Array.from({ length: 4 }, async (_, client) => {
      while (running) {
        const account = accounts[(turn++ + client) % accounts.length] ?? accounts[0];
        if (!account) break;
        const startedAt = Date.now();
        const kind = turn % 3;
        const response = await (kind === 0
          ? fetch(`${api.baseUrl}/auth/me`, {
              headers: { Authorization: `Bearer ${account.token}` },
            })
          : kind === 1
            ? post("/auth/login", { username: account.username, password: PASSWORD })
            : post("/auth/signup", { username: uniqueName("during"), password: PASSWORD }));
        const body = (await response.json().catch(() => ({}))) as { code?: string };
        outcomes.push({
          startedAt,
          ms: Date.now() - startedAt,
          status: response.status,
          code: body.code,
          retryAfter: response.headers.get("retry-after"),
        });
        await sleep(20);
      }
    });

    await sleep(1000);
    const killedAt = Date.now();
    await database.kill();
    await sleep(3000);
    const ready = await fetch(`${api.baseUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).not.toBeNull();
    const restartedAt = Date.now();
    await database.start();

    // The same process recovers by itself.
    let recovered = false;
    for (let i = 0; i < 60 && !recovered; i++) {
      recovered = (await fetch(`${api.baseUrl}/ready`)).status === 200;
      if (!recovered) await sleep(250);
    }
    expect(recovered).toBe(true);
    await sleep(500);
    running = false;
    await Promise.all(clients);

    const during = outcomes.filter((o) => o.startedAt > killedAt && o.startedAt < restartedAt);
    expect(during.length).toBeGreaterThan(10);
    for (const outcome of during) {
      expect(outcome, JSON.stringify(outcome)).toMatchObject({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
      });
      expect(Number(outcome.retryAfter)).toBeGreaterThan(0);
      expect(outcome.ms).toBeLessThan(2000);
    }
    // Nothing, before, during or after, was a 500 or a hang.
    expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
    expect(api.child.exitCode).toBeNull();

    // Every account made before the outage still signs in, and new work succeeds.
    for (const { username } of accounts) {
      expect((await post("/auth/login", { username, password: PASSWORD })).status).toBe(200);
    }
    await signupAccount();
  }, 90_000);
});

describe("a read-only database (a demoted primary, maintenance)", () => {
  it("answers writes with 503, reports not ready, and serves again once writable", async () => {
    // The app connects as a user without admin rights: read_only binds such users only.
    const admin = await mysql.createConnection(database.url("lucia_auth"));
    let readOnlyApi: ServerProcess | undefined;
    try {
      await admin.query("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app-password'");
      await admin.query("GRANT ALL ON lucia_auth.* TO 'app'@'%'");
      // Two names for the one server: the cluster code path (one node at a time, readiness checked
      // on every new connection) must keep reading from a read-only node too.
      readOnlyApi = await startServer({
        DATABASE_URL: `mysql://app:app-password@127.0.0.1:${database.port},localhost:${database.port}/lucia_auth`,
        SIGNUPS_PER_IP: "100000",
      });
      const base = readOnlyApi.baseUrl;
      const postTo = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      const username = uniqueName("ro");
      const created = await postTo("/auth/signup", { username, password: PASSWORD });
      expect(created.status).toBe(201);
      const { sessionId } = (await created.json()) as { sessionId: string };

      await admin.query("SET GLOBAL read_only = ON");
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      for (const response of [
        await postTo("/auth/signup", { username: uniqueName("ro"), password: PASSWORD }),
        await postTo("/auth/login", { username, password: PASSWORD }),
      ]) {
        expect(response.status).toBe(503);
        expect(((await response.json()) as { code: string }).code).toBe("SERVICE_UNAVAILABLE");
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      // Reading a session needs no write, also on connections opened while read-only.
      const checks = await Promise.all(
        Array.from({ length: 40 }, () =>
          fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${sessionId}` } }),
        ),
      );
      expect(checks.map((r) => r.status)).toEqual(checks.map(() => 200));

      await admin.query("SET GLOBAL read_only = OFF");
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect((await postTo("/auth/login", { username, password: PASSWORD })).status).toBe(200);
    } finally {
      await admin.query("SET GLOBAL read_only = OFF").catch(() => undefined);
      await admin.end();
      await readOnlyApi?.stop("SIGKILL");
    }
  }, 60_000);

  it("with a read-only first node and a writable second one, stays ready and serves writes", async () => {
    const second = await startMariaDb();
    const admins = await Promise.all(
      [database, second].map((node) => mysql.createConnection(node.url(""))),
    );
    let twoNodeApi: ServerProcess | undefined;
    try {
      for (const admin of admins) {
        await admin.query("CREATE DATABASE IF NOT EXISTS lucia_auth");
        await admin.query("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app-password'");
        await admin.query("GRANT ALL ON lucia_auth.* TO 'app'@'%'");
      }
      await admins[0]?.query("SET GLOBAL read_only = ON");
      twoNodeApi = await startServer({
        DATABASE_URL: `mysql://app:app-password@127.0.0.1:${database.port},127.0.0.1:${second.port}/lucia_auth`,
        SIGNUPS_PER_IP: "100000",
      });
      const base = twoNodeApi.baseUrl;
      const ready = async () => (await fetch(`${base}/ready`)).status;
      expect(await ready()).toBe(200);
      const created = await fetch(`${base}/auth/signup`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: uniqueName("two"), password: PASSWORD }),
      });
      expect(created.status).toBe(201);
      // Also once the read-only node's 3 s off-line period has passed.
      await sleep(3500);
      expect(await ready()).toBe(200);
    } finally {
      await admins[0]?.query("SET GLOBAL read_only = OFF").catch(() => undefined);
      await Promise.all(admins.map((admin) => admin.end()));
      await twoNodeApi?.stop("SIGKILL");
      await second.destroy();
    }
  }, 90_000);
});
