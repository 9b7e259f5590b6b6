// The automation engine on a real warehouse and the real ingestion path, with a clock the test moves and
// recording deliverers (the real webhook and SMTP deliverers are tested against real servers beside their
// code and in automation.test.ts). Covers triggers, waits, conditions, caps, holdout, quiet hours, retries,
// recovery after a crash mid-delivery, scheduled triggers and sent actions recorded as events.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Deliverers, DeliveryResult } from "../src/automation/deliver/delivery.js";
import { dryRun } from "../src/automation/dry-run.js";
import { AutomationEngine, DEFAULT_ENGINE } from "../src/automation/engine.js";
import { listJobs } from "../src/automation/jobs.js";
import { parsePlaybook } from "../src/automation/load.js";
import type { Playbook, TemplateContext } from "../src/automation/rules.js";
import { automationReport } from "../src/automation/summary.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { loadConfig } from "../src/config.js";
import { Ingestor } from "../src/ingest/ingestor.js";
import { eraseCustomer, exportCustomer } from "../src/privacy/customer-data.js";
import { DuckDBWarehouse } from "../src/warehouse/duckdb.js";
import { tempDir } from "./support.js";

const catalog = loadDefaultCatalog();
const quiet = { info: () => undefined, error: () => undefined };
const WEB = { name: "website", kind: "web", channel: null };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let tmp: ReturnType<typeof tempDir>;
let wh: DuckDBWarehouse;
let ingestor: Ingestor;
before(async () => {
  tmp = tempDir();
  wh = await DuckDBWarehouse.open(`${tmp.dir}/engine.duckdb`);
  ingestor = await Ingestor.start(wh, `${tmp.dir}/engine.duckdb.ingest`, loadConfig({}).ingest, quiet);
});
after(async () => {
  await ingestor.close();
  await wh.close();
  tmp.cleanup();
});

interface Call {
  kind: "webhook" | "email";
  rule: string;
  customer: string;
  job: string;
  attempt: number;
  context: TemplateContext;
}

/** Deliverers that record each call and answer what `outcome` says (default: success). */
function recording(
  outcome: (call: Call) => DeliveryResult | Promise<DeliveryResult> = () => ({ ok: true, detail: "ok" }),
) {
  const calls: Call[] = [];
  const deliver =
    (kind: Call["kind"]) =>
    async (_action: unknown, context: TemplateContext, job: { id: string; attempt: number }) => {
      const call: Call = {
        kind,
        rule: context.rule.id,
        customer: context.customer.id,
        job: job.id,
        attempt: job.attempt,
        context,
      };
      calls.push(call);
      return outcome(call);
    };
  const deliverers: Deliverers = { webhook: deliver("webhook"), email: deliver("email"), async close() {} };
  return { calls, deliverers };
}

let clock = Date.now();
const engineFor = (playbook: Playbook, deliverers: Deliverers) =>
  new AutomationEngine(
    wh,
    ingestor,
    () => playbook,
    () => catalog,
    deliverers,
    { ...DEFAULT_ENGINE, scheduleEveryMs: 0, retry: { baseMs: MIN, maxMs: HOUR } },
    quiet,
    () => clock,
  );

async function send(messages: object[]): Promise<void> {
  const outcome = await ingestor.ingest(messages, null, WEB);
  assert.deepEqual(outcome.rejected, []);
  await ingestor.flush();
}

const iso = (ms: number) => new Date(ms).toISOString();
const track = (userId: string, event: string, at: number, properties: object = {}) => ({
  type: "track",
  userId,
  event,
  timestamp: iso(at),
  properties,
});
const identify = (userId: string, traits: object, at: number) => ({
  type: "identify",
  userId,
  traits,
  timestamp: iso(at),
});

const rules = (body: string) =>
  parsePlaybook(`email: { from: "Shop <shop@example.com>" }\nrules:\n${body}`, "rules.yml", catalog);

