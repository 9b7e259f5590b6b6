import type { Credit } from "./credits.js";
import { compareKeys, type PathSummaryRow } from "./paths.js";

export const MAX_MARKOV_ORDER = 4;

/**
 * How the absorbing chain is solved: `auto` eliminates states while that stays cheap (small or
 * tree-like chains) and otherwise iterates; forcing one is for tests and benchmarks.
 */
export type MarkovSolver = "auto" | "elimination" | "iteration";

export interface MarkovResult {
  order: number;
  /** Distinct transient states of the chain. */
  states: number;
  /** P: probability that a journey converts. */
  conversionProbability: number;
  /** E: expected conversion value per journey. */
  valuePerJourney: number;
  /** `iteration` if any of the solves (one per channel, plus the full chain) iterated. */
  solvedBy: "elimination" | "iteration";
  /** Every channel, in key order, with `removalEffect` and `valueRemovalEffect`. */
  credits: Credit[];
}

/** The observed chain: transitions between states in compressed rows, and what ends in each state. */
interface Chain {
  /** Channel names by number. */
  channels: string[];
  states: number;
  outStart: Int32Array;
  outTo: Int32Array;
  outWeight: Float64Array;
  startTo: Int32Array;
  startWeight: Float64Array;
  conversions: Float64Array;
  nulls: Float64Array;
  /** Value of the converting journeys ending in the state: weight to (conversion) × v(s). */
  value: Float64Array;
  /** Per channel, the states that contain it. */
  statesOf: Int32Array[];
  /** Per state, the sum of its outgoing weights, absorbing ones included. */
  total: Float64Array;
  /** The largest mean value per conversion v(s): E from any state is at most this. */
  maxValue: number;
}

/**
 * Markov chain attribution of order k (specs/attribution.md): removal effects on the conversion
 * probability and on the expected value, both solved exactly from the absorbing chain.
 */
export function markov(
  rows: readonly PathSummaryRow[],
  order = 1,
  solver: MarkovSolver = "auto",
): MarkovResult {
  if (!Number.isInteger(order) || order < 1 || order > MAX_MARKOV_ORDER)
    throw new RangeError(`markov: the order must be an integer from 1 to ${MAX_MARKOV_ORDER}, not ${order}`);
  let totalConversions = 0;
  let totalValue = 0;
  for (const row of rows) {
    totalConversions += row.conversions;
    totalValue += row.value;
  }
  return solveChain(buildChain(rows, order), order, totalConversions, totalValue, solver);
}

/**
 * The journeys of a first-order chain summed by transition: where journeys start, how many go from one
 * key to another (repeats of a key are no transition), and how many end at each key, converted or not,
 * with their value. This is all a first-order chain reads, and far smaller than the distinct paths.
 */
export interface FirstOrderTransitions {
  starts: { key: string; weight: number }[];
  steps: { from: string; to: string; weight: number }[];
  ends: { key: string; conversions: number; nulls: number; value: number }[];
}

/** `markov(rows, 1)` over the transitions of the rows instead of the rows themselves. */
export function markovOfTransitions(
  transitions: FirstOrderTransitions,
  solver: MarkovSolver = "auto",
): MarkovResult {
  let totalConversions = 0;
  let totalValue = 0;
  for (const end of transitions.ends) {
    totalConversions += end.conversions;
    if (end.conversions > 0) totalValue += end.value;
  }
  return solveChain(chainOfTransitions(transitions), 1, totalConversions, totalValue, solver);
}

