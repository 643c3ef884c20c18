import { execFile, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { promisify } from "node:util";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PASSWORD, uniqueName } from "./support/client.js";
import { freePort } from "./support/free-port.js";
import { type ServerProcess, startServer } from "./support/server-process.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let db: TestDatabase;
const running: ServerProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop("SIGKILL")));
  await db.drop();
});

async function start(env: Record<string, string> = {}, workers = 1) {
  const server = await startServer({ DATABASE_URL: db.url, ...env }, { workers });
  running.push(server);
  return server;
}

const post = (baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("several API processes on one database", () => {
  it("signup on A, me and logout on B, and A rejects the token at once", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const username = uniqueName("multi");
    const created = await post(a.baseUrl, "/auth/signup", { username, password: PASSWORD });
    expect(created.status).toBe(201);
    const { sessionId } = (await created.json()) as { sessionId: string };
    const auth = { Authorization: `Bearer ${sessionId}` };
    expect((await fetch(`${b.baseUrl}/auth/me`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${a.baseUrl}/auth/me`, { headers: auth })).status).toBe(200);
    expect((await post(b.baseUrl, "/auth/logout", {}, auth)).status).toBe(204);
    expect((await fetch(`${a.baseUrl}/auth/me`, { headers: auth })).status).toBe(401);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("WEB_CONCURRENCY=2 runs two workers on one port", async () => {
    const port = await freePort();
    const server = await start({ WEB_CONCURRENCY: "2", PORT: String(port) }, 2);
    const workerPids = new Set(server.logs.filter((l) => l.msg === "listening").map((l) => l.pid));
    expect(workerPids.size).toBe(2);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/health`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  it("WEB_CONCURRENCY=2 replaces a worker that dies after it served", async () => {
    const port = await freePort();
    const server = await start({ WEB_CONCURRENCY: "2", PORT: String(port) }, 2);
    const listening = () => server.logs.filter((l) => l.msg === "listening").map((l) => l.pid);
    const [victim] = listening();
    process.kill(Number(victim), "SIGKILL");
    await vi.waitFor(() => expect(listening()).toHaveLength(3), { timeout: 15_000, interval: 100 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}/health`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});

describe("graceful shutdown", () => {
  it("does not wait for a body still trickling in after its request was answered", async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: "8000" });
    const { port } = new URL(server.baseUrl);
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => undefined);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    await new Promise((resolve) => socket.once("connect", resolve));
    // Answered at once (nothing reads the body), then the body, a byte at a time.
    socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n");
    await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 200 /));
    const trickle = setInterval(() => socket.writable && socket.write("x"), 200);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      // The connection owes nothing: it is closed, and the server stops cleanly and at once.
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it("on SIGTERM stops accepting, finishes a slow in-flight login with 200, and exits 0", async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: "10000" });
    const username = uniqueName("slow");
    expect(
      (await post(server.baseUrl, "/auth/signup", { username, password: PASSWORD })).status,
    ).toBe(201);

    // Hold a write lock on the key table so the login stalls inside the server.
    const locker = await mysql.createConnection(db.url);
    await locker.query("LOCK TABLES user_key WRITE");
    const inFlight = post(server.baseUrl, "/auth/login", { username, password: PASSWORD });
    // Not a fixed sleep: wait until the login really is inside the server, blocked on the lock.
    await vi.waitFor(
      async () => {
        const [rows] = await db.pool.query<RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM information_schema.processlist
            WHERE db = ? AND state LIKE 'Waiting for table%lock' AND info LIKE '%user_key%'`,
          [db.name],
        );
        expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );

    const exitCode = server.stop("SIGTERM");
    // The server stops accepting once it has handled the signal, however busy the machine is.
    await vi.waitFor(() => expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow(), {
      timeout: 10_000,
      interval: 50,
    });

    await locker.query("UNLOCK TABLES");
    await locker.end();
    const response = await inFlight;
    expect(response.status).toBe(200);
    // Whole, and the connection closes after it instead of staying open on keep-alive.
    expect(response.headers.get("connection")).toBe("close");
    expect(((await response.json()) as { sessionId: string }).sessionId).toMatch(/^[a-z0-9]{40}$/);
    expect(await exitCode).toBe(0);
    expect(server.logs.map((l) => l.msg)).toContain("stopped");
  });
});

describe("graceful shutdown under npm start", () => {
  it("a SIGTERM sent to npm reaches the server, which stops cleanly before npm exits 0", async () => {
    const server = await startServer({ DATABASE_URL: db.url }, { viaNpmStart: true });
    running.push(server);
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    // What a container runtime or process manager does: signal the process it started.
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.logs.map((l) => l.msg)).toContain("stopped");
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
  });
});

describe("graceful shutdown with WEB_CONCURRENCY", () => {
  it("exits 1 when a worker had to be cut off by SHUTDOWN_TIMEOUT_MS", async () => {
    const server = await start({ WEB_CONCURRENCY: "2", SHUTDOWN_TIMEOUT_MS: "1000" }, 2);
    const { port } = new URL(server.baseUrl);
    // A request whose body never completes keeps its connection busy past the timeout. The
    // connection first serves a whole request, so a worker surely owns it (the primary hands
    // new connections to workers, which can lag on a busy machine) before the partial one.
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await vi.waitFor(() => expect(received).toContain('{"status":"ok"}'), {
      timeout: 10_000,
      interval: 20,
    });
    socket.write(
      'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user',
    );
    await new Promise((r) => setTimeout(r, 300));
    try {
      expect(await server.stop("SIGTERM")).toBe(1);
    } finally {
      socket.destroy();
    }
  });
});

describe("WEB_CONCURRENCY and a worker replaced during a stop", () => {
  it("exits 0 on SIGTERM while a crashed worker's replacement is still starting", async () => {
    const server = await start({ WEB_CONCURRENCY: "2" }, 2);
    const primary = server.child.pid ?? 0;
    const workersOf = () => {
      try {
        return execFileSync("pgrep", ["-P", String(primary)])
          .toString()
          .split(/\s+/)
          .filter(Boolean);
      } catch {
        return [];
      }
    };
    const workers = workersOf();
    expect(workers).toHaveLength(2);
    // A worker crashes; the primary starts another a second later.
    process.kill(Number(workers[0]), "SIGKILL");
    for (let i = 0; i < 100 && workersOf().every((pid) => workers.includes(pid)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(workersOf().some((pid) => !workers.includes(pid))).toBe(true);
    // An ordinary stop while the replacement is not listening yet.
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});

describe("start-up", () => {
  it("a bad variable stops start-up with one line naming it", async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: new URL("../", import.meta.url),
      env: { ...process.env, PORT: "not-a-port", DB_POOL_SIZE: "-1" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect("code" in failure && failure.code).toBe(1);
    const lines = String((failure as { stderr: string }).stderr)
      .trim()
      .split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT: /);
    expect(lines[1]).toMatch(/^Invalid configuration: DB_POOL_SIZE: /);
  });

  it("an unreachable database stops start-up with exit code 1 and one fatal log line", async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: new URL("../", import.meta.url),
      env: {
        ...process.env,
        DATABASE_URL: "mysql://root@127.0.0.1:1/lucia_auth",
        DB_CONNECT_TIMEOUT_MS: "500",
      },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect("code" in failure && failure.code).toBe(1);
    const lines = String((failure as { stdout: string }).stdout)
      .trim()
      .split("\n");
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({
      level: 60,
      msg: "could not start",
      code: "ECONNREFUSED",
    });
    expect(String((failure as { stderr: string }).stderr)).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it.each([
    ["one process", "1", "could not start"],
    ["WEB_CONCURRENCY=2 (no endless worker restarts)", "2", "a worker could not start; stopping"],
  ])(
    "a port in use stops start-up with exit code 1 and a fatal log line: %s",
    async (_label, workers, msg) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      const { port } = blocker.address() as AddressInfo;
      try {
        const failure = await promisify(execFile)(
          process.execPath,
          ["--import", "tsx", "src/server.ts"],
          {
            cwd: new URL("../", import.meta.url),
            env: {
              ...process.env,
              DATABASE_URL: db.url,
              HOST: "127.0.0.1",
              PORT: String(port),
              WEB_CONCURRENCY: workers,
            },
            timeout: 20_000,
          },
        ).catch((error: { code: number; stdout: string; stderr: string }) => error);
        expect("code" in failure && failure.code).toBe(1);
        const lines = String((failure as { stdout: string }).stdout)
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
        expect(lines.filter((line) => line.level === 60).map((line) => line.msg)).toContain(msg);
        expect(lines.filter((line) => line.msg === "worker died; starting another")).toEqual([]);
      } finally {
        blocker.close();
      }
    },
  );
});

describe("npm run db:purge-sessions", () => {
  it("deletes sessions past their idle period and keeps live ones", async () => {
    const server = await start();
    const created = await post(server.baseUrl, "/auth/signup", {
      username: uniqueName("purge"),
      password: PASSWORD,
    });
    const { user } = (await created.json()) as { user: { userId: string } };
    await db.pool.execute(
      "INSERT INTO user_session (id, user_id, active_expires, idle_expires) VALUES (?, ?, 1, 2)",
      ["f".repeat(64), user.userId],
    );
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/purge-sessions.ts"],
      {
        cwd: new URL("../", import.meta.url),
        env: { ...process.env, DATABASE_URL: db.url },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ purgedSessions: 1 });
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT id FROM user_session WHERE user_id = ?",
      [user.userId],
    );
    expect(rows).toHaveLength(1);
    await server.stop();
  });
});
