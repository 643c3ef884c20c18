import { readFile } from "node:fs/promises";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiProblem, createAuthClient } from "../../examples/client/auth-client.js";
import { memoryTokenStore } from "../../examples/client/token-store.js";
import { documentUrl } from "../support/api-document.js";
import { PASSWORD, uniqueName } from "../support/client.js";
import { listen } from "../support/http-server.js";
import { useTestApp } from "../support/test-app.js";

const ctx = useTestApp();
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  server = await listen(ctx.app);
});
afterAll(() => server.close());

const problemCode = (error: unknown) => (error instanceof ApiProblem ? error.problem.code : error);

describe("the typed example client", () => {
  it("runs signup → me → logout → login → me against a real server", async () => {
    const tokens = memoryTokenStore();
    const client = createAuthClient({ baseUrl: server.baseUrl, tokens });
    const username = uniqueName("Typed");

    expect((await client.signup(username, PASSWORD)).username).toBe(username);
    const first = await tokens.get();
    expect(first).toEqual(expect.any(String));
    expect((await client.me()).username).toBe(username);

    await client.logout();
    expect(await tokens.get()).toBeNull();
    await expect(client.me().catch(problemCode)).resolves.toBe("UNAUTHENTICATED");

    expect((await client.login(username.toLowerCase(), PASSWORD)).username).toBe(username);
    expect(await tokens.get()).not.toBe(first);
    expect((await client.me()).username).toBe(username);
  });

  it("throws the problem's code for a refused request", async () => {
    const client = createAuthClient({ baseUrl: server.baseUrl });
    const username = uniqueName("Typed");
    await client.signup(username, PASSWORD);
    await expect(client.signup(username, PASSWORD).catch(problemCode)).resolves.toBe(
      "USERNAME_TAKEN",
    );
    await expect(client.login(username, `${PASSWORD}!`).catch(problemCode)).resolves.toBe(
      "INVALID_CREDENTIALS",
    );
  });

  it("drops the stored token on any 401", async () => {
    const tokens = memoryTokenStore();
    await tokens.set("a".repeat(40));
    const client = createAuthClient({ baseUrl: server.baseUrl, tokens });
    await expect(client.me().catch(problemCode)).resolves.toBe("UNAUTHENTICATED");
    expect(await tokens.get()).toBeNull();
  });
});

describe("examples/client/generated/api.d.ts", () => {
  it("is what openapi-typescript generates from openapi/openapi.json (run `npm run client:types`)", async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(documentUrl, { silent: true }));
    const committed = await readFile(
      new URL("../../examples/client/generated/api.d.ts", import.meta.url),
      "utf8",
    );
    // Only trailing whitespace may differ (editors and formatters touch it).
    const normalize = (text: string) => text.replace(/[ \t]+$/gm, "").trimEnd();
    expect(normalize(committed)).toBe(normalize(generated));
  });
});