function solveChain(
  chain: Chain,
  order: number,
  totalConversions: number,
  totalValue: number,
  solver: MarkovSolver,
): MarkovResult {
  const { channels } = chain;
  const scale = expected(chain);
  // Once eliminating costs too much, iterate: the chains without a channel are no sparser.
  let direct =
    solver === "elimination" || (solver === "auto" && chain.outTo.length + chain.states <= DIRECT_MAX_SIZE);
  const budget = solver === "elimination" ? Number.POSITIVE_INFINITY : eliminationBudget(chain);
  const solve = (removed: Uint8Array | null) => {
    const solved = direct ? eliminate(chain, removed, budget) : null;
    if (solved) return solved;
    direct = false;
    return iterate(chain, removed, scale);
  };
  // Without conversions every removal effect is 0; iterating towards P = 0 would only be slow.
  const full = scale.p > 0 ? solve(null) : scale;
  const removed = new Uint8Array(chain.states);
  const effects = channels.map((_, c) => {
    if (full.p === 0) return { conversions: 0, value: 0 };
    const states = chain.statesOf[c]!;
    for (const s of states) removed[s] = 1;
    const without = solve(removed);
    for (const s of states) removed[s] = 0;
    // Removing states only sends walks to (null), so a negative effect is rounding.
    return {
      conversions: Math.max(0, 1 - without.p / full.p),
      value: full.e > 0 ? Math.max(0, 1 - without.e / full.e) : 0,
    };
  });
  const sumRe = effects.reduce((s, e) => s + e.conversions, 0);
  const sumReV = effects.reduce((s, e) => s + e.value, 0);
  return {
    order,
    states: chain.states,
    conversionProbability: full.p,
    valuePerJourney: full.e,
    solvedBy: direct ? "elimination" : "iteration",
    credits: channels
      .map((key, c) => ({
        key,
        conversions: sumRe > 0 ? (totalConversions * effects[c]!.conversions) / sumRe : 0,
        value: sumReV > 0 ? (totalValue * effects[c]!.value) / sumReV : 0,
        removalEffect: effects[c]!.conversions,
        valueRemovalEffect: effects[c]!.value,
      }))
      .sort((a, b) => compareKeys(a.key, b.key)),
  };
}

function buildChain(rows: readonly PathSummaryRow[], order: number): Chain {
  // Channels numbered by first appearance; the touches of the journeys that count, as numbers.
  const idOf = new Map<string, number>();
  const channels: string[] = [];
  const touches: number[] = [];
  const ends: number[] = [];
  const counted: PathSummaryRow[] = [];
  for (const row of rows) {
    const counts = row.conversions + row.nulls > 0;
    if (counts && row.path.length === 0) throw new Error("markov: a journey has no touches");
    for (const c of row.path) {
      let id = idOf.get(c);
      if (id === undefined) {
        id = channels.length;
        idOf.set(c, id);
        channels.push(c);
      }
      if (counts) touches.push(id);
    }
    if (counts) {
      counted.push(row);
      ends.push(touches.length);
    }
  }

  // States: a window as digits 1..n in base n+1 is a unique number while it fits a double exactly,
  // and indexes a table while that stays small.
  const base = channels.length + 1;
  const span = base ** order;
  const numeric = span <= Number.MAX_SAFE_INTEGER;
  const table = span <= TABLE_MAX ? new Int32Array(span).fill(-1) : null;
  const stateOf = new Map<number | string, number>();
  const members: number[][] = [];
  const last: number[] = [];
  const conversions: number[] = [];
  const nulls: number[] = [];
  const value: number[] = [];
  const sequence: number[] = [];
  const sequenceEnds: number[] = [];
  let begin = 0;
  counted.forEach((row, r) => {
    const end = ends[r]!;
    const len = Math.min(order, end - begin);
    let prev = -1;
    for (let i = begin; i + len <= end; i++) {
      let key: number | string;
      if (numeric) {
        key = 0;
        for (let j = len - 1; j >= 0; j--) key = key * base + touches[i + j]! + 1;
      } else {
        key = touches.slice(i, i + len).join(",");
      }
      let s = table ? table[key as number]! : (stateOf.get(key) ?? -1);
      if (s < 0) {
        s = members.length;
        if (table) table[key as number] = s;
        else stateOf.set(key, s);
        members.push([...new Set(touches.slice(i, i + len))]);
        last.push(touches[i + len - 1]!);
        conversions.push(0);
        nulls.push(0);
        value.push(0);
      }
      if (s !== prev) sequence.push(s);
      prev = s;
    }
    sequenceEnds.push(sequence.length);
    conversions[prev]! += row.conversions;
    nulls[prev]! += row.nulls;
    if (row.conversions > 0) value[prev]! += row.value;
    begin = end;
  });

  // Transitions. The state after a window is fixed by the channel it adds, so (state, channel) is a
  // key for them: a table when it is small enough, else one map per state.
  const states = members.length;
  const c = channels.length;
  const startWeights = new Float64Array(states);
  const dense = states * c <= TABLE_MAX;
  const weights = dense ? new Float64Array(states * c) : null;
  const targets = dense ? new Int32Array(states * c) : null;
  const maps: Map<number, number>[] = dense ? [] : members.map(() => new Map());
  begin = 0;
  counted.forEach((row, r) => {
    const weight = row.conversions + row.nulls;
    const end = sequenceEnds[r]!;
    startWeights[sequence[begin]!]! += weight;
    for (let i = begin + 1; i < end; i++) {
      const from = sequence[i - 1]!;
      const to = sequence[i]!;
      if (weights) {
        const at = from * c + last[to]!;
        weights[at]! += weight;
        targets![at] = to;
      } else {
        maps[from]!.set(to, (maps[from]!.get(to) ?? 0) + weight);
      }
    }
    begin = end;
  });

  const outStart = new Int32Array(states + 1);
  const outTo: number[] = [];
  const outWeight: number[] = [];
  const total = new Float64Array(states);
  let maxValue = 0;
  for (let s = 0; s < states; s++) {
    total[s] = conversions[s]! + nulls[s]!;
    if (weights) {
      for (let at = s * c; at < (s + 1) * c; at++) {
        if (weights[at]! > 0) {
          outTo.push(targets![at]!);
          outWeight.push(weights[at]!);
          total[s]! += weights[at]!;
        }
      }
    } else {
      for (const [to, w] of maps[s]!) {
        outTo.push(to);
        outWeight.push(w);
        total[s]! += w;
      }
    }
    outStart[s + 1] = outTo.length;
    if (conversions[s]! > 0) maxValue = Math.max(maxValue, value[s]! / conversions[s]!);
  }
  const startTo: number[] = [];
  startWeights.forEach((w, s) => {
    if (w > 0) startTo.push(s);
  });
  const statesOf: number[][] = channels.map(() => []);
  members.forEach((m, s) => {
    for (const id of m) statesOf[id]!.push(s);
  });
  return {
    channels,
    states,
    outStart,
    outTo: Int32Array.from(outTo),
    outWeight: Float64Array.from(outWeight),
    startTo: Int32Array.from(startTo),
    startWeight: Float64Array.from(startTo, (s) => startWeights[s]!),
    conversions: Float64Array.from(conversions),
    nulls: Float64Array.from(nulls),
    value: Float64Array.from(value),
    statesOf: statesOf.map((s) => Int32Array.from(s)),
    total,
    maxValue,
  };
}

