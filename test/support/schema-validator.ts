import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { ApiDocument, JsonSchema } from "./api-document.js";

const componentsId = "urn:openapi:components";

/** Points `#/components/schemas/X` at the registered components schema, `$defs/X`. */
const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string"
        ? value.replace("#/components/schemas/", `${componentsId}#/$defs/`)
        : rewriteRefs(value),
    ]),
  );
};

/**
 * Validates values against the document's schemas as JSON Schema 2020-12 (what OpenAPI 3.1
 * uses), strict, so a schema keyword Ajv does not know fails loudly instead of being ignored.
 */
export function createSchemaValidator(document: ApiDocument) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  // A CommonJS module: its function is the default export's `default`.
  formats.default(ajv);
  // OpenAPI's own annotations on top of JSON Schema.
  ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs"]);
  ajv.addSchema({ $id: componentsId, $defs: rewriteRefs(document.components.schemas) as object });
  const compiled = new WeakMap<JsonSchema, ValidateFunction>();

  /** The ways `value` breaks `schema` (none: it conforms). */
  return (schema: JsonSchema, value: unknown): string[] => {
    const validate = compiled.get(schema) ?? ajv.compile(rewriteRefs(schema) as JsonSchema);
    compiled.set(schema, validate);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || "(root)"} ${error.message ?? error.keyword}`,
    );
  };
}

export type SchemaValidator = ReturnType<typeof createSchemaValidator>;