/** A rule (YAML for `rules`) that calls the webhook named after it each time `event` is tracked. */
const webhookOn = (id: string, event: string) => `
  - id: ${id}
    trigger: { event: ${event} }
    actions:
      - webhook: { url: "https://hooks.example.com/${id}" }`;

async function jobsOf(rule: string) {
  return (await listJobs(wh, { rule, limit: 1000 })).jobs;
}

test("a goal triggers its rule once: the email is sent with the customer's traits and becomes a touchpoint", async () => {
  const playbook = rules(`
  - id: thanks
    trigger: { goal: purchase }
    actions:
      - email: { template: thank_you, subject: "Thanks {{ customer.traits.first_name }}", text: "Order of {{ event.revenue }}" }
`);
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  await engine.tick(); // switched on: history does not trigger
  clock = Date.now();
  await send([
    identify("ada", { email: "ada@example.com", first_name: "Ada" }, clock - 2 * MIN),
    track("ada", "Order Completed", clock - MIN, { revenue: 42, order_id: "o1" }),
  ]);
  const first = await engine.tick();
  assert.equal(first.scheduled, 1);
  assert.equal(first.sent, 1);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.customer, "ada");
  assert.equal(calls[0]!.context.customer.traits.first_name, "Ada");
  assert.equal(calls[0]!.context.event.name, "Order Completed");
  assert.equal(calls[0]!.context.event.revenue, 42);
  // Scanning again (the overlap re-reads the same events) schedules nothing new and sends nothing twice.
  await ingestor.flush();
  const second = await engine.tick();
  assert.equal(second.scheduled, 0);
  assert.equal(calls.length, 1);
  const [job] = await jobsOf("thanks");
  assert.equal(job!.status, "sent");
  assert.equal(job!.id, calls[0]!.job);
  // The sent email is an event in the customer's journey, classified as the thank-you touchpoint.
  await ingestor.flush();
  const recorded = await wh.query<{ event: string; template: string; channel: string }>(
    `SELECT event, json_extract_string(properties, '$.template') AS template, channel FROM customer_events
     WHERE customer_id = 'ada' AND source = 'automation'`,
  );
  assert.deepEqual(recorded, [{ event: "Email Delivered", template: "thank_you", channel: "Email" }]);
});

test("a wait, then unless: the customer who converted meanwhile is skipped; nothing is sent before the wait ends", async () => {
  const playbook = rules(`
  - id: nudge
    trigger: { event: Checkout Started }
    wait: 1h
    unless: did goal:purchase
    actions:
      - webhook: { url: "https://hooks.example.com/nudge" }
`);
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  const t0 = Date.now();
  clock = t0;
  await send([
    track("bob", "Checkout Started", t0 - MIN),
    track("cy", "Checkout Started", t0 - MIN),
    track("bob", "Order Completed", t0 - 30_000, { revenue: 10 }),
  ]);
  const scheduled = await engine.tick();
  assert.equal(scheduled.scheduled, 2);
  assert.equal(calls.length, 0, "not before the wait");
  clock = t0 + HOUR;
  await engine.tick();
  assert.deepEqual(
    calls.map((c) => c.customer),
    ["cy"],
  );
  const jobs = await jobsOf("nudge");
  const bob = jobs.find((j) => j.customerId === "bob")!;
  assert.equal(bob.status, "skipped");
  assert.match(bob.reason!, /unless: did goal:purchase/);
});

/** Two email rules, one capped once a day per customer; the playbook caps emails at two a week. */
const CAPPED_EMAILS = `  - id: coupon
    trigger: { event: Coupon Viewed }
    cap: 1 per 1d
    actions: [ { email: { template: coupon, from: "a@example.com", subject: s, text: t } } ]
  - id: wishlist
    trigger: { event: Product Added to Wishlist }
    actions: [ { email: { template: wishlist, from: "a@example.com", subject: s, text: t } } ]
`;

