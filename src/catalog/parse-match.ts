import { isMap, isSeq, type Node, type YAMLMap } from "yaml";
import { type MatchRule, type MatchValue, RULE_COLUMNS } from "./catalog.js";
import { regexProblem } from "./match.js";
import { type Reader, scalarText } from "./reader.js";

const RULE_KEYS = [...RULE_COLUMNS, "properties"];
const VALUE_KEYS = ["pattern", "regex"];
const PROPERTY_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/** `match:` is one rule (a mapping) or a list of rules, any of which may match. Undefined when invalid. */
export function parseMatch(r: Reader, value: unknown, at: Node): MatchRule[] | undefined {
  const node = r.node(value);
  if (!node) {
    r.report(at, "match must not be empty: give a rule such as { event: Order Completed }");
    return undefined;
  }
  if (isMap(node)) {
    const rule = parseRule(r, node);
    return rule && [rule];
  }
  if (!isSeq(node)) {
    r.report(node, "match must be a rule (a mapping such as { event: Checkout Started }) or a list of rules");
    return undefined;
  }
  if (node.items.length === 0) {
    r.report(node, "match must list at least one rule");
    return undefined;
  }
  const rules: MatchRule[] = [];
  for (const item of node.items) {
    const ruleNode = r.node(item);
    if (ruleNode && isMap(ruleNode)) {
      const rule = parseRule(r, ruleNode);
      if (rule) rules.push(rule);
    } else {
      r.report(ruleNode ?? node, "each rule in a match list must be a mapping such as { channel: Email }");
    }
  }
  return rules.length === node.items.length ? rules : undefined;
}

function parseRule(r: Reader, map: YAMLMap): MatchRule | undefined {
  const before = r.issues.length;
  const fields = r.fields(map, RULE_KEYS, "a match rule");
  const rule: MatchRule = {};
  for (const column of RULE_COLUMNS) {
    const field = fields.get(column);
    const value = field && parseValue(r, field.value, field.key, `"${column}"`);
    if (value) rule[column] = value;
  }
  const props = fields.get("properties");
  if (props) {
    const node = r.node(props.value);
    if (node && isMap(node)) {
      rule.properties = {};
      for (const [path, field] of r.entries(node, "properties")) {
        if (!PROPERTY_PATH.test(path)) {
          r.report(field.key, `invalid property path "${path}": use names joined by dots, e.g. order.kind`);
          continue;
        }
        const value = parseValue(r, field.value, field.key, `"properties.${path}"`);
        if (value) rule.properties[path] = value;
      }
    } else {
      r.report(
        r.at(props),
        "properties must be a mapping of property paths to values, e.g. { template: thank_you }",
      );
    }
  }
  return r.issues.length === before ? rule : undefined;
}

/** A text or number (exact), a list of them (any of), `{ pattern: GLOB }` or `{ regex: RE2 }`. */
export function parseValue(r: Reader, value: unknown, at: Node, what: string): MatchValue | undefined {
  const node = r.node(value);
  if (!node) {
    r.report(at, `${what} must not be empty: give a value, a list of values, { pattern: … } or { regex: … }`);
    return undefined;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) {
      r.report(node, `${what}: an empty list matches nothing`);
      return undefined;
    }
    const values: string[] = [];
    for (const item of node.items) {
      const itemNode = r.node(item);
      const text = itemNode ? scalarText(itemNode) : undefined;
      if (text === undefined) r.report(itemNode ?? node, `${what}: list items must be texts or numbers`);
      else values.push(text);
    }
    return values.length === node.items.length ? { kind: "exact", values } : undefined;
  }
  if (isMap(node)) {
    const fields = r.fields(node, VALUE_KEYS, `the value of ${what}`);
    const pattern = fields.get("pattern");
    const regex = fields.get("regex");
    if (pattern && regex) {
      r.report(node, `${what}: use pattern or regex, not both`);
      return undefined;
    }
    if (pattern) {
      const glob = r.text(pattern, `${what}: pattern`);
      return glob === undefined ? undefined : { kind: "pattern", glob };
    }
    if (regex) {
      const source = r.text(regex, `${what}: regex`);
      if (source === undefined) return undefined;
      const problem = regexProblem(source);
      if (problem) r.report(r.at(regex), problem);
      return problem ? undefined : { kind: "regex", source };
    }
    if (fields.size === 0 && node.items.length === 0)
      r.report(node, `${what}: give { pattern: … } or { regex: … }`);
    return undefined;
  }
  const text = scalarText(node);
  return text === undefined ? undefined : { kind: "exact", values: [text] };
}
