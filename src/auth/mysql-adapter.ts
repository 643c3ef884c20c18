import { mysql2 } from "@lucia-auth/adapter-mysql";
import type { Adapter, InitializeAdapter, SessionSchema, UserSchema } from "lucia";
import mysql, { type ExecuteValues, type Pool, type RowDataPacket } from "mysql2/promise";
import { retryRead } from "../db/retry.js";
import { inTransaction } from "../db/transaction.js";
import { hashSessionToken } from "./session-token.js";

export const tables = { user: "auth_user", key: "user_key", session: "user_session" } as const;

const sessionAndUserSql = `SELECT u.*, s.active_expires AS __active_expires, s.idle_expires AS __idle_expires
  FROM user_session s INNER JOIN auth_user u ON u.id = s.user_id WHERE s.id = ?`;

/** `INSERT INTO table (a, b) VALUES (?, ?)` for a row object, with its values. */
function insert(table: string, row: object): [string, ExecuteValues[]] {
  const columns = Object.keys(row);
  const sql = `INSERT INTO ${mysql.escapeId(table)} (${columns.map((c) => mysql.escapeId(c)).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
  return [sql, Object.values(row) as ExecuteValues[]];
}

/**
 * Lucia's MySQL adapter with three changes underneath Lucia:
 * - the session table stores SHA-256 of each session id, never the id: every session read,
 *   write, update and delete hashes the id it is given, and reads hand Lucia its own id back;
 * - `getSessionAndUser` is one prepared `session JOIN user` instead of two statements;
 * - `setUser` with a key runs in a transaction that always returns its connection to the pool;
 * - `getKey` returns a key only when its id is exactly the one asked for: MariaDB's PAD SPACE
 *   collations find "username:alice" for "username:alice  ", which would let a username with
 *   trailing spaces sign in as someone else's name.
 * `getSessionsByUserId` returns the stored hashes, which the API uses as revocation handles.
 */
export function hashedSessionAdapter(pool: Pool): InitializeAdapter<Adapter> {
  const initializeBase = mysql2(pool, tables);
  return (LuciaError) => {
    const base = initializeBase(LuciaError);
    return {
      ...base,
      setUser: (user, key) => {
        if (!key) return base.setUser(user, null);
        return inTransaction(pool, async (connection) => {
          await connection.execute(...insert(tables.user, user));
          await connection.execute(...insert(tables.key, key));
        });
      },
      getKey: async (keyId) => {
        const key = await base.getKey(keyId);
        return key?.id === keyId ? key : null;
      },
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
        // A read is safe to repeat: one that dies with its connection (a failed node) runs again.
        const [rows] = await retryRead(() =>
          pool.execute<RowDataPacket[]>(sessionAndUserSql, [hashSessionToken(sessionId)]),
        );
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