test("caps: per customer and rule, and across the rules of a channel", async () => {
  const playbook = parsePlaybook(
    `caps: { email: 2 per 7d }
rules:
${CAPPED_EMAILS}`,
    "rules.yml",
    catalog,
  );
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  clock = Date.now();
  await send([
    track("dee", "Coupon Viewed", clock - 3 * MIN, { n: 1 }),
    track("dee", "Coupon Viewed", clock - 2 * MIN, { n: 2 }),
    track("dee", "Product Added to Wishlist", clock - 90_000, { n: 3 }),
    track("dee", "Product Added to Wishlist", clock - MIN, { n: 4 }),
  ]);
  await engine.tick();
  // Coupon 1 sent; coupon 2 over the rule cap; wishlist 1 sent (2 emails this week); wishlist 2 over the channel cap.
  assert.equal(calls.length, 2);
  const statuses = [...(await jobsOf("coupon")), ...(await jobsOf("wishlist"))]
    .map((j) => `${j.rule}:${j.status}`)
    .sort();
  assert.deepEqual(statuses, ["coupon:sent", "coupon:suppressed", "wishlist:sent", "wishlist:suppressed"]);
  const suppressed = (await listJobs(wh, { status: "suppressed", limit: 10 })).jobs;
  assert.ok(suppressed.some((j) => /for this rule/.test(j.reason!)));
  assert.ok(suppressed.some((j) => /email per 7d across rules/.test(j.reason!)));
});

test("holdout: a share of customers is held out and the lift compares their conversion with the treated", async () => {
  const playbook = rules(`
  - id: welcome
    trigger: { event: Signed Up }
    holdout: 50%
    measure: { goal: purchase, within: 7d }
    actions:
      - webhook: { url: "https://hooks.example.com/welcome" }
`);
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  clock = Date.now();
  const customers = Array.from({ length: 60 }, (_, i) => `w${i}`);
  await send(customers.map((c) => track(c, "Signed Up", clock - 5 * MIN)));
  await engine.tick();
  const jobs = await jobsOf("welcome");
  const held = jobs.filter((j) => j.status === "held_out").map((j) => j.customerId);
  const treated = jobs.filter((j) => j.status === "sent").map((j) => j.customerId);
  assert.equal(held.length + treated.length, 60);
  assert.ok(held.length >= 15 && held.length <= 45, `held out ${held.length} of 60`);
  assert.equal(calls.length, treated.length);
  // Every treated customer buys after the trigger, no held-out one does: lift = 100 points.
  await send(treated.map((c) => track(c, "Order Completed", clock - MIN, { revenue: 5 })));
  const report = await automationReport(wh, playbook, catalog, true);
  const rule = report.rules[0]!;
  assert.deepEqual(rule.treated, { customers: treated.length, converted: treated.length, rate: 1 });
  assert.deepEqual(rule.control, { customers: held.length, converted: 0, rate: 0 });
  assert.equal(rule.lift.absolute, 1);
  assert.ok(rule.lift.pValue! < 0.001);
});

