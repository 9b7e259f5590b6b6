/**
 * Reads a playbook file (automation rules, see rules.ts and default-playbook.yml) and validates it against
 * the catalog: every problem is reported with its line, like a catalog file's (CatalogError).
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import { parseSegment, SegmentError } from "../analysis/segment.js";
import { type Catalog, ID, nameFromId } from "../catalog/catalog.js";
import { parseMatch } from "../catalog/parse-match.js";
import { type Field, type Reader, readMapping, readYamlFile, scalarText } from "../catalog/reader.js";
import { closeMatches } from "../catalog/suggest.js";
import { SURVEY_METRICS, type SurveyMetric } from "../feedback/response.js";
import { parseDuration } from "../util/duration.js";
import type {
  Action,
  ActionKind,
  Cap,
  EmailAction,
  Playbook,
  QuietHours,
  Rule,
  TraitsAction,
  Trigger,
  WebhookAction,
} from "./rules.js";
import { templateProblem } from "./template.js";

export { CatalogError, type CatalogIssue } from "../catalog/reader.js";

const TOP_KEYS = ["email", "quiet_hours", "caps", "rules"];
const EMAIL_DEFAULT_KEYS = ["from"];
const QUIET_KEYS = ["from", "to", "timezone"];
const CAP_KEYS = ["max", "per"];
const ACTION_KINDS: readonly ActionKind[] = ["email", "webhook", "traits"];
const RULE_KEYS = [
  "id",
  "name",
  "description",
  "enabled",
  "trigger",
  "wait",
  "unless",
  "only",
  "holdout",
  "cap",
  "measure",
  "fresh",
  "quiet_hours",
  "actions",
];
const TRIGGER_KINDS = ["goal", "touchpoint", "event", "survey", "inactive", "p_alive_below"];
const MEASURE_KEYS = ["goal", "within"];
const SCORE_KEYS = ["min", "max"];
const EMAIL_KEYS = ["template", "to", "subject", "text", "html", "from"];
const WEBHOOK_KEYS = ["url", "secret_env", "headers", "body", "record"];
const TRAITS_KEYS = ["set", "tags"];

const ID_HINT = "use lower-case letters, digits and _, starting with a letter";
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const TRAIT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by Touchpoint on every call (see deliver/webhook.ts). */
const RESERVED_HEADER = /^(idempotency-key|touchpoint-.*)$/i;
/** Belong to the HTTP client. */
const TRANSPORT_HEADER =
  /^(content-length|transfer-encoding|connection|keep-alive|upgrade|expect|te|trailer|host)$/i;

const DAY = 86_400_000;
/** Where an email goes unless the action says otherwise. */
export const DEFAULT_TO = "{{ customer.traits.email }}";
export const DEFAULT_MEASURE_WITHIN_MS = 30 * DAY;
export const DEFAULT_FRESH_MS = DAY;

/** Reads and validates a playbook file; throws CatalogError listing every problem with its line. */
export function loadPlaybook(path: string, catalog: Catalog): Playbook {
  return parsePlaybook(readYamlFile(path, "the automation rules"), path, catalog);
}

export function parsePlaybook(text: string, file: string, catalog: Catalog): Playbook {
  const { r, root } = readMapping(
    text,
    file,
    "a playbook is a mapping with rules (and optionally email, quiet_hours and caps)",
  );
  const top = r.fields(root, TOP_KEYS, "the playbook");
  const playbook: Playbook = {
    file,
    emailFrom: parseEmailDefaults(r, top.get("email")),
    quietHours: parseQuietHours(r, top.get("quiet_hours"), "quiet_hours") ?? null,
    channelCaps: parseCaps(r, top.get("caps")),
    rules: [],
  };
  const rules = top.get("rules");
  if (!rules) r.report(root, 'the playbook is missing "rules"');
  else playbook.rules = parseRules(r, rules, playbook, catalog);

  r.throwIfIssues();
  return playbook;
}

// --- Small readers shared by every level.