/** The first-order chain of summed transitions: one state per key. */
function chainOfTransitions({ starts, steps, ends }: FirstOrderTransitions): Chain {
  const idOf = new Map<string, number>();
  const channels: string[] = [];
  const id = (key: string) => {
    let i = idOf.get(key);
    if (i === undefined) {
      i = channels.length;
      idOf.set(key, i);
      channels.push(key);
    }
    return i;
  };
  for (const x of starts) id(x.key);
  for (const x of steps) {
    id(x.from);
    id(x.to);
  }
  for (const x of ends) id(x.key);
  const states = channels.length;
  const conversions = new Float64Array(states);
  const nulls = new Float64Array(states);
  const value = new Float64Array(states);
  for (const x of ends) {
    const s = id(x.key);
    conversions[s]! += x.conversions;
    nulls[s]! += x.nulls;
    if (x.conversions > 0) value[s]! += x.value;
  }
  const total = new Float64Array(states);
  for (let s = 0; s < states; s++) total[s] = conversions[s]! + nulls[s]!;
  const out: { to: number; weight: number }[][] = channels.map(() => []);
  for (const x of steps) {
    if (x.from === x.to || !(x.weight > 0)) continue;
    out[id(x.from)]!.push({ to: id(x.to), weight: x.weight });
    total[id(x.from)]! += x.weight;
  }
  const outStart = new Int32Array(states + 1);
  out.forEach((edges, s) => {
    outStart[s + 1] = outStart[s]! + edges.length;
  });
  const startWeights = new Float64Array(states);
  for (const x of starts) startWeights[id(x.key)]! += x.weight;
  const startTo = [...startWeights.keys()].filter((s) => startWeights[s]! > 0);
  let maxValue = 0;
  for (let s = 0; s < states; s++)
    if (conversions[s]! > 0) maxValue = Math.max(maxValue, value[s]! / conversions[s]!);
  return {
    channels,
    states,
    outStart,
    outTo: Int32Array.from(out.flat(), (e) => e.to),
    outWeight: Float64Array.from(out.flat(), (e) => e.weight),
    startTo: Int32Array.from(startTo),
    startWeight: Float64Array.from(startTo, (s) => startWeights[s]!),
    conversions,
    nulls,
    value,
    statesOf: channels.map((_, s) => Int32Array.of(s)),
    total,
    maxValue,
  };
}

