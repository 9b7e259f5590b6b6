import assert from "node:assert/strict";
import { test } from "node:test";
import {
  IdentityGraph,
  type IdKind,
  type IdRef,
  isPlaceholderId,
  type LinkInput,
  type LinkResult,
  type MapChange,
} from "./identity-graph.js";

const u = (id: string): IdRef => ({ kind: "user", id });
const a = (id: string): IdRef => ({ kind: "anonymous", id });
const identify = (from: IdRef, to: IdRef, seenAt: number): LinkInput => ({
  from,
  to,
  kind: "identify",
  seenAt,
});
const alias = (from: IdRef, to: IdRef, seenAt: number): LinkInput => ({ from, to, kind: "alias", seenAt });

const sorted = (changes: MapChange[]): MapChange[] =>
  [...changes].sort((x, y) => `${x.kind}:${x.id}`.localeCompare(`${y.kind}:${y.id}`));

function changesOf(r: LinkResult): MapChange[] {
  assert.equal(r.status, "linked", JSON.stringify(r));
  return r.status === "linked" ? sorted(r.changes) : [];
}

function reasonOf(r: LinkResult): string {
  assert.equal(r.status, "refused", JSON.stringify(r));
  return r.status === "refused" ? r.reason : "";
}

const ch = (kind: IdKind, id: string, customerId: string): MapChange => ({ kind, id, customerId });

test("a two-node link names the customer after the userId and reports both new nodes", () => {
  const g = new IdentityGraph();
  assert.equal(g.size, 0);
  assert.equal(g.customerOf(a("A")), undefined);
  assert.deepEqual(changesOf(g.link(identify(a("A"), u("U"), 1))), [
    ch("anonymous", "A", "U"),
    ch("user", "U", "U"),
  ]);
  assert.equal(g.customerOf(a("A")), "U");
  assert.equal(g.customerOf(u("U")), "U");
  assert.equal(g.size, 2);
});

test("userId and anonymousId with the same string are different nodes", () => {
  const g = new IdentityGraph();
  assert.deepEqual(changesOf(g.link(identify(a("42"), u("42"), 1))), [
    ch("anonymous", "42", "42"),
    ch("user", "42", "42"),
  ]);
  assert.equal(g.size, 2);
  assert.equal(g.customerOf(a("7")), undefined);
  g.link(identify(a("7"), u("8"), 2));
  assert.equal(g.customerOf(u("7")), undefined);
  assert.equal(g.customerOf(a("7")), "8");
});

test("chains merge into one customer and only moved nodes are reported", () => {
  const g = new IdentityGraph();
  g.link(identify(a("a1"), u("u1"), 1));
  assert.deepEqual(changesOf(g.link(identify(a("a2"), u("u1"), 2))), [ch("anonymous", "a2", "u1")]);
  assert.deepEqual(changesOf(g.link(identify(a("a3"), a("a4"), 3))), [
    ch("anonymous", "a3", "a3"),
    ch("anonymous", "a4", "a3"),
  ]);
  assert.deepEqual(changesOf(g.link(identify(a("a4"), a("a5"), 4))), [ch("anonymous", "a5", "a3")]);
  // An anonymous-only component joins a known user without touching the user's side.
  assert.deepEqual(changesOf(g.link(identify(a("a2"), a("a5"), 5))), [
    ch("anonymous", "a3", "u1"),
    ch("anonymous", "a4", "u1"),
    ch("anonymous", "a5", "u1"),
  ]);
  for (const id of ["a1", "a2", "a3", "a4", "a5"]) assert.equal(g.customerOf(a(id)), "u1");
  assert.equal(g.size, 6);
});

test("the earliest-seen userId names the customer even when the later one's component is larger", () => {
  const g = new IdentityGraph();
  g.link(identify(a("x1"), u("early"), 10));
  for (let i = 0; i < 5; i++) g.link(identify(a(`y${i}`), u("late"), 20 + i));
  // "late" is first mentioned before "early" but with a later seenAt: time decides, not order.
  const changes = changesOf(g.link(alias(u("late"), u("early"), 100)));
  assert.deepEqual(changes, [
    ch("anonymous", "y0", "early"),
    ch("anonymous", "y1", "early"),
    ch("anonymous", "y2", "early"),
    ch("anonymous", "y3", "early"),
    ch("anonymous", "y4", "early"),
    ch("user", "late", "early"),
  ]);
  assert.equal(g.customerOf(a("x1")), "early");
});

