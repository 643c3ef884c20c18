import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { Logger } from "../logger.js";
import { clientAbortError } from "./errors.js";
import { type ProblemCode, problemBody, problemCatalog } from "./problem.js";

export interface ServeOptions {
  port: number;
  hostname: string;
  logger: Logger;
}

/** The open connections of each server `serveApp` made, for `closeGracefully`. */
const openSockets = new WeakMap<Server, Set<Socket>>();

/**
 * A problem answered outside the app (the app's middleware never ran): its status, body, and
 * the headers the app would add, the request id included. Content-Length is left to the writer.
 */
function outsideAppProblem(code: ProblemCode, requestId: string) {
  return {
    status: problemCatalog[code].status,
    body: JSON.stringify(problemBody(code)),
    headers: {
      "Content-Type": "application/problem+json",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "X-Request-Id": requestId,
    },
  };
}

/**
 * A new request id for a problem answered outside the app, logged like the access log's lines
 * (no path: it may be what was wrong), so a client quoting the id can be matched.
 */
function refusalId(logger: Logger, code: ProblemCode, cause?: string): string {
  const requestId = randomUUID();
  logger.info(
    { requestId, status: problemCatalog[code].status, code, cause },
    "request refused before the app",
  );
  return requestId;
}

/** The problem as a fetch Response, for @hono/node-server's error handler. */
function problem(code: ProblemCode, requestId: string): Response {
  const { status, body, headers } = outsideAppProblem(code, requestId);
  return new Response(body, { status, headers });
}

/**
 * RFC 9112 §3.2: a request with more than one Host header, or an HTTP/1.1 request with none, is
 * a 400. (Node's own check answers a missing one with an empty 400 and lets a second one pass.)
 */
function hasUsableHostCount(request: IncomingMessage): boolean {
  let hosts = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === "host") hosts++;
  }
  return hosts === 1 || (hosts === 0 && request.httpVersion === "1.0");
}

/**
 * @hono/node-server gives every response a Content-Type (text/plain when the app set none), a
 * 204 included, which has no content to describe: a 204 goes out without one.
 */
class ApiResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  override writeHead(statusCode: number, ...rest: unknown[]): this {
    if (statusCode === 204) {
      const headers = rest[rest.length - 1];
      if (headers && typeof headers === "object" && !Array.isArray(headers)) {
        delete (headers as OutgoingHttpHeaders)["content-type"];
      }
      this.removeHeader("content-type");
    }
    return super.writeHead(statusCode, ...(rest as [OutgoingHttpHeaders]));
  }
}

type ClientSocket = Socket & { _httpMessage?: ServerResponse | null };

/** How long a connection closed after a parse error may still send before it is cut off. */
const LINGER_MS = 2000;

/**
 * Ends a connection (after `last` bytes) without losing what it was sent: the client may still be
 * sending, and closing a socket with unread data sends a reset, which can make the client's
 * system drop the answer before it is read. So only the sending side is closed; what still
 * arrives is read and dropped until the client closes too, or LINGER_MS have passed.
 */
function lingeringClose(socket: Socket, last = "") {
  socket.end(last);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once("close", () => clearTimeout(timer));
}

/** Connections whose requests node's parser refused (answered or being closed). */
const failedSockets = new WeakSet<Socket>();
/** Each connection's latest response: pipelined requests are answered in order. */
const lastResponses = new WeakMap<Socket, ServerResponse>();
/** For a response queued behind another on its connection (pipelining): that one. */
const previousResponses = new WeakMap<ServerResponse, ServerResponse>();

/**
 * Records a connection's latest response, and, when pipelined, the one still to go out before
 * it. That link lives only until this response has gone out too (they go out in order), so the
 * chain never outgrows the queue: a link from every response to the one before kept a kept-alive
 * connection's whole history alive.
 */
function trackResponse(request: IncomingMessage, response: ServerResponse) {
  const previous = lastResponses.get(request.socket);
  if (previous && !previous.writableFinished) {
    previousResponses.set(response, previous);
    response.once("finish", () => previousResponses.delete(response));
  }
  lastResponses.set(request.socket, response);
}

/**
 * A request answered before its body arrived (a timeout, a refusal) and then left by its client
 * is no longer aborted by node, so a handler still reading the body would wait forever. Once the
 * connection has closed (no more data can come), such a request is destroyed, which fails that
 * read as for a client gone mid-body. Requests without a body skip this.
 */
function abortBodyLeftBehind(request: IncomingMessage, response: ServerResponse) {
  if (!request.headers["content-length"] && !request.headers["transfer-encoding"]) return;
  response.once("finish", () => {
    if (request.complete) return;
    const abort = () => request.destroy(clientAbortError());
    request.socket.once("close", abort);
    request.once("end", () => request.socket.off("close", abort));
  });
}

/** The latest response on a connection whose request arrived in full, if any. */
function lastOwedResponse(socket: Socket): ServerResponse | undefined {
  let response = lastResponses.get(socket);
  while (response && !response.req.complete) response = previousResponses.get(response);
  return response;
}

