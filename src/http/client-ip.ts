import type { Context } from "hono";
import type { AppEnv } from "./app-env.js";

/**
 * The client's address: the socket's peer, or, when a reverse proxy is trusted, the address that
 * proxy appended last to X-Forwarded-For (earlier entries are whatever the client sent).
 */
export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return c.env?.incoming?.socket.remoteAddress ?? "unknown";
}