/** Entries of the lookup tables above which maps are used instead (32 MB of doubles). */
const TABLE_MAX = 2 ** 22;

/** P and E as the observed frequencies, which the chain reproduces: the scale of the solve's tolerance. */
function expected(chain: Chain): { p: number; e: number } {
  let journeys = 0;
  let conversions = 0;
  let value = 0;
  for (const w of chain.startWeight) journeys += w;
  for (let s = 0; s < chain.states; s++) {
    conversions += chain.conversions[s]!;
    value += chain.value[s]!;
  }
  return journeys > 0 ? { p: conversions / journeys, e: value / journeys } : { p: 0, e: 0 };
}

/**
 * Direct solve by eliminating the transient states one at a time (state reduction, as in the GTH
 * algorithm) until only (start) is left; null when that would cost more than iterating.
 *
 * Exact up to rounding, with no tolerance to choose, and free of cancellation: it only adds and
 * multiplies non-negative numbers, the divisor of a state being the sum of its remaining outgoing
 * weights rather than 1 − (a probability). It picks next the state whose elimination adds the fewest
 * transitions (in-degree × out-degree), which keeps tree-like chains sparse; but the windows of order
 * ≥ 2 over many channels form a de Bruijn-like mesh where the fill becomes dense (cubic), hence the
 * budget. Weights stay unnormalised: a row's scale does not change the solution.
 */
function eliminate(
  chain: Chain,
  removed: Uint8Array | null,
  budget: number,
): { p: number; e: number } | null {
  const n = chain.states;
  const start = n;
  const out: Map<number, number>[] = [];
  const into: Set<number>[] = [];
  // Per state: weight to any absorbing state (the divisor's constant part), to (conversion), value.
  const absorbing = new Float64Array(n + 1);
  const toConversion = new Float64Array(n + 1);
  const toValue = new Float64Array(n + 1);
  for (let s = 0; s <= n; s++) {
    out.push(new Map());
    into.push(new Set());
  }
  const link = (from: number, to: number, w: number) => {
    if (removed?.[to]) {
      absorbing[from]! += w;
    } else {
      out[from]!.set(to, w);
      into[to]!.add(from);
    }
  };
  for (let s = 0; s < n; s++) {
    if (removed?.[s]) continue;
    absorbing[s] = chain.conversions[s]! + chain.nulls[s]!;
    toConversion[s] = chain.conversions[s]!;
    toValue[s] = chain.value[s]!;
    for (let i = chain.outStart[s]!; i < chain.outStart[s + 1]!; i++)
      link(s, chain.outTo[i]!, chain.outWeight[i]!);
  }
  for (let i = 0; i < chain.startTo.length; i++) link(start, chain.startTo[i]!, chain.startWeight[i]!);

  const heap = new CostHeap();
  const cost = new Float64Array(n);
  const done = new Uint8Array(n);
  const schedule = (s: number) => {
    cost[s] = into[s]!.size * out[s]!.size;
    heap.push(cost[s]!, s);
  };
  for (let s = 0; s < n; s++) {
    if (removed?.[s]) done[s] = 1;
    else schedule(s);
  }

  while (heap.size > 0) {
    const [c, s] = heap.pop();
    if (done[s] || c !== cost[s]) continue;
    budget -= c + into[s]!.size + out[s]!.size;
    if (budget < 0) return null;
    done[s] = 1;
    const outS = out[s]!;
    let divisor = absorbing[s]!;
    for (const w of outS.values()) divisor += w;
    for (const p of into[s]!) {
      const outP = out[p]!;
      const f = outP.get(s)! / divisor;
      outP.delete(s);
      for (const [t, w] of outS) {
        // A walk p → s → p only delays p: dropping the loop is the geometric series, solved.
        if (t === p) continue;
        const had = outP.get(t);
        if (had === undefined) {
          outP.set(t, f * w);
          into[t]!.add(p);
        } else {
          outP.set(t, had + f * w);
        }
      }
      absorbing[p]! += f * absorbing[s]!;
      toConversion[p]! += f * toConversion[s]!;
      toValue[p]! += f * toValue[s]!;
      if (p !== start) schedule(p);
    }
    for (const t of outS.keys()) {
      into[t]!.delete(s);
      schedule(t);
    }
    out[s] = EMPTY_OUT;
    into[s] = EMPTY_INTO;
  }
  const total = absorbing[start]!;
  return total > 0 ? { p: toConversion[start]! / total, e: toValue[start]! / total } : { p: 0, e: 0 };
}

