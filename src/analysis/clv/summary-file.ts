import { parse } from "csv-parse/sync";
import type { CustomerSummary } from "./summary.js";

export class SummaryFileError extends Error {}

const COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"] as const;
const MAX_PROBLEMS = 20;

/**
 * Reads an RFM summary file, `customer_id,frequency,recency,T,monetary_value` (the lifetimes and BTYD
 * form; recency and T in the unit the caller states). Every bad row is reported as FILE:LINE.
 */
export function parseSummaryFile(text: string, file: string): CustomerSummary[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new SummaryFileError(`${file}: not CSV: ${(err as Error).message}`);
  }
  const header = records[0];
  if (!header) throw new SummaryFileError(`${file}: empty file; expected the header ${COLUMNS.join(",")}`);
  const index = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => index[i] === -1);
  if (missing.length)
    throw new SummaryFileError(
      `${file}:1: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (header: ${COLUMNS.join(",")})`,
    );
  const problems: string[] = [];
  const rows: CustomerSummary[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    if (problems.length >= MAX_PROBLEMS) return;
    if (record.length !== header.length) {
      problems.push(`${file}:${line}: ${record.length} fields, the header has ${header.length}`);
      return;
    }
    const [id, ...numbers] = index.map((k) => record[k]!);
    const [frequency, recency, T, monetary] = numbers.map(Number) as [number, number, number, number];
    const problem = !id
      ? "empty customer_id"
      : seen.has(id)
        ? `customer_id ${id} appears twice`
        : numbers.some((n) => n === "" || !Number.isFinite(Number(n)))
          ? `not a number in ${COLUMNS.slice(1).find((_, k) => numbers[k] === "" || !Number.isFinite(Number(numbers[k])))}`
          : !(Number.isInteger(frequency) && frequency >= 0)
            ? `frequency must be a whole number ≥ 0, not ${numbers[0]}`
            : !(recency >= 0 && recency <= T)
              ? `needs 0 ≤ recency ≤ T, got recency ${numbers[1]} and T ${numbers[2]}`
              : monetary < 0
                ? `monetary_value must be ≥ 0, not ${numbers[3]}`
                : null;
    if (problem) problems.push(`${file}:${line}: ${problem}`);
    else {
      seen.add(id!);
      rows.push({ customer: id!, frequency, recency, T, monetary });
    }
  });
  if (problems.length) throw new SummaryFileError(problems.join("\n"));
  if (rows.length === 0) throw new SummaryFileError(`${file}: no customers after the header`);
  return rows;
}
