// Regenerates src/ingest/source-categories.json from Google's source-category list (CSV: source,source_category).
// Usage: node scripts/gen-source-categories.mjs path/to/ga4-source-categories.csv
import { readFileSync, writeFileSync } from "node:fs";

const [csvPath] = process.argv.slice(2);
if (!csvPath) {
  console.error("usage: node scripts/gen-source-categories.mjs ga4-source-categories.csv");
  process.exit(1);
}
const byCategory = {};
const lines = readFileSync(csvPath, "utf8").trim().split(/\r?\n/).slice(1);
for (const line of lines) {
  const [source, category] = line.split(",");
  const key = category.replace("SOURCE_CATEGORY_", "").toLowerCase();
  byCategory[key] ??= [];
  byCategory[key].push(source.trim());
}
writeFileSync(
  new URL("../src/ingest/source-categories.json", import.meta.url),
  `${JSON.stringify(byCategory, null, 1)}\n`,
);
console.log(`wrote ${lines.length} sources`);
