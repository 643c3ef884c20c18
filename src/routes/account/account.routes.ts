import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../auth/require-auth.js";
import { limitBody } from "../../http/body-limit.js";
import { jsonOnly } from "../../http/json-only.js";
import { problemResponses } from "../../http/openapi-responses.js";
import { rateLimit } from "../../http/rate-limits.js";
import { ChangePasswordBodySchema, DeleteAccountBodySchema } from "./account.schemas.js";

const tags = ["Account"];
const security = [{ bearerAuth: [] }];
// A wrong password here counts against the account like a failed login.
const accountLimit = rateLimit("loginFailuresPerAccount");
const errors = problemResponses(
  "INVALID_CREDENTIALS",
  "MALFORMED_JSON",
  "VALIDATION_FAILED",
  "UNAUTHENTICATED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "REQUEST_TIMEOUT",
  "RATE_LIMITED",
  "INTERNAL_ERROR",
  "SERVICE_UNAVAILABLE",
);

export const changePassword = createRoute({
  method: "post",
  path: "/auth/password",
  tags,
  summary: "Change my password",
  description:
    "Checks the current password, sets the new one (signup rules apply), and ends every other session of the user. This session stays valid. A wrong current password answers INVALID_CREDENTIALS and counts toward the account's failed-login limit.",
  security,
  middleware: [requireAuth, limitBody, jsonOnly, accountLimit] as const,
  request: {
    body: {
      required: true,
      description: "The current and the new password.",
      content: { "application/json": { schema: ChangePasswordBodySchema } },
    },
  },
  responses: { 204: { description: "Password changed." }, ...errors },
});

export const deleteAccount = createRoute({
  method: "delete",
  path: "/auth/me",
  tags,
  summary: "Delete my account",
  description:
    "Checks the password, then deletes the user with every key and session in one transaction. The username becomes free again.",
  security,
  middleware: [requireAuth, limitBody, jsonOnly, accountLimit] as const,
  request: {
    body: {
      required: true,
      description: "The account's password, to confirm.",
      content: { "application/json": { schema: DeleteAccountBodySchema } },
    },
  },
  responses: { 204: { description: "Account deleted." }, ...errors },
});