/** What node's own parser refuses, as node would answer it (status), but as a problem. */
function clientErrorCode(error: NodeJS.ErrnoException): ProblemCode {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return "HEADERS_TOO_LARGE";
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return "PAYLOAD_TOO_LARGE";
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "REQUEST_TIMEOUT";
    default:
      return "BAD_REQUEST";
  }
}

/**
 * Answers a request node's HTTP parser refused (headers over ~16 KiB, a malformed request line,
 * header or chunk, conflicting lengths, a client too slow) with problem+json, where node would
 * send a bare status line. It only answers the request the error belongs to: when the client has
 * gone it just closes; when a response has started or the connection still owes answers to
 * earlier, complete requests (garbage pipelined after them: the client would take this answer
 * for one of theirs), it closes once those answers are out.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: ClientSocket, logger: Logger) {
  // Node's failed parser reports every further chunk the client sends: one answer is enough.
  if (failedSockets.has(socket)) return;
  failedSockets.add(socket);
  const pending = socket._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  if (pending && (pending.headersSent || pending.req?.complete)) {
    // The connection owes the requests it received in full their answers: let them go out, then
    // close. (Node then aborts a request whose body broke off, which ends its handler's read.)
    const owed = lastOwedResponse(socket) ?? pending;
    if (owed.writableFinished) lingeringClose(socket);
    else owed.once("close", () => lingeringClose(socket));
    return;
  }
  const code = clientErrorCode(error);
  const { status, body, headers } = outsideAppProblem(code, refusalId(logger, code, error.code));
  lingeringClose(
    socket,
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      "",
      body,
    ].join("\r\n"),
  );
}

/**
 * `serve()` from @hono/node-server, with these differences:
 * - a request that never becomes a fetch `Request` (an unusable, missing or repeated Host header,
 *   a request target such as `OPTIONS *`) gets 400 `BAD_REQUEST` problem+json instead of an empty
 *   400 (or, for a repeated Host, an answer); such answers carry a request id and are logged;
 * - a request node's parser refuses gets problem+json too (`answerClientError`), after the
 *   answers the connection still owes;
 * - a handler still reading a body its client left behind is ended (`abortBodyLeftBehind`);
 * - it resolves once the server listens and rejects when it cannot (a port in use), so start-up
 *   can fail cleanly instead of with an uncaught exception.
 */
export function serveApp(
  fetch: (request: Request) => Response | Promise<Response>,
  { port, hostname, logger }: ServeOptions,
): Promise<Server> {
  const listener = getRequestListener(fetch, {
    hostname,
    errorHandler: (error) => {
      if (error instanceof RequestError) {
        return problem("BAD_REQUEST", refusalId(logger, "BAD_REQUEST", error.message));
      }
      // The app answers its own errors; anything reaching here is a bug below it.
      const requestId = randomUUID();
      logger.error({ err: error, requestId }, "unhandled error outside the app");
      return problem("INTERNAL_ERROR", requestId);
    },
  });
  const server = createServer(
    { ServerResponse: ApiResponse, requireHostHeader: false },
    (request, response) => {
      trackResponse(request, response);
      abortBodyLeftBehind(request, response);
      if (hasUsableHostCount(request)) return listener(request, response);
      const requestId = refusalId(logger, "BAD_REQUEST", "Host header count");
      const { status, body, headers } = outsideAppProblem("BAD_REQUEST", requestId);
      response.shouldKeepAlive = false;
      response
        .writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) })
        .end(body);
    },
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: ClientSocket) =>
    answerClientError(error, socket, logger),
  );
  // Per connection, not per request: a listener on every response cost throughput and memory.
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  openSockets.set(server, sockets);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      server.on("error", (error) => logger.error({ err: error }, "server error"));
      resolve(server);
    });
  });
}

/**
 * Stops a server served by `serveApp` the graceful way: no new connections, idle ones closed at
 * once (and those only receiving the rest of an answered request's body), and every response
 * still to be sent says `Connection: close` (the one a connection is working on, and any request
 * that still arrives on it), so each busy connection closes after its response has gone out,
 * never in the middle of one. `onClosed` runs when the last
 * connection has closed.
 */
export function closeGracefully(server: Server, onClosed: () => void): void {
  server.prependListener("request", (_request, response) => {
    response.shouldKeepAlive = false;
  });
  for (const socket of openSockets.get(server) ?? []) {
    // The response a connection is busy with (node's own closeIdleConnections() reads it too).
    const response = (socket as ClientSocket)._httpMessage;
    if (response && !response.headersSent) response.shouldKeepAlive = false;
    // Answered, and still receiving a body nobody reads (node counts it as busy, not idle): it
    // owes nothing, and a client trickling that body would otherwise hold the shutdown.
    const last = lastResponses.get(socket);
    if (!response && last?.writableFinished && !last.req.complete) socket.destroy();
  }
  server.close(() => onClosed());
  server.closeIdleConnections();
}
