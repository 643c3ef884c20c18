import { PASSWORD, uniqueName } from "./client.js";
import type { Target } from "./contract-apps.js";
import type { Driver } from "./contract-drivers.js";
import { call, freshIp, randomToken, signupToken } from "./contract-requests.js";

const malformed = (target: Target, method: string, path: string, token?: string) =>
  target.fetch(path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: "{",
  });

/** Two failed password checks on one account where one is allowed: the second is limited. */
const secondWrongPassword = (
  method: string,
  path: string,
  body: Record<string, string>,
): Driver => ({
  how: "a wrong password twice for one account with the failure limit at 1",
  run: async ({ apps: { limited } }) => {
    const token = await signupToken(limited);
    const ip = freshIp();
    const first = await call(limited, method, path, { token, ip, body });
    if (first.status !== 400) throw new Error(`the first wrong password answered ${first.status}`);
    return call(limited, method, path, { token, ip, body });
  },
});

const sessionIds = async (target: Target, token: string) => {
  const response = await call(target, "GET", "/auth/sessions", { token });
  const body = (await response.json()) as { sessions: { id: string; current: boolean }[] };
  return body.sessions;
};

/**
 * Pairs a sample request cannot produce, or where one request would prove too little. Keyed
 * "METHOD /path status" as in the document; the contract test names a missing one.
 */
export const specificDrivers: Record<string, Driver> = {
  "POST /auth/signup 400": {
    how: "malformed JSON, a too-short username, a common password",
    run: ({ apps: { main } }) =>
      Promise.all([
        malformed(main, "POST", "/auth/signup"),
        call(main, "POST", "/auth/signup", { body: { username: "abc", password: PASSWORD } }),
        call(main, "POST", "/auth/signup", {
          body: { username: uniqueName(), password: "password" },
        }),
      ]),
  },
  "POST /auth/signup 409": {
    how: "the same username twice, in another letter case",
    run: async ({ apps: { main } }) => {
      const username = uniqueName("Taken");
      await signupToken(main, username);
      const body = { username: username.toLowerCase(), password: PASSWORD };
      return call(main, "POST", "/auth/signup", { body });
    },
  },
  "POST /auth/login 200": {
    how: "signup, then login with the username lower-cased",
    run: async ({ apps: { main } }) => {
      const username = uniqueName("Login");
      await signupToken(main, username);
      const body = { username: username.toLowerCase(), password: PASSWORD };
      return call(main, "POST", "/auth/login", { body });
    },
  },
  "POST /auth/login 400": {
    how: "malformed JSON, a wrong password, an unknown user, an empty username",
    run: async ({ apps: { main } }) => {
      const username = uniqueName("Login");
      await signupToken(main, username);
      const login = (body: unknown) => call(main, "POST", "/auth/login", { body });
      return Promise.all([
        malformed(main, "POST", "/auth/login"),
        login({ username, password: `${PASSWORD}!` }),
        login({ username: uniqueName("nobody"), password: PASSWORD }),
        login({ username: "", password: PASSWORD }),
      ]);
    },
  },
  "GET /auth/me 401": {
    how: "no token, an unknown token, a Basic header, a token after logout",
    run: async ({ apps: { main } }) => {
      const token = await signupToken(main);
      const loggedOut = await call(main, "POST", "/auth/logout", { token });
      if (loggedOut.status !== 204) throw new Error(`logout answered ${loggedOut.status}`);
      const me = (authorization?: string) =>
        main.fetch("/auth/me", authorization ? { headers: { Authorization: authorization } } : {});
      return Promise.all([
        me(),
        me(`Bearer ${randomToken()}`),
        me("Basic dXNlcjpwYXNz"),
        me(`Bearer ${token}`),
      ]);
    },
  },
  "POST /auth/password 400": {
    how: "malformed JSON, a wrong current password, a common new password",
    run: async ({ apps: { main } }) => {
      const token = await signupToken(main);
      const change = (body: unknown) => call(main, "POST", "/auth/password", { token, body });
      return Promise.all([
        malformed(main, "POST", "/auth/password", token),
        change({ currentPassword: `${PASSWORD}!`, newPassword: `${PASSWORD} renewed` }),
        change({ currentPassword: PASSWORD, newPassword: "password" }),
      ]);
    },
  },
  "POST /auth/password 429": secondWrongPassword("POST", "/auth/password", {
    currentPassword: `${PASSWORD}!`,
    newPassword: `${PASSWORD} renewed`,
  }),
  "DELETE /auth/me 400": {
    how: "malformed JSON and a wrong password",
    run: async ({ apps: { main } }) => {
      const token = await signupToken(main);
      return Promise.all([
        malformed(main, "DELETE", "/auth/me", token),
        call(main, "DELETE", "/auth/me", { token, body: { password: `${PASSWORD}!` } }),
      ]);
    },
  },
  "DELETE /auth/me 429": secondWrongPassword("DELETE", "/auth/me", { password: `${PASSWORD}!` }),
  "DELETE /auth/sessions/{id} 204": {
    how: "signup and login, then revoking the other session by its listed id",
    run: async ({ apps: { main } }) => {
      const username = uniqueName("Devices");
      const first = await signupToken(main, username);
      const login = await call(main, "POST", "/auth/login", {
        body: { username, password: PASSWORD },
      });
      if (login.status !== 200) throw new Error(`login answered ${login.status}`);
      const other = (await sessionIds(main, first)).find((session) => !session.current);
      if (!other) throw new Error("GET /auth/sessions did not list the second session");
      return call(main, "DELETE", `/auth/sessions/${other.id}`, { token: first });
    },
  },
  "DELETE /auth/sessions/{id} 404": {
    how: "an unknown id, and another user's session id",
    run: async ({ apps: { main } }) => {
      const mine = await signupToken(main);
      const theirs = await sessionIds(main, await signupToken(main));
      const revoke = (id: string) => call(main, "DELETE", `/auth/sessions/${id}`, { token: mine });
      return Promise.all([revoke(randomToken()), revoke(theirs[0]?.id ?? "missing")]);
    },
  },
};
