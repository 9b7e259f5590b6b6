import assert from "node:assert/strict";
import { test } from "node:test";
import { duckdbDialect } from "./duckdb-dialect.js";

test("identifiers and paths are validated, never escaped into SQL", () => {
  assert.equal(duckdbDialect.ident("events"), '"events"');
  assert.throws(() => duckdbDialect.ident('x"; DROP TABLE events; --'), /not a valid identifier/);
  assert.equal(
    duckdbDialect.jsonText("properties", "order.total"),
    "json_extract_string(properties, '$.order.total')",
  );
  assert.throws(() => duckdbDialect.jsonText("properties", "a') OR 1=1 --"), /not a valid property path/);
});
