import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { App } from "../../src/app.js";

export const PASSWORD = "correct horse battery staple";

/** A fresh, valid username (4–31 characters). */
export const uniqueName = (prefix = "user") =>
  `${prefix}_${randomBytes(5).toString("hex")}`.slice(0, 31);

export function postJson(
  app: App,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function getWithToken(app: App, path: string, token: string) {
  return app.request(path, { headers: bearer(token) });
}

/** Signs a user up and returns the session token (fails the test if signup fails). */
export async function signup(
  app: App,
  username = uniqueName(),
  password = PASSWORD,
  headers: Record<string, string> = {},
) {
  const response = await postJson(app, "/auth/signup", { username, password }, headers);
  expect(response.status, await response.clone().text()).toBe(201);
  const body = (await response.json()) as { sessionId: string; user: { userId: string } };
  return { token: body.sessionId, userId: body.user.userId, username, password };
}

/** Signs in and returns the session token (fails the test if login fails). */
export async function login(app: App, username: string, password = PASSWORD) {
  const response = await postJson(app, "/auth/login", { username, password });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

/** Asserts a problem+json answer and returns its body. */
export async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: "about:blank", status, code });
  expect(typeof body.title).toBe("string");
  return body;
}
