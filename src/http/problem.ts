import { z } from "@hono/zod-openapi";
import type { Context } from "hono";

/** Every problem `code` a client may switch on, with its status and title. */
export const problemCatalog = {
  BAD_REQUEST: { status: 400, title: "Bad request" },
  MALFORMED_JSON: { status: 400, title: "Malformed JSON" },
  VALIDATION_FAILED: { status: 400, title: "Validation failed" },
  INVALID_CREDENTIALS: { status: 400, title: "Invalid username or password" },
  UNAUTHENTICATED: { status: 401, title: "Authentication required" },
  NOT_FOUND: { status: 404, title: "Not found" },
  REQUEST_TIMEOUT: { status: 408, title: "Request timeout" },
  USERNAME_TAKEN: { status: 409, title: "Username already taken" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  HEADERS_TOO_LARGE: { status: 431, title: "Request header fields too large" },
  INTERNAL_ERROR: { status: 500, title: "Internal server error" },
  SERVICE_UNAVAILABLE: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof problemCatalog;
type CatalogEntry = (typeof problemCatalog)[ProblemCode];
export type ProblemStatus = CatalogEntry["status"];

export const ValidationIssueSchema = z
  .object({
    path: z.string().openapi({ example: "username" }),
    message: z.string().openapi({ example: "Use 4 to 31 characters: letters, digits, _ or -" }),
  })
  .openapi("ValidationIssue");

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "about:blank" }),
    title: z.string().openapi({ example: "Username already taken" }),
    status: z.number().int().openapi({ example: 409 }),
    code: z
      .enum(Object.keys(problemCatalog) as [ProblemCode, ...ProblemCode[]])
      .describe("Stable, machine-readable error code: switch on this, not on the title."),
    detail: z.string().optional().openapi({ example: "Try again in 60 seconds." }),
    errors: z
      .array(ValidationIssueSchema)
      .optional()
      .describe("Present with VALIDATION_FAILED: which field broke which rule."),
  })
  .openapi("Problem", {
    description: "RFC 9457 problem details, sent as application/problem+json.",
  });

export type Problem = z.infer<typeof ProblemSchema>;

export interface ProblemOptions {
  detail?: string;
  errors?: Problem["errors"];
  headers?: Record<string, string>;
}

/** Builds the body of a problem answer. */
export function problemBody(code: ProblemCode, options: ProblemOptions = {}): Problem {
  const { status, title } = problemCatalog[code];
  const body: Problem = { type: "about:blank", title, status, code };
  if (options.detail !== undefined) body.detail = options.detail;
  if (options.errors !== undefined) body.errors = options.errors;
  return body;
}

/** Answers with the contract's problem+json for `code`. */
export function problemResponse<C extends ProblemCode>(
  c: Context,
  code: C,
  options: ProblemOptions = {},
) {
  const body = problemBody(code, options);
  return c.json(body, problemCatalog[code].status as (typeof problemCatalog)[C]["status"], {
    ...options.headers,
    "Content-Type": "application/problem+json",
  });
}
