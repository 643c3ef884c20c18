import { createRoute, z } from "@hono/zod-openapi";
import { problemResponses } from "../../http/openapi-responses.js";

const tags = ["System"];

export const health = createRoute({
  method: "get",
  path: "/health",
  tags,
  summary: "Liveness",
  description: "Answers 200 while the process runs; touches nothing else.",
  responses: {
    200: {
      description: "The process is alive.",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok") }).openapi("Health"),
        },
      },
    },
  },
});

export const ready = createRoute({
  method: "get",
  path: "/ready",
  tags,
  summary: "Readiness",
  description:
    "200 when the database answers (on Galera: when the node is ready for statements), 503 otherwise.",
  responses: {
    200: {
      description: "Ready to serve.",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ready") }).openapi("Ready"),
        },
      },
    },
    ...problemResponses("SERVICE_UNAVAILABLE"),
  },
});
