import { type ProblemCode, ProblemSchema, problemBody, problemCatalog } from "./problem.js";

const descriptions: Record<ProblemCode, string> = {
  BAD_REQUEST:
    "The request itself is unusable (malformed request line or headers, a bad Host header, a request target such as `OPTIONS *`); sent by the server before any route runs.",
  MALFORMED_JSON: "The body is not parseable JSON, or not UTF-8.",
  VALIDATION_FAILED: "The body breaks the schema; `errors[]` says which field.",
  INVALID_CREDENTIALS: "Unknown username or wrong password (one answer for both).",
  UNAUTHENTICATED:
    'No valid, unexpired session. Carries `WWW-Authenticate: Bearer realm="api"` (with `error="invalid_token"` when a token was sent).',
  NOT_FOUND: "No such resource.",
  REQUEST_TIMEOUT:
    "The client took too long to send the request: its headers (answered before any route runs), or its body within the server's request timeout. The connection is closed.",
  USERNAME_TAKEN: "The username exists already, in some letter case.",
  PAYLOAD_TOO_LARGE: "The body is larger than 16 KiB.",
  UNSUPPORTED_MEDIA_TYPE:
    "The body is not application/json, or is compressed (`Content-Encoding` other than identity).",
  RATE_LIMITED: "Too many attempts; `Retry-After` says how many seconds to wait.",
  HEADERS_TOO_LARGE:
    "The request's headers are larger than the server accepts (about 16 KiB); sent by the server before any route runs.",
  INTERNAL_ERROR: "A bug; details are in the server log only.",
  SERVICE_UNAVAILABLE:
    "The database is unreachable or the server is shedding load; retry after `Retry-After` seconds.",
};

const retryAfter = {
  "Retry-After": {
    required: true,
    description: "Seconds to wait before retrying.",
    schema: { type: "integer" as const, example: 2 },
  },
};
const wwwAuthenticate = {
  "WWW-Authenticate": {
    required: true,
    description: "RFC 6750 challenge.",
    schema: { type: "string" as const, example: 'Bearer realm="api", error="invalid_token"' },
  },
};

type ProblemResponse = {
  description: string;
  headers?: typeof retryAfter | typeof wwwAuthenticate;
  content: {
    "application/problem+json": {
      schema: typeof ProblemSchema;
      examples: Record<string, { summary: string; value: ReturnType<typeof problemBody> }>;
    };
  };
};

/**
 * The OpenAPI `responses` entries for a set of problem codes, grouped by status (400 can mean
 * several codes): each with the Problem schema, one example per code, and its headers.
 */
export function problemResponses<const C extends ProblemCode[]>(
  ...codes: C
): { [S in (typeof problemCatalog)[C[number]]["status"]]: ProblemResponse } {
  const byStatus: Record<number, ProblemResponse> = {};
  for (const code of codes) {
    const { status } = problemCatalog[code];
    byStatus[status] ??= {
      description: "",
      content: { "application/problem+json": { schema: ProblemSchema, examples: {} } },
    };
    const entry = byStatus[status];
    entry.description = [entry.description, descriptions[code]].filter(Boolean).join(" Or: ");
    entry.content["application/problem+json"].examples[code] = {
      summary: code,
      value: problemBody(code),
    };
    if (status === 429 || status === 503) entry.headers = retryAfter;
    if (status === 401) entry.headers = wwwAuthenticate;
  }
  return byStatus as { [S in (typeof problemCatalog)[C[number]]["status"]]: ProblemResponse };
}
