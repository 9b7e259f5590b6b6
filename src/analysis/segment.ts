import type { Catalog } from "../catalog/catalog.js";
import { compileCatalog } from "../catalog/compile.js";
import { touchpointCondition } from "../catalog/touchpoint-rule.js";
import { parseDuration } from "../util/duration.js";
import { assertPlainPath } from "../warehouse/dialect.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";

/**
 * The segment filter every analysis takes: conditions combined with `and`, `or`, `not` and parentheses,
 * e.g. `(clv > 500 or trait.plan = gold) and did checkout within 30d`. A condition is `FIELD OP VALUE`
 * over a customer: `trait.PATH` (a trait they were ever identified with), `property.PATH`, `channel`,
 * `source` (any of their events had it), `first_channel` (the channel of their first event), and from the
 * last saved `report clv --save`: `clv`, `p_alive`, `expected_purchases`, `frequency`, `rfm`. Operators:
 * = != > >= < <= and ~ (contains, case-insensitive). `did TARGET [within DURATION]` holds for customers
 * who did a touchpoint (`checkout`, `touchpoint:checkout`), goal (`goal:purchase`) or event
 * (`event:"Order Completed"`) — within the window before the end of the report's range when given.
 * Values are bound as parameters, never spliced into the SQL.
 */
export type Segment =
  | { kind: "and" | "or"; items: Segment[] }
  | { kind: "not"; item: Segment }
  | SegmentCondition
  | { kind: "did"; target: DidTarget; withinMs: number | null };

export interface SegmentCondition {
  kind: "condition";
  field: string;
  op: "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";
  value: string;
}

export type DidTarget =
  | { kind: "touchpoint" | "goal"; id: string; catalog: Catalog }
  | { kind: "event"; id: string };

export class SegmentError extends Error {}

const SCORES: Record<string, string> = {
  clv: "clv",
  p_alive: "p_alive",
  expected_purchases: "expected_purchases",
  frequency: "frequency",
  rfm: "segment",
};
const NUMERIC = new Set(["clv", "p_alive", "expected_purchases", "frequency"]);
const EVENT_COLUMNS = new Set(["channel", "source"]);
const OPERATORS = ["!=", ">=", "<=", "=", ">", "<", "~"] as const;
const KEYWORDS = new Set(["and", "or", "not", "did", "within"]);