/** The names of a mapping's keys, without reporting anything (entries() and fields() do that). */
function keyNames(map: YAMLMap): string[] {
  return map.items.flatMap((pair) => {
    const name = isScalar(pair.key) ? scalarText(pair.key) : undefined;
    return name === undefined ? [] : [name];
  });
}

const quote = (s: string) => JSON.stringify(s);
const hasTemplate = (s: string) => s.includes("{{") || s.includes("{%");

/** A Liquid template, checked by compiling it; undefined when absent or invalid (reported). */
function template(r: Reader, field: Field | undefined, what: string): string | undefined {
  if (!field) return undefined;
  const node = r.node(field.value);
  if (node && (isMap(node) || isSeq(node))) {
    r.report(node, `${what} must be a text (a template), not a ${isMap(node) ? "mapping" : "list"}`);
    return undefined;
  }
  const source = r.text(field, what);
  if (source === undefined) return undefined;
  const problem = templateProblem(source);
  if (problem) {
    r.report(r.at(field), `${what}: ${problem}`);
    return undefined;
  }
  return source;
}

/** A duration such as 30m or 7d in ms; `zero`: a plain 0 is allowed (and 0d). */
function duration(r: Reader, field: Field | undefined, what: string, zero = false): number | undefined {
  if (!field) return undefined;
  const text = r.text(field, what);
  if (text === undefined) return undefined;
  if (zero && text.trim() === "0") return 0;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    r.report(r.at(field), `${what}: ${(err as Error).message}`);
    return undefined;
  }
  if (ms <= 0 && !zero) {
    r.report(r.at(field), `${what} must be longer than 0`);
    return undefined;
  }
  return ms;
}

function bool(r: Reader, field: Field | undefined, what: string): boolean | undefined {
  if (!field) return undefined;
  const node = r.node(field.value);
  if (node && isScalar(node) && typeof node.value === "boolean") return node.value;
  r.report(r.at(field), `${what} must be true or false`);
  return undefined;
}

function numberOf(r: Reader, field: Field): number | undefined {
  const node = r.node(field.value);
  return node && isScalar(node) && typeof node.value === "number" && Number.isFinite(node.value)
    ? node.value
    : undefined;
}

/** The mapping under a field, or undefined (reported with `hint`) when it is something else. */
function mapping(r: Reader, field: Field, hint: string): YAMLMap | undefined {
  const node = r.node(field.value);
  if (node && isMap(node)) return node;
  r.report(r.at(field), hint);
  return undefined;
}

/** `Name <a@b.example>` or `a@b.example`. */
function isAddress(text: string): boolean {
  const m = /^[^<>]*<([^<>]+)>\s*$/.exec(text.trim());
  return ADDRESS.test(m ? m[1]!.trim() : text.trim());
}

/** "; did you mean …?", or the ids there are when there are few and none is close. */
function suggestion(id: string, known: readonly string[]): string {
  const close = closeMatches(id, known);
  if (close.length) return `; did you mean ${close.join(", ")}?`;
  return known.length && known.length <= 12 ? `; there are: ${known.join(", ")}` : "";
}

function goalRef(r: Reader, field: Field | undefined, what: string, catalog: Catalog): string | undefined {
  const id = r.text(field, what);
  if (id === undefined) return undefined;
  if (catalog.goals.some((g) => g.id === id)) return id;
  const goals = catalog.goals.map((g) => g.id);
  let message = `${what}: unknown goal ${quote(id)}`;
  if (catalog.touchpoints.some((t) => t.id === id)) message += " (it is a touchpoint, not a goal)";
  else if (!goals.length) message += ": the catalog has no goals";
  else message += suggestion(id, goals);
  r.report(r.at(field!), message);
  return undefined;
}

function touchpointRef(r: Reader, field: Field, what: string, catalog: Catalog): string | undefined {
  const id = r.text(field, what);
  if (id === undefined) return undefined;
  if (catalog.touchpoints.some((t) => t.id === id)) return id;
  let message = `${what}: unknown touchpoint ${quote(id)}`;
  if (catalog.goals.some((g) => g.id === id)) message += ` (it is a goal: write { goal: ${id} })`;
  else
    message += suggestion(
      id,
      catalog.touchpoints.map((t) => t.id),
    );
  r.report(r.at(field), message);
  return undefined;
}

