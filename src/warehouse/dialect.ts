/**
 * The few things SQL engines spell differently. Analyses build SQL through this seam so each one is
 * written once; only files in `warehouse/` name an engine.
 */
export interface Dialect {
  readonly name: "duckdb" | "clickhouse";
  /** A safely quoted identifier; throws on anything that is not a plain name. */
  ident(name: string): string;
  /** Positional parameter placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
  /** Expression turning epoch milliseconds (a parameter or column) into a timestamp. */
  fromEpochMs(expr: string): string;
  /** Expression turning a timestamp into epoch milliseconds. */
  toEpochMs(expr: string): string;
  /** Text value at a dotted path inside a JSON column, e.g. jsonText("properties", "order.total"). */
  jsonText(column: string, path: string): string;
  /** True when the text `expr` matches the (RE2-compatible) regular expression `pattern`. */
  regexMatch(expr: string, pattern: string): string;
  /** Truncate a timestamp to a calendar unit. */
  timeBucket(unit: "hour" | "day" | "week" | "month", expr: string): string;
  /**
   * A timestamp's period as an integer, so the k-th period after p is p + k: whole ISO weeks (Monday
   * 00:00 UTC) since Monday 1969-12-29 (week 0), or calendar months since January 1970 (month 0).
   */
  periodIndex(unit: "week" | "month", expr: string): string;
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

export function assertPlainName(name: string): string {
  if (!PLAIN_NAME.test(name)) throw new Error(`not a valid identifier: ${JSON.stringify(name)}`);
  return name;
}

export function assertPlainPath(path: string): string {
  if (!PLAIN_PATH.test(path)) throw new Error(`not a valid property path: ${JSON.stringify(path)}`);
  return path;
}
