import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env.js";

const distDir = createRequire(import.meta.url)("swagger-ui-dist/absolute-path.js")() as string;

/** The swagger-ui-dist files the page loads, with their media types. */
const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};
const assetBase = "/docs/assets";

/**
 * Swagger UI at /docs, its scripts and styles served from the swagger-ui-dist package (never a
 * CDN: that fails offline and under a strict Content-Security-Policy).
 */
export function docsRouter() {
  const cache = new Map<string, Promise<Buffer>>();
  return new Hono<AppEnv>()
    .get(
      "/docs",
      swaggerUI({
        url: "/openapi.json",
        // @hono/swagger-ui appends "/swagger-ui-dist" to this base.
        baseUrl: assetBase,
        title: "Auth API — Swagger UI",
        // A pasted token stays in this page only, never in the browser's localStorage.
        persistAuthorization: false,
        tryItOutEnabled: true,
      }),
    )
    .get(`${assetBase}/swagger-ui-dist/:file`, async (c) => {
      const file = c.req.param("file");
      const type = assets[file];
      if (!type) return c.notFound();
      let content = cache.get(file);
      if (!content) {
        content = readFile(join(distDir, file));
        cache.set(file, content);
      }
      return c.body(new Uint8Array(await content), 200, {
        "Content-Type": type,
        "Cache-Control": "public, max-age=86400",
      });
    });
}