// --- Playbook-level settings.

function parseEmailDefaults(r: Reader, field: Field | undefined): string | null {
  if (!field) return null;
  const map = mapping(r, field, 'email must be a mapping such as { from: "Shop <hello@shop.example>" }');
  if (!map) return null;
  const f = r.fields(map, EMAIL_DEFAULT_KEYS, "email");
  return sender(r, f.get("from"), "email.from");
}

function sender(r: Reader, field: Field | undefined, what: string): string | null {
  const from = r.optionalText(field, what);
  if (from !== null && !isAddress(from)) {
    r.report(
      r.at(field!),
      `${what} must be an email address such as "Shop <hello@shop.example>", not ${quote(from)}`,
    );
  }
  return from;
}

/**
 * Quiet hours: a mapping, or `false` (null: none). Undefined when absent or invalid (reported).
 */
function parseQuietHours(r: Reader, field: Field | undefined, what: string): QuietHours | null | undefined {
  if (!field) return undefined;
  const node = r.node(field.value);
  if (node && isScalar(node) && node.value === false) return null;
  if (!node || !isMap(node)) {
    r.report(
      r.at(field),
      `${what} must be false or a mapping such as { from: "21:00", to: "08:00", timezone: Europe/Copenhagen }`,
    );
    return undefined;
  }
  const f = r.fields(node, QUIET_KEYS, what);
  for (const key of QUIET_KEYS) r.required(f, key, node, what);
  const time = (key: string) => {
    const field = f.get(key);
    const text = r.text(field, `${what} ${key}`);
    if (text === undefined || HHMM.test(text)) return text;
    r.report(r.at(field!), `${what} ${key}: ${quote(text)} is not a time: use HH:MM (24-hour), e.g. 08:00`);
    return undefined;
  };
  const from = time("from");
  const to = time("to");
  if (from !== undefined && from === to)
    r.report(node, `${what}: from and to are both ${from}; give a window such as 21:00 to 08:00`);
  const tz = f.get("timezone");
  let timezone = r.text(tz, `${what} timezone`);
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      r.report(
        r.at(tz!),
        `${what} timezone: unknown time zone ${quote(timezone)}; use an IANA zone such as Europe/Copenhagen or UTC`,
      );
      timezone = undefined;
    }
  }
  return from !== undefined && to !== undefined && from !== to && timezone !== undefined
    ? { from, to, timezone }
    : undefined;
}

function parseCaps(r: Reader, field: Field | undefined): Partial<Record<ActionKind, Cap>> {
  const caps: Partial<Record<ActionKind, Cap>> = {};
  if (!field) return caps;
  const map = mapping(r, field, "caps must be a mapping of action kinds to caps, e.g. { email: 3 per 7d }");
  if (!map) return caps;
  for (const [kind, entry] of r.fields(map, ACTION_KINDS, "caps")) {
    const cap = parseCap(r, entry, `caps ${kind}`);
    if (cap) caps[kind as ActionKind] = cap;
  }
  return caps;
}

/** `N per DURATION` or `{ max: N, per: DURATION }`. */
function parseCap(r: Reader, field: Field, what: string): Cap | undefined {
  const node = r.node(field.value);
  const hint = `${what} must be "N per DURATION" such as 3 per 7d, or { max: 3, per: 7d }`;
  let max: number | undefined;
  let perMs: number | undefined;
  if (node && isMap(node)) {
    const f = r.fields(node, CAP_KEYS, what);
    const maxField = r.required(f, "max", node, what);
    const perField = r.required(f, "per", node, what);
    if (maxField) {
      max = numberOf(r, maxField);
      if (max === undefined) r.report(r.at(maxField), `${what} max must be a whole number`);
    }
    perMs = duration(r, perField, `${what} per`);
    if (maxField && max !== undefined) return checkMax(r, r.at(maxField), what, max, perMs);
    return undefined;
  }
  const text = r.text(field, what);
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s+per\s+(\S.*?)\s*$/i.exec(text);
  if (!m) {
    r.report(r.at(field), `${hint}, not ${quote(text)}`);
    return undefined;
  }
  try {
    perMs = parseDuration(m[2]!);
    if (perMs <= 0) r.report(r.at(field), `${what}: the period must be longer than 0`);
  } catch (err) {
    r.report(r.at(field), `${what}: ${(err as Error).message}`);
  }
  return checkMax(r, r.at(field), what, Number(m[1]), perMs && perMs > 0 ? perMs : undefined);
}

