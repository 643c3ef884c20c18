import {
  type ApiDocument,
  findOperation,
  listOperations,
  loadDocument,
  type Operation,
  pairKey,
  type ResponseObject,
} from "./api-document.js";
import { createSchemaValidator, type SchemaValidator } from "./schema-validator.js";

const isJson = (mediaType: string) => /^application\/(.+\+)?json$/.test(mediaType);

/** The documented problem codes for a response, read from its per-code examples. */
const documentedCodes = (examples: Record<string, { value?: unknown }> = {}) =>
  Object.values(examples)
    .map((example) => (example.value as { code?: unknown } | undefined)?.code)
    .filter((code): code is string => typeof code === "string");

/** Everything about `response` that the document does not allow (empty: it conforms). */
export async function contractViolations(
  validate: SchemaValidator,
  operation: Operation,
  response: Response,
): Promise<string[]> {
  const documented: ResponseObject | undefined = operation.responses[String(response.status)];
  if (!documented) {
    const statuses = Object.keys(operation.responses).join(", ");
    return [`status ${response.status} is not documented (documented: ${statuses})`];
  }
  const violations = headerViolations(validate, documented, response.headers);
  const text = await response.clone().text();
  const content = documented.content ?? {};
  const contentType = response.headers.get("content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  const media = content[mediaType];
  if (Object.keys(content).length === 0) {
    if (text !== "") violations.push(`documented without a body, but sent ${text.slice(0, 200)}`);
    return violations;
  }
  if (!media) {
    const expected = Object.keys(content).join(" or ");
    return [...violations, `Content-Type ${contentType ?? "(none)"} is not ${expected}`];
  }
  if (!isJson(mediaType)) return violations;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...violations, `the ${mediaType} body does not parse: ${text.slice(0, 200)}`];
  }
  if (media.schema) violations.push(...validate(media.schema, body).map((e) => `body ${e}`));
  const codes = documentedCodes(media.examples);
  const code = (body as { code?: unknown } | null)?.code;
  if (codes.length > 0 && !codes.includes(code as string)) {
    violations.push(`problem code ${String(code)} is not among the documented ${codes.join(", ")}`);
  }
  return violations;
}

function headerViolations(validate: SchemaValidator, documented: ResponseObject, headers: Headers) {
  return Object.entries(documented.headers ?? {}).flatMap(([name, header]) => {
    const value = headers.get(name);
    if (value === null) return header.required ? [`header ${name} is missing`] : [];
    if (!header.schema) return [];
    // Header values are text; a numeric schema describes the number they spell.
    const numeric = header.schema.type === "integer" || header.schema.type === "number";
    const parsed = numeric && value.trim() !== "" ? Number(value) : value;
    return validate(header.schema, parsed).map((error) => `header ${name}: ${value} ${error}`);
  });
}

/**
 * Checks every response a test receives against the committed document and remembers which
 * documented (method, path, status) pairs were produced. A test file opts in by sending its
 * requests through `fetch()` (or by passing responses to `record()`).
 */
export function createResponseRecorder(document: ApiDocument = loadDocument()) {
  const operations = listOperations(document);
  const validate = createSchemaValidator(document);
  const exercised = new Set<string>();

  async function record(method: string, url: string, response: Response): Promise<Response> {
    const { pathname } = new URL(url);
    const operation = findOperation(operations, method, pathname);
    if (!operation) {
      exercised.add(`${method.toUpperCase()} ${pathname} ${response.status}`);
      throw new Error(`${method} ${pathname} (${response.status}) is not a documented operation`);
    }
    const key = pairKey(operation, response.status);
    exercised.add(key);
    const violations = await contractViolations(validate, operation, response);
    if (violations.length > 0) {
      throw new Error(`${key} does not match the document:\n  - ${violations.join("\n  - ")}`);
    }
    return response;
  }

  return {
    /** "POST /auth/signup 201" for each pair seen so far. */
    exercised: () => [...exercised].sort(),
    record,
    /** A fetch on `baseUrl` whose every response is recorded (and checked) before it returns. */
    fetch(baseUrl: string) {
      return async (path: string, init: RequestInit = {}) => {
        const url = `${baseUrl}${path}`;
        return record(init.method ?? "GET", url, await fetch(url, init));
      };
    },
  };
}

export type ResponseRecorder = ReturnType<typeof createResponseRecorder>;
