import { describe, expect, it } from "vitest";
import { createResponseRecorder } from "../support/response-recorder.js";

// The contract test is only as strict as its recorder: these prove it rejects what it should.
const json = (body: unknown, status: number, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
const problem = (status: number, code: string) =>
  json({ type: "about:blank", title: "t", status, code }, status, "application/problem+json");
/** fetch's Response refuses a body with 204, but a server could still send one. */
const noContentWithBody = () => Object.defineProperty(json({}, 200), "status", { value: 204 });

const rejected: Record<string, [string, () => Response, RegExp]> = {
  "an undocumented status": [
    "GET /health",
    () => problem(500, "INTERNAL_ERROR"),
    /500 is not documented/,
  ],
  "a body off its schema": ["GET /health", () => json({ status: "up" }, 200), /body \/status/],
  "another media type": ["GET /health", () => json({ status: "ok" }, 200, "text/plain"), /text\/p/],
  "another status's code": ["GET /auth/me", () => problem(401, "NOT_FOUND"), /code NOT_FOUND/],
  "a body where none is documented": ["POST /auth/logout", noContentWithBody, /without a body/],
  "an undocumented path": ["GET /nope", () => problem(404, "NOT_FOUND"), /not a documented/],
};

describe("the response recorder", () => {
  it("accepts a documented answer and remembers its pair", async () => {
    const recorder = createResponseRecorder();
    await recorder.record("GET", "http://127.0.0.1/health", json({ status: "ok" }, 200));
    expect(recorder.exercised()).toEqual(["GET /health 200"]);
  });

  it.each(Object.entries(rejected))("rejects %s", async (_label, [request, response, message]) => {
    const [method = "", path = ""] = request.split(" ");
    const recorder = createResponseRecorder();
    const recorded = recorder.record(method, `http://127.0.0.1${path}`, response());
    await expect(recorded).rejects.toThrow(message);
  });
});