function checkMax(r: Reader, at: Node, what: string, max: number, perMs: number | undefined) {
  if (!Number.isInteger(max) || max < 1) {
    r.report(at, `${what}: at most ${max} is not a cap; give a whole number of 1 or more`);
    return undefined;
  }
  return perMs === undefined ? undefined : { max, perMs };
}

// --- Rules.

interface Context {
  catalog: Catalog;
  playbook: Playbook;
}

function parseRules(r: Reader, field: Field, playbook: Playbook, catalog: Catalog): Rule[] {
  const list = r.node(field.value);
  if (!list || !isSeq(list)) {
    r.report(r.at(field), "rules must be a list of rules, each starting with `- id: …`");
    return [];
  }
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items) {
    const node = r.node(item);
    if (!node || !isMap(node)) {
      r.report(node ?? list, "each rule must be a mapping with id, trigger and actions");
      continue;
    }
    const before = r.issues.length;
    const rule = parseRule(r, node, { catalog, playbook });
    if (rule.id && ID.test(rule.id)) {
      if (seen.has(rule.id))
        r.report(node, `duplicate rule id "${rule.id}" (first at line ${seen.get(rule.id)})`);
      else seen.set(rule.id, rule.line);
    }
    if (r.issues.length === before) rules.push(rule as Rule);
  }
  return rules;
}

/** The rule as far as it is valid: complete when no issue was reported while reading it. */
function parseRule(r: Reader, node: YAMLMap, ctx: Context): Partial<Rule> & { line: number } {
  const f = r.fields(node, RULE_KEYS, "a rule");
  const id = r.text(f.get("id"), "rule id");
  const what = id ? `rule "${id}"` : "a rule";
  for (const key of ["id", "trigger", "actions"]) r.required(f, key, node, what);
  if (id !== undefined && !ID.test(id)) r.report(r.at(f.get("id")!), `invalid rule id "${id}": ${ID_HINT}`);
  const trigger = f.get("trigger");
  const actions = f.get("actions");
  const quiet = f.get("quiet_hours");
  return {
    id,
    name: r.optionalText(f.get("name"), `${what} name`) ?? (id ? nameFromId(id) : ""),
    description: r.optionalText(f.get("description"), `${what} description`),
    enabled: bool(r, f.get("enabled"), `${what} enabled`) ?? true,
    trigger: trigger && parseTrigger(r, trigger, `${what} trigger`, ctx.catalog),
    waitMs: duration(r, f.get("wait"), `${what} wait`, true) ?? 0,
    unless: segment(r, f.get("unless"), `${what} unless`, ctx.catalog),
    only: segment(r, f.get("only"), `${what} only`, ctx.catalog),
    holdout: parseHoldout(r, f.get("holdout"), `${what} holdout`) ?? 0,
    cap: (f.get("cap") && parseCap(r, f.get("cap")!, `${what} cap`)) ?? null,
    quietHours: quiet ? (parseQuietHours(r, quiet, `${what} quiet_hours`) ?? null) : ctx.playbook.quietHours,
    measure: parseMeasure(r, f.get("measure"), what, ctx.catalog, node),
    freshMs: duration(r, f.get("fresh"), `${what} fresh`) ?? DEFAULT_FRESH_MS,
    actions: actions ? parseActions(r, actions, what, ctx) : [],
    line: r.position(node).line,
  };
}

