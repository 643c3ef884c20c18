import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.js";
import { createInFlight } from "../src/http/in-flight.js";
import { PASSWORD, uniqueName } from "./support/client.js";
import { listen } from "./support/http-server.js";
import { captureLogs } from "./support/log-capture.js";
import { testConfig, useTestApp } from "./support/test-app.js";

const logs = captureLogs();
const ctx = useTestApp({ CORS_ORIGINS: ["http://spa.example"] }, logs.logger);
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  server = await listen(ctx.app, logs.logger);
});
afterAll(() => server.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("over real HTTP", () => {
  it("runs signup → me → logout → me over a socket", async () => {
    const username = uniqueName("http");
    const created = await post("/auth/signup", { username, password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
    expect(created.headers.get("x-content-type-options")).toBe("nosniff");
    const { sessionId } = (await created.json()) as { sessionId: string };
    const auth = { Authorization: `Bearer ${sessionId}` };

    const me = await fetch(`${server.baseUrl}/auth/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(me.headers.get("cache-control")).toBe("no-store");
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe(username);

    const logout = await fetch(`${server.baseUrl}/auth/logout`, { method: "POST", headers: auth });
    expect(logout.status).toBe(204);
    // A 204 has no content, so nothing to give a type.
    expect(logout.headers.get("content-type")).toBeNull();
    const after = await fetch(`${server.baseUrl}/auth/me`, { headers: auth });
    expect(after.status).toBe(401);
    expect(after.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses a 17 KiB body with 413 over a socket", async () => {
    const response = await post("/auth/login", {
      username: "someone",
      password: "x".repeat(17 * 1024),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers a CORS preflight from an allowed origin, and not from another", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/auth/me`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization",
        },
      });
    const allowed = await preflight("http://spa.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://spa.example");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
      "authorization",
    );
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(allowed.headers.get("cache-control")).toBe("no-store");
    const denied = await preflight("http://evil.example");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });

  it.each([
    ["an asterisk request target", "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n"],
    ["a Host header that is no host", "GET /health HTTP/1.1\r\nHost: not a host\r\n"],
    // RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host header.
    ["a request without a Host header", "GET /health HTTP/1.1\r\n"],
    ["a request with two Host headers", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n"],
    // These node's own HTTP parser refuses, before any app code runs.
    ["a header line without a colon", "GET /health HTTP/1.1\r\nHost: localhost\r\nbroken\r\n"],
    [
      "a request with two different lengths",
      "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
    ],
    ["a request line that is no request line", "HELLO\r\n"],
  ])("answers %s with a problem, not an empty 400", async (_label, head) => {
    const raw = await rawRequest(`${head}Connection: close\r\n\r\n`);
    const [headers = "", body = ""] = raw.split("\r\n\r\n");
    expect(headers).toMatch(/^HTTP\/1\.1 400 /);
    expect(headers.toLowerCase()).toContain("content-type: application/problem+json");
    // Like every response, it names a request id the client can quote, and the log has it.
    const requestId = headers.toLowerCase().match(/\r\nx-request-id: ([0-9a-f-]{36})\r\n/)?.[1];
    expect(requestId).toBeDefined();
    await vi.waitFor(() =>
      expect(logs.lines().find((line) => line.requestId === requestId)).toMatchObject({
        msg: "request refused before the app",
        status: 400,
      }),
    );
    expect(JSON.parse(body)).toEqual({
      type: "about:blank",
      title: "Bad request",
      status: 400,
      code: "BAD_REQUEST",
    });
  });

  it("answers a malformed chunk in the body with 400 BAD_REQUEST problem+json", async () => {
    // Node's parser fails after the headers, once the request has reached the app.
    const raw = await rawRequest(
      "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n",
    );
    const [headers = "", body = ""] = raw.split("\r\n\r\n");
    expect(headers).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(body)).toMatchObject({ status: 400, code: "BAD_REQUEST" });
  });

  it("answers the complete requests before closing on garbage pipelined after them", async () => {
    const signupRequest = () => {
      const body = JSON.stringify({ username: uniqueName("pipe"), password: PASSWORD });
      return `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const health = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const raw = await rawRequest(
      `${health}${signupRequest()}${signupRequest()}${signupRequest()}GARBAGE\r\n\r\n`,
      { halfClose: false },
    );
    // Each request's own answer, in order, never a 400 a client would take for one.
    expect(statusesIn(raw)).toEqual(["200", "201", "201", "201"]);
    const early = await rawRequest(
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
      { halfClose: false },
    );
    expect(early).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("keeps serving a connection whose too-large body goes on arriving after its 413", async () => {
    const { socket, received, closed } = await openConnection();
    socket.write(
      "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n",
    );
    await vi.waitFor(() => expect(received()).toMatch(/^HTTP\/1\.1 413 /));
    // The rest of the body, late, then another request on the same connection.
    for (let i = 0; i < 4; i++) socket.write("x".repeat(5000));
    socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    await closed;
    expect(statusesIn(received())).toEqual(["413", "200"]);
  });

  it("answers a complete request to a client that half-closes in the middle of the next one", async () => {
    const body = JSON.stringify({ username: uniqueName("half"), password: PASSWORD });
    const raw = await rawRequest(
      `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 201 /);
  });

  it("keeps no listener per early-answered request on a kept-alive connection", async () => {
    const { socket, received } = await openConnection();
    const warnings = await warningsDuring(async () => {
      // Each answered before its (unread) body arrives, then the body, on one connection.
      for (let i = 1; i <= 14; i++) {
        socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n");
        await vi.waitFor(() => expect(received().match(/HTTP\/1\.1 200 /g)?.length).toBe(i));
        socket.write("0123456789");
      }
    });
    socket.destroy();
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("survives a chunked body that breaks after part of it was read", async () => {
    const { socket } = await openConnection();
    socket.write(
      'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"use\r\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.write("ZZZ\r\nxx\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write("more data after the error");
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });

  it("answers a request whose chunked body breaks after a complete one, without waiting for it", async () => {
    const body = JSON.stringify({ username: uniqueName("pipe"), password: PASSWORD });
    const started = Date.now();
    const raw = await rawRequest(
      `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n",
      { halfClose: false },
    );
    // The complete request's answer, then the connection closes (which ends the broken request's
    // handler): not after the request timeout (20 s here), and no answer a client could mistake.
    expect(statusesIn(raw)).toEqual(["201"]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("handles a connection's parse error once, however much the client sends after it", async () => {
    const { socket, received, closed } = await openConnection();
    const warnings = await warningsDuring(async () => {
      const body = JSON.stringify({ username: uniqueName("pipe"), password: PASSWORD });
      socket.write(
        `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}GARBAGE\r\n`,
      );
      for (let i = 0; i < 40 && !socket.destroyed; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        socket.write(`more garbage ${i}\r\n`);
      }
      await closed;
    });
    expect(received()).toMatch(/^HTTP\/1\.1 201 /);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("answers a body that does not arrive in time with 408 REQUEST_TIMEOUT, not a 503", async () => {
    const inFlight = createInFlight();
    const slowClients = await listen(
      createApp({ config: testConfig({ REQUEST_TIMEOUT_MS: 300 }), pool: ctx.db.pool, inFlight }),
    );
    try {
      const { socket, received, closed } = await openConnection(slowClients.baseUrl);
      socket.write(
        `POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":`,
      );
      // The client's fault, not the server's (a 5xx would count against the service), and the
      // connection closes: the rest of the body must not be read as a next request.
      await closed;
      const [headers = "", body = ""] = received().split("\r\n\r\n");
      expect(headers).toMatch(/^HTTP\/1\.1 408 /);
      expect(headers.toLowerCase()).toContain("connection: close");
      expect(JSON.parse(body)).toMatchObject({ status: 408, code: "REQUEST_TIMEOUT" });
      // The handler still reading that body ends too (a shutdown waits for running handlers).
      const drained = await Promise.race([
        inFlight.drained().then(() => "drained"),
        new Promise((resolve) => setTimeout(resolve, 3000, "still running")),
      ]);
      expect(drained).toBe("drained");
    } finally {
      await slowClients.close();
    }
  });

  it("does not log a client that hangs up mid-body as a service outage", async () => {
    const { port } = new URL(server.baseUrl);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":`,
    );
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setTimeout(r, 20));
      line = logs.lines().find((l) => l.msg === "client closed the connection mid-body");
    }
    expect(line?.level).toBe(30);
    expect(logs.lines().filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  it("answers headers too large for the server with 431 HEADERS_TOO_LARGE problem+json", async () => {
    const raw = await rawRequest(
      `GET /auth/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${"a".repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    const [headers = "", body = ""] = raw.split("\r\n\r\n");
    expect(headers).toMatch(/^HTTP\/1\.1 431 /);
    expect(headers.toLowerCase()).toContain("content-type: application/problem+json");
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: "HEADERS_TOO_LARGE" });
  });

  it("accepts logout-all with an empty chunked body and a Content-Type, ending every session", async () => {
    const created = await post("/auth/signup", {
      username: uniqueName("chunk"),
      password: PASSWORD,
    });
    const { sessionId } = (await created.json()) as { sessionId: string };
    // A stream body: fetch sends it chunked, with no Content-Length.
    const response = await fetch(`${server.baseUrl}/auth/logout-all`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sessionId}`, "Content-Type": "application/json" },
      body: new ReadableStream({ start: (controller) => controller.close() }),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(204);
    const me = await fetch(`${server.baseUrl}/auth/me`, {
      headers: { Authorization: `Bearer ${sessionId}` },
    });
    expect(me.status).toBe(401);
  });
});

/** A raw connection to a server: its socket, everything it has received, and its close. */
async function openConnection(baseUrl = server.baseUrl) {
  const { port } = new URL(baseUrl);
  const socket = connect(Number(port), "127.0.0.1");
  socket.on("error", () => undefined);
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise((resolve) => socket.once("close", resolve));
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, received: () => received, closed };
}

/** Sends bytes no fetch client would, and returns the whole answer once the server closes. */
async function rawRequest(request: string, { halfClose = true } = {}): Promise<string> {
  const { socket, received, closed } = await openConnection();
  if (halfClose) socket.end(request);
  else socket.write(request);
  await closed;
  return received();
}

/** The status codes of the answers in a raw HTTP/1.1 exchange, in order. */
const statusesIn = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);

/** Runs `work` and returns the names of the process warnings emitted meanwhile. */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on("warning", onWarning);
  try {
    await work();
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}
