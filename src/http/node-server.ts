import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { Logger } from "../logger.js";
import { type ProblemCode, problemBody, problemCatalog } from "./problem.js";

export interface ServeOptions {
  port: number;
  hostname: string;
  logger: Logger;
}

const problem = (code: ProblemCode) =>
  new Response(JSON.stringify(problemBody(code)), {
    status: problemCatalog[code].status,
    headers: { "Content-Type": "application/problem+json" },
  });

/**
 * `serve()` from @hono/node-server, plus an answer in the contract's shape for requests that
 * never become a fetch `Request`: an unusable Host header or request target (`OPTIONS *`, a
 * malformed absolute URL) gets 400 `BAD_REQUEST` problem+json instead of an empty 400.
 */
export function serveApp(
  fetch: (request: Request) => Response | Promise<Response>,
  { port, hostname, logger }: ServeOptions,
  onListening?: (address: AddressInfo) => void,
): Server {
  const listener = getRequestListener(fetch, {
    hostname,
    errorHandler: (error) => {
      if (error instanceof RequestError) return problem("BAD_REQUEST");
      // The app answers its own errors; anything reaching here is a bug below it.
      logger.error({ err: error }, "unhandled error outside the app");
      return problem("INTERNAL_ERROR");
    },
  });
  const server = createServer(listener);
  server.listen(port, hostname, () => onListening?.(server.address() as AddressInfo));
  return server;
}
