import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { SankeyLink, SankeyNode } from "./report.js";
import { buildSankey, type PathCount, type SankeyOptions, topPaths } from "./sankey.js";

const name = (id: string) => id.toUpperCase();
const p = (path: string, count: number, conversions = 0): PathCount => ({
  path: path.split(" ").filter(Boolean),
  count,
  conversions,
});
/** Six sequences: W = website visit, P = product page, C = cart, K = checkout. */
const SIX = [p("w p c k", 1, 1), p("p w p", 1), p("w p", 2, 1), p("w", 1), p("w p w p k", 1, 1)];
const opts = (o: Partial<SankeyOptions> = {}): SankeyOptions => ({
  align: "start",
  depth: 5,
  minShare: 0,
  name,
  ...o,
});
const node = (id: string, value: number, conversions: number, entries: number, dropOff: number) => {
  const [step, touchpoint] = id.split(":");
  const other = touchpoint === "other";
  return {
    id,
    step: Number(step),
    touchpoint: other ? null : touchpoint!,
    name: other ? "Other" : touchpoint!.toUpperCase(),
    other,
    value,
    conversions,
    entries,
    dropOff,
  };
};
const link = (source: string, target: string, value: number) => ({ source, target, value });

test("without grouping every (step, touchpoint) is a node; drop-off is where sequences end", () => {
  const { nodes, links } = buildSankey(SIX, opts());
  assert.deepEqual(nodes, [
    node("1:w", 5, 3, 5, 1),
    node("1:p", 1, 0, 1, 0),
    node("2:p", 4, 3, 0, 2),
    node("2:w", 1, 0, 0, 0),
    node("3:c", 1, 1, 0, 0),
    node("3:p", 1, 0, 0, 1),
    node("3:w", 1, 1, 0, 0),
    node("4:k", 1, 1, 0, 1),
    node("4:p", 1, 1, 0, 0),
    node("5:k", 1, 1, 0, 1),
  ]);
  assert.deepEqual(links, [
    link("1:w", "2:p", 4),
    link("1:p", "2:w", 1),
    link("2:p", "3:c", 1),
    link("2:p", "3:w", 1),
    link("2:w", "3:p", 1),
    link("3:c", "4:k", 1),
    link("3:w", "4:p", 1),
    link("4:p", "5:k", 1),
  ]);
});

test("flows under min-share go to one `other` node per step, and stay there unless a big flow leaves", () => {
  // θ = 0.3 · 6 = 1.8: only flows of 2 or more sequences keep their touchpoint.
  const { nodes, links } = buildSankey(SIX, opts({ minShare: 0.3 }));
  assert.deepEqual(nodes, [
    node("1:w", 5, 3, 5, 1),
    node("1:other", 1, 0, 1, 0),
    node("2:p", 4, 3, 0, 2),
    node("2:other", 1, 0, 0, 0),
    node("3:other", 3, 2, 0, 1),
    node("4:other", 2, 2, 0, 1),
    node("5:other", 1, 1, 0, 1),
  ]);
  assert.deepEqual(links, [
    link("1:w", "2:p", 4),
    link("1:other", "2:other", 1),
    link("2:p", "3:other", 2),
    link("2:other", "3:other", 1),
    link("3:other", "4:other", 2),
    link("4:other", "5:other", 1),
  ]);
  // A sequence leaves `other` again when its flow out of it is large enough.
  const back = buildSankey([p("a x", 1), p("b x", 1), p("c x", 1), p("d", 7)], opts({ minShare: 0.2 }));
  assert.deepEqual(
    back.nodes.map((n) => [n.id, n.value]),
    [
      ["1:d", 7],
      ["1:other", 3],
      ["2:x", 3],
    ],
  );
  assert.deepEqual(back.links, [link("1:other", "2:x", 3)]);
});

test("--end: paths aligned on their last touchpoint, which is step `depth`; entries where they begin", () => {
  const paths = [p("w", 3, 2), p("p w", 1), p("w p w", 1, 1)];
  const { nodes, links } = buildSankey(paths, opts({ align: "end", depth: 4 }));
  assert.deepEqual(nodes, [node("2:w", 1, 1, 1, 0), node("3:p", 2, 1, 1, 0), node("4:w", 5, 3, 3, 5)]);
  assert.deepEqual(links, [link("2:w", "3:p", 1), link("3:p", "4:w", 2)]);
  // Grouping walks back from the end: the small flows into the end step are grouped.
  const grouped = buildSankey(paths, opts({ align: "end", depth: 4, minShare: 0.5 }));
  assert.deepEqual(
    grouped.nodes.map((n) => [n.id, n.value, n.entries, n.dropOff]),
    [
      ["2:other", 1, 1, 0],
      ["3:other", 2, 1, 0],
      ["4:w", 5, 3, 5],
    ],
  );
  assert.throws(() => buildSankey([p("a b c", 1)], opts({ depth: 2 })), /longer than the depth/);
});

