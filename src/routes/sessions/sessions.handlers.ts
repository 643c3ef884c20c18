import { hashSessionToken } from "../../auth/session-token.js";
import { deleteOtherSessions, deleteUserSession, listLiveSessions } from "../../db/sessions.js";
import { problemResponse } from "../../http/problem.js";
import type { AppRouteHandler } from "../../http/route-handler.js";
import type { listSessions, logoutAll, revokeSession } from "./sessions.routes.js";

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export const listSessionsHandler: AppRouteHandler<typeof listSessions> = async (c) => {
  const session = c.get("session");
  const current = hashSessionToken(session.sessionId);
  const stored = await listLiveSessions(c.get("deps").pool, session.user.userId);
  return c.json(
    {
      sessions: stored.map((s) => ({
        id: s.id,
        current: s.id === current,
        createdAt: s.createdAt === null ? null : iso(s.createdAt),
        // This request may just have renewed its own session: report what it now holds.
        activePeriodExpiresAt:
          s.id === current ? session.activePeriodExpiresAt.toISOString() : iso(s.activeExpires),
        idlePeriodExpiresAt:
          s.id === current ? session.idlePeriodExpiresAt.toISOString() : iso(s.idleExpires),
      })),
    },
    200,
  );
};

export const revokeSessionHandler: AppRouteHandler<typeof revokeSession> = async (c) => {
  const { id } = c.req.valid("param");
  const deleted = await deleteUserSession(c.get("deps").pool, c.get("session").user.userId, id);
  if (!deleted) return problemResponse(c, "NOT_FOUND", { detail: "No such session." });
  return c.body(null, 204);
};

export const logoutAllHandler: AppRouteHandler<typeof logoutAll> = async (c) => {
  // The body is optional: without one, nothing is kept.
  const keepCurrent = c.req.header("Content-Type") ? c.req.valid("json").keepCurrent : false;
  const deps = c.get("deps");
  const session = c.get("session");
  if (keepCurrent) {
    await deleteOtherSessions(deps.pool, session.user.userId, hashSessionToken(session.sessionId));
  } else {
    await deps.auth.invalidateAllUserSessions(session.user.userId);
  }
  return c.body(null, 204);
};
