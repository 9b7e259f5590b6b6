import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { processMessages } from "../ingest/pipeline.js";
import { SOURCE_KINDS } from "../sources/sources.js";
import { SIM_EVENTS, touchpointOf } from "./reference-classifier.js";
import { CHANNEL_GROUPS, type SimMessage, simulateBusiness, TOUCHPOINT_STAGE } from "./simulate.js";
import { METRIC_RANGE } from "./surveys.js";

const START = Date.UTC(2026, 0, 1);
const END = START + 180 * 86_400_000;
const TYPES = new Set(["track", "identify", "page"]);
const ONLINE = new Set(["Website", "Mobile app"]);

function digest(messages: Iterable<SimMessage>): string {
  const hash = createHash("sha256");
  for (const m of messages) hash.update(`${JSON.stringify(m)}\n`);
  return hash.digest("hex");
}

// One medium run shared by the checks that only read it.
const sim = simulateBusiness({ customers: 2000, seed: 11 });
const all = [...sim.messages()];

test("same seed and options give the same messages and truth, byte for byte", () => {
  const again = simulateBusiness({ customers: 2000, seed: 11 });
  assert.equal(digest(again.messages()), digest(all));
  assert.equal(digest(sim.messages()), digest(all), "messages() replays");
  assert.deepEqual(again.truth, sim.truth);
  assert.notEqual(digest(simulateBusiness({ customers: 2000, seed: 12 }).messages()), digest(all));
  // Customer i has its own stream: a smaller run is a prefix of a larger one.
  const small = [...simulateBusiness({ customers: 500, seed: 11 }).messages()];
  assert.deepEqual(small, all.slice(0, small.length));
  const shifted = simulateBusiness({
    customers: 50,
    seed: 11,
    start: new Date("2025-03-01T00:00:00Z"),
    days: 30,
  });
  for (const { message } of shifted.messages()) {
    const t = Date.parse(String(message.timestamp));
    assert.ok(t >= Date.UTC(2025, 2, 1) && t < Date.UTC(2025, 2, 31));
  }
});

test("the seed picks the weak touchpoints", () => {
  const picks = [1, 2, 3, 4, 5].map((seed) => simulateBusiness({ customers: 0, seed }).truth.weakTouchpoints);
  for (const weak of picks) {
    assert.equal(weak.length, 2);
    for (const w of weak) assert.equal(TOUCHPOINT_STAGE[w], "purchase");
  }
  assert.ok(new Set(picks.map((w) => w.join())).size > 1, `always ${picks[0]}`);
});

test("every message is a valid Segment message from a declared source, in the window", () => {
  const sources = new Set(sim.sources.map((s) => s.name));
  assert.equal(sources.size, 9);
  const ids = new Set<string>();
  let counter = 0;
  for (const { source, message: m } of all) {
    assert.ok(sources.has(source), source);
    assert.ok(TYPES.has(String(m.type)), String(m.type));
    assert.equal(m.messageId, `sim-11-${counter++}`);
    ids.add(String(m.messageId));
    const ts = String(m.timestamp);
    assert.equal(new Date(ts).toISOString(), ts);
    const t = Date.parse(ts);
    assert.ok(t >= START && t < END, ts);
    assert.ok(typeof m.userId === "string" || typeof m.anonymousId === "string");
    // Offline and owned sources know the customer by userId only.
    if (!ONLINE.has(source)) assert.ok(m.anonymousId === undefined && typeof m.userId === "string", source);
  }
  assert.equal(ids.size, all.length);
});

test("the real ingestion pipeline accepts every message and gives landing pages the planted channel", () => {
  const bySource = new Map<string, unknown[]>();
  for (const { source, message } of all) {
    const list = bySource.get(source) ?? [];
    bySource.set(source, list);
    list.push(message);
  }
  const landings = new Map<string, number>();
  for (const s of sim.sources) {
    const source = { name: s.name, kind: s.kind, channel: SOURCE_KINDS[s.kind] ?? null };
    const batch = bySource.get(s.name) ?? [];
    const result = processMessages(batch, null, {
      source,
      receivedAt: Date.UTC(2026, 10, 1),
      sentAt: null,
      ownHosts: ["nordlys.example"],
      placeholderIds: [],
      maxEventBytes: 32 * 1024,
    });
    assert.deepEqual(result.rejected, [], s.name);
    assert.equal(result.accepted, batch.length);
    const lines = result.lines.trimEnd().split("\n");
    for (const [i, line] of lines.entries()) {
      const row = JSON.parse(line) as { channel: string };
      const m = batch[i] as Record<string, unknown>;
      if (!ONLINE.has(s.name) || source.channel) continue;
      const ctx = m.context as { campaign?: unknown; page?: { referrer?: string } } | undefined;
      const tagged = ctx?.campaign !== undefined || ctx?.page?.referrer !== undefined;
      if (!tagged) {
        assert.equal(row.channel, "Direct", `${m.type} ${m.event ?? ""} without tags`);
        continue;
      }
      const tp = touchpointOf(m)!;
      assert.equal(row.channel, CHANNEL_GROUPS[tp], `${tp} landing`);
      landings.set(tp, (landings.get(tp) ?? 0) + 1);
    }
  }
  for (const key of Object.keys(CHANNEL_GROUPS)) {
    if (key !== "direct" && key !== "in_store") assert.ok(landings.get(key), `some landings through ${key}`);
  }
});

