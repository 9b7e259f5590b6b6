import { isMap, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import {
  type Catalog,
  type Goal,
  type GoalValue,
  ID,
  nameFromId,
  STAGE_ID,
  type Stage,
  type Survey,
  TARGET_RANGES,
  type Targets,
  type Touchpoint,
} from "./catalog.js";
import { parseMatch, parseValue } from "./parse-match.js";
import { findUnreachable } from "./reach.js";
import { type Field, type Reader, readMapping, readYamlFile } from "./reader.js";

export { CatalogError, type CatalogIssue } from "./reader.js";

const TOP_KEYS = ["currency", "stages", "goals", "touchpoints", "surveys"];
const SURVEY_KEYS = ["id", "metric", "question", "touchpoint"];
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const STAGE_KEYS = ["id", "name"];
const GOAL_KEYS = ["name", "event", "match", "value"];
const TOUCHPOINT_KEYS = ["id", "name", "stage", "channel", "description", "owner", "match", "target"];
const TARGET_KEYS = Object.keys(TARGET_RANGES) as (keyof Targets)[];
const PROPERTY_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const ID_HINT = "use lower-case letters, digits and _, starting with a letter";

/** Reads and validates a catalog file; throws CatalogError listing every problem with its line. */
export function loadCatalog(path: string): Catalog {
  return parseCatalog(readYamlFile(path, "the catalog"), path);
}

export function parseCatalog(text: string, file: string): Catalog {
  const { r, root } = readMapping(text, file, "a catalog is a mapping with stages, goals and touchpoints");
  const top = r.fields(root, TOP_KEYS, "the catalog");
  const catalog: Catalog = {
    file,
    currency: parseCurrency(r, top.get("currency")),
    stages: parseStages(r, r.required(top, "stages", root, "the catalog")),
    goals: [],
    touchpoints: [],
  };
  const goalNodes = new Map<string, Node>();
  const goals = top.get("goals");
  if (goals) catalog.goals = parseGoals(r, goals, goalNodes);
  const goalLines = new Map([...goalNodes].map(([id, node]) => [id, r.position(node).line]));
  const touchpoints = r.required(top, "touchpoints", root, "the catalog");
  const matched = touchpoints ? parseTouchpoints(r, touchpoints, catalog, goalLines) : [];

  const surveys = top.get("surveys");
  if (surveys) catalog.surveys = parseSurveys(r, surveys, catalog);

  const reachable = { goals: catalog.goals, touchpoints: matched.map((m) => m.tp) };
  for (const u of findUnreachable(reachable, goalLines)) {
    const node = u.kind === "goal" ? goalNodes.get(u.id) : matched.find((m) => m.tp.id === u.id)?.node;
    r.report(node ?? root, u.message);
  }
  r.throwIfIssues();
  return catalog;
}

function parseCurrency(r: Reader, field: Field | undefined): string | null {
  const currency = r.optionalText(field, "currency");
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) {
    r.report(r.at(field!), `currency must be a 3-letter upper-case code such as EUR, not "${currency}"`);
  }
  return currency;
}

function parseStages(r: Reader, field: Field | undefined): Stage[] {
  if (!field) return [];
  const list = r.node(field.value);
  if (!list || !isSeq(list) || list.items.length === 0) {
    r.report(r.at(field), "stages must be a list, e.g. [pre-purchase, purchase, post-purchase]");
    return [];
  }
  const stages: Stage[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items) {
    const node = r.node(item) ?? list;
    let id: string | undefined;
    let name: string | undefined;
    if (isMap(node)) {
      const f = r.fields(node, STAGE_KEYS, "a stage");
      id = r.text(r.required(f, "id", node, "a stage"), "stage id");
      name = r.text(f.get("name"), "stage name");
    } else {
      id = r.text({ key: node, value: node }, "a stage");
    }
    if (id === undefined) continue;
    const line = r.position(node).line;
    if (!STAGE_ID.test(id)) r.report(node, `invalid stage id "${id}": ${ID_HINT} or -`);
    else if (seen.has(id)) r.report(node, `duplicate stage id "${id}" (first at line ${seen.get(id)})`);
    else {
      seen.set(id, line);
      stages.push({ id, name: name ?? nameFromId(id) });
    }
  }
  return stages;
}

