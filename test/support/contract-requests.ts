import { randomBytes } from "node:crypto";
import { type ApiDocument, type JsonSchema, type Operation, resolveRef } from "./api-document.js";
import { PASSWORD, uniqueName } from "./client.js";
import type { Target } from "./contract-apps.js";

/** Values for body fields by name, where the schema's example would not do (it must be fresh or right). */
const fieldFixtures: Record<string, () => unknown> = {
  username: () => uniqueName("contract"),
  password: () => PASSWORD,
  currentPassword: () => PASSWORD,
  newPassword: () => `${PASSWORD} renewed`,
};

/** A value `schema` accepts: a fixture, the documented example, or the simplest of its type. */
export function sampleValue(document: ApiDocument, raw: JsonSchema, field?: string): unknown {
  const fixture = field === undefined ? undefined : fieldFixtures[field];
  if (fixture) return fixture();
  const schema = resolveRef(document, raw);
  if (schema.properties) {
    const properties = Object.entries(schema.properties as Record<string, JsonSchema>);
    return Object.fromEntries(properties.map(([k, v]) => [k, sampleValue(document, v, k)]));
  }
  if ("example" in schema) return schema.example;
  if (Array.isArray(schema.examples)) return schema.examples[0];
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const simplest: Record<string, unknown> = { string: "x", integer: 1, number: 1, boolean: true };
  return schema.type === "array" ? [] : (simplest[String(schema.type)] ?? null);
}

export const randomToken = () => randomBytes(20).toString("hex");

export const needsBearer = (operation: Operation) =>
  (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0);

export const jsonBodySchema = (operation: Operation) =>
  operation.requestBody?.content["application/json"]?.schema;

export interface RequestOptions {
  token?: string;
  /** Sent as X-Forwarded-For (only the `limited` app trusts it). */
  ip?: string;
  params?: Record<string, string>;
  /** Replaces the sample body verbatim, with this Content-Type. */
  rawBody?: { contentType: string; text: string };
}

/** A request for `operation` built from the document: sample body, path parameters, bearer. */
export function sampleRequest(
  document: ApiDocument,
  operation: Operation,
  options: RequestOptions = {},
): { path: string; init: RequestInit } {
  const path = operation.path.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => options.params?.[name] ?? randomToken(),
  );
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ip) headers["X-Forwarded-For"] = options.ip;
  const init: RequestInit = { method: operation.method.toUpperCase(), headers };
  const schema = jsonBodySchema(operation);
  if (options.rawBody) {
    headers["Content-Type"] = options.rawBody.contentType;
    init.body = options.rawBody.text;
  } else if (schema) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(sampleValue(document, schema));
  }
  return { path, init };
}

let ipCounter = 0;
/**
 * A client address no other scenario uses (IPv6 documentation prefix), so rate-limit buckets
 * never collide: each in a /64 of its own, since the limits count IPv6 clients per /64.
 */
export const freshIp = () => {
  ipCounter += 1;
  return `2001:db8:${ipCounter.toString(16)}::1`;
};

export interface CallOptions {
  token?: string;
  ip?: string;
  /** Sent as JSON. */
  body?: unknown;
}

/** One JSON request to `target`, the way a client would write it by hand. */
export function call(target: Target, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ip) headers["X-Forwarded-For"] = options.ip;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const body = options.body === undefined ? null : JSON.stringify(options.body);
  return target.fetch(path, { method, headers, body });
}

/** A new account's session token on `target` (its signup is recorded like any other answer). */
export async function signupToken(
  target: Target,
  username = uniqueName("contract"),
  ip = freshIp(),
) {
  const response = await call(target, "POST", "/auth/signup", {
    body: { username, password: PASSWORD },
    ip,
  });
  if (response.status !== 201) throw new Error(`signup failed: ${await response.text()}`);
  return ((await response.json()) as { sessionId: string }).sessionId;
}
