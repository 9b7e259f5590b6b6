import { CsvError, parse } from "csv-parse/sync";
import type { PathSummaryRow } from "./paths.js";

const COLUMNS = ["path", "total_conversions", "total_conversion_value", "total_null"] as const;
type Column = (typeof COLUMNS)[number];
const NUMBER_COLUMNS = ["total_conversions", "total_conversion_value", "total_null"] as const;
const FIELD: Record<(typeof NUMBER_COLUMNS)[number], "conversions" | "value" | "nulls"> = {
  total_conversions: "conversions",
  total_conversion_value: "value",
  total_null: "nulls",
};
const SHOWN_PROBLEMS = 20;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Every problem of a path summary file, one `FILE:LINE: what is wrong` line each (the first 20). */
export class PathFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
    readonly total: number,
  ) {
    const more = total - problems.length;
    super([...problems, ...(more > 0 ? [`${file}: … and ${more} more problems`] : [])].join("\n"));
    this.name = "PathFileError";
  }
}

/**
 * Reads a path summary in the common CSV form `path,total_conversions,total_conversion_value,total_null`
 * (header required, columns in any order, path = channel names joined by `>`). Rows are returned as
 * written; `aggregatePaths` sums repeated paths.
 */
export function parsePathSummary(text: string, file: string): PathSummaryRow[] {
  const problems: string[] = [];
  let total = 0;
  const problem = (line: number, what: string) => {
    total++;
    if (problems.length < SHOWN_PROBLEMS) problems.push(`${file}:${line}: ${what}`);
  };
  const rows: PathSummaryRow[] = [];
  let index: Map<Column, number> | null = null;
  let headerBroken = false;
  let lastLine = 0;

  const onRecord = (record: string[], line: number) => {
    lastLine = line;
    if (headerBroken) return;
    if (index === null) {
      index = readHeader(record, (what) => problem(line, what));
      if (index === null) headerBroken = true;
      return;
    }
    if (record.length !== index.size) {
      const kind = record.length < index.size ? "missing column" : "extra column";
      problem(line, `${kind}: expected ${index.size} values, found ${record.length}`);
      return;
    }
    const row: PathSummaryRow = { path: [], conversions: 0, value: 0, nulls: 0 };
    let ok = true;
    const path = readPath(record[index.get("path")!]!, (what) => problem(line, what));
    if (path === null) ok = false;
    else row.path = path;
    for (const column of NUMBER_COLUMNS) {
      const raw = record[index.get(column)!]!.trim();
      if (!DECIMAL.test(raw)) {
        problem(line, `${column}: ${JSON.stringify(raw)} is not a number`);
        ok = false;
      } else if (Number(raw) < 0) {
        problem(line, `${column}: ${raw} is negative`);
        ok = false;
      } else {
        row[FIELD[column]] = Number(raw);
      }
    }
    if (ok) rows.push(row);
  };

  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context) => {
        onRecord(record, context.lines);
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // The parser stops at a quoting error; what was read before it has been checked already.
    if (err.code === "CSV_QUOTE_NOT_CLOSED") problem(lastLine + 1, "a quoted value is never closed");
    else problem(typeof err.lines === "number" ? err.lines : lastLine + 1, err.message);
  }
  if (index === null && !headerBroken) problem(1, `empty file: expected the header ${COLUMNS.join(",")}`);
  if (total > 0) throw new PathFileError(file, problems, total);
  return rows;
}

/** Column positions by name, or null (after reporting why) when rows cannot be read with this header. */
function readHeader(record: string[], problem: (what: string) => void): Map<Column, number> | null {
  const names = record.map((name) => name.trim());
  if (!names.some((name) => (COLUMNS as readonly string[]).includes(name))) {
    problem(`missing header: the first line must name the columns ${COLUMNS.join(",")}`);
    return null;
  }
  const index = new Map<Column, number>();
  let ok = true;
  names.forEach((name, i) => {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      problem(`unknown header column ${JSON.stringify(name)}; expected ${COLUMNS.join(",")}`);
      ok = false;
    } else if (index.has(name as Column)) {
      problem(`header column ${name} appears twice`);
      ok = false;
    } else {
      index.set(name as Column, i);
    }
  });
  for (const column of COLUMNS) {
    if (!index.has(column)) {
      problem(`missing header column ${column}`);
      ok = false;
    }
  }
  return ok ? index : null;
}

function readPath(raw: string, problem: (what: string) => void): string[] | null {
  if (raw.trim() === "") {
    problem("path: empty");
    return null;
  }
  const names = raw.split(">").map((name) => name.trim());
  let ok = true;
  names.forEach((name, i) => {
    if (name === "") {
      problem(`path: empty channel name at position ${i + 1} of ${JSON.stringify(raw)}`);
      ok = false;
    } else if (name.includes("\u0000")) {
      problem(`path: channel name ${JSON.stringify(name)} contains a NUL character`);
      ok = false;
    }
  });
  return ok ? names : null;
}