function segment(r: Reader, field: Field | undefined, what: string, catalog: Catalog) {
  if (!field) return null;
  const text = r.text(field, what);
  if (text === undefined) return null;
  try {
    return { text, segment: parseSegment(text, catalog) };
  } catch (err) {
    if (!(err instanceof SegmentError)) throw err;
    r.report(r.at(field), `${what}: ${err.message}`);
    return null;
  }
}

/** `10%` or `0.1`: at most half of the customers. */
function parseHoldout(r: Reader, field: Field | undefined, what: string): number | undefined {
  if (!field) return undefined;
  const node = r.node(field.value);
  let share: number | undefined;
  if (node && isScalar(node) && typeof node.value === "number") share = node.value;
  else if (node && isScalar(node) && typeof node.value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(node.value);
    if (m) share = Number(m[1]) / 100;
  }
  if (share === undefined || !Number.isFinite(share) || share < 0) {
    r.report(r.at(field), `${what} must be a percentage such as 10% or a share such as 0.1`);
    return undefined;
  }
  if (share > 0.5) {
    const given = node && isScalar(node) ? (scalarText(node) ?? String(share)) : String(share);
    r.report(
      r.at(field),
      `${what} ${given} would hold out more than half of the customers: at most 50% (0.5); 10% is usual`,
    );
    return undefined;
  }
  return share;
}

function parseMeasure(r: Reader, field: Field | undefined, what: string, catalog: Catalog, at: Node) {
  const first = catalog.goals[0]?.id;
  const withinDefault = DEFAULT_MEASURE_WITHIN_MS;
  if (!field) {
    if (first === undefined)
      r.report(
        at,
        `${what} needs measure: { goal: … }, the goal its lift is measured on: the catalog has no goals`,
      );
    return { goal: first ?? "", withinMs: withinDefault };
  }
  const map = mapping(r, field, `${what} measure must be a mapping such as { goal: purchase, within: 30d }`);
  if (!map) return { goal: first ?? "", withinMs: withinDefault };
  const f = r.fields(map, MEASURE_KEYS, `${what} measure`);
  const goalField = f.get("goal");
  let goal = first;
  if (goalField) goal = goalRef(r, goalField, `${what} measure goal`, catalog);
  else if (first === undefined) r.report(map, `${what} measure needs a goal: the catalog has no goals`);
  return {
    goal: goal ?? "",
    withinMs: duration(r, f.get("within"), `${what} measure within`) ?? withinDefault,
  };
}

// --- Triggers.

function parseTrigger(r: Reader, field: Field, what: string, catalog: Catalog): Trigger | undefined {
  const kinds = TRIGGER_KINDS.join(", ");
  const node = r.node(field.value);
  if (!node || !isMap(node)) {
    r.report(r.at(field), `${what} must be a mapping such as { goal: purchase }; kinds: ${kinds}`);
    return undefined;
  }
  const keys = new Set(keyNames(node));
  // `goal` next to `inactive` narrows it to customers who reached the goal: not a second kind.
  const found = TRIGGER_KINDS.filter((k) => keys.has(k) && !(k === "goal" && keys.has("inactive")));
  if (found.length > 1) {
    r.report(node, `${what} has ${found.join(" and ")}: a trigger has exactly one kind, one of ${kinds}`);
    return undefined;
  }
  if (found.length === 0) {
    if (node.items.length === 0) r.report(node, `${what} is empty: give one of ${kinds}`);
    else r.fields(node, TRIGGER_KINDS, what); // reports each key, naming the kinds
    return undefined;
  }
  const kind = found[0]!;
  if (kind === "event") {
    // The whole mapping is one match rule, in the catalog's syntax.
    const rules = parseMatch(r, node, field.key);
    return rules?.length === 1 ? { kind: "event", match: rules[0]! } : undefined;
  }
  const f = r.fields(
    node,
    kind === "survey" ? ["survey", "score"] : kind === "inactive" ? ["inactive", "goal"] : [kind],
    what,
  );
  switch (kind) {
    case "goal": {
      const id = goalRef(r, f.get("goal"), what, catalog);
      return id === undefined ? undefined : { kind: "goal", id };
    }
    case "touchpoint": {
      const id = touchpointRef(r, f.get("touchpoint")!, what, catalog);
      return id === undefined ? undefined : { kind: "touchpoint", id };
    }
    case "survey":
      return parseSurveyTrigger(r, f, what);
    case "inactive": {
      const afterMs = duration(r, f.get("inactive"), `${what} inactive`);
      const goalField = f.get("goal");
      const goal = goalField ? goalRef(r, goalField, `${what} goal`, catalog) : null;
      return afterMs === undefined || goal === undefined ? undefined : { kind: "inactive", afterMs, goal };
    }
    default: {
      const field = f.get("p_alive_below")!;
      const below = numberOf(r, field);
      if (below !== undefined && below > 0 && below < 1) return { kind: "p_alive", below };
      r.report(r.at(field), `${what} p_alive_below must be a number between 0 and 1 (exclusive), e.g. 0.3`);
      return undefined;
    }
  }
}

