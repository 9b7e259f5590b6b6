import type { SankeyLink, SankeyNode, TopPath } from "./report.js";

/** One distinct truncated path and the sequences that took it. */
export interface PathCount {
  /** Touchpoint ids in time order (consecutive repeats already collapsed), at most `depth` of them. */
  path: readonly string[];
  count: number;
  conversions: number;
}

export interface SankeyOptions {
  /**
   * `start`: step 1 is each path's first touchpoint. `end`: paths are aligned on their last touchpoint,
   * which is step `depth` (the chart reads left to right into the end).
   */
  align: "start" | "end";
  depth: number;
  /** Flows carrying fewer than `minShare` of all sequences are grouped into one `other` node per step. */
  minShare: number;
  name: (touchpoint: string) => string;
}

export const OTHER_NAME = "Other";

/**
 * The Sankey of (step, touchpoint) nodes over the paths, built from the aggregated paths alone.
 *
 * Grouping, with θ = minShare · (all sequences), walking the steps from the anchor (the first step, or the
 * last with `align: "end"`) outwards: a sequence keeps its touchpoint t at a step when the flow from the
 * node it shows at the previous step (at the anchor: from nowhere) into t carries at least θ sequences;
 * otherwise it shows this step's `other` node, and the walk goes on from there (a sequence may leave
 * `other` for a touchpoint again if that flow reaches θ). So every touchpoint node and every link into one
 * carries at least θ sequences; the small flows end in `other`. Since each sequence is counted once per
 * step it reaches, flow is conserved: value = Σ incoming + entries = Σ outgoing + dropOff for every node,
 * with `entries` the sequences that begin there and `dropOff` those that end there.
 */
export function buildSankey(
  paths: readonly PathCount[],
  options: SankeyOptions,
): { nodes: SankeyNode[]; links: SankeyLink[] } {
  const total = paths.reduce((s, p) => s + p.count, 0);
  const threshold = options.minShare * total;
  const present = new Set(paths.flatMap((p) => p.path));
  const otherKey = present.has("other") ? "(other)" : "other";
  // Walk order: from the anchor outwards. A label is a touchpoint id, or "" for `other`.
  const walks = paths.map((p) => {
    if (p.path.length > options.depth)
      throw new Error(`a path longer than the depth (${p.path.length} > ${options.depth})`);
    return options.align === "end" ? [...p.path].reverse() : p.path;
  });
  const stepOf = (k: number) => (options.align === "end" ? options.depth - k : k + 1);
  const idOf = (k: number, label: string) => `${stepOf(k)}:${label === "" ? otherKey : label}`;

  const nodes = new Map<string, SankeyNode>();
  const links = new Map<string, SankeyLink>();
  const labels: (string | null)[] = walks.map(() => null); // null: before the anchor
  const longest = walks.reduce((m, w) => Math.max(m, w.length), 0);
  for (let k = 0; k < longest; k++) {
    const flows = new Map<string, number>();
    const key = (i: number) => `${labels[i] ?? "^"}\u0000${walks[i]![k]}`;
    walks.forEach((w, i) => {
      if (w.length > k) flows.set(key(i), (flows.get(key(i)) ?? 0) + paths[i]!.count);
    });
    walks.forEach((w, i) => {
      if (w.length <= k) return;
      const p = paths[i]!;
      const label = flows.get(key(i))! >= threshold ? w[k]! : "";
      const id = idOf(k, label);
      let node = nodes.get(id);
      if (!node) {
        node = {
          id,
          step: stepOf(k),
          touchpoint: label === "" ? null : label,
          name: label === "" ? OTHER_NAME : options.name(label),
          other: label === "",
          value: 0,
          conversions: 0,
          entries: 0,
          dropOff: 0,
        };
        nodes.set(id, node);
      }
      node.value += p.count;
      node.conversions += p.conversions;
      const previous = labels[i];
      if (previous !== null && previous !== undefined) {
        const before = idOf(k - 1, previous);
        // Links run left to right: in walk order for `start`, against it for `end`.
        const [source, target] = options.align === "end" ? [id, before] : [before, id];
        const linkKey = `${source}\u0000${target}`;
        const link = links.get(linkKey) ?? { source, target, value: 0 };
        link.value += p.count;
        links.set(linkKey, link);
      }
      labels[i] = label;
    });
  }

  const into = new Map<string, number>();
  const out = new Map<string, number>();
  for (const l of links.values()) {
    out.set(l.source, (out.get(l.source) ?? 0) + l.value);
    into.set(l.target, (into.get(l.target) ?? 0) + l.value);
  }
  for (const n of nodes.values()) {
    n.entries = n.value - (into.get(n.id) ?? 0);
    n.dropOff = n.value - (out.get(n.id) ?? 0);
  }
  const stepOfId = (id: string) => nodes.get(id)!.step;
  const byStepThenSize = (a: SankeyNode, b: SankeyNode) =>
    a.step - b.step || Number(a.other) - Number(b.other) || b.value - a.value || compare(a.id, b.id);
  return {
    nodes: [...nodes.values()].sort(byStepThenSize),
    links: [...links.values()].sort(
      (a, b) =>
        stepOfId(a.source) - stepOfId(b.source) ||
        b.value - a.value ||
        compare(a.source, b.source) ||
        compare(a.target, b.target),
    ),
  };
}

/** The `limit` most frequent paths, ties broken by the path's ids so the order is stable. */
export function topPaths(
  paths: readonly PathCount[],
  limit: number,
  name: (touchpoint: string) => string,
): TopPath[] {
  const total = paths.reduce((s, p) => s + p.count, 0);
  const text = new Map(paths.map((p) => [p, p.path.join("\u0000")]));
  return [...paths]
    .sort((a, b) => b.count - a.count || compare(text.get(a)!, text.get(b)!))
    .slice(0, limit)
    .map((p) => ({
      path: [...p.path],
      names: p.path.map(name),
      count: p.count,
      share: p.count / total,
      conversions: p.conversions,
      conversionRate: p.count > 0 ? p.conversions / p.count : null,
    }));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
