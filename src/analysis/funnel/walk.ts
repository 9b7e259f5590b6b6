/**
 * One customer's way through a funnel, from their events in time order: which steps they reached and the
 * times of the chain that took them deepest. Pure; the SQL only selects and packs the events.
 *
 * Each event carries a bit mask: bit k (k < 16) when it matches step k + 1, `EXCLUDED` when it matches an
 * exclusion step; events with no step bit are other touchpoints (read in `strict` order only).
 */
export const EXCLUDED = 1 << 16;

export type FunnelOrder = "ordered" | "strict" | "any";

export interface WalkSpec {
  steps: number;
  windowMs: number;
  order: FunnelOrder;
  /** Per step: may be skipped (ordered and strict orders). */
  optional: readonly boolean[];
  /** Per step: at most this long after the previous step done, or null. */
  withinMs: readonly (number | null)[];
}

export interface Walk {
  /** Bit k set when the customer reached step k + 1 (in `any` order: did at least k + 1 of the steps). */
  reached: number;
  /** When each step was done in the chain that went deepest (NaN where skipped or not reached). */
  times: ArrayLike<number>;
  /** Index of the chain's first event (its breakdown value is the customer's), or -1. */
  first: number;
}

interface Chain {
  start: number;
  last: number;
  /** Strict order: the latest moment the chain is still adjacent to (its last step, or repeats of it). */
  seen: number;
  times: number[];
  first: number;
}

/** Removes in place the items that fail `test` (walks run per event: no new arrays). */
function keep<T>(items: T[], test: (item: T) => boolean): void {
  let w = 0;
  for (const item of items) if (test(item)) items[w++] = item;
  if (w < items.length) items.length = w;
}

/**
 * Ordered and strict orders. A chain is a sequence of events e1 < e2 < … (strictly increasing time) matching
 * the steps in order (optional ones may be skipped), with e_last − e1 ≤ window and each within its step's
 * time limit of the previous; in strict order no other event lies between consecutive steps (repeats of
 * the earlier step are not other events: a second "Product Added" keeps a cart step adjacent); an excluded
 * event at time x breaks every link a → b with a < x ≤ b. Per step only the chains that are not dominated
 * (a later start and a later last step) are kept, which makes the walk exact and linear in practice.
 */
function walkInOrder(ms: ArrayLike<number>, mask: ArrayLike<number>, lo: number, hi: number, spec: WalkSpec) {
  const n = spec.steps;
  const strict = spec.order === "strict";
  const chains: Chain[][] = Array.from({ length: n }, () => []);
  let reached = 0;
  let best: Chain | null = null;
  let bestStep = -1;
  let previousTime = Number.NEGATIVE_INFINITY;
  const created: [number, Chain][] = [];
  for (let i = lo; i < hi; ) {
    const t = ms[i]!;
    let groupMask = 0;
    let everyEvent = -1;
    let firstOfStep1 = -1;
    let j = i;
    for (; j < hi && ms[j] === t; j++) {
      groupMask |= mask[j]!;
      everyEvent &= mask[j]!;
      if (mask[j]! & 1 && firstOfStep1 < 0) firstOfStep1 = j;
    }
    if (groupMask & EXCLUDED) for (let k = 0; k < n - 1; k++) chains[k]!.length = 0;
    created.length = 0;
    for (let k = 0; k < n; k++) {
      if (!(groupMask & (1 << k))) continue;
      if (k === 0) {
        const times = new Array<number>(n).fill(Number.NaN);
        times[0] = t;
        created.push([0, { start: t, last: t, seen: t, times, first: firstOfStep1 }]);
        continue;
      }
      let pick: Chain | null = null;
      const limit = spec.withinMs[k] ?? null;
      for (let p = k - 1; p >= 0; p--) {
        for (const c of chains[p]!) {
          if (t - c.start > spec.windowMs) continue;
          if (limit !== null && t - c.last > limit) continue;
          if (strict && c.seen !== previousTime) continue;
          if (!pick || c.start > pick.start || (c.start === pick.start && c.last > pick.last)) pick = c;
        }
        if (!spec.optional[p]) break;
      }
      if (pick) {
        const times = pick.times.slice();
        times[k] = t;
        created.push([k, { start: pick.start, last: t, seen: t, times, first: pick.first }]);
      }
    }
    for (const [k, c] of created) {
      keep(chains[k]!, (o) => o.start > c.start);
      chains[k]!.push(c);
      reached |= 1 << k;
      if (k > bestStep) {
        bestStep = k;
        best = c;
      }
    }
    if (strict)
      for (let k = 0; k < n - 1; k++)
        if (everyEvent & (1 << k)) for (const c of chains[k]!) if (c.seen === previousTime) c.seen = t;
    // Chains no later event can extend: out of the window, or (strict) no longer adjacent.
    for (let k = 0; k < n - 1; k++)
      if (chains[k]!.length)
        keep(chains[k]!, (c) => t - c.start < spec.windowMs && (!strict || c.seen === t));
    previousTime = t;
    i = j;
  }
  return { reached, times: best?.times ?? new Array<number>(n).fill(Number.NaN), first: best?.first ?? -1 };
}

/**
 * Ordered order without optional steps or time limits per step: the same walk as `walkInOrder`, with one
 * chain per step. Without those, the chain with the latest start (then the latest last step) dominates
 * every other at its step — it stays in the window longest and any link open to another is open to it —
 * so it is the only one `walkInOrder` would ever pick. No allocation per event: the chains live in
 * `scratch`, reused from one customer to the next.
 */