test("quiet hours defer an action to the end of the window; retries back off; permanent errors fail at once", async () => {
  const hour = new Date(Date.now()).getUTCHours();
  const hh = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  const playbook = rules(`
  - id: night
    trigger: { event: Night Owl }
    quiet_hours: { from: "${hh(hour)}", to: "${hh(hour + 2)}", timezone: UTC }
    actions:
      - webhook: { url: "https://hooks.example.com/night" }${webhookOn("flaky", "Flaky")}${webhookOn("broken", "Broken")}
`);
  const { calls, deliverers } = recording((call) => {
    if (call.rule === "flaky" && call.attempt < 3) return { ok: false, error: "HTTP 503", retryable: true };
    if (call.rule === "broken") return { ok: false, error: "HTTP 404", retryable: false };
    return { ok: true, detail: "HTTP 200" };
  });
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  clock = Date.now();
  await send([
    track("eve", "Night Owl", clock - MIN),
    track("eve", "Flaky", clock - MIN),
    track("eve", "Broken", clock - MIN),
  ]);
  await engine.tick();
  assert.deepEqual(calls.map((c) => `${c.rule}#${c.attempt}`).sort(), ["broken#1", "flaky#1"]);
  const [broken] = await jobsOf("broken");
  assert.equal(broken!.status, "failed");
  assert.equal(broken!.lastError, "HTTP 404");
  const [night] = await jobsOf("night");
  assert.equal(night!.status, "scheduled");
  assert.equal(night!.reason, "quiet hours");
  const windowEnd = Date.UTC(
    new Date(clock).getUTCFullYear(),
    new Date(clock).getUTCMonth(),
    new Date(clock).getUTCDate(),
    hour + 2,
  );
  assert.equal(night!.nextAttemptAt, windowEnd);
  // The first retry is due about a minute later (±20 % jitter); the second about two minutes after that.
  clock += 40 * 1000;
  await engine.tick();
  assert.equal(calls.filter((c) => c.rule === "flaky").length, 1, "not before the backoff");
  clock += 35 * 1000;
  await engine.tick();
  clock += 3 * MIN;
  await engine.tick();
  const [flaky] = await jobsOf("flaky");
  assert.equal(flaky!.status, "sent");
  assert.equal(flaky!.attempts, 3);
  clock = windowEnd;
  await engine.tick();
  assert.equal((await jobsOf("night"))[0]!.status, "sent");
});

test("a receiver's Retry-After is honoured (up to the longest delay of the schedule)", async () => {
  const playbook = rules(webhookOn("throttled", "Throttled") + webhookOn("stalling", "Stalling"));
  const { calls, deliverers } = recording((call) => {
    if (call.attempt > 1) return { ok: true, detail: "HTTP 200" };
    // 15 minutes, where the schedule would wait about one; a day, beyond the schedule's hour.
    const retryAfterMs = call.rule === "throttled" ? 15 * MIN : 24 * HOUR;
    return { ok: false, error: "HTTP 429", retryable: true, retryAfterMs };
  });
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  clock = Date.now();
  await send([track("ivy", "Throttled", clock - MIN), track("ivy", "Stalling", clock - MIN)]);
  await engine.tick();
  const started = clock;
  const [throttled] = await jobsOf("throttled");
  assert.equal(throttled!.status, "scheduled");
  assert.equal(throttled!.nextAttemptAt, started + 15 * MIN);
  assert.equal((await jobsOf("stalling"))[0]!.nextAttemptAt, started + HOUR);
  clock = started + 14 * MIN;
  await engine.tick();
  assert.equal(calls.length, 2, "not before the receiver asked");
  clock = started + 15 * MIN;
  await engine.tick();
  assert.equal((await jobsOf("throttled"))[0]!.status, "sent");
  clock = started + HOUR;
  await engine.tick();
  assert.equal((await jobsOf("stalling"))[0]!.status, "sent");
});

test("a crash between the send and the bookkeeping: the next start sends once more with the same key, then never again", async () => {
  const playbook = rules(`
  - id: alert
    trigger: { survey: nps, score: { max: 6 } }
    actions:
      - webhook: { url: "https://hooks.example.com/alert" }
`);
  // The first process sends, then dies before it can write down that it did: its delivery never returns.
  const crashed = recording(() => new Promise<DeliveryResult>(() => undefined));
  const first = engineFor(playbook, crashed.deliverers);
  await first.tick();
  clock = Date.now();
  await send([
    track("fay", "Survey Responded", clock - MIN, { metric: "nps", score: 3, comment: "slow" }),
    track("gus", "Survey Responded", clock - MIN, { metric: "nps", score: 9 }),
  ]);
  void first.tick();
  while (crashed.calls.length === 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await jobsOf("alert"))[0]!.status, "sending");
  // The restarted process.
  const restarted = recording();
  const second = engineFor(playbook, restarted.deliverers);
  await second.tick();
  await second.tick();
  assert.equal(restarted.calls.length, 1);
  assert.equal(restarted.calls[0]!.job, crashed.calls[0]!.job, "the same idempotency key");
  assert.equal(restarted.calls[0]!.customer, "fay", "a promoter's answer (9) is not a detractor");
  assert.equal(restarted.calls[0]!.attempt, 2);
  const [job] = await jobsOf("alert");
  assert.equal(job!.status, "sent");
  assert.equal(job!.attempts, 2);
});

