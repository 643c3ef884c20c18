import { z } from "@hono/zod-openapi";

const timestamp = (description: string) =>
  z.string().openapi({ format: "date-time", description, example: "2026-11-27T18:00:00.000Z" });

export const SessionHandleSchema = z.string().openapi({
  description:
    "An opaque handle for a session (SHA-256 of its token). It identifies the session for revocation and is not a usable bearer token.",
  example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
});

export const SessionInfoSchema = z
  .object({
    id: SessionHandleSchema,
    current: z.boolean().openapi({ description: "True for the session making this request." }),
    createdAt: timestamp("When the session started.").nullable().openapi({
      description: "When the session started; null for sessions older than this field.",
    }),
    activePeriodExpiresAt: timestamp("End of the active period (renewed on use after it)."),
    idlePeriodExpiresAt: timestamp("After this the session is gone for good."),
  })
  .openapi("SessionInfo");

export const SessionListSchema = z
  .object({ sessions: z.array(SessionInfoSchema).describe("Live sessions, newest first.") })
  .openapi("SessionList");

export const SessionParamsSchema = z.object({
  id: SessionHandleSchema.openapi({ param: { name: "id", in: "path" } }),
});

export const LogoutAllBodySchema = z
  .object({
    keepCurrent: z
      .boolean()
      .default(false)
      .openapi({ description: "Keep the session making this request.", example: true }),
  })
  .openapi("LogoutAllRequest");
