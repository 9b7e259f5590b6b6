import { assertPlainPath } from "../warehouse/dialect.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";

/**
 * The segment filter every analysis takes: conditions joined by `and`, each `FIELD OP VALUE`, e.g.
 * `clv > 500 and trait.plan = gold`. Fields: `trait.PATH` (a trait the customer was ever identified
 * with), `first_channel` (the channel of their first event), and from the last saved `report clv --save`:
 * `clv`, `p_alive`, `expected_purchases`, `frequency`, `rfm` (the RFM segment id). Operators: = != > >= <
 * <= and ~ (contains, case-insensitive). Values are bound as parameters, never spliced into the SQL.
 */
export interface SegmentCondition {
  field: string;
  op: "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";
  value: string;
}

export type Segment = SegmentCondition[];

export class SegmentError extends Error {}

const SCORES: Record<string, string> = {
  clv: "clv",
  p_alive: "p_alive",
  expected_purchases: "expected_purchases",
  frequency: "frequency",
  rfm: "segment",
};
const NUMERIC = new Set(["clv", "p_alive", "expected_purchases", "frequency"]);
const CONDITION = /^\s*([a-z_]+(?:\.[A-Za-z0-9_$.]+)?)\s*(!=|>=|<=|=|>|<|~)\s*(.+?)\s*$/;

export function parseSegment(text: string): Segment {
  const parts = text.split(/\s+and\s+/i).filter((p) => p.trim());
  if (parts.length === 0) throw new SegmentError("empty segment: write conditions such as clv > 500");
  return parts.map((part) => {
    const m = CONDITION.exec(part);
    if (!m) throw new SegmentError(`not a condition: ${JSON.stringify(part.trim())} (write FIELD OP VALUE)`);
    const [, field, op, raw] = m as unknown as [string, string, SegmentCondition["op"], string];
    const value = raw.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
    if (field.startsWith("trait.")) {
      try {
        assertPlainPath(field.slice(6));
      } catch {
        throw new SegmentError(`invalid trait path in ${JSON.stringify(field)}`);
      }
    } else if (!(field in SCORES) && field !== "first_channel")
      throw new SegmentError(
        `unknown field ${JSON.stringify(field)}; use trait.NAME, first_channel, ${Object.keys(SCORES).join(", ")}`,
      );
    if (NUMERIC.has(field) && !Number.isFinite(Number(value)))
      throw new SegmentError(`${field} compares with a number, not ${JSON.stringify(value)}`);
    if (NUMERIC.has(field) && op === "~") throw new SegmentError(`~ (contains) is for text, not ${field}`);
    return { field, op, value };
  });
}

/** SQL conditions over a row with `customer_id`: the customer is in the segment. */
export function segmentConditions(b: SqlBuilder, segment: Segment): string[] {
  return segment.map(({ field, op, value }) => {
    const compare = (expr: string, bound: string) =>
      op === "~" ? `contains(lower(${expr}), lower(${bound}))` : `${expr} ${op} ${bound}`;
    if (field.startsWith("trait.")) {
      const trait = b.dialect.jsonText("traits", field.slice(6));
      return `customer_id IN (SELECT customer_id FROM customer_events
                WHERE type = 'identify' AND ${compare(trait, b.param(value))})`;
    }
    if (field === "first_channel")
      return `customer_id IN (SELECT customer_id FROM customer_events GROUP BY customer_id
                HAVING ${compare("arg_min(channel, ts)", b.param(value))})`;
    const column = SCORES[field]!;
    const bound = NUMERIC.has(field) ? b.param(Number(value)) : b.param(value);
    return `customer_id IN (SELECT customer_id FROM customer_scores WHERE ${compare(column, bound)})`;
  });
}
