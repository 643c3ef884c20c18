import { describe, expect, it } from "vitest";
import { parseEnv } from "../src/env.js";

describe("configuration", () => {
  it.each([
    "DB_CONNECT_TIMEOUT_MS",
    "REQUEST_TIMEOUT_MS",
    "SHUTDOWN_TIMEOUT_MS",
    "SESSION_PURGE_INTERVAL_MS",
  ])(
    "refuses a %s longer than a Node timer can wait, and takes the longest one that can",
    (name) => {
      // 30 days: Node would fire such a timer after 1 ms (a purge every millisecond, every request
      // timing out at once).
      const tooLong = parseEnv({ [name]: String(30 * 24 * 3_600_000) });
      expect(tooLong.ok).toBe(false);
      expect(tooLong.ok ? [] : tooLong.errors).toEqual([
        expect.stringMatching(new RegExp(`^${name}: at most 2147483647 ms`)),
      ]);

      const longest = parseEnv({ [name]: "2147483647" });
      expect(longest.ok && longest.config[name as keyof typeof longest.config]).toBe(2_147_483_647);
    },
  );

  it.each(["SESSION_ACTIVE_PERIOD_MS", "SESSION_IDLE_PERIOD_MS"])(
    "refuses a %s past 10 years (an absurd one made every signup fail with an invalid date)",
    (name) => {
      const absurd = parseEnv({ [name]: "9000000000000000" });
      expect(absurd.ok).toBe(false);
      expect(absurd.ok ? [] : absurd.errors).toEqual([
        expect.stringMatching(new RegExp(`^${name}: at most 315360000000 ms`)),
      ]);
      const tenYears = parseEnv({ [name]: "315360000000" });
      expect(tenYears.ok && tenYears.config[name as keyof typeof tenYears.config]).toBe(
        315_360_000_000,
      );
    },
  );
});
