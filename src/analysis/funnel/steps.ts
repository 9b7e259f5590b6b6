import type { Catalog } from "../../catalog/catalog.js";
import { closeMatches } from "../../catalog/suggest.js";
import { parseDuration } from "../../util/duration.js";
import { assertPlainPath } from "../../warehouse/dialect.js";

/**
 * A funnel step as written on the command line: `checkout` (a touchpoint or goal id of the catalog),
 * `Order Completed` (an event name), `touchpoint:ID`, `goal:ID` or `event:NAME` to say which, followed by
 * optional property filters in brackets, `Order Completed[total > 100, category = shoes]`, a `?` for an
 * optional step and `within DURATION` for a time limit from the previous step.
 */
export interface FunnelStep {
  /** The text the user wrote for the target, e.g. `checkout` or `Order Completed`. */
  name: string;
  target: { kind: "touchpoint" | "goal" | "event"; id: string };
  filters: StepFilter[];
  optional: boolean;
  /** At most this long after the previous step done (ms), or null. */
  withinMs: number | null;
}

export interface StepFilter {
  /** An events column (see FILTER_COLUMNS) or a property path. */
  field: { column: string } | { property: string };
  op: "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";
  value: string;
}

export class StepError extends Error {}

/** Columns a step filter may name directly; any other name is a property of the event. */
export const FILTER_COLUMNS = [
  "channel",
  "source",
  "device_type",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "referrer",
  "url",
  "revenue",
  "currency",
] as const;

/** Funnels up to this many steps (and exclusions) fit the bit mask the walk reads. */
export const MAX_STEPS = 16;

/** Splits on commas outside brackets and quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = "";
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[") depth++;
    else if (ch === "]") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

const FILTER = /^\s*([A-Za-z_$][A-Za-z0-9_$.]*)\s*(!=|>=|<=|=|>|<|~)\s*([^<>=!~\s].*?)\s*$/;
const WITHIN = /\s+within\s+(\S+)$/i;

/** Parses one step; `where` names it in errors (`step 2`, `--exclude`). */
export function parseStep(text: string, catalog: Catalog, where: string): FunnelStep {
  let rest = text.trim();
  if (!rest) throw new StepError(`${where} is empty`);
  let withinMs: number | null = null;
  const within = WITHIN.exec(rest);
  if (within) {
    try {
      withinMs = parseDuration(within[1]!);
    } catch (err) {
      throw new StepError(`${where}: ${(err as Error).message}`);
    }
    rest = rest.slice(0, within.index).trim();
  }
  const optional = rest.endsWith("?");
  if (optional) rest = rest.slice(0, -1).trim();
  const filters: StepFilter[] = [];
  const bracket = rest.indexOf("[");
  if (bracket >= 0) {
    if (!rest.endsWith("]"))
      throw new StepError(`${where}: filters go in brackets at the end, e.g. Order Completed[total > 100]`);
    for (const part of splitTopLevel(rest.slice(bracket + 1, -1))) filters.push(parseFilter(part, where));
    rest = rest.slice(0, bracket).trim();
  }
  return { name: rest, target: resolveTarget(rest, catalog, where), filters, optional, withinMs };
}

function parseFilter(text: string, where: string): StepFilter {
  const m = FILTER.exec(text);
  if (!m) throw new StepError(`${where}: not a filter: ${JSON.stringify(text)} (write NAME OP VALUE)`);
  const [, name, op, raw] = m as unknown as [string, string, StepFilter["op"], string];
  const value = raw.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
  const column = (FILTER_COLUMNS as readonly string[]).includes(name);
  const path = name.startsWith("properties.") ? name.slice("properties.".length) : name;
  if (!column) {
    try {
      assertPlainPath(path);
    } catch {
      throw new StepError(`${where}: invalid property path ${JSON.stringify(name)}`);
    }
  }
  if (op !== "=" && op !== "!=" && op !== "~" && !Number.isFinite(Number(value)))
    throw new StepError(`${where}: ${op} compares with a number, not ${JSON.stringify(value)}`);
  return { field: column ? { column: name } : { property: path }, op, value };
}

function resolveTarget(text: string, catalog: Catalog, where: string): FunnelStep["target"] {
  const prefixed = /^(touchpoint|goal|event):(.*)$/.exec(text);
  if (prefixed) {
    const kind = prefixed[1] as "touchpoint" | "goal" | "event";
    const id = prefixed[2]!.trim();
    if (!id) throw new StepError(`${where}: ${kind}: needs a name`);
    if (kind === "touchpoint" && !catalog.touchpoints.some((t) => t.id === id))
      throw new StepError(
        `${where}: no touchpoint ${JSON.stringify(id)} in the catalog${closest(id, catalog)}`,
      );
    if (kind === "goal" && !catalog.goals.some((g) => g.id === id))
      throw new StepError(
        `${where}: no goal ${JSON.stringify(id)} in the catalog; goals: ${catalog.goals.map((g) => g.id).join(", ")}`,
      );
    return { kind, id };
  }
  if (catalog.touchpoints.some((t) => t.id === text)) return { kind: "touchpoint", id: text };
  if (catalog.goals.some((g) => g.id === text)) return { kind: "goal", id: text };
  return { kind: "event", id: text };
}

function closest(id: string, catalog: Catalog): string {
  const near = closeMatches(
    id,
    catalog.touchpoints.map((t) => t.id),
  );
  return near.length ? `; did you mean ${near.join(", ")}?` : "";
}

/** `--steps "A,B,C"` → steps; the first step cannot be optional. */
export function parseSteps(text: string, catalog: Catalog): FunnelStep[] {
  const parts = splitTopLevel(text);
  if (parts.length < 2 && parts[0] === "") throw new StepError('give the steps, e.g. --steps "A,B,C"');
  const steps = parts.map((p, i) => parseStep(p, catalog, `step ${i + 1} (${JSON.stringify(p)})`));
  if (steps[0]!.optional) throw new StepError("step 1 cannot be optional: a funnel starts where it starts");
  if (steps[0]!.withinMs !== null) throw new StepError("step 1 has no previous step to be within");
  if (steps.length > MAX_STEPS) throw new StepError(`at most ${MAX_STEPS} steps, not ${steps.length}`);
  return steps;
}
