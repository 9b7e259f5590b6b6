/** Numbers, money, shares, dates and durations in the browser's locale. "—" stands for no value. */

const NONE = "—";
const cache = new Map<string, Intl.NumberFormat>();

function nf(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(undefined, options);
    cache.set(key, f);
  }
  return f;
}

type N = number | null | undefined;
const missing = (x: N): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

/** A count: 12,345. */
export const int = (x: N) => (missing(x) ? NONE : nf({ maximumFractionDigits: 0 }).format(x));

/** A number with at most `digits` decimals. */
export const num = (x: N, digits = 1) =>
  missing(x) ? NONE : nf({ maximumFractionDigits: digits }).format(x);

/** A share 0–1 as a percentage: 0.253 → 25.3%. */
export const share = (x: N, digits = 1) =>
  missing(x) ? NONE : nf({ style: "percent", maximumFractionDigits: digits }).format(x);

/** A value already in percent (CSAT %): 82.4 → 82.4%. */
export const percent = (x: N, digits = 1) => share(missing(x) ? x : x / 100, digits);

/** Money in the report's currency; a plain number when the data has none. */
export function money(x: N, currency: string | null, digits = 0): string {
  if (missing(x)) return NONE;
  if (!currency) return num(x, digits);
  try {
    return nf({
      style: "currency",
      currency,
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    }).format(x);
  } catch {
    return `${num(x, digits)} ${currency}`;
  }
}

/** A signed score such as NPS: +34, −12. */
export const signed = (x: N, digits = 0) =>
  missing(x) ? NONE : nf({ maximumFractionDigits: digits, signDisplay: "exceptZero" }).format(x);

/** A duration in seconds, in the largest sensible unit: 3.2 days, 5 hours, 12 minutes. */
export function duration(seconds: N): string {
  if (missing(seconds)) return NONE;
  const [value, unit] =
    seconds >= 86_400 * 2
      ? [seconds / 86_400, "day"]
      : seconds >= 3_600 * 2
        ? [seconds / 3_600, "hour"]
        : seconds >= 120
          ? [seconds / 60, "minute"]
          : [seconds, "second"];
  const digits = unit === "second" ? 0 : 1;
  return nf({ style: "unit", unit, unitDisplay: "long", maximumFractionDigits: digits }).format(value);
}

export const date = (ms: N) =>
  missing(ms) ? NONE : new Date(ms).toLocaleDateString(undefined, { dateStyle: "medium", timeZone: "UTC" });

export const dateTime = (ms: N) =>
  missing(ms) ? NONE : new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
