import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../src/openapi-document.js";
import { useTestApp } from "./support/test-app.js";

const ctx = useTestApp();

describe("the OpenAPI document", () => {
  it("the committed openapi/openapi.json is what the code generates (run `npm run openapi`)", async () => {
    const committed = JSON.parse(
      await readFile(new URL("../openapi/openapi.json", import.meta.url), "utf8"),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("GET /openapi.json serves OpenAPI 3.1 with bearerAuth on the protected operations", async () => {
    const response = await ctx.app.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { security?: unknown; responses: Record<string, unknown> }>
      >;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(document.paths["/auth/me"]?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths["/auth/logout"]?.post?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths["/auth/signup"]?.post?.security).toBeUndefined();
    expect(Object.keys(document.paths["/auth/signup"]?.post?.responses ?? {}).sort()).toEqual([
      "201",
      "400",
      "408",
      "409",
      "413",
      "415",
      "429",
      "500",
      "503",
    ]);
    expect(Object.keys(document.paths["/auth/login"]?.post?.responses ?? {}).sort()).toEqual([
      "200",
      "400",
      "408",
      "413",
      "415",
      "429",
      "500",
      "503",
    ]);
  });
});
