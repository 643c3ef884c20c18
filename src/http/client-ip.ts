import { isIP } from "node:net";
import type { Context } from "hono";
import ipaddr from "ipaddr.js";
import type { AppEnv } from "./app-env.js";

/**
 * The client's address: the socket's peer, or, when a reverse proxy is trusted, the address that
 * proxy appended last to X-Forwarded-For (earlier entries are whatever the client sent). A last
 * entry that is not an IP address (a proxy that does not append, a forged value) is ignored: the
 * socket's peer counts instead, so rotating made-up values cannot dodge the per-IP limits.
 */
export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  return c.env?.incoming?.socket.remoteAddress ?? "unknown";
}

/**
 * What the per-IP limits count an address as: an IPv4 address (IPv4-mapped IPv6 included) as
 * itself, an IPv6 address by its /64 — a subscriber usually holds a whole /64, so counting single
 * IPv6 addresses would give each one some 2^64 fresh budgets.
 */
export function addressBucket(address: string): string {
  if (!ipaddr.isValid(address) || !isIP(address)) return address;
  let parsed = ipaddr.parse(address);
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) {
    parsed = parsed.toIPv4Address();
  }
  if (parsed instanceof ipaddr.IPv4) return parsed.toString();
  const network = new ipaddr.IPv6([...parsed.parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toString()}/64`;
}
