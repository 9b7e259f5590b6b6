import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { loadDefaultCatalog } from "../catalog/default.js";
import { verifyLink } from "../feedback/links.js";
import { defaultPlaybookPath, loadDefaultPlaybook } from "./default.js";
import type { TemplateContext } from "./rules.js";
import { renderTemplate, type SurveyLinks } from "./template.js";

const D = 86_400_000;

test("the default playbook loads against the default catalog, with its five rules", () => {
  assert.ok(existsSync(defaultPlaybookPath()));
  const p = loadDefaultPlaybook(loadDefaultCatalog());
  assert.equal(p.emailFrom, "Shop <hello@shop.example>");
  assert.deepEqual(p.quietHours, { from: "21:00", to: "08:00", timezone: "Europe/Copenhagen" });
  assert.deepEqual(p.channelCaps, { email: { max: 3, perMs: 7 * D } });
  assert.deepEqual(
    p.rules.map((r) => [r.id, r.trigger]),
    [
      ["thank_you", { kind: "goal", id: "purchase" }],
      ["review_request", { kind: "event", match: { event: { kind: "exact", values: ["Order Delivered"] } } }],
      [
        "support_survey",
        {
          kind: "event",
          match: { event: { kind: "exact", values: ["Support Ticket Resolved", "Support Call Completed"] } },
        },
      ],
      ["detractor_alert", { kind: "survey", metric: "nps", min: 0, max: 6 }],
      ["win_back", { kind: "inactive", afterMs: 60 * D, goal: "purchase" }],
    ],
  );
  const rule = (id: string) => p.rules.find((r) => r.id === id)!;
  for (const r of p.rules) {
    assert.ok(r.enabled && r.name && r.description, r.id);
    assert.deepEqual(r.measure, { goal: "purchase", withinMs: 30 * D }, r.id);
  }

  const thanks = rule("thank_you");
  assert.equal(thanks.waitMs, 3_600_000);
  assert.equal(thanks.holdout, 0.1);
  assert.deepEqual(
    thanks.actions.map((a) => a.kind === "email" && a.template),
    ["thank_you"],
  );

  const review = rule("review_request");
  assert.equal(review.waitMs, 7 * D);
  assert.equal(review.holdout, 0.1);
  assert.equal(review.unless?.text, "did review_written or did returns");
  assert.deepEqual(
    review.actions.map((a) => a.kind === "email" && a.template),
    ["review_request"],
  );

  const survey = rule("support_survey");
  assert.equal(survey.waitMs, D);
  assert.deepEqual(
    survey.actions.map((a) => a.kind === "email" && a.template),
    ["survey_request"],
  );

  const alert = rule("detractor_alert");
  assert.equal(alert.holdout, 0);
  assert.equal(alert.quietHours, null, "alerts go out day and night");
  const [hook] = alert.actions;
  assert.ok(hook?.kind === "webhook");
  assert.equal(hook.url, "https://hooks.example.com/touchpoint/detractor");
  assert.equal(hook.secretEnv, "TOUCHPOINT_WEBHOOK_SECRET");

  const winBack = rule("win_back");
  assert.equal(winBack.holdout, 0.2);
  assert.equal(winBack.only?.text, 'trait.email ~ "@"');
  assert.deepEqual(
    winBack.actions.map((a) => a.kind),
    ["email", "traits"],
  );
  assert.deepEqual(winBack.actions[1]!.kind === "traits" && winBack.actions[1]!.tags, ["winback"]);
});

const context = (traits: Record<string, unknown>, properties: Record<string, unknown>): TemplateContext => ({
  customer: { id: 'cust "1"', traits },
  event: {
    name: "Survey Responded",
    type: "track",
    messageId: "m1",
    timestamp: "2025-01-02T03:04:05.000Z",
    properties,
    revenue: null,
    currency: null,
  },
  rule: { id: "r", name: "R" },
  job: { id: "job_1" },
});

