import type { ApiDocument, Operation } from "./api-document.js";
import type { ContractApps, Target } from "./contract-apps.js";
import {
  freshIp,
  jsonBodySchema,
  needsBearer,
  type RequestOptions,
  randomToken,
  sampleRequest,
  signupToken,
} from "./contract-requests.js";
import { specificDrivers } from "./contract-scenarios.js";

export interface DriverContext {
  document: ApiDocument;
  apps: ContractApps;
  operation: Operation;
}

/** Makes one documented status happen; every response returned must carry that status. */
export interface Driver {
  how: string;
  run(context: DriverContext): Promise<Response | Response[]>;
}

const send = (target: Target, { document, operation }: DriverContext, options?: RequestOptions) => {
  const { path, init } = sampleRequest(document, operation, options);
  return target.fetch(path, init);
};

const tokenFor = async (target: Target, context: DriverContext) =>
  needsBearer(context.operation) ? signupToken(target) : undefined;

const hasBody = (operation: Operation) => !["get", "head"].includes(operation.method);
const raw = (contentType: string, text: string) => ({ rawBody: { contentType, text } });

/**
 * How to make a status happen for any operation that behaves like the others: keyed by status,
 * each with the condition under which it applies. "2xx" is the success of a sample request.
 */
const genericDrivers: Record<string, Driver & { applies(operation: Operation): boolean }> = {
  "2xx": {
    how: "a sample request built from the document (fresh account's token if it needs one)",
    applies: () => true,
    run: async (c) => send(c.apps.main, c, { token: await tokenFor(c.apps.main, c) }),
  },
  400: {
    how: "a JSON body that does not parse",
    applies: (operation) => jsonBodySchema(operation) !== undefined,
    run: async (c) =>
      send(c.apps.main, c, {
        token: await tokenFor(c.apps.main, c),
        ...raw("application/json", "{"),
      }),
  },
  401: {
    how: "the sample request without a bearer token",
    applies: needsBearer,
    run: (c) => send(c.apps.main, c),
  },
  404: {
    how: "random values for the path parameters",
    applies: (operation) => operation.path.includes("{"),
    run: async (c) => send(c.apps.main, c, { token: await tokenFor(c.apps.main, c) }),
  },
  408: {
    how: "a body that stops halfway, to an app with a 300 ms request timeout",
    applies: (operation) => operation.requestBody !== undefined,
    run: async (c) => {
      const token = await tokenFor(c.apps.impatient, c);
      const { path, init } = sampleRequest(c.document, c.operation, { token });
      return c.apps.impatient.stalled(path, init);
    },
  },
  413: {
    how: "a 17 KiB JSON body",
    applies: hasBody,
    run: async (c) =>
      send(c.apps.main, c, {
        token: await tokenFor(c.apps.main, c),
        ...raw("application/json", JSON.stringify({ padding: "x".repeat(17 * 1024) })),
      }),
  },
  415: {
    how: "a text/plain body",
    applies: (operation) => operation.requestBody !== undefined,
    run: async (c) =>
      send(c.apps.main, c, { token: await tokenFor(c.apps.main, c), ...raw("text/plain", "hi") }),
  },
  429: {
    how: "the sample request three times from one client IP with every limit at 1",
    applies: () => true,
    run: async (c) => {
      const token = await tokenFor(c.apps.limited, c);
      const ip = freshIp();
      await send(c.apps.limited, c, { token, ip });
      await send(c.apps.limited, c, { token, ip });
      return send(c.apps.limited, c, { token, ip });
    },
  },
  500: {
    how: "the sample request to an app whose database has no tables",
    applies: () => true,
    run: (c) => send(c.apps.broken, c, { token: randomToken() }),
  },
  503: {
    how: "the sample request to an app whose database is unreachable",
    applies: () => true,
    run: (c) => send(c.apps.unreachable, c, { token: randomToken() }),
  },
};

/** The driver for one documented (operation, status), or undefined when there is none. */
export function driverFor(operation: Operation, status: string): Driver | undefined {
  const specific = specificDrivers[`${operation.name} ${status}`];
  if (specific) return specific;
  const generic = genericDrivers[status.startsWith("2") ? "2xx" : status];
  return generic?.applies(operation) ? generic : undefined;
}
