/**
 * The calibration summary the buy-till-you-die models take, built from transactions. Pure: the
 * warehouse query returns the transactions (or a summary file is read), the math starts here.
 */
import { ModelError } from "./errors.js";

export type TimeUnit = "day" | "week";

/** Days per unit of the summary's time axis. */
export const UNIT_DAYS: Readonly<Record<TimeUnit, number>> = { day: 1, week: 7 };

/** One customer in the calibration period (the `lifetimes` package's summary convention). */
export interface CustomerSummary {
  customer: string;
  /** Repeat purchases: distinct purchase days − 1. */
  frequency: number;
  /** First to last purchase day, in the unit; 0 without repeat purchases. */
  recency: number;
  /** First purchase day to the end of the calibration period, in the unit. */
  T: number;
  /** Mean amount of the repeat purchase days; 0 without repeat purchases. */
  monetary: number;
}

/** What the purchase models read of a summary row: x, t_x and T. */
export type PurchaseHistory = Pick<CustomerSummary, "frequency" | "recency" | "T">;

export interface Transaction {
  customer: string;
  /** Epoch milliseconds. */
  time: number;
  amount: number;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => Math.floor(ms / DAY_MS);

/** Per customer, the amount of each UTC purchase day, days ascending. */
function purchaseDays(
  transactions: readonly Transaction[],
  lastDay: number,
): Map<string, Map<number, number>> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    const day = utcDay(t.time);
    if (day > lastDay) continue;
    const days = byCustomer.get(t.customer) ?? new Map<number, number>();
    byCustomer.set(t.customer, days);
    days.set(day, (days.get(day) ?? 0) + t.amount);
  }
  return byCustomer;
}

/**
 * Builds the calibration summary of every customer who bought on or before `end` (epoch ms; its
 * whole UTC day is included). Purchases on one UTC day are one purchase, their amounts summed: the
 * models count purchase occasions, and several order lines of one visit are one occasion. Customers
 * are returned in order of first appearance in `transactions`.
 */
export function buildSummary(
  transactions: readonly Transaction[],
  options: { end: number; unit: TimeUnit },
): CustomerSummary[] {
  const endDay = utcDay(options.end);
  const unit = UNIT_DAYS[options.unit];
  const rows: CustomerSummary[] = [];
  for (const [customer, days] of purchaseDays(transactions, endDay)) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    const frequency = sorted.length - 1;
    let repeatSpend = 0;
    for (const day of sorted.slice(1)) repeatSpend += days.get(day)!;
    rows.push({
      customer,
      frequency,
      recency: (last - first) / unit,
      T: (endDay - first) / unit,
      monetary: frequency > 0 ? repeatSpend / frequency : 0,
    });
  }
  return rows;
}

/**
 * Repeat purchases in a hold-out period: distinct UTC purchase days from `start` to `end` (both days
 * included) per customer, counted the way `frequency` is. Only customers who bought before `start`
 * count (for them every hold-out purchase is a repeat); customers without any get no entry.
 */
export function holdoutPurchases(
  transactions: readonly Transaction[],
  options: { start: number; end: number },
): Map<string, number> {
  const startDay = utcDay(options.start);
  const endDay = utcDay(options.end);
  const before = new Set<string>();
  const days = new Map<string, Set<number>>();
  for (const t of transactions) {
    const day = utcDay(t.time);
    if (day < startDay) before.add(t.customer);
    else if (day <= endDay) {
      const set = days.get(t.customer) ?? new Set<number>();
      days.set(t.customer, set);
      set.add(day);
    }
  }
  return new Map([...days].filter(([customer]) => before.has(customer)).map(([c, set]) => [c, set.size]));
}

/** Rejects rows the models cannot read, naming the first bad one. */
export function checkHistories(rows: readonly PurchaseHistory[]): void {
  rows.forEach((row, i) => {
    const { frequency: x, recency: tx, T } = row;
    const problem = !(Number.isInteger(x) && x >= 0)
      ? `frequency ${x} is not a non-negative integer`
      : !(tx >= 0 && T >= tx && Number.isFinite(T))
        ? `needs 0 ≤ recency (${tx}) ≤ T (${T})`
        : null;
    if (problem) throw new ModelError(`summary row ${i + 1}: ${problem}`);
  });
}

export interface HistoryGroup {
  x: number;
  tx: number;
  T: number;
  count: number;
}

/**
 * Identical (x, t_x, T) rows share a likelihood term; summaries have far fewer distinct rows than
 * customers (every non-repeater with the same T is one), so fits evaluate each once.
 */
export function groupHistories(rows: readonly PurchaseHistory[]): HistoryGroup[] {
  const groups = new Map<string, HistoryGroup>();
  for (const { frequency: x, recency: tx, T } of rows) {
    const key = `${x}|${tx}|${T}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { x, tx, T, count: 1 });
  }
  return [...groups.values()];
}
