import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../auth/require-auth.js";
import { limitBody } from "../../http/body-limit.js";
import { jsonOrEmpty } from "../../http/json-only.js";
import { problemResponses } from "../../http/openapi-responses.js";
import { LogoutAllBodySchema, SessionListSchema, SessionParamsSchema } from "./sessions.schemas.js";

const tags = ["Sessions"];
const security = [{ bearerAuth: [] }];

export const listSessions = createRoute({
  method: "get",
  path: "/auth/sessions",
  tags,
  summary: "List my sessions",
  description: "The signed-in user's live sessions (every device), newest first.",
  security,
  middleware: [requireAuth] as const,
  responses: {
    200: {
      description: "The sessions.",
      content: { "application/json": { schema: SessionListSchema } },
    },
    ...problemResponses("UNAUTHENTICATED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"),
  },
});

export const revokeSession = createRoute({
  method: "delete",
  path: "/auth/sessions/{id}",
  tags,
  summary: "Sign out one session",
  description:
    "Ends one of the signed-in user's sessions by its handle (from `GET /auth/sessions`). A handle that is not one of this user's live sessions — another user's included — answers 404.",
  security,
  middleware: [requireAuth] as const,
  request: { params: SessionParamsSchema },
  responses: {
    204: { description: "The session has ended." },
    ...problemResponses("UNAUTHENTICATED", "NOT_FOUND", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"),
  },
});

export const logoutAll = createRoute({
  method: "post",
  path: "/auth/logout-all",
  tags,
  summary: "Sign out everywhere",
  description:
    'Ends every session of the signed-in user, this one included — or every other one with `{ "keepCurrent": true }`. The body is optional.',
  security,
  middleware: [requireAuth, limitBody, jsonOrEmpty] as const,
  request: {
    body: {
      required: false,
      description: "Optional; without it every session ends.",
      content: { "application/json": { schema: LogoutAllBodySchema } },
    },
  },
  responses: {
    204: { description: "The sessions have ended." },
    ...problemResponses(
      "MALFORMED_JSON",
      "VALIDATION_FAILED",
      "UNAUTHENTICATED",
      "PAYLOAD_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "REQUEST_TIMEOUT",
      "INTERNAL_ERROR",
      "SERVICE_UNAVAILABLE",
    ),
  },
});
