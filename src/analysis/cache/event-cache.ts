import { createHash } from "node:crypto";
import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Queryable, Warehouse } from "../../warehouse/warehouse.js";

/**
 * The classification cache: every non-bot event reduced to the small values the sequence analyses read
 * (identity pair, time, touchpoint code, channel code, goal flag and value), classified once per catalog
 * instead of on every query.
 *
 * - `cache_events`: one row per non-bot event. `ident` points into `cache_idents`, the distinct
 *   (user_id, anonymous_id) pairs: identity is still resolved at query time by joining that small table
 *   with `customer_map` (see `identitySql`), so a late merge re-attributes history as with
 *   `customer_events`.
 * - `cache_answers`: the survey answers (rated touchpoint, metric, score) of `Survey Responded` events.
 * - `cache_channels`: channel name ↔ code.
 * - `cache_state`: the catalog fingerprint the rows were classified with, and the number of events and the
 *   highest `rowid` of `events` they cover.
 *
 * The tables are derived and can always be rebuilt, so they are created here, lazily, not by a migration.
 * Events are only ever appended (loads) or deleted by an erasure, which clears the state (see
 * `forgetCustomerInCache`): events with a `rowid` above the recorded one are new, and are classified and
 * appended on the next report. Any other change (another catalog, fewer events than recorded) rebuilds.
 */
export interface EventCache {
  /** Channel names by code: code k is `channels[k - 1]`. */
  readonly channels: readonly string[];
}

