import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { touchpointCondition } from "../../catalog/touchpoint-rule.js";
import { select } from "../../util/select.js";
import { assertPlainPath } from "../../warehouse/dialect.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { cachedEventCodes, cachedEventIs, eventCache } from "../cache/event-cache.js";
import { type Scope, scopeConditions } from "../scope.js";
import { cachedEventsWhere } from "../sequences.js";
import type { FunnelBreakdown, FunnelReport, FunnelStepStats } from "./report.js";
import type { FunnelStep, StepFilter } from "./steps.js";
import { EXCLUDED, type FunnelOrder, Scratch, type WalkSpec, walkCustomer } from "./walk.js";

export interface FunnelOptions extends Scope {
  steps: FunnelStep[];
  /** From the first step to the last, at most (ms). */
  windowMs: number;
  order: FunnelOrder;
  /** Events that end a customer's progress when done between two steps. */
  exclude: FunnelStep[];
  /** `channel`, `source`, `device_type` or `property.PATH`: the value at the customer's first step. */
  breakdown: string | null;
  /** Breakdown values shown, largest first; the rest are summed as "(other)". */
  breakdownLimit: number;
}

export const BREAKDOWN_COLUMNS = [
  "channel",
  "source",
  "device_type",
  "utm_source",
  "utm_medium",
  "utm_campaign",
];

/** SQL: the event matches the step (its target and every filter). */
function stepCondition(b: SqlBuilder, catalog: Catalog, step: FunnelStep): string {
  const { kind, id } = step.target;
  const target =
    kind === "touchpoint"
      ? touchpointCondition(b, catalog, id)
      : kind === "goal"
        ? `coalesce(${compileCatalog(catalog).goal(b)} = ${b.param(id)}, FALSE)`
        : `coalesce(event = ${b.param(id)}, FALSE)`;
  return `(${[target, ...step.filters.map((f) => filterCondition(b, f))].join(" AND ")})`;
}

function filterCondition(b: SqlBuilder, f: StepFilter): string {
  const text =
    "column" in f.field
      ? `CAST(${b.dialect.ident(f.field.column)} AS VARCHAR)`
      : b.dialect.jsonText("properties", f.field.property);
  if (f.op === "~") return `coalesce(contains(lower(${text}), lower(${b.param(f.value)})), FALSE)`;
  if (f.op === "=" || f.op === "!=") return `coalesce(${text} ${f.op} ${b.param(f.value)}, FALSE)`;
  return `coalesce(TRY_CAST(${text} AS DOUBLE) ${f.op} ${b.param(Number(f.value))}, FALSE)`;
}

function breakdownExpression(b: SqlBuilder, breakdown: string): string {
  if (BREAKDOWN_COLUMNS.includes(breakdown)) return `CAST(${b.dialect.ident(breakdown)} AS VARCHAR)`;
  return b.dialect.jsonText("properties", assertPlainPath(breakdown.slice("property.".length)));
}

/** The step bits of an event (EXCLUDED for an exclusion step), as SQL over whatever `condition` reads. */
function maskSql(options: FunnelOptions, condition: (step: FunnelStep) => string): string {
  const bits = options.steps.map((s, k) => `CASE WHEN ${condition(s)} THEN ${1 << k} ELSE 0 END`);
  for (const x of options.exclude) bits.push(`CASE WHEN ${condition(x)} THEN ${EXCLUDED} ELSE 0 END`);
  return `(${bits.join(" | ")})`;
}

/**
 * SQL over the scope's events that match a step or an exclusion (in strict order also every other
 * touchpoint): (customer number, ms, step mask[, bd]), sorted by customer and time. `source` selects (customer_id, ms, mask[, bd][, is_touch]) of the scope:
 * from the cache (`cached`), customer_id is already an INTEGER and bd a channel code (0: none).
 */
function funnelRowsSql(source: string, options: FunnelOptions, entry: number, cached: boolean): string {
  // The cache numbers its customers; events name them, so they are numbered here.
  const customer = cached ? "customer_id" : "dense_rank() OVER (ORDER BY customer_id)::INTEGER";
  const noValue = cached ? "0" : "NULL";
  const columns = `${customer} AS customer, ms::DOUBLE AS ms, mask::INTEGER AS mask
    ${options.breakdown ? `, CASE WHEN mask & ${entry} <> 0 THEN bd ELSE ${noValue} END AS bd` : ""}`;
  // Customers who never enter are read too (the walk finds they reach nothing): leaving them out cost a
  // copy and a join of every selected event, more than reading them. Not in strict order, which reads
  // every touchpoint event: there most customers' events are not the funnel's.
  if (options.order !== "strict")
    return `SELECT ${columns} FROM (${source}) WHERE mask <> 0 ORDER BY customer, ms, mask`;
  return `
    WITH funnel_events AS MATERIALIZED (SELECT * FROM (${source}) WHERE mask <> 0 OR is_touch),
    funnel_customers AS (SELECT DISTINCT customer_id FROM funnel_events WHERE mask & ${entry} <> 0)
    SELECT ${columns} FROM funnel_events SEMI JOIN funnel_customers USING (customer_id)
    ORDER BY customer, ms, mask`;
}