test("the default playbook's templates render, with and without the traits they use", () => {
  const catalog = loadDefaultCatalog();
  const p = loadDefaultPlaybook(catalog);
  const links: SurveyLinks = {
    key: Buffer.alloc(32, 7),
    baseUrl: "https://feedback.example.com/",
    surveys: () => (catalog.surveys ?? []).map((s) => s.id),
  };
  const full = context({ first_name: "Ada", email: "ada@example.com" }, { order_id: "A-1" });
  const bare = context({}, {});
  for (const rule of p.rules)
    for (const action of rule.actions) {
      if (action.kind !== "email") continue;
      for (const ctx of [full, bare]) {
        const subject = renderTemplate(action.subject, ctx);
        assert.ok(subject.length > 5 && !subject.includes("{{"), `${rule.id}: ${subject}`);
        const text = renderTemplate(action.text!, ctx, "text", links);
        if (rule.id === "support_survey")
          assert.match(
            text,
            /\nhttps:\/\/feedback\.example\.com\/s\/support_csat\?c=/,
            "a working survey link",
          );
        assert.match(text, ctx === full ? /^Hi Ada,/ : /^Hi there,/, rule.id);
      }
      assert.match(renderTemplate(action.subject, bare), /friend/, rule.id);
    }
  const [hook] = p.rules.find((r) => r.id === "detractor_alert")!.actions;
  assert.ok(hook?.kind === "webhook" && hook.body);
  // The body renders valid JSON, quotes included, whether or not the answer has a comment.
  const withComment = context(
    { email: "ada@example.com" },
    { metric: "nps", score: 3, comment: 'Slow "delivery"' },
  );
  assert.deepEqual(JSON.parse(renderTemplate(hook.body, withComment)), {
    customer: 'cust "1"',
    email: "ada@example.com",
    score: 3,
    comment: 'Slow "delivery"',
    touchpoint: "",
    answered_at: "2025-01-02T03:04:05.000Z",
  });
  const bareAnswer = JSON.parse(renderTemplate(hook.body, context({}, { metric: "nps", score: "0" })));
  assert.equal(bareAnswer.score, 0);
  assert.equal(bareAnswer.comment, "");
});

test("survey_link: a signed, one-answer link for the render's customer; clear errors otherwise", () => {
  const key = Buffer.alloc(32, 9);
  const links: SurveyLinks = {
    key,
    baseUrl: "https://feedback.example.com/",
    surveys: () => ["support_csat", "delivery_csat"],
  };
  const ctx = context({}, {});
  const url = new URL(renderTemplate('{{ "support_csat" | survey_link }}', ctx, "text", links));
  assert.equal(`${url.origin}${url.pathname}`, "https://feedback.example.com/s/support_csat");
  const now = Date.now() / 1000;
  const check = verifyLink("support_csat", Object.fromEntries(url.searchParams), key, now);
  assert.ok(check.ok && check.claims.customer === 'cust "1"', JSON.stringify(check));
  assert.ok(check.ok && Math.abs(check.claims.expires - (now + 30 * 86_400)) < 5, "30 days by default");
  const week = new URL(renderTemplate('{{ "delivery_csat" | survey_link: "7d" }}', ctx, "text", links));
  assert.ok(Math.abs(Number(week.searchParams.get("e")) - (now + 7 * 86_400)) < 5);
  // In HTML, the link is escaped as any output (its & between parameters).
  assert.match(
    renderTemplate('<a href="{{ "support_csat" | survey_link }}">', ctx, "html", links),
    /&amp;e=/,
  );
  assert.throws(() => renderTemplate('{{ "nope" | survey_link }}', ctx, "text", links), /no survey "nope"/);
  assert.throws(() => renderTemplate('{{ "support_csat" | survey_link }}', ctx), /made by the server/);
  assert.equal(JSON.stringify(ctx).includes(key.toString("hex")), false);
});
