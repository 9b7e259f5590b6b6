/** Test support: the CDNOW sample (fixtures/README.md) as summary rows and transactions. */
import { readFileSync } from "node:fs";
import type { CustomerSummary, Transaction } from "./summary.js";

// Tests run compiled from dist/src/analysis/clv/; the CSVs stay in the source tree.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../src/analysis/clv/fixtures/${name}`, import.meta.url), "utf8");

function rows(name: string): string[][] {
  const lines = fixture(name).trim().split("\n");
  return lines.slice(1).map((line) => line.split(","));
}

/** The published calibration summary (weeks), customer ids "1"…"2357". */
export function cdnowSummary(): CustomerSummary[] {
  return rows("cdnow_summary.csv").map(([customer, frequency, recency, T, monetary]) => ({
    customer: customer!,
    frequency: Number(frequency),
    recency: Number(recency),
    T: Number(T),
    monetary: Number(monetary),
  }));
}

/** The 6,919 transactions of the 2,357 sample customers, at midnight UTC of their day. */
export function cdnowTransactions(): Transaction[] {
  return rows("cdnow_sample_transactions.csv").map(([customer, , date, , amount]) => ({
    customer: customer!,
    time: Date.parse(`${date}T00:00:00Z`),
    amount: Number(amount),
  }));
}

export const utc = (date: string) => Date.parse(`${date}T00:00:00Z`);
