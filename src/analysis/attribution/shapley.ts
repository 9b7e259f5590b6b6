import { type Credit, Ledger } from "./credits.js";
import { channelsOf, type PathSummaryRow } from "./paths.js";

/** The journeys whose set of distinct channels is `ids` (channel numbers, ascending). */
interface Coalition {
  ids: number[];
  conversions: number;
  nulls: number;
  value: number;
  /** p(S) = C(S) / (C(S) + N(S)). */
  p: number;
}

/**
 * Data-driven Shapley attribution (specs/attribution.md): per set S of distinct channels with
 * conversions, the Shapley values of the game whose worth is the observed conversion rate p, negatives
 * set to 0, split C(S) and V(S) in proportion.
 *
 * Exact for sets of any size, so no Monte Carlo estimate is ever needed. p is 0 for every set never
 * observed with a conversion, so the definition, rearranged, only needs the observed subsets T of S:
 * φⱼ = Σ_{T∋j} p(T)·(w(|T|−1) + w(|T|)) − Σ_T p(T)·w(|T|), w(t) = t!(|S|−t−1)!/|S|!, w(|S|) = 0.
 * A trie of the observed sets yields them for the cost of the subsets actually observed, not 2^|S|.
 */
export function shapley(rows: readonly PathSummaryRow[], channels = channelsOf(rows)): Credit[] {
  const idOf = new Map(channels.map((c, i) => [c, i]));
  // A set as the sum of 2^id is exact up to 53 channels; beyond, the joined ids.
  const numeric = channels.length <= 52;
  const keyOf = (ids: readonly number[]): number | string =>
    numeric ? ids.reduce((k, id) => k + 2 ** id, 0) : ids.join(",");

  const coalitions = new Map<number | string, Coalition>();
  for (const row of rows) {
    if (row.conversions === 0 && row.nulls === 0 && row.value === 0) continue;
    if (row.path.length === 0) throw new Error("shapley: a journey has no touches");
    const ids = [...new Set(row.path.map((c) => idOf.get(c)!))].sort((a, b) => a - b);
    const key = keyOf(ids);
    const seen = coalitions.get(key);
    if (seen) {
      seen.conversions += row.conversions;
      seen.nulls += row.nulls;
      seen.value += row.value;
    } else {
      coalitions.set(key, { ids, conversions: row.conversions, nulls: row.nulls, value: row.value, p: 0 });
    }
  }
  const worth = new Map<number | string, Coalition>();
  for (const [key, s] of coalitions) {
    if (s.conversions > 0) {
      s.p = s.conversions / (s.conversions + s.nulls);
      worth.set(key, s);
    }
  }

  // Channels renumbered rarest first: a stored set that is not a subset of S then mostly leaves the
  // walk at its first channel, instead of after a long prefix of popular channels S also has.
  const frequency = new Array<number>(channels.length).fill(0);
  for (const t of worth.values()) for (const id of t.ids) frequency[id]!++;
  const byRank = channels.map((_, id) => id).sort((a, b) => frequency[a]! - frequency[b]! || a - b);
  const rank = new Array<number>(channels.length);
  byRank.forEach((id, r) => {
    rank[id] = r;
  });
  for (const s of coalitions.values()) s.ids = s.ids.map((id) => rank[id]!).sort((a, b) => a - b);
  const trie = new SubsetTrie([...worth.values()], channels.length);
  const ledger = new Ledger(channels);
  const weightsBySize = new Map<number, Float64Array>();
  for (const s of coalitions.values()) {
    if (s.conversions === 0 && s.value === 0) continue;
    const m = s.ids.length;
    let w = weightsBySize.get(m);
    if (!w) {
      w = shapleyWeights(m);
      weightsBySize.set(m, w);
    }
    const phi = trie.shapley(s.ids, w);
    let sum = 0;
    for (let j = 0; j < m; j++) {
      phi[j] = Math.max(0, phi[j]!);
      sum += phi[j]!;
    }
    for (let j = 0; j < m; j++) {
      const share = sum > 0 ? phi[j]! / sum : 1 / m;
      ledger.add(channels[byRank[s.ids[j]!]!]!, s.conversions * share, s.value * share);
    }
  }
  return ledger.credits();
}

/** w(t) = t!(m−t−1)!/m! = 1 / (m·C(m−1, t)) for t < m, and w(m) = 0. */
function shapleyWeights(m: number): Float64Array {
  const w = new Float64Array(m + 1);
  let binomial = 1;
  for (let t = 0; t < m; t++) {
    w[t] = 1 / (m * binomial);
    binomial = (binomial * (m - 1 - t)) / (t + 1);
  }
  return w;
}