test("first-seen is the seenAt of the first link mentioning a node, not the order of arrival", () => {
  const g = new IdentityGraph();
  g.link(identify(a("b1"), u("second"), 50));
  g.link(identify(a("b2"), u("first"), 5)); // arrives later, was seen earlier
  g.link(identify(a("b1"), u("second"), 1)); // an earlier time for a known node does not rewrite it
  assert.deepEqual(changesOf(g.link(alias(u("second"), u("first"), 60))), [
    ch("anonymous", "b1", "first"),
    ch("user", "second", "first"),
  ]);
});

test("anonymous-only components are named by their first-seen anonymousId", () => {
  const g = new IdentityGraph();
  g.link(identify(a("n1"), a("n2"), 10));
  g.link(identify(a("m1"), a("m2"), 5));
  assert.equal(g.customerOf(a("n2")), "n1");
  assert.equal(g.customerOf(a("m2")), "m1");
  assert.deepEqual(changesOf(g.link(identify(a("n2"), a("m2"), 20))), [
    ch("anonymous", "n1", "m1"),
    ch("anonymous", "n2", "m1"),
  ]);
  // Equal seenAt: the id added first wins.
  const h = new IdentityGraph();
  h.link(identify(a("p"), a("q"), 7));
  h.link(identify(a("r"), a("q"), 7));
  assert.equal(h.customerOf(a("r")), "p");
});

test("a userId joining an anonymous-only component renames every member", () => {
  const g = new IdentityGraph();
  g.link(identify(a("c1"), a("c2"), 1));
  g.link(identify(a("c2"), a("c3"), 2));
  assert.deepEqual(changesOf(g.link(identify(a("c3"), u("uc"), 3))), [
    ch("anonymous", "c1", "uc"),
    ch("anonymous", "c2", "uc"),
    ch("anonymous", "c3", "uc"),
    ch("user", "uc", "uc"),
  ]);
});

test("alias merges two known users: earliest-seen userId wins, the other side is reported", () => {
  const g = new IdentityGraph();
  g.link(identify(a("d1"), u("old"), 1));
  g.link(identify(a("d2"), u("old"), 2));
  g.link(identify(a("e1"), u("new"), 3));
  g.link(identify(a("e2"), u("new"), 4));
  g.link(identify(a("e3"), u("new"), 5));
  assert.deepEqual(changesOf(g.link(alias(u("old"), u("new"), 10))), [
    ch("anonymous", "e1", "old"),
    ch("anonymous", "e2", "old"),
    ch("anonymous", "e3", "old"),
    ch("user", "new", "old"),
  ]);
  for (const ref of [a("d1"), a("d2"), a("e1"), a("e2"), a("e3"), u("old"), u("new")]) {
    assert.equal(g.customerOf(ref), "old");
  }
});

test("identify refuses to put more userIds in a customer than maxUserIdsPerCustomer", () => {
  const g = new IdentityGraph();
  g.link(identify(a("A"), u("U1"), 1));
  const reason = reasonOf(g.link(identify(a("A"), u("U2"), 2)));
  assert.match(reason, /"A"/);
  assert.match(reason, /"U1"/);
  assert.match(reason, /"U2"/);
  assert.match(reason, /maxUserIdsPerCustomer \(1\)/);
  // Nothing was applied: U2 is not attached to A, nor created.
  assert.equal(g.customerOf(a("A")), "U1");
  assert.equal(g.customerOf(u("U2")), undefined);
  assert.equal(g.size, 2);

  // Two known users' components are not merged either.
  g.link(identify(a("B"), u("U2"), 3));
  assert.match(reasonOf(g.link(identify(a("A"), a("B"), 4))), /maxUserIdsPerCustomer/);
  assert.match(reasonOf(g.link(identify(u("U1"), u("U2"), 5))), /maxUserIdsPerCustomer/);
  assert.equal(g.customerOf(a("B")), "U2");
});

test("raising maxUserIdsPerCustomer to 2 allows the second userId but not a third", () => {
  const g = new IdentityGraph({ maxUserIdsPerCustomer: 2 });
  g.link(identify(a("A"), u("U1"), 1));
  assert.deepEqual(changesOf(g.link(identify(a("A"), u("U2"), 2))), [ch("user", "U2", "U1")]);
  assert.match(reasonOf(g.link(identify(a("A"), u("U3"), 3))), /maxUserIdsPerCustomer \(2\)/);
  assert.equal(g.customerOf(u("U3")), undefined);
});

