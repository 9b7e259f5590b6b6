import assert from "node:assert/strict";
import { test } from "node:test";
import { IdentityGraph } from "../identity/identity-graph.js";
import type { LinkCandidate } from "../warehouse/warehouse.js";
import { answerDelayMs, decideLinks } from "./ingestor.js";

const candidate = (i: number, user: string): LinkCandidate => ({
  linkKind: "identify",
  fromKind: "anonymous",
  fromId: `anon-${i}`,
  toKind: "user",
  toId: user,
  seenAt: 1_000 + i,
  messageId: `m-${i}`,
});

test("a burst of link candidates is decided in order, letting the event loop turn in between", async () => {
  // 5,000 devices of 2,500 customers; then one device shared by two known customers (refused).
  const candidates = Array.from({ length: 5_000 }, (_, i) => candidate(i, `user-${i % 2_500}`));
  candidates.push(candidate(0, "user-1"));
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const decision = await decideLinks(new IdentityGraph(), candidates);
  clearInterval(ticker);
  assert.ok(turns > 0, "timers ran while the burst was decided");
  assert.equal(decision.links.length, candidates.length);
  assert.deepEqual(
    decision.links.slice(0, 2).map((l) => l.status),
    ["linked", "linked"],
  );
  assert.equal(decision.links.at(-1)!.status, "refused");

  // The same decisions as one uninterrupted pass over a fresh graph.
  const graph = new IdentityGraph();
  const statuses = candidates.map(
    (c) =>
      graph.link({
        from: { kind: c.fromKind, id: c.fromId },
        to: { kind: c.toKind, id: c.toId },
        kind: c.linkKind,
        seenAt: c.seenAt,
      }).status,
  );
  assert.deepEqual(
    decision.links.map((l) => l.status),
    statuses,
  );
  const customers = new Set(decision.changes.map((c) => c.customerId));
  assert.equal(customers.size, 2_500);
});

test("answers are held once the backlog passes an eighth of its bound, up to a second at the bound", () => {
  const max = 2048;
  assert.equal(answerDelayMs(0, max), 0);
  assert.equal(answerDelayMs(256, max), 0);
  const delays = [300, 600, 1200, 1800, 2048].map((b) => answerDelayMs(b, max));
  assert.ok(delays[0]! > 0);
  for (let i = 1; i < delays.length; i++)
    assert.ok(delays[i]! > delays[i - 1]!, "longer as the backlog grows");
  assert.equal(answerDelayMs(2048, max), 1000);
  assert.equal(answerDelayMs(4096, max), 1000);
});
