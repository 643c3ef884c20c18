import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { bufferedStdout, createLogger } from "../src/logger.js";

describe("buffered log output", () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "auth-log-"));
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("holds short lines back, then writes them within about a second, without an fsync", async () => {
    const file = join(dir, "out.log");
    const fd = fs.openSync(file, "a");
    const fsync = vi.spyOn(fs, "fsyncSync");
    const logger = createLogger("info", bufferedStdout(fd));

    logger.info({ requestId: "r-1" }, "a short line");
    expect(fs.readFileSync(file, "utf8")).toBe("");

    await vi.waitFor(() => expect(fs.readFileSync(file, "utf8")).toContain('"requestId":"r-1"'), {
      timeout: 3000,
      interval: 100,
    });
    expect(fsync).not.toHaveBeenCalled();
    fs.closeSync(fd);
  });
});