/** Bump when the layout or the meaning of the cached columns changes: the cache is then rebuilt. */
const VERSION = 1;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS cache_state (
     id INTEGER PRIMARY KEY, fingerprint VARCHAR NOT NULL, events BIGINT NOT NULL, max_rowid BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS cache_idents (ident INTEGER NOT NULL, user_id VARCHAR, anonymous_id VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS cache_channels (code INTEGER NOT NULL, channel VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS cache_events (
     ident INTEGER NOT NULL, ts TIMESTAMP NOT NULL, code INTEGER, channel INTEGER NOT NULL,
     is_goal BOOLEAN NOT NULL, goal_value DOUBLE, is_response BOOLEAN NOT NULL, currency VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS cache_answers (
     ident INTEGER NOT NULL, ts TIMESTAMP NOT NULL, rated VARCHAR, metric VARCHAR, score DOUBLE)`,
];
const DATA_TABLES = ["cache_events", "cache_answers", "cache_idents", "cache_channels"];

/** The event whose properties carry a survey answer (see journey-map). */
export const SURVEY_RESPONSE = "Survey Responded";

type State = { fingerprint: string; events: number; max_rowid: number };
type Current = { events: number; max_rowid: number };

/** Whether the cache is off for this process (`TOUCHPOINT_ANALYSIS_CACHE=off`), e.g. to compare. */
export const cacheDisabled = () => process.env.TOUCHPOINT_ANALYSIS_CACHE === "off";

/** A digest of everything classification depends on: the compiled SQL and its bound values. */
export function catalogFingerprint(wh: Warehouse, catalog: Catalog): string {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const text = [compiled.touchpointCode(b), compiled.goal(b), compiled.goalValue(b)];
  return createHash("sha256")
    .update(JSON.stringify([VERSION, wh.dialect.name, text, b.params]))
    .digest("hex");
}

const tablesExist = async (q: Queryable) =>
  (
    await q.query<{ n: number }>(
      "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'cache_state' AND NOT temporary",
    )
  )[0]!.n > 0;

const readState = async (q: Queryable): Promise<State | null> =>
  (await q.query<State>("SELECT fingerprint, events, max_rowid FROM cache_state WHERE id = 1"))[0] ?? null;

const readCurrent = async (q: Queryable): Promise<Current> =>
  (
    await q.query<Current>("SELECT count(*) AS events, coalesce(max(rowid), -1) AS max_rowid FROM events")
  )[0]!;

const isFresh = (state: State | null, current: Current, fingerprint: string) =>
  state !== null &&
  state.fingerprint === fingerprint &&
  state.events === current.events &&
  state.max_rowid === current.max_rowid;

const readChannels = async (q: Queryable) =>
  (await q.query<{ channel: string }>("SELECT channel FROM cache_channels ORDER BY code")).map(
    (r) => r.channel,
  );

/**
 * The cache, brought up to date with the stored events for `catalog` (new events classified and appended,
 * everything rebuilt when the catalog changed). Null when it cannot be used: switched off, or stale in a
 * warehouse opened read-only; the caller then classifies events in its own query.
 */
export async function eventCache(wh: Warehouse, catalog: Catalog): Promise<EventCache | null> {
  if (cacheDisabled()) return null;
  const fingerprint = catalogFingerprint(wh, catalog);
  if ((await tablesExist(wh)) && isFresh(await readState(wh), await readCurrent(wh), fingerprint))
    return { channels: await readChannels(wh) };
  try {
    await wh.transaction((tx) => sync(tx, wh, catalog, fingerprint));
  } catch (err) {
    if (/read-only/i.test((err as Error).message)) return null;
    throw err;
  }
  return { channels: await readChannels(wh) };
}

async function sync(tx: Queryable, wh: Warehouse, catalog: Catalog, fingerprint: string): Promise<void> {
  for (const statement of TABLES) await tx.run(statement);
  const state = await readState(tx);
  const current = await readCurrent(tx);
  if (isFresh(state, current, fingerprint)) return;
  let since = -1;
  if (state && state.fingerprint === fingerprint && current.max_rowid >= state.max_rowid) {
    const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE rowid > $1",
      [state.max_rowid],
    );
    // Only appends since the last sync: the old rows are all still there.
    if (state.events + n === current.events) since = state.max_rowid;
  }
  if (since === -1) for (const table of DATA_TABLES) await tx.run(`DELETE FROM ${table}`);
  await append(tx, wh, catalog, since);
  await tx.run("INSERT OR REPLACE INTO cache_state VALUES (1, $1, $2, $3)", [
    fingerprint,
    current.events,
    current.max_rowid,
  ]);
}

/** Classifies the events with a rowid above `since` and appends them. */
async function append(tx: Queryable, wh: Warehouse, catalog: Catalog, since: number): Promise<void> {
  const fresh = "rowid > $1 AND NOT is_bot";
  await tx.run(
    `INSERT INTO cache_channels
     SELECT (SELECT coalesce(max(code), 0) FROM cache_channels) + row_number() OVER (ORDER BY channel), channel
     FROM (SELECT DISTINCT channel FROM events WHERE ${fresh}) n
     WHERE NOT EXISTS (SELECT 1 FROM cache_channels c WHERE c.channel = n.channel)`,
    [since],
  );
  await tx.run(
    `INSERT INTO cache_idents
     SELECT (SELECT coalesce(max(ident), 0) FROM cache_idents) + row_number() OVER (ORDER BY user_id, anonymous_id),
            user_id, anonymous_id
     FROM (SELECT DISTINCT user_id, anonymous_id FROM events WHERE ${fresh}) n
     WHERE NOT EXISTS (SELECT 1 FROM cache_idents c
                       WHERE c.user_id IS NOT DISTINCT FROM n.user_id
                         AND c.anonymous_id IS NOT DISTINCT FROM n.anonymous_id)`,
    [since],
  );
  const channels = await readChannels(tx);
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  b.param(since);
  const json = (field: string) => wh.dialect.jsonText("properties", field);
  const identity = `JOIN cache_idents i ON i.user_id IS NOT DISTINCT FROM e.u AND i.anonymous_id IS NOT DISTINCT FROM e.a`;
  await tx.run(
    `INSERT INTO cache_events
     SELECT i.ident, e.ts, e.code, e.channel, e.goal IS NOT NULL, e.goal_value, e.is_response,
            CASE WHEN e.goal IS NOT NULL THEN e.currency END
     FROM (SELECT user_id AS u, anonymous_id AS a, ts, ${compiled.touchpointCode(b)} AS code,
                  list_position(${channels.length ? b.param([...channels]) : "[]"}::VARCHAR[], channel) AS channel, ${compiled.goal(b)} AS goal,
                  ${compiled.goalValue(b)} AS goal_value, event = '${SURVEY_RESPONSE}' AS is_response, currency
           FROM events WHERE ${fresh}) e
     ${identity}`,
    b.params,
  );
  await tx.run(
    `INSERT INTO cache_answers
     SELECT i.ident, e.ts, e.rated, e.metric, e.score
     FROM (SELECT user_id AS u, anonymous_id AS a, ts, ${json("touchpoint")} AS rated, ${json("metric")} AS metric,
                  TRY_CAST(${json("score")} AS DOUBLE) AS score
           FROM events WHERE ${fresh} AND event = '${SURVEY_RESPONSE}') e
     ${identity}`,
    [since],
  );
}

/**
 * Called in an erasure's transaction, after its events are deleted: removes the erased ids' rows from the
 * cache and marks it for a rebuild (deletions may renumber the rowids the cache tracks appends by).
 */
export async function forgetCustomerInCache(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (!(await tablesExist(tx))) return;
  const erased =
    "SELECT ident FROM cache_idents WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)";
  await tx.run(`DELETE FROM cache_events WHERE ident IN (${erased})`, [ids]);
  await tx.run(`DELETE FROM cache_answers WHERE ident IN (${erased})`, [ids]);
  await tx.run(
    "DELETE FROM cache_idents WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)",
    [ids],
  );
  await tx.run("DELETE FROM cache_state");
}

/**
 * SQL (a CTE body): each cached identity pair with its customer, resolved now through `customer_map`
 * exactly as the `customer_events` view does, and `cust`, an integer standing for the customer (the
 * smallest ident among theirs). `where` (conditions over `customer_id`) keeps only some customers.
 */
export function identitySql(where: readonly string[] = []): string {
  return `WITH r AS MATERIALIZED (
            SELECT i.ident, coalesce(mu.customer_id, ma.customer_id, i.user_id, i.anonymous_id) AS customer_id
            FROM cache_idents i
            LEFT JOIN customer_map mu ON mu.kind = 'user' AND mu.id = i.user_id
            LEFT JOIN customer_map ma ON ma.kind = 'anonymous' AND ma.id = i.anonymous_id)
          SELECT r.ident, k.cust, r.customer_id
          FROM r JOIN (SELECT customer_id, min(ident) AS cust FROM r GROUP BY customer_id) k USING (customer_id)
          ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`;
}