test("the event vocabulary is exactly the catalog's", () => {
  const names = new Set<string>();
  for (const { message: m } of all) if (m.type === "track") names.add(String(m.event));
  assert.deepEqual([...names].sort(), [...SIM_EVENTS].sort());
  const touchpoints = new Set(all.map((m) => touchpointOf(m.message)).filter((t) => t !== null));
  assert.deepEqual(
    [...touchpoints].sort(),
    Object.keys(TOUCHPOINT_STAGE).sort(),
    "every touchpoint is reached",
  );
});

test("each id's messages are in time order, and online buyers identify before they order", () => {
  const lastSeen = new Map<string, number>();
  const linked = new Set<string>();
  for (const { source, message: m } of all) {
    const t = Date.parse(String(m.timestamp));
    for (const id of [m.userId, m.anonymousId]) {
      if (typeof id !== "string") continue;
      assert.ok(t > (lastSeen.get(id) ?? 0), `${id} goes back in time`);
      lastSeen.set(id, t);
    }
    if (m.type === "identify" && m.anonymousId) linked.add(`${m.anonymousId} ${m.userId}`);
    if (m.event === "Order Completed" && ONLINE.has(source)) {
      assert.ok(linked.has(`${m.anonymousId} ${m.userId}`), "an identify links the online buyer");
    }
  }
});

test("orders are in EUR with two decimals and their products add up", () => {
  let orders = 0;
  for (const { message: m } of all) {
    if (m.event !== "Order Completed") continue;
    orders++;
    const p = m.properties as {
      revenue: number;
      currency: string;
      products: { price: number }[];
      order_id: string;
    };
    assert.equal(p.currency, "EUR");
    assert.ok(p.revenue > 0 && Number(p.revenue.toFixed(2)) === p.revenue, String(p.revenue));
    const sum = p.products.reduce((s, x) => s + x.price, 0);
    assert.ok(Math.abs(sum - p.revenue) < 0.005, `${p.order_id}: ${sum} ≠ ${p.revenue}`);
    assert.ok(p.products.every((x) => x.price > 0));
  }
  assert.ok(orders > 500);
});

test("survey answers are in range, rate a touchpoint and carry a comment", () => {
  let answers = 0;
  for (const { source, message: m } of all) {
    if (m.event !== "Survey Responded") continue;
    answers++;
    assert.equal(source, "Surveys");
    const p = m.properties as {
      metric: keyof typeof METRIC_RANGE;
      score: number;
      comment: string;
      touchpoint: string;
    };
    const [lo, hi] = METRIC_RANGE[p.metric];
    assert.ok(Number.isInteger(p.score) && p.score >= lo && p.score <= hi, `${p.metric} ${p.score}`);
    assert.ok(p.touchpoint in TOUCHPOINT_STAGE, p.touchpoint);
    assert.ok(typeof p.comment === "string" && p.comment.length > 3);
  }
  assert.ok(answers > 200);
});

test("size and speed: 12–20 messages per customer, 20,000 customers in seconds", () => {
  assert.ok(all.length / 2000 >= 12 && all.length / 2000 <= 20, `${all.length / 2000} per customer`);
  const started = Date.now();
  let n = 0;
  for (const _ of simulateBusiness({ customers: 20_000, seed: 1 }).messages()) n++;
  const seconds = (Date.now() - started) / 1000;
  assert.ok(n / 20_000 >= 12 && n / 20_000 <= 20, `${n / 20_000} per customer`);
  assert.ok(seconds < 10, `${seconds} s`);
});
