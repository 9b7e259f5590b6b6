import type { Warehouse } from "../warehouse/warehouse.js";
import { hashSecret, newSecret } from "./secrets.js";
import { endSessionsOf } from "./sessions.js";

export const ROLES = ["read", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Creates an API token; the token itself is returned once and only its hash is stored. */
export async function createToken(
  wh: Warehouse,
  name: string,
  role: Role,
): Promise<{ id: string; token: string }> {
  if (!ROLES.includes(role)) throw new Error(`unknown role ${JSON.stringify(role)}; expected read or admin`);
  const { secret, hash, hint, id } = newSecret("tp_tk");
  await wh.run(
    "INSERT INTO api_tokens (id, name, role, token_hash, token_hint, created_at) VALUES ($1, $2, $3, $4, $5, now())",
    [id, name, role, hash, hint],
  );
  return { id, token: secret };
}

/** The active token's id and role, or null. */
export async function tokenFor(wh: Warehouse, token: string): Promise<{ id: string; role: Role } | null> {
  const rows = await wh.query<{ id: string; role: Role }>(
    "SELECT id, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    [hashSecret(token)],
  );
  return rows[0] ?? null;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Every token, newest first, with its hint (never the token). */
export async function listTokens(wh: Warehouse): Promise<TokenInfo[]> {
  return wh.query<TokenInfo & Record<string, unknown>>(
    `SELECT id, name, role, token_hint AS hint, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS "createdAt",
            strftime(revoked_at, '%Y-%m-%d %H:%M:%S') AS "revokedAt"
     FROM api_tokens ORDER BY created_at DESC, id`,
  );
}

/** Revokes a token and ends the dashboard sessions it opened; false when no active token has that id. */
export async function revokeToken(wh: Warehouse, id: string): Promise<boolean> {
  const changed = await wh.run(
    "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    [id],
  );
  if (changed === 0) return false;
  await endSessionsOf(wh, `token:${id}`);
  return true;
}
