import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { documentedPairs, loadDocument } from "../support/api-document.js";
import { useContractApps } from "../support/contract-apps.js";
import { driverFor } from "../support/contract-drivers.js";
import { createResponseRecorder } from "../support/response-recorder.js";
import { createSchemaValidator } from "../support/schema-validator.js";

// The committed document is the contract clients are generated from, so it is what is checked.
const document = loadDocument();
const pairs = documentedPairs(document);
const recorder = createResponseRecorder(document);
const apps = useContractApps(recorder);

const driversFile = "test/support/contract-scenarios.ts";

describe("openapi/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    // validate() dereferences its argument in place.
    const result = await validate(
      structuredClone(document) as unknown as Parameters<typeof validate>[0],
    );
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("has schemas that compile as strict JSON Schema 2020-12", () => {
    const check = createSchemaValidator(document);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(() => check(schema, null), name).not.toThrow();
    }
  });
});

describe("every documented response happens and matches the document", () => {
  for (const { operation, status, key } of pairs) {
    it(key, async () => {
      const driver = driverFor(operation, status);
      if (!driver) {
        throw new Error(
          `${key} is documented, but the contract test does not know how to produce it: add a driver for "${key}" to ${driversFile}`,
        );
      }
      let responses: Response[];
      try {
        responses = [await driver.run({ document, apps, operation })].flat();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(
          `${key}, via ${driver.how}: ${message}\n(if the operation needs a specific request, add a driver for "${key}" to ${driversFile})`,
        );
      }
      for (const response of responses) {
        const body = await response.text();
        expect(response.status, `${key}, via ${driver.how}, got: ${body}`).toBe(Number(status));
      }
    });
  }

  // Runs last (tests in a file run in order): a missing pair means a documented status that no
  // request produced; an extra one, a status the app sends that the document does not describe.
  it("produced exactly the documented (method, path, status) pairs", () => {
    expect(recorder.exercised()).toEqual(pairs.map((pair) => pair.key).sort());
  });
});
