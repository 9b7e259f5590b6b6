import { createHash } from "node:crypto";
import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Queryable, Warehouse } from "../../warehouse/warehouse.js";
import { buildSequences, SEQUENCE_COLUMNS } from "../sequences.js";

/**
 * The classification cache: every non-bot event reduced to the small values the sequence analyses read
 * (identity pair, time, touchpoint code, channel code, goal flag and value), classified once per catalog
 * instead of on every query, and each customer's events as ready sorted lists.
 *
 * - `cache_events`: one row per non-bot event, with its customer's number (`cust`, see `cache_members`),
 *   stored by event name, identity pair and time within each load (the funnel's selection by event
 *   reads a third less). `ident` points into `cache_idents`, the distinct
 *   (user_id, anonymous_id) pairs: an identity pair's events never move, only the customer it belongs to.
 * - `cache_members`: each identity pair's customer under the identity map when the cache was last synced,
 *   and `cust`, a number for that customer (the smallest `ident` among theirs).
 * - `cache_sequences`: one row per customer, their events as the sorted lists the sequence analyses
 *   read (see `SEQUENCE_COLUMNS` in sequences.ts), so a report sorts nothing per query.
 * - `cache_answers`: the survey answers (rated touchpoint, metric, score) of `Survey Responded` events.
 * - `cache_channels`, `cache_event_names`: channel and event name ↔ code.
 * - `cache_state`: the catalog fingerprint the rows were classified with, the number of events and the
 *   highest `rowid` of `events` they cover, and a checksum of the identity map they were grouped by.
 *
 * The tables are derived and can always be rebuilt, so they are created here, lazily, not by a migration.
 * Events are only ever appended (loads) or deleted by an erasure, which clears the state (see
 * `forgetCustomerInCache`): events with a `rowid` above the recorded one are new, and are classified and
 * appended on the next report. When the identity map changed, the pairs whose customer changed are found
 * by comparing `cache_members` with the map; only the customers they left or joined, and the customers
 * with new events, get their sequences rebuilt. Any other change (another catalog, fewer events than
 * recorded) rebuilds everything.
 */
export interface EventCache {
  /** Channel names by code: code k is `channels[k - 1]`. */
  readonly channels: readonly string[];
}