test("alias ignores maxUserIdsPerCustomer, and the aliased customer still accepts new devices", () => {
  const g = new IdentityGraph();
  g.link(identify(a("A"), u("U1"), 1));
  g.link(identify(a("B"), u("U2"), 2));
  g.link(identify(a("C"), u("U3"), 3));
  assert.equal(g.link(alias(u("U1"), u("U2"), 4)).status, "linked");
  assert.equal(g.link(alias(a("C"), u("U2"), 5)).status, "linked");
  assert.equal(g.customerOf(u("U3")), "U1");
  // Attaching an id without a userId adds no userId to the customer.
  assert.deepEqual(changesOf(g.link(identify(a("D"), u("U2"), 6))), [ch("anonymous", "D", "U1")]);
  // A fresh userId still may not join it through identify.
  assert.match(reasonOf(g.link(identify(a("D"), u("U4"), 7))), /maxUserIdsPerCustomer/);
});

const PLACEHOLDER_STRINGS = [
  "",
  " ",
  "\t\n",
  "null",
  "undefined",
  "0",
  "none",
  "nil",
  "anonymous",
  "guest",
  "unknown",
  "[object Object]",
  "00000000-0000-0000-0000-000000000000",
];

test("isPlaceholderId recognizes every placeholder, in any case and padding", () => {
  for (const p of PLACEHOLDER_STRINGS) {
    for (const v of [p, p.toUpperCase(), ` ${p} `, `\t${p.toLowerCase()}\n`]) {
      assert.equal(isPlaceholderId(v), true, JSON.stringify(v));
    }
  }
  for (const v of [null, undefined, 0, 42, {}, [], true]) assert.equal(isPlaceholderId(v), true, String(v));
  for (const v of ["00", "nullable", "guest1", "0x0", "user-0", "Anonymous Coward", "42"]) {
    assert.equal(isPlaceholderId(v), false, v);
  }
  assert.equal(isPlaceholderId("test-user", ["TEST-USER"]), true);
  assert.equal(isPlaceholderId(" Test-User ", ["test-user"]), true);
  assert.equal(isPlaceholderId("test-user-2", ["test-user"]), false);
});

test("placeholder ids never link anything, on either side and with either kind", () => {
  const g = new IdentityGraph();
  g.link(identify(a("real-a"), u("real-u"), 1));
  const placeholders: unknown[] = [null, undefined, ...PLACEHOLDER_STRINGS, "NULL", " Guest "];
  for (const p of placeholders) {
    const bad = p as string;
    for (const input of [
      identify(a(bad), u("real-u"), 2),
      identify(a("real-a"), u(bad), 2),
      identify(a(bad), u("other"), 2),
      alias(u(bad), u("real-u"), 2),
      alias(u("real-u"), a(bad), 2),
    ]) {
      const reason = reasonOf(g.link(input));
      assert.match(reason, /placeholder/, reason);
    }
  }
  assert.equal(g.size, 2);
  assert.equal(g.customerOf(u("other")), undefined);
  assert.match(reasonOf(g.link(identify(a("null"), u("x"), 1))), /anonymousId "null" is a placeholder/);
});

test("the configured block list refuses links like placeholders", () => {
  const g = new IdentityGraph({ blockList: ["test@example.com", "DEMO"] });
  assert.match(reasonOf(g.link(identify(a("A"), u("Test@Example.com"), 1))), /placeholder/);
  assert.match(reasonOf(g.link(alias(u(" demo "), u("U"), 1))), /placeholder/);
  assert.equal(g.link(identify(a("A"), u("demo2"), 1)).status, "linked");
  assert.equal(g.size, 2);
  // Another graph's list does not leak into this one.
  assert.equal(new IdentityGraph().link(identify(a("A"), u("demo"), 1)).status, "linked");
});

test("maxIdsPerCustomer caps component size, for identify and alias", () => {
  const g = new IdentityGraph({ maxIdsPerCustomer: 3 });
  g.link(identify(a("a1"), u("u1"), 1));
  g.link(identify(a("a2"), u("u1"), 2));
  const reason = reasonOf(g.link(identify(a("a3"), u("u1"), 3)));
  assert.match(reason, /"a3"/);
  assert.match(reason, /"u1"/);
  assert.match(reason, /maxIdsPerCustomer \(3\)/);
  assert.equal(g.customerOf(a("a3")), undefined);
  g.link(identify(a("b1"), a("b2"), 4));
  assert.match(reasonOf(g.link(alias(a("b1"), u("u1"), 5))), /maxIdsPerCustomer/);
  assert.equal(g.customerOf(a("b1")), "b1");
  // Links inside a full component are still fine.
  assert.equal(g.link(identify(a("a1"), u("u1"), 6)).status, "unchanged");
});

