import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createLogger } from "../../src/logger.js";
import { BROWSER_TIMEOUT_MS, useChromium } from "../support/chromium.js";
import { PASSWORD, uniqueName } from "../support/client.js";
import { listen } from "../support/http-server.js";
import { serveStatic } from "../support/static-server.js";
import { testConfig } from "../support/test-app.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const spaDirectory = new URL("../../examples/spa/", import.meta.url);
const browser = useChromium();
let db: TestDatabase;
let api: Awaited<ReturnType<typeof listen>>;
let allowed: Awaited<ReturnType<typeof serveStatic>>;
let stranger: Awaited<ReturnType<typeof serveStatic>>;

// The SPA's origin must be in CORS_ORIGINS, and it is known only once its server listens: so the
// static servers start first and the app is built here rather than by useTestApp.
beforeAll(async () => {
  allowed = await serveStatic(spaDirectory);
  stranger = await serveStatic(spaDirectory);
  db = await createTestDatabase();
  const config = testConfig({ CORS_ORIGINS: [allowed.origin] });
  api = await listen(createApp({ config, pool: db.pool, logger: createLogger("silent") }));
});
afterAll(async () => {
  await Promise.all([api?.close(), allowed?.close(), stranger?.close()]);
  await db?.drop();
});

/** Opens the SPA from `origin`, pointed at the API with ?api=. */
async function openSpa(origin: string): Promise<Page> {
  const page = await browser().newPage();
  page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  await page.goto(`${origin}/?api=${encodeURIComponent(api.baseUrl)}`);
  return page;
}

/** Clicks `button` and waits until the page has finished the action it started. */
async function act(page: Page, button: string) {
  await page.click(button);
  // A string: it runs in the page, and this project type-checks without the DOM library.
  await page.waitForFunction('document.getElementById("status").textContent !== "Working…"');
  return {
    who: await page.textContent("#who"),
    status: await page.textContent("#status"),
    error: await page.textContent("#error"),
  };
}

describe("the example SPA in Chromium, served from another origin", () => {
  it("signs up, shows the username, and logs out", { timeout: BROWSER_TIMEOUT_MS }, async () => {
    const page = await openSpa(allowed.origin);
    const username = uniqueName("Spa");
    await page.fill("#username", username);
    await page.fill("#password", PASSWORD);
    const signup = page.waitForResponse((r) => r.url().endsWith("/auth/signup"));

    // Bearer header on a cross-origin GET: only works if the preflight allows Authorization.
    expect(await act(page, "#signup")).toEqual({ who: username, status: "Signed in.", error: "" });
    const { sessionId } = (await (await signup).json()) as { sessionId: string };
    // Readable by the page only because the API exposes X-Request-Id.
    expect(await page.textContent("#request-id")).toMatch(/^[0-9a-f-]{36}$/);

    expect(await act(page, "#logout")).toEqual({ who: "", status: "Signed out.", error: "" });
    const after = await fetch(`${api.baseUrl}/auth/me`, {
      headers: { Authorization: `Bearer ${sessionId}` },
    });
    expect(after.status).toBe(401);
    await page.close();
  });

  it("fails visibly from an origin not in CORS_ORIGINS", {
    timeout: BROWSER_TIMEOUT_MS,
  }, async () => {
    const page = await openSpa(stranger.origin);
    const username = uniqueName("Spa");
    await page.fill("#username", username);
    await page.fill("#password", PASSWORD);

    const shown = await act(page, "#signup");
    expect(shown.who).toBe("");
    expect(shown.error).toContain(`does not allow this page's origin (${stranger.origin})`);
    // The refused preflight stopped the signup before it reached the API.
    const login = await fetch(`${api.baseUrl}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(login.status).toBe(400);
    await page.close();
  });
});
