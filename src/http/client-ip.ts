import { isIP } from "node:net";
import type { Context } from "hono";
import ipaddr from "ipaddr.js";
import type { AppEnv } from "./app-env.js";

let warnedAboutProxy = false;

/**
 * The client's address: the socket's peer, or, when a reverse proxy is trusted, the address that
 * proxy appended last to X-Forwarded-For (earlier entries are whatever the client sent). A last
 * entry that is not an IP address (a proxy that does not append, a forged value) is ignored: the
 * socket's peer counts instead, so rotating made-up values cannot dodge the per-IP limits.
 */
export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = withoutPort(c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim());
    if (forwarded && isIP(forwarded)) return forwarded;
    if (forwarded && !warnedAboutProxy) {
      // Once per process: the proxy setup, not the client, is what needs fixing.
      warnedAboutProxy = true;
      c.get("deps").logger.warn(
        "TRUST_PROXY is set but the last X-Forwarded-For entry is not an IP address; per-IP limits count the socket's address",
      );
    }
  }
  return c.env?.incoming?.socket.remoteAddress ?? "unknown";
}

/**
 * Some proxies append the client's port too: `203.0.113.7:51234`, `[2001:db8::7]:51234`. Without
 * this, such entries would not parse and every client would count as the proxy.
 */
function withoutPort(entry: string | undefined): string | undefined {
  const bracketed = entry?.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) return bracketed[1];
  return entry?.match(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/)?.[1] ?? entry;
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