test("the default size cap is 10,000 ids", () => {
  const g = new IdentityGraph({ maxUserIdsPerCustomer: Number.POSITIVE_INFINITY });
  for (let i = 1; i < 10_000; i++) assert.equal(g.link(identify(a(`a${i}`), u("hub"), i)).status, "linked");
  assert.equal(g.size, 10_000);
  assert.match(
    reasonOf(g.link(identify(a("one-too-many"), u("hub"), 10_001))),
    /maxIdsPerCustomer \(10000\)/,
  );
});

test("links within one component are unchanged", () => {
  const g = new IdentityGraph();
  g.link(identify(a("A"), u("U"), 1));
  g.link(identify(a("B"), u("U"), 2));
  assert.deepEqual(g.link(identify(a("A"), u("U"), 3)), { status: "unchanged" });
  assert.deepEqual(g.link(identify(u("U"), a("A"), 3)), { status: "unchanged" });
  assert.deepEqual(g.link(alias(a("A"), a("B"), 4)), { status: "unchanged" });
  assert.deepEqual(g.link(alias(u("U"), u("U"), 5)), { status: "unchanged" });
  assert.deepEqual(g.link(alias(u("V"), u("V"), 5)), { status: "unchanged" });
  assert.equal(g.customerOf(u("V")), undefined);
  assert.equal(g.size, 3);
});

test("non-finite seenAt is refused and invalid limits are rejected", () => {
  const g = new IdentityGraph();
  assert.match(reasonOf(g.link(identify(a("A"), u("U"), Number.NaN))), /seenAt/);
  assert.equal(g.size, 0);
  assert.throws(() => new IdentityGraph({ maxUserIdsPerCustomer: 0 }), RangeError);
  assert.throws(() => new IdentityGraph({ maxUserIdsPerCustomer: 1.5 }), RangeError);
  assert.throws(() => new IdentityGraph({ maxIdsPerCustomer: 1 }), RangeError);
});

// Deterministic PRNG so failures reproduce.
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const refKey = (r: IdRef): string => `${r.kind}:${r.id}`;

function randomRefs(n: number): IdRef[] {
  // Overlapping strings across kinds exercise the namespacing.
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? u(`id${i >> 1}`) : a(`id${(i >> 1) + 100}`)));
}

function replay(changes: Map<string, string>, r: LinkResult): void {
  if (r.status === "linked") for (const c of r.changes) changes.set(`${c.kind}:${c.id}`, c.customerId);
}

test("random aliases match a brute-force connected-components computation", () => {
  const rand = mulberry32(20240521);
  const refs = randomRefs(500);
  const links: LinkInput[] = [];
  for (let i = 0; i < 2_000; i++) {
    // Mostly links within clusters of 20 ids, so the end state has many components of
    // varied sizes rather than a single giant one.
    const x = Math.floor(rand() * refs.length);
    let y: number;
    do {
      y = rand() < 0.005 ? Math.floor(rand() * refs.length) : x - (x % 20) + Math.floor(rand() * 20);
    } while (y === x);
    // Coarse times force many ties, which must fall back to insertion order.
    links.push(alias(refs[x]!, refs[y]!, Math.floor(rand() * 300)));
  }

  const g = new IdentityGraph();
  const map = new Map<string, string>();
  let unchanged = 0;
  for (const l of links) {
    const r = g.link(l);
    assert.notEqual(r.status, "refused");
    if (r.status === "unchanged") unchanged++;
    replay(map, r);
  }
  assert.ok(unchanged > 0);

  // Brute force: adjacency + BFS, first-seen = (seenAt of first mention, order of first mention).
  const first = new Map<string, { seenAt: number; order: number; ref: IdRef }>();
  const adj = new Map<string, string[]>();
  for (const l of links) {
    for (const r of [l.from, l.to]) {
      const k = refKey(r);
      if (!first.has(k)) first.set(k, { seenAt: l.seenAt, order: first.size, ref: r });
    }
    adj.set(refKey(l.from), [...(adj.get(refKey(l.from)) ?? []), refKey(l.to)]);
    adj.set(refKey(l.to), [...(adj.get(refKey(l.to)) ?? []), refKey(l.from)]);
  }
  const expected = new Map<string, string>();
  const visited = new Set<string>();
  let components = 0;
  for (const start of first.keys()) {
    if (visited.has(start)) continue;
    components++;
    const members: string[] = [];
    const queue = [start];
    visited.add(start);
    while (queue.length > 0) {
      const k = queue.pop()!;
      members.push(k);
      for (const n of adj.get(k) ?? []) {
        if (!visited.has(n)) {
          visited.add(n);
          queue.push(n);
        }
      }
    }
    const infos = members.map((k) => first.get(k)!);
    const users = infos.filter((f) => f.ref.kind === "user");
    const pool = users.length > 0 ? users : infos;
    pool.sort((p, q) => p.seenAt - q.seenAt || p.order - q.order);
    for (const k of members) expected.set(k, pool[0]!.ref.id);
  }
  assert.ok(components > 1 && components < first.size, `components: ${components}`);

  assert.equal(g.size, first.size);
  assert.equal(map.size, first.size);
  for (const r of refs) {
    const want = expected.get(refKey(r));
    assert.equal(g.customerOf(r), want, refKey(r));
    assert.equal(map.get(refKey(r)), want, refKey(r));
  }
});

