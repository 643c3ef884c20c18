import type { AddressInfo } from "node:net";
import type { App } from "../../src/app.js";
import { serveApp } from "../../src/http/node-server.js";
import { createLogger, type Logger } from "../../src/logger.js";

/** Serves an app over real HTTP on a random loopback port, as the server entry does. */
export async function listen(
  app: App,
  logger: Logger = createLogger("silent"),
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = await serveApp(app.fetch, { port: 0, hostname: "127.0.0.1", logger });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