/** The funnel's rows classified from the events themselves (any step filter, any breakdown). */
function funnelEventsSql(b: SqlBuilder, catalog: Catalog, options: FunnelOptions, entry: number): string {
  const mask = maskSql(options, (s) => stepCondition(b, catalog, s));
  // In strict order every other touchpoint can break a link, so those events are read too.
  const touch =
    options.order === "strict"
      ? `, ${compileCatalog(catalog).touchpointCode(b)} IS NOT NULL AS is_touch`
      : "";
  const breakdown = options.breakdown ? `, ${breakdownExpression(b, options.breakdown)} AS bd` : "";
  const where = scopeConditions(b, options);
  return funnelRowsSql(
    `SELECT customer_id, ${b.dialect.toEpochMs("ts")} AS ms, ${mask} AS mask ${breakdown} ${touch}
     FROM customer_events WHERE ${where.join(" AND ")}`,
    options,
    entry,
    false,
  );
}

/**
 * The funnel's rows from the classification cache (see cache/event-cache.ts): when every step and
 * exclusion is a touchpoint, a goal or an event name without filters, and the breakdown is none or the
 * channel, no event is classified or joined to the identity map by its ids — the cache has their codes
 * and each identity pair's customer. Null when the funnel needs more (the events are then read).
 */
async function cachedFunnelEvents(
  wh: Warehouse,
  catalog: Catalog,
  options: FunnelOptions,
  b: SqlBuilder,
  entry: number,
): Promise<{ sql: string; channels: readonly string[] } | null> {
  const all = [...options.steps, ...options.exclude];
  if (all.some((s) => s.filters.length > 0)) return null;
  if (options.breakdown !== null && options.breakdown !== "channel") return null;
  const cache = await eventCache(wh, catalog);
  if (!cache) return null;
  const names = all.flatMap((s) => (s.target.kind === "event" ? [s.target.id] : []));
  const codes = await cachedEventCodes(wh, names);
  const condition = ({ target: { kind, id } }: FunnelStep) => cachedEventIs(b, catalog, codes, kind, id);
  const source = `SELECT e.cust AS customer_id, ${b.dialect.toEpochMs("e.ts")} AS ms, ${maskSql(options, condition)} AS mask
                         ${options.breakdown ? ", e.channel AS bd" : ""}
                         ${options.order === "strict" ? ", e.code IS NOT NULL AS is_touch" : ""}
                  FROM cache_events e ${cachedEventsWhere(b, options)}`;
  return { sql: funnelRowsSql(source, options, entry, true), channels: cache.channels };
}

interface Tally {
  customers: number[];
  /** Seconds from the previous step done, per step, of the customers' deepest chains. */
  seconds: number[][];
}

const newTally = (n: number): Tally => ({
  customers: new Array(n).fill(0),
  seconds: Array.from({ length: n }, () => []),
});

/**
 * Conversion funnel: the warehouse selects the events that match a step or an exclusion, for the
 * customers who did the first step in scope (in any order: any step), as (customer number, ms, step bit mask) sorted by time; each
 * customer's events are then walked (walk.ts) and the steps they reached tallied.
 */
