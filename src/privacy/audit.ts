import { userInfo } from "node:os";
import type { Queryable } from "../warehouse/warehouse.js";

/**
 * The audit log of admin actions (key and token changes, exports, erasures): who, what, on what. The
 * actor is `cli:<os user>` or `token:<token id>`; details never hold a secret.
 */
export async function audit(
  db: Queryable,
  entry: { actor: string; action: string; subject?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.run("INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4)", [
    entry.actor,
    entry.action,
    entry.subject ?? null,
    entry.detail ? JSON.stringify(entry.detail) : null,
  ]);
}

/** The actor of a CLI command: the operating-system user who ran it. */
export function cliActor(): string {
  let user = process.env.USER ?? process.env.LOGNAME;
  try {
    user ??= userInfo().username;
  } catch {
    user ??= "unknown";
  }
  return `cli:${user}`;
}
