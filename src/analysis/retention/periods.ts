/**
 * Periods as integers, the same numbering as the dialect's `periodIndex`: ISO weeks (Monday 00:00 UTC)
 * counted from Monday 1969-12-29 (week 0), calendar months (UTC) counted from January 1970 (month 0).
 * The k-th period after p is p + k.
 */
export type PeriodUnit = "week" | "month";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Monday 1969-12-29 00:00 UTC: the start of week 0. */
const WEEK_ZERO_MS = -3 * DAY_MS;

/** The period that contains the instant `ms` (epoch ms). */
export function periodOf(unit: PeriodUnit, ms: number): number {
  if (unit === "week") return Math.floor((ms - WEEK_ZERO_MS) / WEEK_MS);
  const date = new Date(ms);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

/** The first instant (epoch ms) of period `index`. */
export function periodStart(unit: PeriodUnit, index: number): number {
  if (unit === "week") return WEEK_ZERO_MS + index * WEEK_MS;
  const year = 1970 + Math.floor(index / 12);
  return Date.UTC(year, index - (year - 1970) * 12, 1);
}

/** The end (exclusive, epoch ms) of period `index`: the start of the next one. */
export const periodEnd = (unit: PeriodUnit, index: number) => periodStart(unit, index + 1);

/** The period's label: its first day, YYYY-MM-DD (a Monday for weeks, the 1st for months). */
export const periodLabel = (unit: PeriodUnit, index: number) =>
  new Date(periodStart(unit, index)).toISOString().slice(0, 10);

/** The first period that starts at or after `ms`. */
export function firstPeriodFrom(unit: PeriodUnit, ms: number): number {
  const p = periodOf(unit, ms);
  return periodStart(unit, p) < ms ? p + 1 : p;
}

/** The last period that starts before `ms`. */
export const lastPeriodBefore = (unit: PeriodUnit, ms: number) => periodOf(unit, ms - 1);
