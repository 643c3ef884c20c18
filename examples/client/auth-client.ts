import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/api.js";
import { memoryTokenStore, type TokenStore } from "./token-store.js";

export type Problem = components["schemas"]["Problem"];
export type User = components["schemas"]["User"];
type SessionResponse = components["schemas"]["SessionResponse"];

/** A problem+json answer; switch on `problem.code`, not on the message. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.title}`);
    this.name = "ApiProblem";
  }
}

/**
 * Adds the bearer token to every request, and forgets it on any 401: the server has ended the
 * session (logout elsewhere, expiry, password change), so the app must sign in again.
 */
export function bearerTokenMiddleware(tokens: TokenStore): Middleware {
  return {
    async onRequest({ request }) {
      const token = await tokens.get();
      if (token && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401) await tokens.clear();
    },
  };
}

export interface AuthClientOptions {
  baseUrl: string;
  tokens?: TokenStore;
  fetch?: (request: Request) => Promise<Response>;
}

/** The auth API as a native app uses it: typed from the OpenAPI document, token in `tokens`. */
export function createAuthClient({
  baseUrl,
  tokens = memoryTokenStore(),
  fetch,
}: AuthClientOptions) {
  const api = createClient<paths>({ baseUrl, ...(fetch ? { fetch } : {}) });
  api.use(bearerTokenMiddleware(tokens));

  /** Keeps the token of a new session and answers its user. */
  const keepSession = async ({ data, error }: { data?: SessionResponse; error?: Problem }) => {
    if (!data) throw new ApiProblem(error as Problem);
    await tokens.set(data.sessionId);
    return data.user;
  };

  return {
    /** The typed openapi-fetch client, for every other operation (same token handling). */
    api,
    tokens,
    signup: async (username: string, password: string) =>
      keepSession(await api.POST("/auth/signup", { body: { username, password } })),
    login: async (username: string, password: string) =>
      keepSession(await api.POST("/auth/login", { body: { username, password } })),
    async me(): Promise<User> {
      const { data, error } = await api.GET("/auth/me");
      if (error) throw new ApiProblem(error);
      return data.user;
    },
    async logout(): Promise<void> {
      try {
        const { error } = await api.POST("/auth/logout");
        // 401: the session had already ended, which is what logging out asks for.
        if (error && error.status !== 401) throw new ApiProblem(error);
      } finally {
        // Signing out on this device must work even when the server cannot be reached.
        await tokens.clear();
      }
    },
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;