/** Bump when the layout or the meaning of the cached columns changes: the cache is then rebuilt. */
const VERSION = 6;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS cache_state (
     id INTEGER PRIMARY KEY, fingerprint VARCHAR NOT NULL, events BIGINT NOT NULL, max_rowid BIGINT NOT NULL)`,
  // Added with VERSION 2; a cache of version 1 is rebuilt (its fingerprint differs).
  "ALTER TABLE cache_state ADD COLUMN IF NOT EXISTS identity VARCHAR",
  "CREATE TABLE IF NOT EXISTS cache_members (ident INTEGER NOT NULL, customer_id VARCHAR NOT NULL, cust INTEGER)",
  `CREATE TABLE IF NOT EXISTS cache_sequences (customer_id VARCHAR NOT NULL, ${SEQUENCE_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS cache_idents (ident INTEGER NOT NULL, user_id VARCHAR, anonymous_id VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS cache_channels (code INTEGER NOT NULL, channel VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS cache_event_names (code INTEGER NOT NULL, event VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS cache_events (
     ident INTEGER NOT NULL, ts TIMESTAMP NOT NULL, code INTEGER, channel INTEGER NOT NULL, event INTEGER NOT NULL,
     goal INTEGER, is_goal BOOLEAN NOT NULL, goal_value DOUBLE, is_response BOOLEAN NOT NULL, currency VARCHAR,
     cust INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS cache_answers (
     ident INTEGER NOT NULL, ts TIMESTAMP NOT NULL, rated VARCHAR, metric VARCHAR, score DOUBLE)`,
];
const DATA_TABLES = [
  "cache_events",
  "cache_answers",
  "cache_idents",
  "cache_channels",
  "cache_event_names",
  "cache_members",
  "cache_sequences",
];
/** The cache's codes of these event names (names it has never seen have none). */
export async function cachedEventCodes(
  wh: Warehouse,
  names: readonly string[],
): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await wh.query<{ code: number; event: string }>(
    "SELECT code, event FROM cache_event_names WHERE list_contains($1, event)",
    [[...names]],
  );
  return new Map(rows.map((r) => [r.event, r.code]));
}

/**
 * SQL over a `cache_events e` row: the event is the touchpoint `id`, the goal `id` (any goal when null),
 * or an event named `id` (its code from `eventCodes`, see cachedEventCodes: a constant compares faster
 * than a lookup in the query) — what the events' own columns and the catalog would say.
 */
export function cachedEventIs(
  b: SqlBuilder,
  catalog: Catalog,
  eventCodes: ReadonlyMap<string, number>,
  kind: "touchpoint" | "goal" | "event",
  id: string | null,
): string {
  if (kind === "goal" && id === null) return "e.is_goal";
  let code: number;
  if (kind === "event") code = eventCodes.get(id!) ?? 0;
  else {
    const compiled = compileCatalog(catalog);
    code = (kind === "touchpoint" ? compiled.touchpointIds : compiled.goalIds).indexOf(id!) + 1;
  }
  const column = kind === "touchpoint" ? "code" : kind;
  return code > 0 ? `e.${column} = ${b.param(code)}` : "FALSE";
}

/** Every table of the cache (for dropping it, e.g. to measure its build). */
export const CACHE_TABLES = ["cache_state", ...DATA_TABLES];

/** The event whose properties carry a survey answer (see journey-map). */
export const SURVEY_RESPONSE = "Survey Responded";

type Current = { events: number; max_rowid: number; identity: string };
type State = Current & { fingerprint: string };

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

// `*`: a cache of version 1 has no identity column yet (its fingerprint differs: it is rebuilt).
const readState = async (q: Queryable): Promise<State | null> => {
  const [row] = await q.query<Partial<State>>("SELECT * FROM cache_state WHERE id = 1");
  return row ? ({ identity: "", ...row } as State) : null;
};

/** The stored events' count and highest rowid, and a checksum of the whole identity map. */
const readCurrent = async (q: Queryable): Promise<Current> =>
  (
    await q.query<Current>(
      `SELECT count(*) AS events, coalesce(max(rowid), -1) AS max_rowid,
              (SELECT count(*) || ':' || coalesce(sum(hash(kind, id, customer_id)), 0) FROM customer_map) AS identity
       FROM events`,
    )
  )[0]!;

const isFresh = (state: State | null, current: Current, fingerprint: string) =>
  state !== null &&
  state.fingerprint === fingerprint &&
  state.events === current.events &&
  state.max_rowid === current.max_rowid &&
  state.identity === current.identity;

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
  if (since === -1) {
    // Dropped, not emptied: a new VERSION may have changed their columns.
    for (const table of DATA_TABLES) await tx.run(`DROP TABLE ${table}`);
    for (const statement of TABLES) await tx.run(statement);
  }
  const appended = since === -1 || current.max_rowid > since;
  if (appended) await appendCodes(tx, since);
  await regroupMembers(tx, since, appended, since === -1 || state?.identity !== current.identity);
  if (appended) await appendEvents(tx, wh, catalog, since);
  await regroupEvents(tx, since);
  await tx.run("INSERT OR REPLACE INTO cache_state VALUES (1, $1, $2, $3, $4)", [
    fingerprint,
    current.events,
    current.max_rowid,
    current.identity,
  ]);
}

/** SQL: each cached identity pair's customer under the identity map now, as `customer_events` has it. */
const MEMBERS = `SELECT i.ident, coalesce(mu.customer_id, ma.customer_id, i.user_id, i.anonymous_id) AS customer_id
  FROM cache_idents i
  LEFT JOIN customer_map mu ON mu.kind = 'user' AND mu.id = i.user_id
  LEFT JOIN customer_map ma ON ma.kind = 'anonymous' AND ma.id = i.anonymous_id`;

/**
 * Brings `cache_members` up to date: the identity pairs whose customer changed (all of them after a
 * change of the identity map, else only the new ones) move. Leaves the temporary tables `cache_moved`
 * and `cache_regrouped` (the customers they left or joined, and those with events above `since`) for
 * `regroupEvents`.
 */
async function regroupMembers(tx: Queryable, since: number, appended: boolean, identityChanged: boolean) {
  const pairs = identityChanged
    ? MEMBERS
    : `${MEMBERS} WHERE i.ident > (SELECT coalesce(max(ident), 0) FROM cache_members)`;
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE cache_moved AS
     SELECT n.ident, o.customer_id AS old, n.customer_id AS new
     FROM (${pairs}) n LEFT JOIN cache_members o USING (ident)
     WHERE o.customer_id IS DISTINCT FROM n.customer_id`,
  );
  // The customers of pairs with new events (a rebuild moves every pair: nothing more to find).
  const withNewEvents =
    appended && since !== -1
      ? `UNION SELECT customer_id FROM cache_members WHERE ident IN (
           SELECT i.ident FROM events e JOIN cache_idents i
             ON i.user_id IS NOT DISTINCT FROM e.user_id AND i.anonymous_id IS NOT DISTINCT FROM e.anonymous_id
           WHERE e.rowid > $1 AND NOT e.is_bot)`
      : "";
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE cache_regrouped AS
     SELECT old AS customer_id FROM cache_moved WHERE old IS NOT NULL
     UNION SELECT new FROM cache_moved ${withNewEvents}`,
    withNewEvents ? [since] : [],
  );
  await tx.run("DELETE FROM cache_members WHERE ident IN (SELECT ident FROM cache_moved)");
  await tx.run("INSERT INTO cache_members SELECT ident, new, NULL FROM cache_moved");
  await tx.run(
    `UPDATE cache_members SET cust = k.cust
     FROM (SELECT customer_id, min(ident) AS cust FROM cache_members
           WHERE customer_id IN (SELECT customer_id FROM cache_regrouped) GROUP BY customer_id) k
     WHERE cache_members.customer_id = k.customer_id`,
  );
}

/**
 * A sequence's lists are aggregated in memory DuckDB cannot spill: regrouping 7.4M events of 50,000
 * customers in one statement failed under a 256 MB memory limit (2M events at a time passed; under
 * 128 MB, 500,000 did and 1M did not). Larger regroupings are split by customer into statements of at
 * most one event per this many bytes of the limit: under the default 8 GB, 20M events at once.
 */
const BYTES_PER_EVENT = 400;
/** Events per statement instead of the limit's share (tests set it). */
export const sequenceSlice: { events: number | null } = { events: null };

const BINARY_UNITS: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** Events per statement that builds sequences, from DuckDB's memory limit as it shows it ("244.1 MiB"). */
async function sliceEvents(tx: Queryable): Promise<number> {
  if (sequenceSlice.events !== null) return sequenceSlice.events;
  const [row] = await tx.query<{ v: string }>("SELECT current_setting('memory_limit') AS v");
  const m = /^([\d.]+)\s*(\w+)$/.exec(row?.v ?? "");
  const bytes = m ? Number(m[1]) * (BINARY_UNITS[m[2]!] ?? Number.NaN) : Number.NaN;
  // A limit shown otherwise (none, another unit): the slice that passed under 128 MB.
  return Number.isFinite(bytes) ? Math.max(10_000, Math.floor(bytes / BYTES_PER_EVENT)) : 500_000;
}

/**
 * The events and sequences of the regrouped customers: the customer number of their older events (new
 * ones got it when appended; after a rebuild every event is new), then their sequences.
 */
async function regroupEvents(tx: Queryable, since: number) {
  if (since !== -1)
    await tx.run(
      `UPDATE cache_events SET cust = m.cust
       FROM (SELECT ident, cust FROM cache_members SEMI JOIN cache_regrouped USING (customer_id)) m
       WHERE cache_events.ident = m.ident AND cache_events.cust <> m.cust`,
    );
  await tx.run("DELETE FROM cache_sequences WHERE customer_id IN (SELECT customer_id FROM cache_regrouped)");
  const members =
    "SELECT ident, customer_id FROM cache_members SEMI JOIN cache_regrouped USING (customer_id)";
  const perSlice = await sliceEvents(tx);
  // Counting the regrouped customers' events costs a scan; the table's size (kept by the engine) is
  // enough to know that one statement will do, as it will under the default limit below 20M events.
  const count = async (sql: string) => (await tx.query<{ n: number }>(sql))[0]?.n ?? 0;
  const n =
    (await count("SELECT count(*) AS n FROM cache_events")) <= perSlice
      ? 0
      : await count(`SELECT count(*) AS n FROM cache_events SEMI JOIN (${members}) m USING (ident)`);
  const slices = Math.max(1, Math.ceil(n / perSlice));
  for (let slice = 0; slice < slices; slice++) {
    const inSlice = slices > 1 ? `WHERE hash(customer_id) % ${slices} = ${slice}` : "";
    await tx.run(
      `INSERT INTO cache_sequences
       ${buildSequences(`
         SELECT m.customer_id, epoch_ms(e.ts) AS ms, e.code, e.channel AS ch, e.is_goal, e.goal_value,
                e.is_response, e.currency
         FROM cache_events e JOIN (${members} ${inSlice}) m USING (ident)`)}`,
    );
  }
  await tx.run("DROP TABLE cache_moved");
  await tx.run("DROP TABLE cache_regrouped");
}

const FRESH = "rowid > $1 AND NOT is_bot";

/** Codes the channels, event names and identity pairs first seen in the events with a rowid above `since`. */
async function appendCodes(tx: Queryable, since: number): Promise<void> {
  // New channels and event names get the next codes (table and column names are constants here).
  for (const [table, column] of [
    ["cache_channels", "channel"],
    ["cache_event_names", "event"],
  ] as const)
    await tx.run(
      `INSERT INTO ${table}
       SELECT (SELECT coalesce(max(code), 0) FROM ${table}) + row_number() OVER (ORDER BY ${column}), ${column}
       FROM (SELECT DISTINCT ${column} FROM events WHERE ${FRESH}) n
       WHERE NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${column} = n.${column})`,
      [since],
    );
  await tx.run(
    `INSERT INTO cache_idents
     SELECT (SELECT coalesce(max(ident), 0) FROM cache_idents) + row_number() OVER (ORDER BY user_id, anonymous_id),
            user_id, anonymous_id
     FROM (SELECT DISTINCT user_id, anonymous_id FROM events WHERE ${FRESH}) n
     WHERE NOT EXISTS (SELECT 1 FROM cache_idents c
                       WHERE c.user_id IS NOT DISTINCT FROM n.user_id
                         AND c.anonymous_id IS NOT DISTINCT FROM n.anonymous_id)`,
    [since],
  );
}

/** Classifies the events with a rowid above `since` and appends them, with their customer's number. */
async function appendEvents(tx: Queryable, wh: Warehouse, catalog: Catalog, since: number): Promise<void> {
  const channels = await readChannels(tx);
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  b.param(since);
  const json = (field: string) => wh.dialect.jsonText("properties", field);
  const identity = `JOIN cache_idents i ON i.user_id IS NOT DISTINCT FROM e.u AND i.anonymous_id IS NOT DISTINCT FROM e.a`;
  await tx.run(
    `INSERT INTO cache_events
     SELECT i.ident, e.ts, e.code, e.channel, n.code, list_position(${b.param(compiled.goalIds)}::VARCHAR[], e.goal),
            e.goal IS NOT NULL, e.goal_value, e.is_response, CASE WHEN e.goal IS NOT NULL THEN e.currency END, m.cust
     FROM (SELECT user_id AS u, anonymous_id AS a, ts, event, ${compiled.touchpointCode(b)} AS code,
                  list_position(${channels.length ? b.param([...channels]) : "[]"}::VARCHAR[], channel) AS channel, ${compiled.goal(b)} AS goal,
                  ${compiled.goalValue(b)} AS goal_value, event = '${SURVEY_RESPONSE}' AS is_response, currency
           FROM events WHERE ${FRESH}) e
     JOIN cache_event_names n USING (event)
     ${identity}
     JOIN cache_members m ON m.ident = i.ident
     ORDER BY n.code, i.ident, e.ts`,
    b.params,
  );
  await tx.run(
    `INSERT INTO cache_answers
     SELECT i.ident, e.ts, e.rated, e.metric, e.score
     FROM (SELECT user_id AS u, anonymous_id AS a, ts, ${json("touchpoint")} AS rated, ${json("metric")} AS metric,
                  TRY_CAST(${json("score")} AS DOUBLE) AS score
           FROM events WHERE ${FRESH} AND event = '${SURVEY_RESPONSE}') e
     ${identity}`,
    [since],
  );
}

/**
 * Called in an erasure's transaction, after its events are deleted: removes the erased ids' rows from the
 * cache (the sequences of every customer they belonged to go too) and marks it for a rebuild (deletions
 * may renumber the rowids the cache tracks appends by).
 */
export async function forgetCustomerInCache(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (!(await tablesExist(tx))) return;
  const erased =
    "SELECT ident FROM cache_idents WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)";
  await tx.run(`DELETE FROM cache_events WHERE ident IN (${erased})`, [ids]);
  await tx.run(`DELETE FROM cache_answers WHERE ident IN (${erased})`, [ids]);
  await tx.run(
    `DELETE FROM cache_sequences WHERE customer_id IN (SELECT customer_id FROM cache_members WHERE ident IN (${erased}))`,
    [ids],
  );
  await tx.run(`DELETE FROM cache_members WHERE ident IN (${erased})`, [ids]);
  await tx.run(
    "DELETE FROM cache_idents WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)",
    [ids],
  );
  await tx.run("DELETE FROM cache_state");
}
