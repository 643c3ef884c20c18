import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * Serves the files of `directory` (GET only) on a random loopback port: a page on its own origin,
 * as a deployed SPA would be, so its calls to the API are cross-origin.
 */
export async function serveStatic(directory: URL) {
  const root = fileURLToPath(directory);
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? "/", "http://localhost");
    // The URL parser has resolved dot segments already; normalize keeps the path under root.
    // The URL parser has resolved dot segments; normalize keeps the path under `root` anyway.
    const relative = normalize(decodeURIComponent(pathname === "/" ? "/index.html" : pathname));
    const type = types[extname(relative)];
    if (request.method !== "GET" || !type) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(root, relative));
      response.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
