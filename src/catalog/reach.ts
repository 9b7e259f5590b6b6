import {
  type Catalog,
  type MatchRule,
  type MatchValue,
  NOT_NULL_COLUMNS,
  ownProperty,
  RULE_COLUMNS,
} from "./catalog.js";
import { isCatchAll, matchesText } from "./match.js";

/**
 * Whether condition `a` holds for every value that condition `b` lets through (`b` undefined: any value,
 * including NULL). Conservative: when unsure, false — a missed warning is better than a false error.
 */
function covers(a: MatchValue, b: MatchValue | undefined, notNull: boolean): boolean {
  if (isCatchAll(a)) return b !== undefined || notNull;
  if (b === undefined) return false;
  if (b.kind === "exact") return b.values.every((v) => matchesText(a, v));
  if (a.kind === "pattern" && b.kind === "pattern") return a.glob === b.glob;
  if (a.kind === "regex" && b.kind === "regex") return a.source === b.source;
  return false;
}

/** True when every event matching rule `b` also matches rule `a`. */
export function subsumes(a: MatchRule, b: MatchRule): boolean {
  for (const column of RULE_COLUMNS) {
    const condition = a[column];
    if (condition && !covers(condition, b[column], NOT_NULL_COLUMNS.has(column))) return false;
  }
  for (const [path, condition] of Object.entries(a.properties ?? {})) {
    if (!covers(condition, ownProperty(b.properties, path), false)) return false;
  }
  return true;
}

export interface Unreachable {
  kind: "goal" | "touchpoint";
  id: string;
  message: string;
}

interface Owner {
  kind: "goal" | "touchpoint";
  id: string;
  match: MatchRule[];
  line: number | undefined;
}

const isEmpty = (rule: MatchRule) =>
  RULE_COLUMNS.every((c) => rule[c] === undefined) && Object.keys(rule.properties ?? {}).length === 0;

/** The first earlier owner of a rule subsuming `rule`, if any. */
function catcher(rule: MatchRule, earlier: readonly Owner[]): { owner: Owner; rule: MatchRule } | null {
  for (const owner of earlier) {
    const hit = owner.match.find((a) => subsumes(a, rule));
    if (hit) return { owner, rule: hit };
  }
  return null;
}

function describe(subject: Owner, earlier: readonly Owner[]): string | null {
  const caught = subject.match.map((rule) => catcher(rule, earlier));
  if (caught.length === 0 || caught.some((c) => c === null)) return null;
  const hits = caught.filter((c) => c !== null);
  const owners = [...new Set(hits.map((h) => h.owner))];
  const names = owners.map((o) => `${o.kind} "${o.id}"${o.line ? ` (line ${o.line})` : ""}`);
  let message = `${subject.kind} "${subject.id}" can never match: every event it matches is caught first by ${names.join(" and ")}`;
  if (hits.some((h) => isEmpty(h.rule))) message += " (a rule with no conditions matches every event)";
  if (subject.kind === "touchpoint" && hits.some((h) => h.owner.kind === "goal")) {
    message += "; goals are tested first, and goal events are conversions, not touchpoints";
  }
  return message;
}

/**
 * Goals and touchpoints that can never match: goals are tried first (in order), then touchpoints in
 * order, and the first match wins.
 */
export function findUnreachable(
  catalog: Pick<Catalog, "goals" | "touchpoints">,
  goalLines: ReadonlyMap<string, number> = new Map(),
): Unreachable[] {
  const owners: Owner[] = [
    ...catalog.goals.map((g) => ({
      kind: "goal" as const,
      id: g.id,
      match: g.match,
      line: goalLines.get(g.id),
    })),
    ...catalog.touchpoints.map((t) => ({
      kind: "touchpoint" as const,
      id: t.id,
      match: t.match,
      line: t.line,
    })),
  ];
  const out: Unreachable[] = [];
  owners.forEach((owner, i) => {
    const message = describe(owner, owners.slice(0, i));
    if (message) out.push({ kind: owner.kind, id: owner.id, message });
  });
  return out;
}
