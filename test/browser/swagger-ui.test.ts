import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_TIMEOUT_MS, useChromium } from "../support/chromium.js";
import { PASSWORD, uniqueName } from "../support/client.js";
import { listen } from "../support/http-server.js";
import { useTestApp } from "../support/test-app.js";

const artifacts = new URL("../../test-artifacts/", import.meta.url);
const ctx = useTestApp();
const browser = useChromium();
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  server = await listen(ctx.app);
});
afterAll(async () => {
  await server?.close();
});

async function signupToken(username: string) {
  const response = await fetch(`${server.baseUrl}/auth/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

describe("Swagger UI at /docs in Chromium", () => {
  it("lists the auth operations and runs GET /auth/me after Authorize", {
    timeout: BROWSER_TIMEOUT_MS,
  }, async () => {
    const username = uniqueName("Swagger");
    const token = await signupToken(username);
    const page = await browser().newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    await page.goto(`${server.baseUrl}/docs`);

    await page.locator(".opblock").first().waitFor();
    const listed = await page.locator(".opblock-summary").evaluateAll((summaries) =>
      summaries.map((summary) =>
        [".opblock-summary-method", ".opblock-summary-path"]
          .map((part) =>
            summary
              .querySelector(part)
              ?.textContent?.replace(/\u200b/g, "")
              .trim(),
          )
          .join(" "),
      ),
    );
    for (const operation of [
      "POST /auth/signup",
      "POST /auth/login",
      "GET /auth/me",
      "POST /auth/logout",
    ]) {
      expect(listed).toContain(operation);
    }

    await page.click(".auth-wrapper button.authorize");
    await page.fill(".modal-ux input", token);
    await page.click(".modal-ux .auth-btn-wrapper button.authorize");
    await page.click(".modal-ux .auth-btn-wrapper button.btn-done");

    const me = page.locator(".opblock-get", { has: page.locator('[data-path="/auth/me"]') });
    await me.locator(".opblock-summary").click();
    // tryItOutEnabled opens the form already; otherwise "Try it out" does.
    const tryOut = me.locator("button.try-out__btn", { hasText: "Try it out" });
    if (await tryOut.isVisible()) await tryOut.click();
    await me.locator("button.execute").click();

    const live = me.locator(".live-responses-table .response").first();
    await expect(live.locator(".response-col_status").textContent()).resolves.toContain("200");
    await expect(live.locator(".response-col_description").textContent()).resolves.toContain(
      username,
    );

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({
      path: fileURLToPath(new URL("swagger-ui.png", artifacts)),
      fullPage: true,
    });
    await page.close();
  });
});