/**
 * The sets with p > 0 as a trie of their ascending channel numbers, so that the subsets of S are found
 * by walking only the branches made of channels of S: the work follows the observed subsets, not 2^|S|.
 */
class SubsetTrie {
  // Node n's children are childId/childNode[childStart[n] .. childStart[n + 1]), ids ascending.
  private readonly childStart: Int32Array;
  private readonly childId: Int32Array;
  private readonly childNode: Int32Array;
  /** p of the set ending at the node; 0 where none does. */
  private readonly p: Float64Array;
  // State of one walk.
  private readonly inS: Int32Array;
  private readonly positions: Int32Array;
  private ids: readonly number[] = [];
  private w: Float64Array = new Float64Array(0);
  private b: Float64Array = new Float64Array(0);
  private a = 0;

  constructor(sets: readonly Coalition[], channels: number) {
    const children: Map<number, number>[] = [new Map()];
    const p = [0];
    let longest = 0;
    for (const set of sets) {
      let node = 0;
      for (const id of set.ids) {
        let child = children[node]!.get(id);
        if (child === undefined) {
          child = children.length;
          children[node]!.set(id, child);
          children.push(new Map());
          p.push(0);
        }
        node = child;
      }
      p[node] = set.p;
      longest = Math.max(longest, set.ids.length);
    }
    this.childStart = new Int32Array(children.length + 1);
    children.forEach((c, n) => {
      this.childStart[n + 1] = this.childStart[n]! + c.size;
    });
    this.childId = new Int32Array(children.length - 1);
    this.childNode = new Int32Array(children.length - 1);
    children.forEach((c, n) => {
      let at = this.childStart[n]!;
      for (const id of [...c.keys()].sort((x, y) => x - y)) {
        this.childId[at] = id;
        this.childNode[at++] = c.get(id)!;
      }
    });
    this.p = Float64Array.from(p);
    this.inS = new Int32Array(channels);
    this.positions = new Int32Array(longest + 1);
  }

  /**
   * φ of each channel of S (`ids`, ascending) before negatives are dropped: b[j] − a with
   * a = Σ_T p(T)·w(|T|) and b[j] = Σ_{T∋j} p(T)·(w(|T|−1) + w(|T|)), T over the stored subsets of S.
   */
  shapley(ids: readonly number[], w: Float64Array): Float64Array {
    this.ids = ids;
    this.w = w;
    this.b = new Float64Array(ids.length);
    this.a = 0;
    ids.forEach((id, j) => {
      this.inS[id] = j + 1;
    });
    this.walk(0, 0, 0);
    for (const id of ids) this.inS[id] = 0;
    const { a, b } = this;
    for (let j = 0; j < b.length; j++) b[j]! -= a;
    return b;
  }

  private walk(node: number, from: number, depth: number): void {
    const { childStart, childId, ids, inS } = this;
    const first = childStart[node]!;
    const end = childStart[node + 1]!;
    if (end - first <= ids.length - from) {
      // A child of a node on S's path is a channel after the parent's, so at a position ≥ from.
      for (let k = first; k < end; k++) {
        const j = inS[childId[k]!]! - 1;
        if (j >= 0) this.visit(this.childNode[k]!, j, depth);
      }
    } else {
      for (let j = from; j < ids.length; j++) {
        const k = search(childId, first, end, ids[j]!);
        if (k >= 0) this.visit(this.childNode[k]!, j, depth);
      }
    }
  }

  private visit(node: number, j: number, depth: number): void {
    const { positions, w, b } = this;
    positions[depth] = j;
    const p = this.p[node]!;
    if (p > 0) {
      const size = depth + 1;
      this.a += p * w[size]!;
      const both = p * (w[size - 1]! + w[size]!);
      for (let i = 0; i < size; i++) b[positions[i]!]! += both;
    }
    if (this.childStart[node + 1]! > this.childStart[node]!) this.walk(node, j + 1, depth + 1);
  }
}

/** Index of `id` in the ascending `ids[first .. end)`, or −1. */
function search(ids: Int32Array, first: number, end: number, id: number): number {
  let lo = first;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid]!;
    if (v < id) lo = mid + 1;
    else if (v > id) hi = mid - 1;
    else return mid;
  }
  return -1;
}