function walkOrderedSimple(
  ms: ArrayLike<number>,
  mask: ArrayLike<number>,
  lo: number,
  hi: number,
  spec: WalkSpec,
  scratch: Scratch,
): Walk {
  const n = spec.steps;
  const { start, first, times, best: bestTimes } = scratch.reset(n);
  let reached = 0;
  let bestStep = -1;
  let bestFirst = -1;
  for (let i = lo; i < hi; ) {
    const t = ms[i]!;
    let groupMask = 0;
    let firstOfStep1 = -1;
    let j = i;
    for (; j < hi && ms[j] === t; j++) {
      groupMask |= mask[j]!;
      if (mask[j]! & 1 && firstOfStep1 < 0) firstOfStep1 = j;
    }
    if (groupMask & EXCLUDED) for (let k = 0; k < n - 1; k++) start[k] = Number.NaN;
    // Deepest step first: a chain extended at this moment is not extended again at the same moment.
    for (let k = n - 1; k >= 0; k--) {
      if (!(groupMask & (1 << k))) continue;
      let s: number;
      let f: number;
      if (k === 0) {
        s = t;
        f = firstOfStep1;
      } else {
        s = start[k - 1]!;
        if (!(t - s <= spec.windowMs)) continue; // NaN (no chain) fails too
        f = first[k - 1]!;
        for (let q = 0; q < k; q++) times[k * n + q] = times[(k - 1) * n + q]!;
      }
      if (!(s >= start[k]!) && !Number.isNaN(start[k]!)) continue;
      start[k] = s;
      first[k] = f;
      times[k * n + k] = t;
      reached |= 1 << k;
      if (k > bestStep) {
        bestStep = k;
        bestFirst = f;
        for (let q = 0; q <= k; q++) bestTimes[q] = times[k * n + q]!;
      }
    }
    for (let k = 0; k < n - 1; k++) if (t - start[k]! >= spec.windowMs) start[k] = Number.NaN;
    i = j;
  }
  return { reached, times: bestTimes, first: bestFirst };
}

/** Per step, the chain kept by `walkOrderedSimple` (its start, first event and step times), reused across customers. */
export class Scratch {
  start = new Float64Array(0);
  first = new Int32Array(0);
  times = new Float64Array(0);
  /** The times of the walk's result: valid until the next walk. */
  best = new Float64Array(0);

  reset(n: number): this {
    if (this.start.length !== n) {
      this.start = new Float64Array(n);
      this.first = new Int32Array(n);
      this.times = new Float64Array(n * n);
      this.best = new Float64Array(n);
    }
    // `times` needs no clearing: a step's row is read only up to the step, written before it is read.
    this.start.fill(Number.NaN);
    this.best.fill(Number.NaN);
    return this;
  }
}

/**
 * Any order: the most distinct steps done within one window that starts at a step event, an excluded event
 * ending the window (events at its moment do not count). An event counts for the first step it matches that is not done yet in the window.
 * `times[k]` is when the (k+1)-th distinct step was done.
 */
function walkAnyOrder(
  ms: ArrayLike<number>,
  mask: ArrayLike<number>,
  lo: number,
  hi: number,
  spec: WalkSpec,
) {
  const n = spec.steps;
  const all = (1 << n) - 1;
  let bestCount = 0;
  let bestTimes: number[] = [];
  let first = -1;
  for (let i = lo; i < hi; i++) {
    // Windows start at the first event of a moment that has a step event.
    if (i > lo && ms[i - 1] === ms[i]) continue;
    let moment = 0;
    for (let j = i; j < hi && ms[j] === ms[i]; j++) moment |= mask[j]!;
    if (!(moment & all)) continue;
    let done = 0;
    const times: number[] = [];
    for (let j = i; j < hi && ms[j]! - ms[i]! <= spec.windowMs; j++) {
      if (ms[j]! > ms[i]! && ms[j - 1] !== ms[j] && excludedAt(ms, mask, j, hi)) break;
      const fresh = mask[j]! & all & ~done;
      if (!fresh) continue;
      done |= fresh & -fresh;
      times.push(ms[j]!);
      if (times.length === n) break;
    }
    if (times.length > bestCount) {
      bestCount = times.length;
      bestTimes = times;
      first = i;
      if (bestCount === n) break;
    }
  }
  const times = new Array<number>(n).fill(Number.NaN);
  bestTimes.forEach((t, k) => {
    times[k] = t;
  });
  return { reached: (1 << bestCount) - 1, times, first };
}

/** Whether an event of the moment starting at index `j` is excluded. */
function excludedAt(ms: ArrayLike<number>, mask: ArrayLike<number>, j: number, hi: number): boolean {
  for (let k = j; k < hi && ms[k] === ms[j]; k++) if (mask[k]! & EXCLUDED) return true;
  return false;
}

/** The walk of the events `lo..hi` (one customer's, sorted by time). */
export function walkCustomer(
  ms: ArrayLike<number>,
  mask: ArrayLike<number>,
  lo: number,
  hi: number,
  spec: WalkSpec,
  scratch: Scratch = new Scratch(),
): Walk {
  if (spec.order === "any") return walkAnyOrder(ms, mask, lo, hi, spec);
  if (isSimple(spec)) return walkOrderedSimple(ms, mask, lo, hi, spec, scratch);
  return walkInOrder(ms, mask, lo, hi, spec);
}

const isSimple = (spec: WalkSpec) =>
  spec.order === "ordered" && !spec.optional.some(Boolean) && spec.withinMs.every((w) => w === null);

/** The general walk, whatever the spec (for tests: the simple one must agree with it). */
export const walkChains = walkInOrder;