/**
 * Iterative solve for chains too meshed to eliminate, certified rather than stopped by a step count:
 * Gauss-Seidel sweeps from below (0) and from above (1 for P, the largest v(s) for E) converge
 * monotonically to the solution from both sides, so the solution always lies between the two, and the
 * sweeps go on until they agree at (start) to 1e-15 of the observed P and E (or stop improving, at the
 * limit of floating point).
 */
function iterate(
  chain: Chain,
  removed: Uint8Array | null,
  scale: { p: number; e: number },
): { p: number; e: number } {
  const { states: n, outStart, outTo, outWeight, total, conversions, value, startTo, startWeight } = chain;
  // Per state, side by side: P from below, P from above, E from below, E from above.
  const x = new Float64Array(4 * n);
  for (let s = 0; s < n; s++) {
    if (removed?.[s]) continue;
    x[4 * s + 1] = 1;
    x[4 * s + 3] = chain.maxValue;
  }
  let journeys = 0;
  for (const w of startWeight) journeys += w;
  const tolP = ITERATION_TOLERANCE * scale.p;
  const tolE = ITERATION_TOLERANCE * scale.e;
  let best = Number.POSITIVE_INFINITY;
  let stalled = 0;
  for (;;) {
    // States are numbered in the order journeys reach them: going backwards updates successors first.
    for (let s = n - 1; s >= 0; s--) {
      if (removed?.[s]) continue;
      let lp = conversions[s]!;
      let hp = lp;
      let le = value[s]!;
      let he = le;
      for (let i = outStart[s]!, end = outStart[s + 1]!; i < end; i++) {
        const w = outWeight[i]!;
        const t = 4 * outTo[i]!;
        lp += w * x[t]!;
        hp += w * x[t + 1]!;
        le += w * x[t + 2]!;
        he += w * x[t + 3]!;
      }
      const d = total[s]!;
      x[4 * s] = lp / d;
      x[4 * s + 1] = hp / d;
      x[4 * s + 2] = le / d;
      x[4 * s + 3] = he / d;
    }
    let lp = 0;
    let hp = 0;
    let le = 0;
    let he = 0;
    for (let i = 0; i < startTo.length; i++) {
      const w = startWeight[i]! / journeys;
      const t = 4 * startTo[i]!;
      lp += w * x[t]!;
      hp += w * x[t + 1]!;
      le += w * x[t + 2]!;
      he += w * x[t + 3]!;
    }
    const result = { p: (lp + hp) / 2, e: (le + he) / 2 };
    if (hp - lp <= tolP && he - le <= tolE) return result;
    const gap = Math.max((hp - lp) / (scale.p || 1), (he - le) / (scale.e || 1));
    if (gap < best) {
      best = gap;
      stalled = 0;
    } else if (++stalled >= 20) {
      return result;
    }
  }
}

// Work units of elimination (transitions touched) allowed before iterating instead. A unit costs about
// as much as a whole iteration's passes over one transition, and Gauss-Seidel needs 30–60 of them:
// small chains are always eliminated, large ones only while their fill stays near-linear.
const DIRECT_MAX_SIZE = 50_000;
const eliminationBudget = (chain: Chain) => 2 * (chain.outTo.length + chain.states) + 60_000;
const ITERATION_TOLERANCE = 1e-15;

const EMPTY_OUT = new Map<number, number>();
const EMPTY_INTO = new Set<number>();

/** A binary min-heap of (cost, state); stale entries are skipped by the caller. */
class CostHeap {
  private costs: number[] = [];
  private items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(cost: number, item: number): void {
    const { costs, items } = this;
    let i = items.length;
    costs.push(cost);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (costs[parent]! <= cost) break;
      costs[i] = costs[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    costs[i] = cost;
    items[i] = item;
  }

  pop(): [number, number] {
    const { costs, items } = this;
    const top: [number, number] = [costs[0]!, items[0]!];
    const lastCost = costs.pop()!;
    const lastItem = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && costs[child + 1]! < costs[child]!) child++;
        if (costs[child]! >= lastCost) break;
        costs[i] = costs[child]!;
        items[i] = items[child]!;
        i = child;
      }
      costs[i] = lastCost;
      items[i] = lastItem;
    }
    return top;
  }
}