function parseSurveyTrigger(r: Reader, f: Map<string, Field>, what: string): Trigger | undefined {
  const metricField = f.get("survey")!;
  const metric = r.text(metricField, `${what} survey`);
  const metrics = Object.keys(SURVEY_METRICS);
  if (metric !== undefined && !metrics.includes(metric)) {
    r.report(
      r.at(metricField),
      `${what}: unknown survey metric ${quote(metric)}; one of ${metrics.join(", ")}`,
    );
    return undefined;
  }
  const scale = metric === undefined ? undefined : SURVEY_METRICS[metric as SurveyMetric];
  const scoreField = f.get("score");
  let min: number | null = null;
  let max: number | null = null;
  if (scoreField) {
    const node = r.node(scoreField.value);
    const hint = `${what} score must be a range such as "0-6", a score, or { min: 0, max: 6 }`;
    const bound = (field: Field | undefined, key: string): number | null | undefined => {
      if (!field) return null;
      const n = numberOf(r, field);
      if (n === undefined) r.report(r.at(field), `${what} score ${key} must be a number`);
      return n;
    };
    if (node && isMap(node)) {
      const s = r.fields(node, SCORE_KEYS, `${what} score`);
      const lo = bound(s.get("min"), "min");
      const hi = bound(s.get("max"), "max");
      if (lo === undefined || hi === undefined) return undefined;
      if (lo === null && hi === null) {
        r.report(node, `${what} score: give min, max or both, e.g. { min: 0, max: 6 }`);
        return undefined;
      }
      [min, max] = [lo, hi];
    } else if (node && isScalar(node) && typeof node.value === "number") {
      [min, max] = [node.value, node.value];
    } else {
      const text = node && isScalar(node) ? scalarText(node) : undefined;
      const m =
        text === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
      if (!m) {
        r.report(r.at(scoreField), text === undefined ? hint : `${hint}, not ${quote(text)}`);
        return undefined;
      }
      [min, max] = [Number(m[1]), Number(m[2])];
    }
    if (scale) {
      const outside = [min, max].filter((n) => n !== null && (n < scale.min || n > scale.max));
      if (outside.length) {
        r.report(
          r.at(scoreField),
          `${what} score ${outside[0]} is outside the ${metric} scale, ${scale.min} to ${scale.max}`,
        );
        return undefined;
      }
    }
    if (min !== null && max !== null && min > max) {
      r.report(r.at(scoreField), `${what} score: min ${min} is above max ${max}`);
      return undefined;
    }
  }
  return metric === undefined ? undefined : { kind: "survey", metric: metric as SurveyMetric, min, max };
}

// --- Actions.

