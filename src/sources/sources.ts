import { hashSecret, newSecret } from "../access/secrets.js";
import type { SourceInfo } from "../ingest/pipeline.js";
import type { Warehouse } from "../warehouse/warehouse.js";

/**
 * Kinds of source and the channel their events take. Web, app and server sources are classified by
 * channel grouping (UTM parameters, referrer); offline and owned channels declare theirs.
 */
export const SOURCE_KINDS: Readonly<Record<string, string | null>> = {
  web: null,
  app: null,
  server: null,
  pos: "In-store",
  support: "Support",
  "call-center": "Call Center",
  chat: "Live Chat",
  email: "Email",
  sms: "SMS",
  survey: "Survey",
  loyalty: "Loyalty",
  sales: "Sales",
  events: "Events",
};

export class SourceError extends Error {}

export interface SourceRecord extends SourceInfo {
  id: string;
  keyHint: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

export async function createSource(
  wh: Warehouse,
  name: string,
  kind = "web",
): Promise<{ source: SourceRecord; writeKey: string }> {
  if (!NAME.test(name)) {
    throw new SourceError(
      `invalid source name ${JSON.stringify(name)}: use 1–64 letters, digits, spaces, '.', '_' or '-'`,
    );
  }
  if (!(kind in SOURCE_KINDS)) {
    throw new SourceError(
      `unknown source kind ${JSON.stringify(kind)}; expected one of ${Object.keys(SOURCE_KINDS).join(", ")}`,
    );
  }
  const existing = await wh.query("SELECT 1 FROM sources WHERE name = $1", [name]);
  if (existing.length > 0) throw new SourceError(`a source named ${JSON.stringify(name)} already exists`);
  const { secret, hash, hint, id } = newSecret("tp_wk");
  const channel = SOURCE_KINDS[kind] ?? null;
  await wh.run(
    "INSERT INTO sources (id, name, kind, channel, key_hash, key_hint, created_at) VALUES ($1, $2, $3, $4, $5, $6, now())",
    [id, name, kind, channel, hash, hint],
  );
  const [source] = await listSources(wh, id);
  return { source: source!, writeKey: secret };
}

export async function listSources(wh: Warehouse, id?: string): Promise<SourceRecord[]> {
  const rows = await wh.query<{
    id: string;
    name: string;
    kind: string;
    channel: string | null;
    key_hint: string;
    created_at: Date;
    revoked_at: Date | null;
  }>(
    `SELECT id, name, kind, channel, key_hint, created_at, revoked_at FROM sources
     WHERE $1::VARCHAR IS NULL OR id = $1 ORDER BY created_at`,
    [id ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    channel: r.channel,
    keyHint: r.key_hint,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/** The active source a write key belongs to, or null. */
export async function sourceForKey(wh: Warehouse, writeKey: string): Promise<SourceInfo | null> {
  const rows = await wh.query<{ name: string; kind: string; channel: string | null }>(
    "SELECT name, kind, channel FROM sources WHERE key_hash = $1 AND revoked_at IS NULL",
    [hashSecret(writeKey)],
  );
  return rows[0] ?? null;
}

/** A new write key for the source; the old one stops working at once. Returns the new key. */
export async function rotateSourceKey(wh: Warehouse, name: string): Promise<string> {
  const [row] = await wh.query<{ id: string }>("SELECT id FROM sources WHERE name = $1", [name]);
  if (!row) throw new SourceError(`no source named ${JSON.stringify(name)}`);
  const { secret, hash, hint } = newSecret("tp_wk");
  await wh.run("UPDATE sources SET key_hash = $1, key_hint = $2, revoked_at = NULL WHERE id = $3", [
    hash,
    hint,
    row.id,
  ]);
  return secret;
}

/** Revokes the source's write key: its clients get 401 from now on (rotate to issue a new one). */
export async function revokeSource(wh: Warehouse, name: string): Promise<void> {
  const [row] = await wh.query<{ id: string; revoked: boolean }>(
    "SELECT id, revoked_at IS NOT NULL AS revoked FROM sources WHERE name = $1",
    [name],
  );
  if (!row) throw new SourceError(`no source named ${JSON.stringify(name)}`);
  if (row.revoked) throw new SourceError(`the source ${JSON.stringify(name)} is already revoked`);
  await wh.run("UPDATE sources SET revoked_at = now() WHERE id = $1", [row.id]);
}
