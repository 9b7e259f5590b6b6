/** The journey map as code: stages, goals and touchpoints, as loaded from a catalog file. */

export type MatchValue =
  | { kind: "exact"; values: string[] }
  | { kind: "pattern"; glob: string }
  | { kind: "regex"; source: string };

/** All present conditions must hold (AND); a rule with no conditions matches every event. */
export interface MatchRule {
  event?: MatchValue;
  type?: MatchValue;
  channel?: MatchValue;
  source?: MatchValue;
  utm_source?: MatchValue;
  utm_medium?: MatchValue;
  utm_campaign?: MatchValue;
  /** Key = dotted property path, e.g. "template" or "order.kind". */
  properties?: Record<string, MatchValue>;
}

export interface Stage {
  id: string;
  name: string;
}

export type GoalValue =
  | { kind: "revenue" }
  | { kind: "property"; path: string }
  | { kind: "constant"; amount: number };

export interface Goal {
  id: string;
  name: string;
  match: MatchRule[];
  value: GoalValue;
}

export interface Targets {
  csat?: number;
  nps?: number;
  ces?: number;
  dropOff?: number;
  conversion?: number;
}

export interface Touchpoint {
  id: string;
  name: string;
  stage: string;
  channel: string | null;
  description: string | null;
  owner: string | null;
  match: MatchRule[];
  target: Targets;
  line: number;
}

/** A survey a business sends: one question, scored on one metric, rating one touchpoint. */
export interface Survey {
  id: string;
  metric: "nps" | "csat" | "ces";
  /** The question per language code (`en`, `da`…); the first is the default. */
  question: Record<string, string>;
  /** The touchpoint it rates; answers without one rate the customer's last touchpoint. */
  touchpoint: string | null;
  line: number;
}

export interface Catalog {
  file: string;
  currency: string | null;
  stages: Stage[];
  goals: Goal[];
  touchpoints: Touchpoint[];
  /** Optional: surveys for the hosted survey page and signed links. */
  surveys?: Survey[];
}

/** The event columns a rule may test; anything else is a property path. */
export const RULE_COLUMNS = [
  "event",
  "type",
  "channel",
  "source",
  "utm_source",
  "utm_medium",
  "utm_campaign",
] as const;
export type RuleColumn = (typeof RULE_COLUMNS)[number];

/** Columns declared NOT NULL in the events table: a catch-all on them matches every row. */
export const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(["type", "source", "channel"]);

/** Ids are safe to emit as SQL string literals. */
export const ID = /^[a-z][a-z0-9_]*$/;
export const STAGE_ID = /^[a-z][a-z0-9_-]*$/;

export const TARGET_RANGES: Readonly<Record<keyof Targets, readonly [number, number]>> = {
  csat: [1, 5],
  nps: [-100, 100],
  ces: [1, 7],
  dropOff: [0, 1],
  conversion: [0, 1],
};

/** A readable name from an id: "pre-purchase" → "Pre-purchase", "first_order" → "First order". */
export function nameFromId(id: string): string {
  const spaced = id.replaceAll("_", " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** The own value at `key`, never one inherited from Object.prototype ("constructor" is a valid path). */
export function ownProperty(
  record: Record<string, MatchValue> | undefined,
  key: string,
): MatchValue | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
