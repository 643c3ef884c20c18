import { mysql2 } from "@lucia-auth/adapter-mysql";
import type { Adapter, InitializeAdapter, SessionSchema, UserSchema } from "lucia";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { hashSessionToken } from "./session-token.js";

export const tables = { user: "auth_user", key: "user_key", session: "user_session" } as const;

const sessionAndUserSql = `SELECT u.*, s.active_expires AS __active_expires, s.idle_expires AS __idle_expires
  FROM user_session s INNER JOIN auth_user u ON u.id = s.user_id WHERE s.id = ?`;

/**
 * Lucia's MySQL adapter with two changes underneath Lucia:
 * - the session table stores SHA-256 of each session id, never the id: every session read,
 *   write, update and delete hashes the id it is given, and reads hand Lucia its own id back;
 * - `getSessionAndUser` is one prepared `session JOIN user` instead of two statements.
 * `getSessionsByUserId` returns the stored hashes, which the API uses as revocation handles.
 */
export function hashedSessionAdapter(pool: Pool): InitializeAdapter<Adapter> {
  const initializeBase = mysql2(pool, tables);
  return (LuciaError) => {
    const base = initializeBase(LuciaError);
    return {
      ...base,
      getSession: async (sessionId) => {
        const stored = await base.getSession(hashSessionToken(sessionId));
        return stored && { ...stored, id: sessionId };
      },
      setSession: (session) => {
        const stored = { ...session, id: hashSessionToken(session.id), created_at: Date.now() };
        return base.setSession(stored);
      },
      updateSession: (sessionId, partialSession) =>
        base.updateSession(hashSessionToken(sessionId), partialSession),
      deleteSession: (sessionId) => base.deleteSession(hashSessionToken(sessionId)),
      getSessionAndUser: async (sessionId) => {
        const [rows] = await pool.execute<RowDataPacket[]>(sessionAndUserSql, [
          hashSessionToken(sessionId),
        ]);
        const row = rows[0];
        if (!row) return [null, null];
        const { __active_expires, __idle_expires, ...user } = row;
        const session: SessionSchema = {
          id: sessionId,
          user_id: user.id,
          active_expires: Number(__active_expires),
          idle_expires: Number(__idle_expires),
        };
        return [session, user as UserSchema];
      },
    };
  };
}