test("inactivity is a scheduled trigger that fires once per lapse; a traits action tags the customer", async () => {
  const playbook = rules(`
  - id: winback
    trigger: { inactive: 60d, goal: purchase }
    actions:
      - traits: { set: { winback_offer: "WELCOME-{{ customer.id }}" }, tags: [winback] }
`);
  const { deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  clock = Date.now();
  await send([
    identify("hal", { tags: ["vip"] }, clock - 62 * DAY),
    track("hal", "Order Completed", clock - 60 * DAY - HOUR, { revenue: 30 }),
    track("ivy", "Order Completed", clock - 60 * DAY - HOUR, { revenue: 30 }),
    track("ivy", "Product Viewed", clock - 10 * DAY),
    track("jon", "Product Viewed", clock - 60 * DAY - HOUR),
  ]);
  await engine.tick();
  await engine.tick();
  const jobs = await jobsOf("winback");
  // ivy came back, jon never bought.
  assert.deepEqual(
    jobs.map((j) => [j.customerId, j.status]),
    [["hal", "sent"]],
  );
  await ingestor.flush();
  const [traits] = await wh.query<{ traits: string }>(
    `SELECT traits::VARCHAR AS traits FROM customer_events WHERE customer_id = 'hal' AND source = 'automation'`,
  );
  assert.deepEqual(JSON.parse(traits!.traits), { winback_offer: "WELCOME-hal", tags: ["vip", "winback"] });
  // The tag written by automation is not activity: hal does not trigger again.
  await engine.tick();
  assert.equal((await jobsOf("winback")).length, 1);
});

test("a dry run on the same history reaches the same decisions, and writes nothing", async () => {
  const playbook = parsePlaybook(
    `caps: { email: 2 per 7d }
rules:
  - id: nudge
    trigger: { event: Checkout Started }
    wait: 1h
    unless: did goal:purchase
    actions: [ { webhook: { url: "https://hooks.example.com/nudge" } } ]
${CAPPED_EMAILS}`,
    "rules.yml",
    catalog,
  );
  const jobsBefore = (await listJobs(wh, { limit: 1 })).counts;
  const report = await dryRun(
    wh,
    playbook,
    catalog,
    { from: Date.now() - DAY, to: Date.now() + 2 * HOUR, limit: 100 },
    Date.now() + 2 * HOUR,
  );
  const outcome = (rule: string, customer: string) =>
    report.occurrences
      .filter((o) => o.rule === rule && o.customerId === customer)
      .map((o) => o.outcome)
      .sort();
  assert.deepEqual(outcome("nudge", "bob"), ["skipped"]);
  assert.deepEqual(outcome("nudge", "cy"), ["would_send"]);
  assert.deepEqual(outcome("coupon", "dee"), ["suppressed", "would_send"]);
  assert.deepEqual(outcome("wishlist", "dee"), ["suppressed", "would_send"]);
  assert.deepEqual(report.rules.find((r) => r.id === "nudge")?.outcomes, { skipped: 1, would_send: 1 });
  assert.deepEqual((await listJobs(wh, { limit: 1 })).counts, jobsBefore);
  // Due after the range: pending.
  const early = await dryRun(wh, playbook, catalog, {
    from: Date.now() - DAY,
    to: Date.now(),
    rule: "nudge",
    limit: 10,
  });
  assert.deepEqual(early.rules[0]!.outcomes, { pending: 2 });
});

test("exporting a customer includes their automation jobs; erasing them deletes the jobs", async () => {
  const exported = await exportCustomer(wh, catalog, "ada", "test");
  assert.equal(exported.automationJobs.length, 1);
  assert.equal(exported.automationJobs[0]!.rule_id, "thanks");
  await eraseCustomer(wh, "ada", "test");
  assert.equal((await listJobs(wh, { customer: "ada", limit: 10 })).jobs.length, 0);
});

test("P(alive) under a threshold triggers once per last purchase, from the scores the CLV report saved", async () => {
  const playbook = rules(`
  - id: at_risk
    trigger: { p_alive_below: 0.3 }
    actions:
      - webhook: { url: "https://hooks.example.com/at-risk" }
`);
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  clock = Date.now();
  await send([
    track("kim", "Order Completed", clock - 90 * DAY, { revenue: 12 }),
    track("lee", "Order Completed", clock - 90 * DAY, { revenue: 12 }),
  ]);
  for (const [customer, pAlive] of [
    ["kim", 0.1],
    ["lee", 0.9],
  ] as const)
    await wh.run(
      `INSERT INTO customer_scores VALUES ($1, 1, 0, 90, 'days', 0.1, $2, 12, 20, 'at risk', now())`,
      [customer, pAlive],
    );
  await engine.tick();
  await engine.tick();
  assert.deepEqual(
    calls.map((c) => [c.customer, c.context.event.name]),
    [["kim", "Order Completed"]],
  );
  // A new purchase is a new occurrence: at risk again later means a new alert.
  await send([track("kim", "Order Completed", clock - DAY, { revenue: 12 })]);
  await engine.tick();
  assert.equal(calls.length, 2);
  assert.equal((await jobsOf("at_risk")).length, 2);
});

test("customers who unsubscribed (an Unsubscribed event, or the trait) get no email from any rule", async () => {
  const playbook = rules(`
  - id: promo
    trigger: { event: Promo Viewed }
    actions:
      - email: { template: promo, subject: s, text: t }
      - webhook: { url: "https://hooks.example.com/promo" }
`);
  const { calls, deliverers } = recording();
  const engine = engineFor(playbook, deliverers);
  await engine.tick();
  clock = Date.now();
  await send([
    track("uma", "Unsubscribed", clock - 10 * MIN),
    identify("vic", { unsubscribed: true }, clock - 10 * MIN),
    track("uma", "Promo Viewed", clock - MIN),
    track("vic", "Promo Viewed", clock - MIN),
    track("wes", "Promo Viewed", clock - MIN),
  ]);
  await engine.tick();
  assert.deepEqual(calls.map((c) => `${c.kind}:${c.customer}`).sort(), [
    "email:wes",
    "webhook:uma",
    "webhook:vic",
    "webhook:wes",
  ]);
  const suppressed = (await jobsOf("promo")).filter((j) => j.status === "suppressed");
  assert.deepEqual(suppressed.map((j) => [j.customerId, j.reason]).sort(), [
    ["uma", "unsubscribed from email"],
    ["vic", "unsubscribed from email"],
  ]);
  // A dry run of an email-only rule knows the Unsubscribed event and the trait too.
  const emailOnly = rules(`
  - id: promo_mail
    trigger: { event: Promo Viewed }
    actions: [ { email: { template: promo, subject: s, text: t } } ]
`);
  const dry = await dryRun(wh, emailOnly, catalog, { from: clock - HOUR, to: clock, limit: 10 }, clock);
  assert.deepEqual(dry.occurrences.map((o) => [o.customerId, o.outcome]).sort(), [
    ["uma", "suppressed"],
    ["vic", "suppressed"],
    ["wes", "would_send"],
  ]);
  // The latest value of the trait counts: subscribed again, vic gets email.
  await send([
    identify("vic", { unsubscribed: false, plan: "pro" }, clock - 5 * MIN),
    identify("vic", { plan: "max" }, clock - 4 * MIN),
  ]);
  const again = await dryRun(wh, emailOnly, catalog, { from: clock - HOUR, to: clock, limit: 10 }, clock);
  assert.equal(
    again.occurrences.find((o) => o.customerId === "vic")?.outcome,
    "would_send",
    "subscribed again before the promo (a later identify without the trait keeps it)",
  );
});
