import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FeedbackReport } from "../src/analysis/feedback/report.js";
import {
  addSource,
  cli,
  createApiToken,
  type RunningServer,
  startServer,
  tempDir,
  waitForReport,
} from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer;
let token: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/surveys.duckdb`;
  await addSource(db, "site");
  token = await createApiToken(db);
  server = await startServer(db);
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

async function link(survey: string, customer: string, expires = "7d") {
  const r = await cli([
    "surveys",
    "link",
    survey,
    "--customer",
    customer,
    "--expires",
    expires,
    "--db",
    db,
    "--base-url",
    server.url,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return new URL(r.stdout.trim());
}

function answer(url: URL, fields: Record<string, string>) {
  const form = new URLSearchParams({ ...Object.fromEntries(url.searchParams), ...fields });
  return fetch(`${url.origin}${url.pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
}

test("a signed link opens the hosted page, takes one answer, and the answer reaches the feedback report", async () => {
  const url = await link("delivery_csat", "cust-9");
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy")!, /default-src 'none'/);
  const html = await page.text();
  assert.match(html, /How satisfied are you with the delivery of your order\?/);
  assert.equal((html.match(/name="score"/g) ?? []).length, 5, "CSAT: five scores");
  const danish = await (
    await fetch(url, { headers: { "accept-language": "da-DK,da;q=0.9,en;q=0.5" } })
  ).text();
  assert.match(danish, /Hvor tilfreds er du med leveringen af din ordre\?/);

  const sent = await answer(url, { score: "2", comment: "Pakken var ødelagt", lang: "da" });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /Tak! Dit svar er registreret/);
  // Replayed: the same link cannot answer twice.
  assert.equal((await answer(url, { score: "5" })).status, 409);

  const report = await waitForReport<FeedbackReport>(
    server,
    token,
    "/api/feedback",
    (r) => r.overall.responses > 0,
  );
  const delivery = report.groups.find((g) => g.key === "delivery")!;
  assert.equal(delivery.responses, 1);
  assert.equal(delivery.csat, 0);
  assert.equal(delivery.negativeShare, 1, "the Danish comment is scored in Danish");
  assert.deepEqual(
    report.detractors.map((d) => [d.customerId, d.touchpoint, d.score]),
    [["cust-9", "delivery", 2]],
  );
});

test("tampered, foreign, expired and incomplete links are refused; unknown surveys are 404", async () => {
  const url = await link("delivery_csat", "cust-10");
  const forged = new URL(url);
  forged.searchParams.set("c", "cust-11");
  assert.equal((await fetch(forged)).status, 403);
  assert.equal(
    (await answer(forged, { score: "5" })).status,
    403,
    "another customer's answer cannot be forged",
  );
  const other = new URL(url);
  other.pathname = "/s/checkout_ces";
  assert.equal((await answer(other, { score: "5" })).status, 403, "a link answers its own survey only");
  const expired = await link("delivery_csat", "cust-10", "1ms");
  await new Promise((r) => setTimeout(r, 1100));
  const late = await answer(expired, { score: "5" });
  assert.equal(late.status, 403);
  assert.match(await late.text(), /expired/);
  assert.equal((await fetch(`${server.url}/s/delivery_csat`)).status, 403);
  assert.equal((await answer(url, { score: "9" })).status, 400, "CSAT is 1–5");
  assert.equal((await fetch(`${server.url}/s/nope?c=x`)).status, 404);
});

test("the embeddable script and the survey definition are public and cross-origin", async () => {
  const def = await fetch(`${server.url}/s/checkout_ces/definition.json`);
  assert.equal(def.status, 200);
  assert.equal(def.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(await def.json(), {
    id: "checkout_ces",
    metric: "ces",
    min: 1,
    max: 7,
    touchpoint: "checkout",
    question: { en: "It was easy to complete my purchase.", da: "Det var nemt at gennemføre mit køb." },
  });
  const js = await fetch(`${server.url}/s/embed.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type")!, /javascript/);
  assert.match(await js.text(), /\/v1\/track/);
});
