import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../auth/require-auth.js";
import { limitBody } from "../../http/body-limit.js";
import { jsonOnly } from "../../http/json-only.js";
import { problemResponses } from "../../http/openapi-responses.js";
import { rateLimit } from "../../http/rate-limits.js";
import {
  LoginBodySchema,
  MeResponseSchema,
  SessionResponseSchema,
  SignupBodySchema,
} from "./auth.schemas.js";

const tags = ["Auth"];
const bearer = [{ bearerAuth: [] }];
const jsonBody = <T>(schema: T, description: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const signup = createRoute({
  method: "post",
  path: "/auth/signup",
  tags,
  summary: "Create an account and sign in",
  description:
    "Creates the user and a first session. Usernames are unique regardless of letter case.",
  middleware: [limitBody, jsonOnly, rateLimit("signupPerIp")] as const,
  request: { body: jsonBody(SignupBodySchema, "The new account's username and password.") },
  responses: {
    201: {
      description: "Account created; the body carries the new session.",
      content: { "application/json": { schema: SessionResponseSchema } },
    },
    ...problemResponses(
      "MALFORMED_JSON",
      "VALIDATION_FAILED",
      "USERNAME_TAKEN",
      "PAYLOAD_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "REQUEST_TIMEOUT",
      "RATE_LIMITED",
      "INTERNAL_ERROR",
      "SERVICE_UNAVAILABLE",
    ),
  },
});

export const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags,
  summary: "Sign in",
  description:
    "Checks the username (any letter case) and password and starts a new session each time.",
  middleware: [
    limitBody,
    jsonOnly,
    rateLimit("loginPerIp"),
    rateLimit("loginFailuresPerAccount"),
  ] as const,
  request: { body: jsonBody(LoginBodySchema, "The username and password.") },
  responses: {
    200: {
      description: "Signed in; the body carries the new session.",
      content: { "application/json": { schema: SessionResponseSchema } },
    },
    ...problemResponses(
      "INVALID_CREDENTIALS",
      "MALFORMED_JSON",
      "VALIDATION_FAILED",
      "PAYLOAD_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "REQUEST_TIMEOUT",
      "RATE_LIMITED",
      "INTERNAL_ERROR",
      "SERVICE_UNAVAILABLE",
    ),
  },
});

export const me = createRoute({
  method: "get",
  path: "/auth/me",
  tags,
  summary: "The signed-in user and session",
  description:
    "Validates the bearer token. A session past its active period but inside its idle period is renewed, and the new expiry is returned.",
  security: bearer,
  middleware: [requireAuth] as const,
  responses: {
    200: {
      description: "The user and the session's expiry.",
      content: { "application/json": { schema: MeResponseSchema } },
    },
    ...problemResponses("UNAUTHENTICATED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"),
  },
});

export const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  tags,
  summary: "Sign out",
  description: "Ends the presented session; every instance rejects the token from then on.",
  security: bearer,
  middleware: [requireAuth] as const,
  responses: {
    204: { description: "Signed out." },
    ...problemResponses("UNAUTHENTICATED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"),
  },
});
