import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../src/http/app-env.js";
import { createInFlight } from "../src/http/in-flight.js";

describe("in-flight requests", () => {
  it("drained() waits for a handler still running, even after its client has gone", async () => {
    const inFlight = createInFlight();
    let finish = () => {};
    const app = new Hono<AppEnv>();
    app.use(inFlight.middleware);
    app.get("/slow", async (c) => {
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return c.text("done");
    });
    await inFlight.drained(); // nothing running: at once

    const client = new AbortController();
    const response = app.request("/slow", { signal: client.signal });
    await new Promise((resolve) => setImmediate(resolve));
    client.abort();
    let drained = false;
    const draining = inFlight.drained().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);

    finish();
    await draining;
    expect(drained).toBe(true);
    await response;
  });
});
