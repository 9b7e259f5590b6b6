import type { Warehouse } from "../warehouse/warehouse.js";
import { endSessionsOf } from "./sessions.js";
import { createToken, type Role } from "./tokens.js";

/**
 * A fresh token under `name`, revoking the earlier ones of that name and ending their sessions: what a
 * demo prints on each start, without piling up live admin tokens. Returns the new token and the revoked ids.
 */
export async function replaceNamedToken(
  wh: Warehouse,
  name: string,
  role: Role,
): Promise<{ id: string; token: string; revoked: string[] }> {
  const old = await wh.query<{ id: string }>(
    "SELECT id FROM api_tokens WHERE name = $1 AND revoked_at IS NULL",
    [name],
  );
  for (const { id } of old) {
    await wh.run("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [id]);
    await endSessionsOf(wh, `token:${id}`);
  }
  const created = await createToken(wh, name, role);
  return { ...created, revoked: old.map((o) => o.id) };
}

/** Whether anyone can sign in yet: an active token or a user. */
export async function hasCredentials(wh: Warehouse): Promise<boolean> {
  const [row] = await wh.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL)
          + (SELECT count(*) FROM users) AS n`,
  );
  return (row?.n ?? 0) > 0;
}
