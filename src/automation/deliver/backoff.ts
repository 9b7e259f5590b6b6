export interface RetrySchedule {
  /** The delay after the first failed attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

/**
 * How long to wait after failed attempt number `attempt` (1-based): base·2^(attempt−1), capped at maxMs,
 * then ±20 % jitter (so jobs that failed together, e.g. during a receiver's outage, do not retry in step),
 * and never more than maxMs. Pure: `random` is injectable for tests.
 */
export function retryDelayMs(
  attempt: number,
  { baseMs, maxMs }: RetrySchedule,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(maxMs, Math.round(exponential * (0.8 + 0.4 * random())));
}