function parseActions(r: Reader, field: Field, what: string, ctx: Context): Action[] {
  const list = r.node(field.value);
  const kinds = ACTION_KINDS.join(", ");
  if (!list || !isSeq(list)) {
    r.report(
      r.at(field),
      `${what} actions must be a list of actions such as - email: { … }; kinds: ${kinds}`,
    );
    return [];
  }
  if (list.items.length === 0) {
    r.report(list, `${what} has no actions: give at least one of ${kinds}`);
    return [];
  }
  const actions: Action[] = [];
  for (const item of list.items) {
    const node = r.node(item);
    if (!node || !isMap(node) || node.items.length === 0) {
      r.report(
        node ?? list,
        `each action of ${what} must be a mapping with one of ${kinds}, e.g. - email: { … }`,
      );
      continue;
    }
    if (node.items.length > 1) {
      r.report(
        node,
        `an action of ${what} has ${keyNames(node).join(" and ")}: each action has exactly one of ${kinds}; list them as separate items`,
      );
      continue;
    }
    const [entry] = r.fields(node, ACTION_KINDS, `an action of ${what}`);
    if (!entry) continue;
    const [kind, body] = entry as [ActionKind, Field];
    const line = r.position(node).line;
    const map = mapping(
      r,
      body,
      `${what} ${kind} action must be a mapping of its settings, e.g. ${EXAMPLES[kind]}`,
    );
    if (!map) continue;
    const w = `${what} ${kind}`;
    const action =
      kind === "email"
        ? parseEmail(r, map, w, line, ctx)
        : kind === "webhook"
          ? parseWebhook(r, map, w, line)
          : parseTraits(r, map, w, line);
    if (action) {
      actions.push(action);
      checkSurveyLinks(r, node, w, action, ctx.catalog);
    }
  }
  return actions;
}

/** `{{ "x" | survey_link }}` in any of an action's templates must name one of the catalog's surveys. */
function checkSurveyLinks(r: Reader, node: Node, what: string, action: Action, catalog: Catalog): void {
  const sources = JSON.stringify(action);
  const surveys = (catalog.surveys ?? []).map((s) => s.id);
  // Survey ids are catalog ids (letters, digits, _ and -): no quote or backslash to unescape.
  for (const m of sources.matchAll(/(?:\\"|')([^"'\\]*)(?:\\"|')\s*\|\s*survey_link\b/g)) {
    const id = m[1]!;
    if (!surveys.includes(id))
      r.report(
        node,
        `${what}: survey_link names no survey ${quote(id)} in the catalog; ${
          surveys.length ? `surveys: ${surveys.join(", ")}` : "the catalog defines none"
        }`,
      );
  }
}

const EXAMPLES: Record<ActionKind, string> = {
  email: "{ template: thank_you, subject: …, text: … }",
  webhook: "{ url: https://hooks.example.com/x }",
  traits: "{ tags: [vip] }",
};

function parseEmail(
  r: Reader,
  map: YAMLMap,
  what: string,
  line: number,
  ctx: Context,
): EmailAction | undefined {
  const before = r.issues.length;
  const f = r.fields(map, EMAIL_KEYS, what);
  r.required(f, "template", map, what);
  r.required(f, "subject", map, what);
  const name = r.text(f.get("template"), `${what} template`);
  if (name !== undefined && !ID.test(name))
    r.report(r.at(f.get("template")!), `${what} template ${quote(name)} must be a plain name: ${ID_HINT}`);
  const toField = f.get("to");
  const to = toField ? template(r, toField, `${what} to`) : DEFAULT_TO;
  if (to !== undefined && !hasTemplate(to) && !to.split(",").every(isAddress))
    r.report(
      r.at(toField!),
      `${what} to must be an email address or a template such as ${DEFAULT_TO}, not ${quote(to)}`,
    );
  const subject = template(r, f.get("subject"), `${what} subject`);
  const text = template(r, f.get("text"), `${what} text`) ?? null;
  const html = template(r, f.get("html"), `${what} html`) ?? null;
  if (!f.has("text") && !f.has("html")) r.report(map, `${what} needs a text or an html body (or both)`);
  const from = sender(r, f.get("from"), `${what} from`);
  if (from === null && ctx.playbook.emailFrom === null)
    r.report(map, `${what} has no sender: set email.from at the top of the playbook, or from on the action`);
  if (r.issues.length !== before || name === undefined || to === undefined || subject === undefined)
    return undefined;
  return { kind: "email", to, subject, text, html, from, template: name, line };
}