test("a touchpoint called `other` keeps its id; the group takes another", () => {
  const { nodes } = buildSankey([p("other", 5), p("x", 1)], opts({ minShare: 0.5 }));
  assert.deepEqual(
    nodes.map((n) => [n.id, n.touchpoint, n.other]),
    [
      ["1:other", "other", false],
      ["1:(other)", null, true],
    ],
  );
  assert.deepEqual(buildSankey([], opts()), { nodes: [], links: [] });
});

test("top paths: most frequent first, ties in the order of their ids; shares and conversion rates", () => {
  assert.deepEqual(topPaths(SIX, 3, name), [
    {
      path: ["w", "p"],
      names: ["W", "P"],
      count: 2,
      share: 2 / 6,
      conversions: 1,
      conversionRate: 0.5,
    },
    {
      path: ["p", "w", "p"],
      names: ["P", "W", "P"],
      count: 1,
      share: 1 / 6,
      conversions: 0,
      conversionRate: 0,
    },
    { path: ["w"], names: ["W"], count: 1, share: 1 / 6, conversions: 0, conversionRate: 0 },
  ]);
  assert.equal(topPaths(SIX, 100, name).length, SIX.length);
});

/** Checks every structural promise of the Sankey; returns nothing, throws on the first broken one. */
function checkSankey(
  paths: PathCount[],
  o: SankeyOptions,
  { nodes, links }: { nodes: SankeyNode[]; links: SankeyLink[] },
) {
  const total = paths.reduce((s, x) => s + x.count, 0);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  assert.equal(byId.size, nodes.length, "node ids are unique");
  assert.equal(new Set(links.map((l) => `${l.source}>${l.target}`)).size, links.length, "one link per pair");
  const into = new Map<string, number>();
  const out = new Map<string, number>();
  for (const l of links) {
    const s = byId.get(l.source);
    const t = byId.get(l.target);
    assert.ok(s && t, "links join existing nodes");
    assert.equal(t.step, s.step + 1, "links join consecutive steps");
    assert.ok(l.value > 0);
    // Grouping walks away from the anchor: the node on the far side of a link is the one it decided.
    const decided = o.align === "end" ? s : t;
    if (!decided.other) assert.ok(l.value >= o.minShare * total, "a link kept for a touchpoint carries ≥ θ");
    out.set(l.source, (out.get(l.source) ?? 0) + l.value);
    into.set(l.target, (into.get(l.target) ?? 0) + l.value);
  }
  for (const n of nodes) {
    assert.equal(n.id, `${n.step}:${n.other ? "other" : n.touchpoint}`);
    assert.equal(n.value, (into.get(n.id) ?? 0) + n.entries, "value = Σ in + entries");
    assert.equal(n.value, (out.get(n.id) ?? 0) + n.dropOff, "value = Σ out + drop-off");
    assert.ok(n.entries >= 0 && n.dropOff >= 0 && n.conversions <= n.value);
    if (!n.other) assert.ok(n.value >= o.minShare * total, "a touchpoint node carries ≥ θ");
    assert.ok(n.step >= 1 && n.step <= o.depth);
  }
  // Every sequence is counted once per step it reaches.
  const perStep = new Map<number, number>();
  for (const n of nodes) perStep.set(n.step, (perStep.get(n.step) ?? 0) + n.value);
  for (let k = 1; k <= o.depth; k++) {
    const step = o.align === "end" ? o.depth - k + 1 : k;
    const expected = paths.filter((x) => x.path.length >= k).reduce((s, x) => s + x.count, 0);
    assert.equal(perStep.get(step) ?? 0, expected, `sequences at step ${step}`);
  }
  const entries = nodes.reduce((s, n) => s + n.entries, 0);
  const drops = nodes.reduce((s, n) => s + n.dropOff, 0);
  assert.equal(entries, total, "every sequence enters once");
  assert.equal(drops, total, "every sequence ends once");
}

test("property: ids unique, links between consecutive steps, flow conserved, every kept flow ≥ θ", () => {
  const touchpoint = fc.constantFrom("a", "b", "c", "d", "other");
  const config = fc.record({
    align: fc.constantFrom<("start" | "end")[]>("start", "end"),
    depth: fc.integer({ min: 1, max: 5 }),
    minShare: fc.constantFrom(0, 0.05, 0.2, 0.5, 1),
  });
  fc.assert(
    fc.property(
      config,
      fc.array(
        fc.record({
          path: fc.array(touchpoint, { minLength: 1, maxLength: 5 }),
          count: fc.integer({ min: 1, max: 20 }),
          conversions: fc.integer({ min: 0, max: 20 }),
        }),
        { maxLength: 12 },
      ),
      (c, raw) => {
        const paths = raw.map((x) => ({
          ...x,
          path: x.path.slice(0, c.depth),
          conversions: Math.min(x.conversions, x.count),
        }));
        const o = opts(c);
        // The `other` touchpoint forces the group's id to change: check the invariants on renamed ids.
        const sankey = buildSankey(
          paths.map((x) => ({ ...x, path: x.path.map((t) => (t === "other" ? "e" : t)) })),
          o,
        );
        checkSankey(paths, o, sankey);
        const withOther = buildSankey(paths, o);
        assert.equal(new Set(withOther.nodes.map((n) => n.id)).size, withOther.nodes.length);
      },
    ),
    { numRuns: 300 },
  );
});
