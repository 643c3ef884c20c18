import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueName } from "./support/client.js";
import { listen } from "./support/http-server.js";
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp({ CORS_ORIGINS: ["http://spa.example"] });
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  server = await listen(ctx.app);
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
    const denied = await preflight("http://evil.example");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
