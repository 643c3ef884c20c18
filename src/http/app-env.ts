import type { HttpBindings } from "@hono/node-server";
import type { Session } from "lucia";
import type { AppDeps } from "../deps.js";

/** Hono's Env for this app: node's request objects as bindings, and per-request variables. */
export type AppEnv = {
  // Absent under app.request() in tests, where there is no socket.
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    /** The app's dependencies, set by createApp for every request. */
    deps: AppDeps;
    /** Set by requireAuth on protected routes. */
    session: Session;
    /** Set by the login handler when the password check failed (counted per account). */
    credentialsRejected: boolean;
  };
};
