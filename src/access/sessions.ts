import { randomBytes } from "node:crypto";
import type { Queryable } from "../warehouse/warehouse.js";
import { hashSecret } from "./secrets.js";
import type { Role } from "./tokens.js";

/** Who a request acts as: `token:<id>` or `user:<name>`, with their role. */
export interface Principal {
  actor: string;
  role: Role;
}

export const SESSION_COOKIE = "touchpoint_session";

/**
 * Starts a dashboard session and returns its secret (the cookie's value). The secret is 256 random bits,
 * so, like tokens, only a SHA-256 hash of it is stored.
 */
export async function createSession(db: Queryable, who: Principal, ttlMs: number): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
  // Expired sessions are of no use to anyone: drop them while we are writing anyway.
  await db.run("DELETE FROM sessions WHERE expires_at < now()");
  await db.run(
    `INSERT INTO sessions (secret_hash, actor, role, created_at, expires_at)
     VALUES ($1, $2, $3, now(), now() + to_milliseconds($4::BIGINT))`,
    [hashSecret(secret), who.actor, who.role, Math.round(ttlMs)],
  );
  return secret;
}

/**
 * The session's principal, or null when it is unknown, expired or revoked — or when the token or user it
 * was opened with has since been revoked or removed, so that revoking one ends its sessions.
 */
export async function sessionFor(db: Queryable, secret: string): Promise<Principal | null> {
  const [row] = await db.query<{ actor: string; role: Role }>(
    `SELECT s.actor, s.role FROM sessions s
     WHERE s.secret_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
       AND (EXISTS (SELECT 1 FROM api_tokens t WHERE s.actor = 'token:' || t.id AND t.revoked_at IS NULL)
         OR EXISTS (SELECT 1 FROM users u WHERE s.actor = 'user:' || u.name))`,
    [hashSecret(secret)],
  );
  return row ?? null;
}

export async function endSession(db: Queryable, secret: string): Promise<void> {
  await db.run("UPDATE sessions SET revoked_at = now() WHERE secret_hash = $1 AND revoked_at IS NULL", [
    hashSecret(secret),
  ]);
}

/** Ends every open session of one token or user. */
export async function endSessionsOf(db: Queryable, actor: string): Promise<number> {
  return db.run("UPDATE sessions SET revoked_at = now() WHERE actor = $1 AND revoked_at IS NULL", [actor]);
}