interface Token {
  text: string;
  quoted: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|(!=|>=|<=|=|>|<|~|\(|\))|([^\s"'()=<>!~]+))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    m = re.exec(text);
    if (!m) {
      if (text.slice(at).trim() === "") break;
      throw new SegmentError(`cannot read ${JSON.stringify(text.slice(at).trim())}`);
    }
    if (m[1] !== undefined || m[2] !== undefined) tokens.push({ text: m[1] ?? m[2]!, quoted: true });
    else tokens.push({ text: (m[3] ?? m[4])!, quoted: false });
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses a segment; `catalog` resolves `did` touchpoints and goals. */
export function parseSegment(text: string, catalog?: Catalog): Segment {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new SegmentError("empty segment: write conditions such as clv > 500");
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (t: Token | undefined, word: string) => !!t && !t.quoted && t.text.toLowerCase() === word;
  const describe = (t: Token | undefined) => (t ? JSON.stringify(t.text) : "the end");

  const parseOr = (): Segment => {
    const items = [parseAnd()];
    while (isWord(peek(), "or")) {
      i++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: "or", items };
  };
  const parseAnd = (): Segment => {
    const items = [parseFactor()];
    while (isWord(peek(), "and")) {
      i++;
      items.push(parseFactor());
    }
    return items.length === 1 ? items[0]! : { kind: "and", items };
  };
  const parseFactor = (): Segment => {
    const t = peek();
    if (!t) throw new SegmentError("a condition is missing at the end");
    if (isWord(t, "not")) {
      i++;
      return { kind: "not", item: parseFactor() };
    }
    if (!t.quoted && t.text === "(") {
      i++;
      const inner = parseOr();
      if (peek()?.text !== ")") throw new SegmentError(`expected ) but found ${describe(peek())}`);
      i++;
      return inner;
    }
    if (isWord(t, "did")) return parseDid();
    return parseCondition();
  };
  const parseDid = (): Segment => {
    i++;
    const t = peek();
    if (!t || (!t.quoted && KEYWORDS.has(t.text.toLowerCase())) || t.text === "(" || t.text === ")")
      throw new SegmentError(`did needs a touchpoint, goal:ID or event:NAME, not ${describe(t)}`);
    i++;
    let name = t.text;
    // `event:"Order Completed"` arrives as `event:` followed by the quoted name.
    if (!t.quoted && /^(touchpoint|goal|event):$/.test(name) && peek()?.quoted) name += tokens[i++]!.text;
    const target = didTarget(name, catalog);
    let withinMs: number | null = null;
    if (isWord(peek(), "within")) {
      i++;
      const d = peek();
      if (!d) throw new SegmentError("within needs a duration such as 30d");
      i++;
      try {
        withinMs = parseDuration(d.text);
      } catch (err) {
        throw new SegmentError(`within: ${(err as Error).message}`);
      }
    }
    return { kind: "did", target, withinMs };
  };
  const parseCondition = (): Segment => {
    const field = tokens[i++]!;
    const op = peek();
    if (field.quoted || !op || !(OPERATORS as readonly string[]).includes(op.text))
      throw new SegmentError(
        `not a condition at ${describe(field)}: write FIELD OP VALUE (e.g. trait.plan = gold) or did TOUCHPOINT`,
      );
    i++;
    // The value runs to the next and/or/parenthesis, so `trait.name = Ada Lovelace` needs no quotes.
    const words: string[] = [];
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (!t.quoted && (t.text === ")" || t.text === "(" || ["and", "or"].includes(t.text.toLowerCase())))
        break;
      if (!t.quoted && (OPERATORS as readonly string[]).includes(t.text))
        throw new SegmentError(
          `unexpected ${JSON.stringify(t.text)} after ${field.text} ${op.text} ${words.join(" ")}: join conditions with and / or, or quote the value`,
        );
      words.push(t.text);
      i++;
    }
    if (words.length === 0) throw new SegmentError(`${field.text} ${op.text} needs a value`);
    return checkCondition(field.text, op.text as SegmentCondition["op"], words.join(" "));
  };

  const segment = parseOr();
  if (i < tokens.length)
    throw new SegmentError(`unexpected ${describe(peek())}: join conditions with and / or`);
  return segment;
}

function checkCondition(field: string, op: SegmentCondition["op"], value: string): SegmentCondition {
  const path = /^(trait|property)\.(.+)$/.exec(field);
  if (path) {
    try {
      assertPlainPath(path[2]!);
    } catch {
      throw new SegmentError(`invalid ${path[1]} path in ${JSON.stringify(field)}`);
    }
  } else if (!(field in SCORES) && field !== "first_channel" && !EVENT_COLUMNS.has(field))
    throw new SegmentError(
      `unknown field ${JSON.stringify(field)}; use trait.NAME, property.NAME, channel, source, first_channel, ${Object.keys(SCORES).join(", ")} or did TOUCHPOINT`,
    );
  if (NUMERIC.has(field) && !Number.isFinite(Number(value)))
    throw new SegmentError(`${field} compares with a number, not ${JSON.stringify(value)}`);
  if (NUMERIC.has(field) && op === "~") throw new SegmentError(`~ (contains) is for text, not ${field}`);
  return { kind: "condition", field, op, value };
}

function didTarget(name: string, catalog: Catalog | undefined): DidTarget {
  const m = /^(touchpoint|goal|event):(.+)$/.exec(name);
  const kind = m ? (m[1] as DidTarget["kind"]) : null;
  const id = m ? m[2]! : name;
  if (kind === "event") return { kind, id };
  if (!catalog) throw new SegmentError(`did ${name}: touchpoints and goals need the catalog`);
  if ((kind ?? "touchpoint") === "touchpoint" && catalog.touchpoints.some((t) => t.id === id))
    return { kind: "touchpoint", id, catalog };
  if ((kind ?? "goal") === "goal" && catalog.goals.some((g) => g.id === id))
    return { kind: "goal", id, catalog };
  throw new SegmentError(
    `did ${name}: no ${kind ?? "touchpoint or goal"} ${JSON.stringify(id)} in the catalog (for an event name write event:"Name")`,
  );
}

/** SQL conditions over a row with `customer_id`: the customer is in the segment. `end`: the scope's end. */
export function segmentConditions(b: SqlBuilder, segment: Segment, end: number | null = null): string[] {
  return [segmentSql(b, segment, { since: null, until: end })];
}

/**
 * The time `did` conditions look at: events before `until` (now when null) and after `since` (exclusive)
 * when given. Each is epoch ms, or an epoch-ms SQL expression over the outer row (a window per row); a
 * window per row also names the outer row's customer (`customer`), so the engine joins on it instead of
 * pairing every window with every matching event.
 */
export interface DidWindow {
  since: number | string | null;
  until: number | string | null;
  customer?: string;
}

/** One SQL condition over a row with `customer_id`, with `did` looking at `window`. */
export function segmentCondition(b: SqlBuilder, segment: Segment, window: DidWindow): string {
  return segmentSql(b, segment, window);
}

function segmentSql(b: SqlBuilder, s: Segment, window: DidWindow): string {
  switch (s.kind) {
    case "and":
    case "or":
      return `(${s.items.map((x) => segmentSql(b, x, window)).join(` ${s.kind.toUpperCase()} `)})`;
    case "not":
      return `(NOT ${segmentSql(b, s.item, window)})`;
    case "did":
      return didSql(b, s.target, s.withinMs, window);
    case "condition":
      return conditionSql(b, s);
  }
}

function didSql(b: SqlBuilder, target: DidTarget, withinMs: number | null, window: DidWindow): string {
  const d = b.dialect;
  const what =
    target.kind === "event"
      ? `event = ${b.param(target.id)}`
      : target.kind === "touchpoint"
        ? touchpointCondition(b, target.catalog, target.id)
        : `${compileCatalog(target.catalog).goal(b)} = ${b.param(target.id)}`;
  const where = ["NOT is_bot", what];
  const at = (t: number | string) =>
    d.fromEpochMs(typeof t === "number" ? b.param(t) : `CAST(${t} AS BIGINT)`);
  // The window ends where the report's range ends (or now).
  if (window.until !== null) where.push(`ts < ${at(window.until)}`);
  if (window.since !== null) where.push(`ts > ${at(window.since)}`);
  if (withinMs !== null) {
    const until = window.until ?? Date.now();
    const start = typeof until === "number" ? until - withinMs : `(${until} - ${b.param(withinMs)})`;
    where.push(`ts >= ${at(start)}`);
  }
  if (window.customer)
    return `EXISTS (SELECT 1 FROM customer_events did WHERE did.customer_id = ${window.customer} AND ${where.join(" AND ")})`;
  return `customer_id IN (SELECT customer_id FROM customer_events WHERE ${where.join(" AND ")})`;
}

function conditionSql(b: SqlBuilder, { field, op, value }: SegmentCondition): string {
  const compare = (expr: string, bound: string) =>
    op === "~" ? `contains(lower(${expr}), lower(${bound}))` : `${expr} ${op} ${bound}`;
  if (field.startsWith("trait.")) {
    const trait = b.dialect.jsonText("traits", field.slice(6));
    return `customer_id IN (SELECT customer_id FROM customer_events
              WHERE type = 'identify' AND ${compare(trait, b.param(value))})`;
  }
  if (field.startsWith("property.")) {
    const property = b.dialect.jsonText("properties", field.slice(9));
    return `customer_id IN (SELECT customer_id FROM customer_events WHERE ${compare(property, b.param(value))})`;
  }
  if (EVENT_COLUMNS.has(field))
    return `customer_id IN (SELECT customer_id FROM customer_events
              WHERE ${compare(b.dialect.ident(field), b.param(value))})`;
  if (field === "first_channel")
    return `customer_id IN (SELECT customer_id FROM customer_events GROUP BY customer_id
              HAVING ${compare("arg_min(channel, ts)", b.param(value))})`;
  const column = SCORES[field]!;
  const bound = NUMERIC.has(field) ? b.param(Number(value)) : b.param(value);
  return `customer_id IN (SELECT customer_id FROM customer_scores WHERE ${compare(column, bound)})`;
}