function parseGoals(r: Reader, field: Field, nodes: Map<string, Node>): Goal[] {
  const map = r.node(field.value);
  if (!map || !isMap(map)) {
    r.report(
      r.at(field),
      "goals must be a mapping of goal ids, e.g. { purchase: { event: Order Completed } }",
    );
    return [];
  }
  const goals: Goal[] = [];
  for (const [id, entry] of r.entries(map, "goals")) {
    nodes.set(id, entry.key);
    if (!ID.test(id)) r.report(entry.key, `invalid goal id "${id}": ${ID_HINT}`);
    const node = r.node(entry.value);
    if (!node || !isMap(node)) {
      r.report(
        r.at(entry),
        `goal "${id}" must be a mapping, e.g. { event: Order Completed, value: revenue }`,
      );
      continue;
    }
    const f = r.fields(node, GOAL_KEYS, `goal "${id}"`);
    const event = f.get("event");
    const match = f.get("match");
    let rules: Goal["match"] | undefined;
    if (event && match) r.report(event.key, `goal "${id}": use event or match, not both`);
    else if (event) {
      const value = parseValue(r, event.value, event.key, `goal "${id}" event`);
      if (value) rules = [{ event: value }];
    } else if (match) rules = parseMatch(r, match.value, match.key);
    else r.report(node, `goal "${id}" is missing "event" (or "match")`);
    const value = parseGoalValue(r, f.get("value"), id);
    const name = r.text(f.get("name"), `goal "${id}" name`) ?? nameFromId(id);
    if (rules && value && ID.test(id)) goals.push({ id, name, match: rules, value });
  }
  return goals;
}

function parseGoalValue(r: Reader, field: Field | undefined, id: string): GoalValue | undefined {
  if (!field) return { kind: "revenue" };
  const node = r.node(field.value);
  if (node && isScalar(node) && typeof node.value === "number" && Number.isFinite(node.value)) {
    return { kind: "constant", amount: node.value };
  }
  const text = node && isScalar(node) && typeof node.value === "string" ? node.value : undefined;
  if (text === "revenue") return { kind: "revenue" };
  const path = text?.startsWith("properties.") ? text.slice("properties.".length) : undefined;
  if (path !== undefined && PROPERTY_PATH.test(path)) return { kind: "property", path };
  r.report(r.at(field), `goal "${id}" value must be revenue, properties.PATH or a number`);
  return undefined;
}

/** Returns the touchpoints whose rules parsed, for the reachability check, even if invalid otherwise. */
function parseTouchpoints(r: Reader, field: Field, catalog: Catalog, goalLines: Map<string, number>) {
  const list = r.node(field.value);
  if (!list || !isSeq(list)) {
    r.report(r.at(field), "touchpoints must be a list of touchpoints, each starting with `- id: …`");
    return [];
  }
  const matched: { tp: Touchpoint; node: Node }[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items) {
    const node = r.node(item);
    if (!node || !isMap(node)) {
      r.report(node ?? list, "each touchpoint must be a mapping with id, name, stage and match");
      continue;
    }
    const before = r.issues.length;
    const tp = parseTouchpoint(r, node, catalog);
    if (tp.match.length) matched.push({ tp, node });
    if (tp.id && ID.test(tp.id)) {
      const goalLine = goalLines.get(tp.id);
      if (seen.has(tp.id))
        r.report(node, `duplicate touchpoint id "${tp.id}" (first at line ${seen.get(tp.id)})`);
      else if (goalLine) r.report(node, `touchpoint id "${tp.id}" is already a goal id (line ${goalLine})`);
      else seen.set(tp.id, tp.line);
    }
    if (r.issues.length === before) catalog.touchpoints.push(tp);
  }
  return matched;
}

