import { readFileSync } from "node:fs";
import type { ReportParams } from "../analysis/params.js";
import { REPORTS } from "../analysis/reports.js";
import { formatCsv, formatTable } from "../util/table.js";
import { CliError, resolveCatalog, withWarehouse } from "./runtime.js";

export interface ReportOptions extends ReportParams {
  db?: string;
  catalog?: string;
  json?: string;
  csv?: string;
}

/** `touchpoint report KIND`: one analysis, printed as a table, JSON or CSV. */
export async function report(kind: string, flags: ReportOptions): Promise<void> {
  // Repeatable flags (--model a b) arrive as lists; every face passes parameters as text.
  const options = Object.fromEntries(
    Object.entries(flags).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
  ) as ReportOptions;
  const spec = REPORTS[kind];
  if (!spec)
    throw new CliError(`unknown report ${JSON.stringify(kind)}; one of: ${Object.keys(REPORTS).join(", ")}`);
  const fileFlag = Object.keys(spec.files ?? {}).find((flag) => options[flag] !== undefined);
  let result: unknown;
  if (fileFlag && spec.runOnFile) {
    const name = options[fileFlag]!;
    let text: string;
    try {
      text = readFileSync(name, "utf8");
    } catch (err) {
      throw new CliError(`--${fileFlag}: cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    result = spec.runOnFile({ flag: fileFlag, name, text }, options);
  } else {
    const catalog = resolveCatalog(options.catalog);
    result = await withWarehouse(options.db, (wh) => spec.run(wh, catalog, options));
  }
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (options.csv) process.stdout.write(`${formatCsv(spec.rows(result))}\n`);
  else process.stdout.write(`${formatTable(spec.rows(result))}\n`);
}