function parseWebhook(r: Reader, map: YAMLMap, what: string, line: number): WebhookAction | undefined {
  const before = r.issues.length;
  const f = r.fields(map, WEBHOOK_KEYS, what);
  r.required(f, "url", map, what);
  const url = template(r, f.get("url"), `${what} url`);
  if (url !== undefined && !hasTemplate(url)) {
    let protocol: string | null = null;
    try {
      protocol = new URL(url.trim()).protocol;
    } catch {}
    if (protocol !== "http:" && protocol !== "https:")
      r.report(r.at(f.get("url")!), `${what} url must be an http:// or https:// URL, not ${quote(url)}`);
  }
  const secretEnv = r.optionalText(f.get("secret_env"), `${what} secret_env`);
  if (secretEnv !== null && !ENV_NAME.test(secretEnv))
    r.report(
      r.at(f.get("secret_env")!),
      `${what} secret_env must be the NAME of an environment variable (A-Z, 0-9 and _, e.g. TOUCHPOINT_WEBHOOK_SECRET), not ${quote(secretEnv)}: the secret itself never goes in the file`,
    );
  const headers: Record<string, string> = {};
  const headersField = f.get("headers");
  const headerMap =
    headersField && mapping(r, headersField, `${what} headers must be a mapping such as { X-Team: cx }`);
  if (headerMap) {
    for (const [name, entry] of r.entries(headerMap, `${what} headers`)) {
      if (!HEADER_NAME.test(name)) r.report(entry.key, `${what}: ${quote(name)} is not a valid header name`);
      else if (RESERVED_HEADER.test(name))
        r.report(entry.key, `${what}: the header ${name} is set by Touchpoint`);
      else if (TRANSPORT_HEADER.test(name))
        r.report(entry.key, `${what}: the header ${name} belongs to the HTTP client and cannot be set`);
      const value = template(r, entry, `${what} header ${name}`);
      if (value !== undefined) headers[name] = value;
    }
  }
  const body = template(r, f.get("body"), `${what} body`) ?? null;
  if (body !== null && !hasTemplate(body)) {
    try {
      JSON.parse(body);
    } catch (err) {
      r.report(r.at(f.get("body")!), `${what} body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const record = r.optionalText(f.get("record"), `${what} record`);
  if (r.issues.length !== before || url === undefined) return undefined;
  return { kind: "webhook", url, headers, secretEnv, body, record, line };
}

function parseTraits(r: Reader, map: YAMLMap, what: string, line: number): TraitsAction | undefined {
  const before = r.issues.length;
  const f = r.fields(map, TRAITS_KEYS, what);
  const set: Record<string, string> = {};
  const setField = f.get("set");
  const setMap =
    setField &&
    mapping(r, setField, `${what} set must be a mapping of traits, e.g. { winback_offer: "10%" }`);
  if (setMap) {
    for (const [name, entry] of r.entries(setMap, `${what} set`)) {
      if (name === "tags") r.report(entry.key, `${what}: add tags with tags: [ … ], not set`);
      else if (!TRAIT_NAME.test(name))
        r.report(entry.key, `${what}: invalid trait name ${quote(name)}: use letters, digits and _`);
      const value = template(r, entry, `${what} set ${name}`);
      if (value !== undefined) set[name] = value;
    }
  }
  const tags: string[] = [];
  const tagsField = f.get("tags");
  if (tagsField) {
    const list = r.node(tagsField.value);
    if (!list || !isSeq(list)) r.report(r.at(tagsField), `${what} tags must be a list such as [winback]`);
    else
      for (const item of list.items) {
        const node = r.node(item);
        const tag = node ? scalarText(node) : undefined;
        if (tag === undefined || !TAG.test(tag))
          r.report(
            node ?? list,
            `${what} tags: ${tag === undefined ? "each tag must be a name" : `invalid tag ${quote(tag)}`}; use letters, digits, _ and -`,
          );
        else if (!tags.includes(tag)) tags.push(tag);
      }
  }
  if (!Object.keys(set).length && !tags.length && r.issues.length === before)
    r.report(map, `${what} needs set or tags (or both), e.g. { tags: [vip] }`);
  return r.issues.length === before ? { kind: "traits", set, tags, line } : undefined;
}
