import { GOAL_EVENT, touchpointOf } from "./reference-classifier.js";
import type { SimMessage } from "./types.js";

export interface TouchpointMeasure {
  customers: number;
  /** Customers with a goal at or after their first touch of it. */
  converted: number;
  conversionRate: number;
  /** Customers whose last touchpoint it was, with no goal after it. */
  dropped: number;
  dropOff: number;
  /** Survey answers rating it, any metric. */
  responses: number;
  csatAnswers: number;
  csatMean: number | null;
  /** Share of CSAT answers of 4 or 5. */
  csatSatisfied: number | null;
}

/**
 * The journey-map definitions (docs/metrics.md) applied to simulated messages in memory: ids stitched by
 * the messages that carry both, touchpoints by the reference classifier. For tests and checks on small runs.
 */
export function measure(messages: Iterable<SimMessage>): Map<string, TouchpointMeasure> {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    parent.set(id, root);
    return root;
  };
  const rows: { id: string; ts: number; touchpoint: string | null; goal: boolean }[] = [];
  const csat = new Map<string, number[]>();
  const responses = new Map<string, number>();
  for (const { message: m } of messages) {
    const [a, b] = [m.userId ? `u:${m.userId}` : null, m.anonymousId ? `a:${m.anonymousId}` : null];
    for (const id of [a, b]) if (id && !parent.has(id)) parent.set(id, id);
    if (a && b) {
      const [ra, rb] = [find(a), find(b)];
      if (ra !== rb) parent.set(rb, ra);
    }
    const touchpoint = touchpointOf(m);
    const goal = m.type === "track" && m.event === GOAL_EVENT;
    if (touchpoint || goal)
      rows.push({ id: (a ?? b)!, ts: Date.parse(String(m.timestamp)), touchpoint, goal });
    const p = (m.properties ?? {}) as Record<string, unknown>;
    if (m.event === "Survey Responded")
      responses.set(String(p.touchpoint), (responses.get(String(p.touchpoint)) ?? 0) + 1);
    if (m.event === "Survey Responded" && p.metric === "csat") {
      const list = csat.get(String(p.touchpoint)) ?? [];
      csat.set(String(p.touchpoint), list);
      list.push(Number(p.score));
    }
  }

  const byCustomer = new Map<string, typeof rows>();
  for (const r of rows) {
    const id = find(r.id);
    const list = byCustomer.get(id) ?? [];
    byCustomer.set(id, list);
    list.push(r);
  }
  const result = new Map<string, TouchpointMeasure>();
  const entry = (tp: string) => {
    let e = result.get(tp);
    if (!e) {
      e = {
        customers: 0,
        converted: 0,
        conversionRate: 0,
        dropped: 0,
        dropOff: 0,
        responses: 0,
        csatAnswers: 0,
        csatMean: null,
        csatSatisfied: null,
      };
      result.set(tp, e);
    }
    return e;
  };
  for (const list of byCustomer.values()) {
    list.sort((x, y) => x.ts - y.ts);
    const lastGoal = list.filter((r) => r.goal).at(-1);
    const firstTouch = new Map<string, number>();
    for (const r of list)
      if (r.touchpoint && !firstTouch.has(r.touchpoint)) firstTouch.set(r.touchpoint, r.ts);
    for (const [tp, ts] of firstTouch) {
      const e = entry(tp);
      e.customers++;
      if (lastGoal && lastGoal.ts >= ts) e.converted++;
    }
    const last = list.filter((r) => r.touchpoint).at(-1);
    if (last && (!lastGoal || last.ts > lastGoal.ts)) entry(last.touchpoint!).dropped++;
  }
  for (const [tp, e] of result) {
    e.dropOff = e.customers ? e.dropped / e.customers : 0;
    e.conversionRate = e.customers ? e.converted / e.customers : 0;
    e.responses = responses.get(tp) ?? 0;
    const scores = csat.get(tp) ?? [];
    e.csatAnswers = scores.length;
    e.csatMean = scores.length ? scores.reduce((s, x) => s + x, 0) / scores.length : null;
    e.csatSatisfied = scores.length ? scores.filter((x) => x >= 4).length / scores.length : null;
  }
  return result;
}
