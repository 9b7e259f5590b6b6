import type { Catalog } from "../../catalog/catalog.js";
import { type CompiledCatalog, compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { eventCache } from "../cache/event-cache.js";
import type { Scope } from "../scope.js";
import { CODE_SPACE, cachedSequences, codedEvents, codeOf, GOAL_CODE, msOf, touchOf } from "../sequences.js";
import type { PathsReport } from "./report.js";
import { buildSankey, type PathCount, topPaths } from "./sankey.js";

export type PathUnit = "customer" | "session";

export interface PathsOptions extends Scope {
  /** One sequence per customer, or per session (a gap over `sessionGapMs` between events starts one). */
  unit: PathUnit;
  sessionGapMs: number;
  /** Each sequence from its first touch of this touchpoint on (sequences without it are not counted). */
  start: string | null;
  /** Each sequence up to its last touch of this touchpoint (sequences without it are not counted). */
  end: string | null;
  /** Touchpoints kept per sequence. */
  depth: number;
  /** Sankey flows under this share of the sequences are grouped per step (see buildSankey). */
  minShare: number;
  /** Top paths listed. */
  limit: number;
}

type Row = { path: number[] | null; sequences: number; conversions: number };

/**
 * SQL → one row per distinct truncated path: `path` (touchpoint codes of `catalog.touchpointIds`, 1-based),
 * `sequences` and `conversions`.
 *
 * Each customer's events become one sorted list of packed integers (ms · CODE_SPACE + code, see
 * sequences.ts), where code 0 is a goal, 1..T a touchpoint and T + 1 any other event (read only to cut
 * sessions). Sessions are cut inside the sorted list: the positions where the gap to the previous event
 * exceeds the session gap start a session, and the list is sliced between them. A sequence keeps its
 * touchpoints with consecutive repeats collapsed (the first touch of each run stays, so its time is when
 * the step began), and is truncated with list slicing; only the distinct paths leave the warehouse.
 */
export function pathsSql(
  b: SqlBuilder,
  compiled: CompiledCatalog,
  options: PathsOptions,
  cached = false,
): string {
  const S = CODE_SPACE;
  const T = compiled.touchpointIds.length;
  // The cache's sequences already hold each customer's runs of one touchpoint (see sequences.ts).
  if (cached && options.unit === "customer")
    return truncatedPaths(
      b,
      compiled,
      options,
      `p_run AS (
        SELECT runs AS c, CASE WHEN n_goals > 0 THEN gms[-1] END AS last_goal
        FROM (${cachedSequences(b, options)})
      )`,
      touchOf,
    );
  // For sessions, the cache's touches and goals with its other events (packed with the low part 0).
  if (cached)
    return truncatedPaths(
      b,
      compiled,
      options,
      `p_all AS (
        SELECT list_sort(list_concat(t, list_transform(other, x -> x * ${S}))) AS l
        FROM (${cachedSequences(b, options)})
      ),
      ${sessionsCte(b.param(options.sessionGapMs))},
      p_seq AS (
        SELECT list_filter(s, x -> ${codeOf("x")} NOT IN (0, ${GOAL_CODE})) AS t,
               ${msOf(`list_filter(s, x -> ${codeOf("x")} = ${GOAL_CODE})[-1]`)} AS last_goal
        FROM p_session
      ),
      ${runsCte(touchOf)}`,
      touchOf,
    );
  const events = codedEvents(b, compiled, options);
  // p_seq: one row per sequence: `t` its touches (packed, sorted), `last_goal` the ms of its last goal.
  let sequences: string;
  if (options.unit === "customer") {
    sequences = `
      p_seq AS (
        SELECT list_sort(list(ms * ${S} + code) FILTER (WHERE code IS NOT NULL)) AS t,
               max(ms) FILTER (WHERE is_goal) AS last_goal
        FROM p_events GROUP BY customer_id
      )`;
  } else {
    const gap = b.param(options.sessionGapMs);
    sequences = `
      p_all AS (
        SELECT list_sort(list(ms * ${S} + CASE WHEN is_goal THEN 0 WHEN code IS NULL THEN ${T + 1} ELSE code END)) AS l
        FROM p_events GROUP BY customer_id
      ),
      ${sessionsCte(gap)},
      p_seq AS (
        SELECT list_filter(s, x -> ${codeOf("x")} BETWEEN 1 AND ${T}) AS t,
               ${msOf(`list_filter(s, x -> ${codeOf("x")} = 0)[-1]`)} AS last_goal
        FROM p_session
      )`;
  }
  const collapsed = `
      p_events AS (${events}),
      ${sequences},
      ${runsCte(codeOf)}`;
  return truncatedPaths(b, compiled, options, collapsed, codeOf);
}

/** CTEs `p_cut` and `p_session` over `p_all` (`l`: a customer's events, packed and sorted): one row per
 * session (`s`), cut where the gap to the previous event exceeds `gap` ms. */
const sessionsCte = (gap: string) => `
      p_cut AS (
        SELECT l, list_filter(range(1, len(l) + 1),
                              i -> i = 1 OR ${msOf("l[i]")} - ${msOf("l[i - 1]")} > ${gap}) AS cuts
        FROM p_all
      ),
      p_session AS (
        SELECT unnest(list_transform(range(1, len(cuts) + 1),
                                     k -> l[cuts[k]:coalesce(cuts[k + 1] - 1, len(l))])) AS s
        FROM p_cut
      )`;

/** CTE `p_run` over `p_seq`: each sequence's touches with consecutive repeats of a touchpoint collapsed. */
const runsCte = (codeOf: (x: string) => string) => `
      p_run AS (
        SELECT list_filter(t, (x, i) -> i = 1 OR ${codeOf("x")} <> ${codeOf("t[i - 1]")}) AS c, last_goal
        FROM p_seq
      )`;

/**
 * The end of `pathsSql` over CTEs ending in `p_run` (`c`: a sequence's runs of one touchpoint, packed;
 * `last_goal`): each sequence truncated, then counted per distinct path. `codeOf` reads a packed touch's
 * touchpoint code.
 */
function truncatedPaths(
  b: SqlBuilder,
  compiled: CompiledCatalog,
  options: PathsOptions,
  runs: string,
  codeOf: (x: string) => string,
): string {
  const depth = b.param(options.depth);
  const codes = (list: string) => `list_transform(${list}, x -> ${codeOf("x")}::INTEGER)`;
  const converted = (touch: string) => `coalesce(last_goal >= ${msOf(touch)}, false)`;
  let truncated: string;
  if (options.start !== null) {
    const x = b.param(compiled.touchpointIds.indexOf(options.start) + 1);
    truncated = `
      p_at AS (SELECT c, last_goal, list_position(${codes("c")}, ${x}) AS i FROM p_run),
      p_path AS (
        SELECT CASE WHEN i > 0 THEN ${codes(`c[i:i + ${depth} - 1]`)} END AS path, ${converted("c[i]")} AS converted
        FROM p_at
      )`;
  } else if (options.end !== null) {
    const x = b.param(compiled.touchpointIds.indexOf(options.end) + 1);
    truncated = `
      p_at AS (
        SELECT c, last_goal, len(c) + 1 - list_position(list_reverse(${codes("c")}), ${x}) AS j FROM p_run
      ),
      p_path AS (
        SELECT CASE WHEN j <= len(c) THEN ${codes(`c[greatest(j - ${depth} + 1, 1):j]`)} END AS path,
               ${converted("c[j]")} AS converted
        FROM p_at
      )`;
  } else {
    truncated = `
      p_path AS (SELECT ${codes(`c[1:${depth}]`)} AS path, ${converted("c[1]")} AS converted FROM p_run)`;
  }
  return `
    WITH ${runs},
    ${truncated}
    SELECT path, count(*) AS sequences, count(*) FILTER (WHERE converted) AS conversions
    FROM p_path GROUP BY path`;
}

/** The distinct truncated paths of the scope with their sequences and conversions (ids, not codes). */
export async function distinctPaths(
  wh: Warehouse,
  catalog: Catalog,
  options: PathsOptions,
): Promise<PathCount[]> {
  const compiled = compileCatalog(catalog);
  // A touchpoint without match rules never classifies an event: no sequence has it.
  for (const id of [options.start, options.end])
    if (id !== null && !compiled.touchpointIds.includes(id)) return [];
  const cached = (await eventCache(wh, catalog)) !== null;
  const b = new SqlBuilder(wh.dialect);
  const rows = await wh.query<Row>(pathsSql(b, compiled, options, cached), b.params);
  // The sequences left out (no touchpoint, or not the start/end one) gather in the rows with a NULL or
  // empty path. Filtering them in SQL would make DuckDB push the filter down and build each list twice.
  return rows.flatMap((r) =>
    r.path === null || r.path.length === 0
      ? []
      : [
          {
            path: r.path.map((c) => compiled.touchpointIds[c - 1]!),
            count: r.sequences,
            conversions: r.conversions,
          },
        ],
  );
}

/**
 * Paths through the catalog's touchpoints (definitions in docs/metrics.md#paths): per customer or
 * session, the touchpoints in time order with consecutive repeats collapsed, truncated to `depth` steps
 * from the start, from the first `start` touch, or back from the last `end` touch; the top paths with
 * their conversion rate and a Sankey of (step, touchpoint) nodes.
 */
export async function paths(wh: Warehouse, catalog: Catalog, options: PathsOptions): Promise<PathsReport> {
  if (options.start !== null && options.end !== null) throw new Error("paths: start or end, not both");
  const counts = await distinctPaths(wh, catalog, options);
  const names = new Map(catalog.touchpoints.map((t) => [t.id, t.name]));
  const name = (id: string) => names.get(id) ?? id;
  return {
    from: options.from,
    to: options.to,
    unit: options.unit,
    sessionGapSeconds: options.unit === "session" ? options.sessionGapMs / 1000 : null,
    start: options.start,
    end: options.end,
    depth: options.depth,
    minShare: options.minShare,
    sequences: counts.reduce((s, p) => s + p.count, 0),
    conversions: counts.reduce((s, p) => s + p.conversions, 0),
    distinctPaths: counts.length,
    paths: topPaths(counts, options.limit, name),
    sankey: buildSankey(counts, {
      align: options.end !== null ? "end" : "start",
      depth: options.depth,
      minShare: options.minShare,
      name,
    }),
  };
}
