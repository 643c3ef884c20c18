/** One `host:port` of a DATABASE_URL. */
export interface DatabaseHost {
  host: string;
  port: number;
}

export interface DatabaseLocation {
  hosts: DatabaseHost[];
  user: string;
  password: string;
  database: string;
}

/**
 * Parses `mysql://user:pass@host[:port][,host[:port]...]/database`. Several hosts name the nodes
 * of a multi-primary cluster (Galera), tried in order. WHATWG URL cannot parse a host list, so the
 * authority is split by hand.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const match = /^mysql:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/([^/?#]+)\/?$/.exec(url);
  if (!match)
    throw new Error("DATABASE_URL must look like mysql://user:password@host:port/database");
  const [, user = "root", password = "", hostList = "", database = ""] = match;
  const hosts = hostList.split(",").map((entry) => {
    const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (!hostMatch) throw new Error(`DATABASE_URL has a bad host "${entry}"`);
    const [, host = "", port = "3306"] = hostMatch;
    if (Number(port) < 1 || Number(port) > 65_535) {
      throw new Error(`DATABASE_URL has a bad port in "${entry}"`);
    }
    return { host: host.replace(/^\[|\]$/g, ""), port: Number(port) };
  });
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw new Error("DATABASE_URL database name may use only letters, digits, _ and $");
  }
  return { hosts, user: decode(user), password: decode(password), database };
}

/** Percent-decodes a user or password, with an error that says where the problem is. */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error("DATABASE_URL user or password has a bad %-escape");
  }
}
