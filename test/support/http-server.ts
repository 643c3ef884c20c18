import type { AddressInfo } from "node:net";
import type { App } from "../../src/app.js";
import { serveApp } from "../../src/http/node-server.js";
import { createLogger, type Logger } from "../../src/logger.js";

/** Serves an app over real HTTP on a random loopback port, as the server entry does. */
export async function listen(
  app: App,
  logger: Logger = createLogger("silent"),
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serveApp(
      app.fetch,
      { port: 0, hostname: "127.0.0.1", logger },
      (info: AddressInfo) => {
        resolve({
          baseUrl: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        });
      },
    );
  });
}