function parseTouchpoint(r: Reader, node: YAMLMap, catalog: Catalog): Touchpoint {
  const f = r.fields(node, TOUCHPOINT_KEYS, "a touchpoint");
  const id = r.text(f.get("id"), "touchpoint id");
  const what = id ? `touchpoint "${id}"` : "a touchpoint";
  for (const key of ["id", "name", "stage", "match"]) r.required(f, key, node, what);
  if (id !== undefined && !ID.test(id))
    r.report(r.at(f.get("id")!), `invalid touchpoint id "${id}": ${ID_HINT}`);
  const stage = r.text(f.get("stage"), `${what} stage`);
  // Without valid stages that problem is already reported; one per touchpoint would only add noise.
  if (stage !== undefined && catalog.stages.length > 0 && !catalog.stages.some((s) => s.id === stage)) {
    const known = catalog.stages.map((s) => s.id).join(", ");
    r.report(r.at(f.get("stage")!), `unknown stage "${stage}" in ${what}; stages are: ${known}`);
  }
  const match = f.get("match");
  return {
    id: id ?? "",
    name: r.text(f.get("name"), `${what} name`) ?? "",
    stage: stage ?? "",
    channel: r.optionalText(f.get("channel"), `${what} channel`),
    description: r.optionalText(f.get("description"), `${what} description`),
    owner: r.optionalText(f.get("owner"), `${what} owner`),
    match: (match && parseMatch(r, match.value, match.key)) ?? [],
    target: parseTargets(r, f.get("target"), what),
    line: r.position(node).line,
  };
}

function parseTargets(r: Reader, field: Field | undefined, what: string): Targets {
  const targets: Targets = {};
  if (!field || !r.node(field.value)) return targets;
  const map = r.node(field.value);
  if (!map || !isMap(map)) {
    r.report(r.at(field), `${what} target must be a mapping, e.g. { csat: 4.2 }`);
    return targets;
  }
  for (const [key, entry] of r.fields(map, TARGET_KEYS, `${what} target`)) {
    const name = key as keyof Targets;
    const [lo, hi] = TARGET_RANGES[name];
    const value = r.node(entry.value);
    const n = value && isScalar(value) ? value.value : undefined;
    if (typeof n === "number" && n >= lo && n <= hi) targets[name] = n;
    else {
      const given = value ? JSON.stringify(value.toJSON()) : "nothing";
      r.report(r.at(entry), `invalid target ${name}: must be a number from ${lo} to ${hi}, not ${given}`);
    }
  }
  return targets;
}

function parseSurveys(r: Reader, field: Field, catalog: Catalog): Survey[] {
  const list = r.node(field.value);
  if (!list || !isSeq(list)) {
    r.report(r.at(field), "surveys must be a list of surveys, each starting with `- id: …`");
    return [];
  }
  const surveys: Survey[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items) {
    const node = r.node(item);
    if (!node || !isMap(node)) {
      r.report(node ?? list, "each survey must be a mapping with id, metric and question");
      continue;
    }
    const before = r.issues.length;
    const f = r.fields(node, SURVEY_KEYS, "a survey");
    const id = r.text(f.get("id"), "survey id");
    const what = id ? `survey "${id}"` : "a survey";
    for (const key of ["id", "metric", "question"]) r.required(f, key, node, what);
    if (id !== undefined && !ID.test(id))
      r.report(r.at(f.get("id")!), `invalid survey id "${id}": ${ID_HINT}`);
    else if (id !== undefined && seen.has(id))
      r.report(node, `duplicate survey id "${id}" (first at line ${seen.get(id)})`);
    else if (id !== undefined) seen.set(id, r.position(node).line);
    const metric = r.text(f.get("metric"), `${what} metric`);
    if (metric !== undefined && !["nps", "csat", "ces"].includes(metric))
      r.report(r.at(f.get("metric")!), `unknown metric "${metric}" in ${what}; one of nps, csat, ces`);
    const question: Record<string, string> = {};
    const q = f.get("question");
    const qNode = q ? r.node(q.value) : null;
    if (qNode && isMap(qNode)) {
      for (const [lang, entry] of r.entries(qNode, `${what} question`)) {
        if (!LANGUAGE.test(lang)) r.report(r.at(entry), `"${lang}" is not a language code such as en or da`);
        const text = r.text(entry, `${what} question (${lang})`);
        if (text) question[lang] = text;
      }
    } else if (q) {
      const text = r.text(q, `${what} question`);
      if (text) question.en = text;
    }
    const touchpoint = r.optionalText(f.get("touchpoint"), `${what} touchpoint`);
    if (touchpoint && !catalog.touchpoints.some((t) => t.id === touchpoint))
      r.report(r.at(f.get("touchpoint")!), `unknown touchpoint "${touchpoint}" in ${what}`);
    if (r.issues.length === before && id && metric && Object.keys(question).length)
      surveys.push({
        id,
        metric: metric as Survey["metric"],
        question,
        touchpoint,
        line: r.position(node).line,
      });
  }
  return surveys;
}