export async function funnel(wh: Warehouse, catalog: Catalog, options: FunnelOptions): Promise<FunnelReport> {
  const n = options.steps.length;
  // Customers enter at the first step; in any order, at any step.
  const entry = options.order === "any" ? (1 << n) - 1 : 1;
  const b = new SqlBuilder(wh.dialect);
  const cached = await cachedFunnelEvents(wh, catalog, options, b, entry);
  const cols = await wh.queryColumns(cached?.sql ?? funnelEventsSql(b, catalog, options, entry), b.params);
  const customer = cols.customer as ArrayLike<number>;
  const ms = cols.ms as ArrayLike<number>;
  const mask = cols.mask as ArrayLike<number>;
  // The cache gives channel codes (0: not an entry event).
  const bd = cached
    ? Array.from((cols.bd ?? []) as ArrayLike<number>, (code) => cached.channels[code - 1] ?? null)
    : ((cols.bd ?? []) as (string | null)[]);

  const spec: WalkSpec = {
    steps: n,
    windowMs: options.windowMs,
    order: options.order,
    optional: options.steps.map((s) => s.optional),
    withinMs: options.steps.map((s) => s.withinMs),
  };
  const total = newTally(n);
  const scratch = new Scratch();
  const byValue = new Map<string, Tally>();
  for (let lo = 0; lo < customer.length; ) {
    let hi = lo + 1;
    while (hi < customer.length && customer[hi] === customer[lo]) hi++;
    const walk = walkCustomer(ms, mask, lo, hi, spec, scratch);
    if (walk.reached === 0) {
      lo = hi; // never entered
      continue;
    }
    const tallies = [total];
    if (options.breakdown) {
      const value = walk.first >= 0 ? (bd[walk.first] ?? "(none)") : "(none)";
      if (!byValue.has(value)) byValue.set(value, newTally(n));
      tallies.push(byValue.get(value)!);
    }
    for (const t of tallies) tally(t, walk.reached, walk.times);
    lo = hi;
  }

  const report: FunnelReport = {
    order: options.order,
    windowSeconds: options.windowMs / 1000,
    steps: stepStats(options.steps, total, options.order),
    exclude: options.exclude.map((x) => x.name),
    breakdown: null,
  };
  if (options.breakdown) report.breakdown = breakdownStats(options, byValue);
  return report;
}

function tally(t: Tally, reached: number, times: ArrayLike<number>) {
  let previous = Number.NaN;
  for (let k = 0; k < t.customers.length; k++) {
    if (!(reached & (1 << k))) continue;
    t.customers[k]!++;
    const at = times[k]!;
    if (!Number.isNaN(at)) {
      if (!Number.isNaN(previous)) t.seconds[k]!.push((at - previous) / 1000);
      previous = at;
    }
  }
}

/**
 * The value at quantile q (linear interpolation, as numpy's default), reordering `values`: a selection,
 * not a sort, as funnels of millions of customers have as many times per step.
 */
function quantile(values: Float64Array, q: number): number | null {
  if (values.length === 0) return null;
  const pos = (values.length - 1) * q;
  const lo = Math.floor(pos);
  const below = select(values, lo);
  // Every value right of lo is at least `below`: the next one in order is their minimum.
  let above = below;
  if (pos > lo) {
    above = Number.POSITIVE_INFINITY;
    for (let i = lo + 1; i < values.length; i++) above = Math.min(above, values[i]!);
  }
  return Math.round((below + (above - below) * (pos - lo)) * 1000) / 1000;
}

function stepStats(steps: FunnelStep[], t: Tally, order: FunnelOrder): FunnelStepStats[] {
  const first = t.customers[0] ?? 0;
  return steps.map((s, k) => {
    // The step before that every customer here must have done: optional steps are passed over.
    let p = k - 1;
    while (p > 0 && steps[p]!.optional && !s.optional) p--;
    const customers = t.customers[k]!;
    const previous = k === 0 ? customers : t.customers[p]!;
    const seconds = Float64Array.from(t.seconds[k]!);
    return {
      name: order === "any" ? `${k + 1} of ${steps.length} steps` : s.name,
      optional: s.optional,
      customers,
      conversionFromPrevious: previous ? customers / previous : null,
      conversionFromFirst: first ? customers / first : null,
      dropOff: k === 0 ? 0 : Math.max(0, previous - customers),
      dropOffRate: k === 0 || !previous ? 0 : Math.max(0, previous - customers) / previous,
      medianSecondsFromPrevious: k === 0 ? null : quantile(seconds, 0.5),
      p90SecondsFromPrevious: k === 0 ? null : quantile(seconds, 0.9),
    };
  });
}

function breakdownStats(options: FunnelOptions, byValue: Map<string, Tally>): FunnelBreakdown {
  const n = options.steps.length;
  const ranked = [...byValue.entries()].sort(
    (a, b) => b[1].customers[0]! - a[1].customers[0]! || (a[0] < b[0] ? -1 : 1),
  );
  const shown = ranked.slice(0, options.breakdownLimit);
  const rest = ranked.slice(options.breakdownLimit);
  if (rest.length) {
    const other = newTally(n);
    for (const [, t] of rest)
      for (let k = 0; k < n; k++) {
        other.customers[k]! += t.customers[k]!;
        other.seconds[k]!.push(...t.seconds[k]!);
      }
    shown.push(["(other)", other]);
  }
  return {
    by: options.breakdown!,
    values: shown.map(([value, t]) => ({ value, steps: stepStats(options.steps, t, options.order) })),
  };
}
