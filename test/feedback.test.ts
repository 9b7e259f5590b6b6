import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FeedbackReport } from "../src/analysis/feedback/report.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import {
  addSource,
  basicAuth,
  createApiToken,
  type RunningServer,
  startServer,
  tempDir,
  waitForReport,
} from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer;
let writeKey: string;
let token: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/feedback.duckdb`;
  writeKey = await addSource(db, "site");
  token = await createApiToken(db);
  server = await startServer(db);
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 4, 4, 12, minute)).toISOString();
const track = (userId: string, event: string, minute: number, properties: Record<string, unknown> = {}) => ({
  type: "track",
  userId,
  event,
  timestamp: at(minute),
  properties,
});
const answer = (userId: string, minute: number, properties: Record<string, unknown>) =>
  track(userId, "Survey Responded", minute, { survey_id: "post-delivery", ...properties });

test("survey answers: invalid ones are rejected and dead-lettered; the report ties, groups and scores the rest", async () => {
  const res = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
    body: JSON.stringify({
      batch: [
        track("u1", "Product Viewed", 0),
        track("u1", "Order Shipped", 5),
        // No touchpoint: tied to u1's last touchpoint before it, the shipment.
        answer("u1", 10, { metric: "nps", score: 3, comment: "late again" }),
        track("u2", "Checkout Started", 0),
        answer("u2", 20, { metric: "csat", score: 5, touchpoint: "checkout" }),
        answer("u3", 30, { metric: "nps", score: 10, touchpoint: "delivery" }),
        answer("u4", 40, { metric: "ces", score: 2, touchpoint: "checkout", comment: "so hard" }),
        {
          ...answer("u7", 45, {
            metric: "csat",
            score: 1,
            touchpoint: "delivery",
            comment: "Pakken var ødelagt",
          }),
          context: { locale: "da-DK" },
        },
        answer("u5", 50, { metric: "nps", score: 11, touchpoint: "delivery" }),
        answer("u6", 50, { metric: "stars", score: 4 }),
      ],
    }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    accepted: number;
    rejected: { index: number; field: string; reason: string }[];
  };
  assert.equal(body.accepted, 8);
  assert.deepEqual(
    body.rejected.map((r) => [r.index, r.field]),
    [
      [8, "properties.score"],
      [9, "properties.metric"],
    ],
  );

  const get = async (query: string) => {
    const r = await fetch(`${server.url}/api/feedback${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status, report: (await r.json()) as FeedbackReport };
  };
  const report = await waitForReport<FeedbackReport>(
    server,
    token,
    "/api/feedback",
    (r) => r.overall.responses === 5,
  );
  // NPS answers 3 and 10: one detractor, one promoter → 0. CSAT 5 and 1 → 50 %. CES 2 → 2.
  assert.deepEqual(
    {
      r: report.overall.responses,
      nps: report.overall.nps,
      csat: report.overall.csat,
      ces: report.overall.ces,
    },
    { r: 5, nps: 0, csat: 50, ces: 2 },
  );
  const group = (key: string) => report.groups.find((g) => g.key === key)!;
  assert.deepEqual([group("delivery").responses, group("delivery").nps, group("delivery").csat], [3, 0, 0]);
  // Comments: "late again" (no AFINN word: neutral) and the Danish "ødelagt" (broken: negative).
  assert.equal(group("delivery").comments, 2);
  assert.equal(group("delivery").negativeShare, 0.5);
  assert.deepEqual(group("delivery").negativeWords, [{ word: "ødelagt", count: 1 }]);
  assert.deepEqual([group("checkout").responses, group("checkout").csat, group("checkout").ces], [2, 100, 2]);
  assert.deepEqual(
    report.detractors.map((d) => [d.customerId, d.touchpoint, d.metric, d.score, d.comment]),
    [
      ["u7", "delivery", "csat", 1, "Pakken var ødelagt"],
      ["u4", "checkout", "ces", 2, "so hard"],
      ["u1", "delivery", "nps", 3, "late again"],
    ],
  );
  assert.equal(report.trend.length, 1);
  assert.equal(report.trend[0]!.period, "2026-05");

  const byStage = (await get("?by=stage&period=week")).report;
  assert.deepEqual(
    byStage.groups.map((g) => [g.key, g.responses]),
    [["purchase", 5]],
  );
  assert.equal(byStage.trend[0]!.period, "2026-05-04", "weeks are labelled by their Monday");
  assert.equal((await get("?period=day")).status, 400);
});

test("rejected answers are kept in rejected_events with their reason", async () => {
  await server.stop();
  const wh = await openWarehouse(db);
  try {
    const rows = await wh.query<{ field: string; reason: string }>(
      "SELECT field, reason FROM rejected_events ORDER BY field",
    );
    assert.deepEqual(
      rows.map((r) => r.field),
      ["properties.metric", "properties.score"],
    );
    assert.match(rows[1]!.reason, /nps answer must be a whole number from 0 to 10, got 11/);
  } finally {
    await wh.close();
  }
  server = await startServer(db);
});