test("random identify and alias links with limits match a naive model, status by status", () => {
  const rand = mulberry32(7);
  const refs = randomRefs(120);
  const maxUsers = 2;
  const maxIds = 12;
  const g = new IdentityGraph({ maxUserIdsPerCustomer: maxUsers, maxIdsPerCustomer: maxIds });
  const map = new Map<string, string>();

  // Naive model: explicit member lists per component, renamed by full scan.
  const comp = new Map<string, Set<string>>();
  const first = new Map<string, { seenAt: number; order: number; ref: IdRef }>();
  const nameOf = (members: Set<string>): string => {
    const infos = [...members].map((k) => first.get(k)!);
    const users = infos.filter((f) => f.ref.kind === "user");
    const pool = users.length > 0 ? users : infos;
    pool.sort((p, q) => p.seenAt - q.seenAt || p.order - q.order);
    return pool[0]!.ref.id;
  };
  const userCount = (members: Set<string>): number =>
    [...members].filter((k) => k.startsWith("user:")).length;

  const seen = { linked: 0, unchanged: 0, refused: 0 };
  for (let i = 0; i < 3_000; i++) {
    const from = refs[Math.floor(rand() * refs.length)]!;
    const to = refs[Math.floor(rand() * refs.length)]!;
    const kind = rand() < 0.8 ? "identify" : "alias";
    const seenAt = Math.floor(rand() * 1_000);
    const r = g.link({ from, to, kind, seenAt });
    replay(map, r);
    seen[r.status]++;

    const fk = refKey(from);
    const tk = refKey(to);
    const fc = comp.get(fk) ?? new Set([fk]);
    const tc = comp.get(tk) ?? new Set([tk]);
    let want: LinkResult["status"];
    if (fc === tc || fk === tk) want = "unchanged";
    else if (
      kind === "identify" &&
      userCount(fc) > 0 &&
      userCount(tc) > 0 &&
      userCount(fc) + userCount(tc) > maxUsers
    )
      want = "refused";
    else if (fc.size + tc.size > maxIds) want = "refused";
    else want = "linked";
    assert.equal(r.status, want, `link #${i} ${kind} ${fk} -> ${tk}`);
    if (want !== "linked") continue;

    for (const [k, ref] of [
      [fk, from],
      [tk, to],
    ] as const) {
      if (!first.has(k)) first.set(k, { seenAt, order: first.size, ref });
    }
    const before = new Map([...fc, ...tc].map((k) => [k, comp.has(k) ? nameOf(comp.get(k)!) : undefined]));
    const merged = new Set([...fc, ...tc]);
    for (const k of merged) comp.set(k, merged);
    const name = nameOf(merged);
    const expectedChanges = [...merged].filter((k) => before.get(k) !== name).sort();
    assert.deepEqual(
      r.status === "linked" ? r.changes.map((c) => `${c.kind}:${c.id}`).sort() : [],
      expectedChanges,
      `changes of link #${i}`,
    );
  }
  assert.ok(seen.linked > 50 && seen.refused > 50 && seen.unchanged > 50, JSON.stringify(seen));

  assert.equal(g.size, comp.size);
  for (const r of refs) {
    const members = comp.get(refKey(r));
    const want = members === undefined ? undefined : nameOf(members);
    assert.equal(g.customerOf(r), want, refKey(r));
    assert.equal(map.get(refKey(r)), want, refKey(r));
  }
});
