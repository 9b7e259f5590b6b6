import { assertPlainName, assertPlainPath, type Dialect } from "./dialect.js";

export const duckdbDialect: Dialect = {
  name: "duckdb",
  ident: (name) => `"${assertPlainName(name)}"`,
  param: (n) => `$${n}`,
  fromEpochMs: (expr) => `epoch_ms(${expr})`,
  toEpochMs: (expr) => `epoch_ms(${expr})`,
  jsonText: (column, path) => `json_extract_string(${assertPlainName(column)}, '$.${assertPlainPath(path)}')`,
  regexMatch: (expr, pattern) => `regexp_matches(${expr}, ${pattern})`,
  timeBucket: (unit, expr) => `date_trunc('${unit}', ${expr})`,
};
