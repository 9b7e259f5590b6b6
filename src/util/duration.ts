const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses durations such as `500ms`, `30m`, `24h`, `7d`, `2w` into milliseconds (zero needs no unit). */
export function parseDuration(text: string): number {
  if (/^\s*0+(?:\.0+)?\s*$/.test(text)) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!m)
    throw new Error(`invalid duration ${JSON.stringify(text)}: use a number and a unit, e.g. 30m, 24h, 7d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}
