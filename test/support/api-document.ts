import { readFileSync } from "node:fs";

/** The parts of an OpenAPI 3.1 document the contract checks read. */
export type JsonSchema = Record<string, unknown>;

export interface MediaTypeObject {
  schema?: JsonSchema;
  examples?: Record<string, { value?: unknown }>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { schema?: JsonSchema; required?: boolean }>;
  content?: Record<string, MediaTypeObject>;
}

export interface ParameterObject {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
}

export interface OperationObject {
  security?: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
}

export interface ApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
}

export const httpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** One documented operation, with its path-level parameters merged in. */
export interface Operation extends OperationObject {
  method: string;
  path: string;
  /** "POST /auth/signup": how failures name it. */
  name: string;
}

export const documentUrl = new URL("../../openapi/openapi.json", import.meta.url);

/** The committed document (read synchronously so tests can be declared from it). */
export const loadDocument = (): ApiDocument =>
  JSON.parse(readFileSync(documentUrl, "utf8")) as ApiDocument;

export function listOperations(document: ApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    httpMethods
      .filter((method) => item[method] !== undefined)
      .map((method) => {
        const operation = item[method] as OperationObject;
        const shared = (item.parameters ?? []) as ParameterObject[];
        return {
          ...operation,
          parameters: [...shared, ...(operation.parameters ?? [])],
          method,
          path,
          name: `${method.toUpperCase()} ${path}`,
        };
      }),
  );
}

/** "POST /auth/signup 201": the unit the coverage check counts. */
export const pairKey = (operation: Pick<Operation, "name">, status: number | string) =>
  `${operation.name} ${status}`;

export const documentedPairs = (document: ApiDocument) =>
  listOperations(document).flatMap((operation) =>
    Object.keys(operation.responses).map((status) => ({
      operation,
      status,
      key: pairKey(operation, status),
    })),
  );

const templatePattern = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^/}]+\}/g, "[^/]+")}$`);

/** The documented operation a concrete request hits, if any. */
export function findOperation(operations: Operation[], method: string, pathname: string) {
  return operations.find(
    (operation) =>
      operation.method === method.toLowerCase() && templatePattern(operation.path).test(pathname),
  );
}

/** Resolves a local `#/components/...` reference. */
export function resolveRef(document: ApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const target = ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document);
  return resolveRef(document, target as JsonSchema);
}
