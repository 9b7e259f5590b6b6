import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseSegment } from "../analysis/segment.js";
import type { Catalog } from "../catalog/catalog.js";
import { parseCatalog } from "../catalog/load.js";
import { CatalogError, type CatalogIssue, loadPlaybook, parsePlaybook } from "./load.js";
import type { Rule } from "./rules.js";

const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;
const H = 3_600_000;
const D = 24 * H;

const catalog: Catalog = parseCatalog(
  yaml(
    "stages: [pre-purchase, purchase, post-purchase]",
    "goals:",
    "  purchase: { event: Order Completed }",
    "  signup: { event: Signed Up }",
    "touchpoints:",
    "  - id: delivery",
    "    name: Delivery",
    "    stage: purchase",
    "    match: { event: [Order Shipped, Order Delivered] }",
    "  - id: review_written",
    "    name: Review written",
    "    stage: post-purchase",
    "    match: { event: Product Reviewed }",
  ),
  "catalog.yml",
);
const noGoals: Catalog = { ...catalog, goals: [] };

/** A playbook whose rules start on line 3. */
const rules = (...lines: string[]) => yaml("email: { from: hello@shop.example }", "rules:", ...lines);
/** One rule on lines 3–5 plus `extra` lines from line 6, then its actions. */
const rule = (...extra: string[]) =>
  rules(
    "  - id: r",
    "    trigger: { goal: purchase }",
    "    actions: [ { webhook: { url: https://hooks.example.com/r } } ]",
    ...extra,
  );

function issues(text: string, against: Catalog = catalog): CatalogIssue[] {
  try {
    parsePlaybook(text, "p.yml", against);
  } catch (err) {
    assert.ok(err instanceof CatalogError, String(err));
    return err.issues;
  }
  assert.fail("expected a CatalogError");
}

/** Asserts exactly one issue, on `line`, whose message matches `message`. */
function onlyIssue(text: string, line: number, message: RegExp, against: Catalog = catalog): CatalogIssue {
  const found = issues(text, against);
  assert.equal(found.length, 1, found.map((i) => `${i.line}: ${i.message}`).join("\n"));
  const [issue] = found;
  assert.equal(issue!.line, line, issue!.message);
  assert.match(issue!.message, message);
  return issue!;
}

const VALID = yaml(
  'email: { from: "Shop <hello@shop.example>" }', // 1
  'quiet_hours: { from: "21:00", to: "08:00", timezone: Europe/Copenhagen }',
  "caps:",
  "  email: 3 per 7d",
  "  webhook: { max: 10, per: 1d }", // 5
  "rules:",
  "  - id: thanks",
  "    trigger: { goal: signup }",
  "    actions:",
  "      - email: { template: thank_you, subject: \"Hi {{ customer.traits.first_name | default: 'friend' }}\", text: Thanks }", // 10
  "  - id: review",
  "    name: Review request",
  "    description: After delivery",
  "    enabled: false",
  "    trigger: { touchpoint: delivery }", // 15
  "    wait: 7d",
  "    unless: did review_written",
  "    only: 'trait.email ~ \"@\"'",
  "    holdout: 10%",
  "    cap: 1 per 30d", // 20
  "    measure: { goal: purchase, within: 14d }",
  "    fresh: 2h",
  '    quiet_hours: { from: "22:30", to: "07:00", timezone: UTC }',
  "    actions:",
  "      - email:", // 25
  "          template: review_request",
  '          to: "{{ customer.traits.work_email }}"',
  "          from: reviews@shop.example",
  "          subject: Your review",
  '          html: "<p>{{ customer.id }}</p>"', // 30
  "  - id: checkout_nudge",
  '    trigger: { event: [Checkout Started], channel: Web, properties: { step: { pattern: "pay*" } } }',
  "    holdout: 0.25",
  "    cap: { max: 2, per: 1w }",
  "    quiet_hours: false", // 35
  "    actions:",
  "      - webhook:",
  '          url: "https://hooks.example.com/{{ rule.id }}"',
  "          secret_env: TOUCHPOINT_WEBHOOK_SECRET",
  '          headers: { X-Team: cx, X-Customer: "{{ customer.id }}" }', // 40
  "          body: '{\"id\": {{ customer.id | json }}}'",
  "          record: SMS Sent",
  "      - traits:",
  '          set: { nudged: "yes", step: "{{ event.properties.step }}" }',
  "          tags: [nudged, vip-2024]", // 45
  "  - id: detractors",
  '    trigger: { survey: nps, score: "0-6" }',
  "    wait: 0",
  "    actions:",
  "      - webhook: { url: https://hooks.example.com/a, body: '{\"static\": true}' }", // 50
  "  - id: happy",
  "    trigger: { survey: csat, score: { min: 4 } }",
  "    actions: [ { traits: { tags: [happy] } } ]",
  "  - id: any_answer",
  "    trigger: { survey: ces }", // 55
  "    actions: [ { traits: { tags: [answered] } } ]",
  "  - id: lapsed",
  "    trigger: { inactive: 60d, goal: purchase }",
  "    actions: [ { traits: { tags: [lapsed] } } ]",
  "  - id: quiet", // 60
  "    trigger: { inactive: 2w }",
  "    actions: [ { traits: { tags: [quiet] } } ]",
  "  - id: churning",
  "    trigger: { p_alive_below: 0.3 }",
  "    actions: [ { traits: { set: { churn_risk: high } } } ]", // 65
  "  - id: promoter",
  "    trigger: { survey: nps, score: 10 }",
  "    actions: [ { traits: { tags: [promoter] } } ]",
);

test("a valid playbook: every trigger and action kind, defaults, inherited and overridden settings", () => {
  const p = parsePlaybook(VALID, "p.yml", catalog);
  const copenhagen = { from: "21:00", to: "08:00", timezone: "Europe/Copenhagen" };
  assert.equal(p.file, "p.yml");
  assert.equal(p.emailFrom, "Shop <hello@shop.example>");
  assert.deepEqual(p.quietHours, copenhagen);
  assert.deepEqual(p.channelCaps, { email: { max: 3, perMs: 7 * D }, webhook: { max: 10, perMs: D } });
  assert.deepEqual(
    p.rules.map((r) => r.id),
    [
      "thanks",
      "review",
      "checkout_nudge",
      "detractors",
      "happy",
      "any_answer",
      "lapsed",
      "quiet",
      "churning",
      "promoter",
    ],
  );
  const [thanks, review, nudge] = p.rules;
  // Every default: name from the id, enabled, no wait, no conditions, no holdout or cap, the playbook's
  // quiet hours, the catalog's first goal within 30 days, fresh 1 day, the customer's email address.
  assert.deepEqual(thanks, {
    id: "thanks",
    name: "Thanks",
    description: null,
    enabled: true,
    trigger: { kind: "goal", id: "signup" },
    waitMs: 0,
    unless: null,
    only: null,
    actions: [
      {
        kind: "email",
        to: "{{ customer.traits.email }}",
        subject: "Hi {{ customer.traits.first_name | default: 'friend' }}",
        text: "Thanks",
        html: null,
        from: null,
        template: "thank_you",
        line: 10,
      },
    ],
    holdout: 0,
    cap: null,
    quietHours: copenhagen,
    measure: { goal: "purchase", withinMs: 30 * D },
    freshMs: D,
    line: 7,
  } satisfies Rule);
  assert.deepEqual(review, {
    id: "review",
    name: "Review request",
    description: "After delivery",
    enabled: false,
    trigger: { kind: "touchpoint", id: "delivery" },
    waitMs: 7 * D,
    unless: { text: "did review_written", segment: parseSegment("did review_written", catalog) },
    only: { text: 'trait.email ~ "@"', segment: parseSegment('trait.email ~ "@"', catalog) },
    actions: [
      {
        kind: "email",
        to: "{{ customer.traits.work_email }}",
        subject: "Your review",
        text: null,
        html: "<p>{{ customer.id }}</p>",
        from: "reviews@shop.example",
        template: "review_request",
        line: 25,
      },
    ],
    holdout: 0.1,
    cap: { max: 1, perMs: 30 * D },
    quietHours: { from: "22:30", to: "07:00", timezone: "UTC" },
    measure: { goal: "purchase", withinMs: 14 * D },
    freshMs: 2 * H,
    line: 11,
  } satisfies Rule);
  assert.deepEqual(nudge, {
    id: "checkout_nudge",
    name: "Checkout nudge",
    description: null,
    enabled: true,
    trigger: {
      kind: "event",
      match: {
        event: { kind: "exact", values: ["Checkout Started"] },
        channel: { kind: "exact", values: ["Web"] },
        properties: { step: { kind: "pattern", glob: "pay*" } },
      },
    },
    waitMs: 0,
    unless: null,
    only: null,
    actions: [
      {
        kind: "webhook",
        url: "https://hooks.example.com/{{ rule.id }}",
        headers: { "X-Team": "cx", "X-Customer": "{{ customer.id }}" },
        secretEnv: "TOUCHPOINT_WEBHOOK_SECRET",
        body: '{"id": {{ customer.id | json }}}',
        record: "SMS Sent",
        line: 37,
      },
      {
        kind: "traits",
        set: { nudged: "yes", step: "{{ event.properties.step }}" },
        tags: ["nudged", "vip-2024"],
        line: 43,
      },
    ],
    holdout: 0.25,
    cap: { max: 2, perMs: 7 * D },
    quietHours: null,
    measure: { goal: "purchase", withinMs: 30 * D },
    freshMs: D,
    line: 31,
  } satisfies Rule);
  assert.deepEqual(
    p.rules.slice(3).map((r) => r.trigger),
    [
      { kind: "survey", metric: "nps", min: 0, max: 6 },
      { kind: "survey", metric: "csat", min: 4, max: null },
      { kind: "survey", metric: "ces", min: null, max: null },
      { kind: "inactive", afterMs: 60 * D, goal: "purchase" },
      { kind: "inactive", afterMs: 14 * D, goal: null },
      { kind: "p_alive", below: 0.3 },
      { kind: "survey", metric: "nps", min: 10, max: 10 },
    ],
  );
  assert.deepEqual(p.rules[3]!.actions, [
    {
      kind: "webhook",
      url: "https://hooks.example.com/a",
      headers: {},
      secretEnv: null,
      body: '{"static": true}',
      record: null,
      line: 50,
    },
  ]);
  assert.deepEqual(p.rules[8]!.actions, [
    { kind: "traits", set: { churn_risk: "high" }, tags: [], line: 65 },
  ]);
});

test("the smallest playbook: no settings, no rules", () => {
  assert.deepEqual(parsePlaybook("rules: []\n", "p.yml", noGoals), {
    file: "p.yml",
    emailFrom: null,
    quietHours: null,
    channelCaps: {},
    rules: [],
  });
  onlyIssue("email: { from: a@b.example }\n", 1, /the playbook is missing "rules"/);
  onlyIssue("- a\n- b\n", 1, /a playbook is a mapping with rules/);
  onlyIssue("", 1, /a playbook is a mapping with rules/);
});

test("YAML syntax errors name the line", () => {
  const found = issues(rules("  - id: r", "    trigger: { goal: purchase", "    actions: []"));
  assert.equal(found[0]!.line, 5);
  assert.match(found[0]!.message, /Flow map/);
});

test("unknown keys at every level say which keys are allowed", () => {
  onlyIssue(
    yaml("rule: []", "rules: []"),
    1,
    /unknown key "rule" in the playbook; allowed: email, quiet_hours, caps, rules/,
  );
  onlyIssue(
    yaml("email: { sender: a@b.example }", "rules: []"),
    1,
    /unknown key "sender" in email; allowed: from/,
  );
  onlyIssue(
    yaml("caps: { sms: 1 per 1d }", "rules: []"),
    1,
    /unknown key "sms" in caps; allowed: email, webhook, traits/,
  );
  onlyIssue(
    rule("    delay: 1h"),
    6,
    /unknown key "delay" in a rule; allowed: id, name, description, enabled, trigger/,
  );
  onlyIssue(
    rule("    measure: { goal: purchase, in: 7d }"),
    6,
    /unknown key "in" in rule "r" measure; allowed: goal, within/,
  );
  // The key it was probably meant to be is reported missing too.
  assert.deepEqual(
    issues(rule('    quiet_hours: { from: "21:00", to: "08:00", tz: UTC }')).map((i) => [i.line, i.message]),
    [
      [6, 'rule "r" quiet_hours is missing "timezone"'],
      [6, 'unknown key "tz" in rule "r" quiet_hours; allowed: from, to, timezone'],
    ],
  );
  onlyIssue(
    rules("  - id: r", "    trigger: { goal: purchase }", "    actions:", "      - sms: { to: x }"),
    6,
    /unknown key "sms" in an action of rule "r"; allowed: email, webhook, traits/,
  );
  onlyIssue(
    rules(
      "  - id: r",
      "    trigger: { goal: purchase }",
      "    actions:",
      "      - webhook: { url: https://hooks.example.com/r, method: PUT }",
    ),
    6,
    /unknown key "method" in rule "r" webhook; allowed: url, secret_env, headers, body, record/,
  );
  onlyIssue(
    rules(
      "  - id: r",
      "    trigger: { goal: purchase }",
      "    actions: [ { traits: { tags: [a], add: [b] } } ]",
    ),
    5,
    /unknown key "add" in rule "r" traits; allowed: set, tags/,
  );
  onlyIssue(
    rules(
      "  - id: r",
      "    trigger: { event: Signed Up, propertys: { plan: pro } }",
      "    actions: [ { traits: { tags: [a] } } ]",
    ),
    4,
    /unknown key "propertys" in a match rule/,
  );
});

test("duplicate rule ids name the first one's line; ids must be plain", () => {
  const text = rules(
    "  - id: r",
    "    trigger: { goal: purchase }",
    "    actions: [ { traits: { tags: [a] } } ]",
    "  - id: r",
    "    trigger: { goal: signup }",
    "    actions: [ { traits: { tags: [b] } } ]",
  );
  onlyIssue(text, 6, /duplicate rule id "r" \(first at line 3\)/);
  onlyIssue(
    rules(
      "  - id: Thank-You",
      "    trigger: { goal: purchase }",
      "    actions: [ { traits: { tags: [a] } } ]",
    ),
    3,
    /invalid rule id "Thank-You": use lower-case letters, digits and _/,
  );
  onlyIssue(
    rules("  - trigger: { goal: purchase }", "    actions: [ { traits: { tags: [a] } } ]"),
    3,
    /a rule is missing "id"/,
  );
  onlyIssue(rules("  - just a text"), 3, /each rule must be a mapping with id, trigger and actions/);
});

test("triggers: unknown goals and touchpoints suggest close ids; one kind exactly", () => {
  const trigger = (t: string) =>
    rules("  - id: r", `    trigger: ${t}`, "    actions: [ { traits: { tags: [a] } } ]");
  onlyIssue(
    trigger("{ goal: purchse }"),
    4,
    /rule "r" trigger: unknown goal "purchse"; did you mean purchase\?/,
  );
  onlyIssue(trigger("{ goal: zzz }"), 4, /unknown goal "zzz"; there are: purchase, signup/);
  onlyIssue(trigger("{ goal: delivery }"), 4, /unknown goal "delivery" \(it is a touchpoint, not a goal\)/);
  const withoutGoals = issues(trigger("{ goal: purchase }"), noGoals);
  assert.deepEqual(
    withoutGoals.map((i) => i.line),
    [3, 4],
  );
  assert.match(withoutGoals[1]!.message, /unknown goal "purchase": the catalog has no goals/);
  onlyIssue(trigger("{ touchpoint: delivry }"), 4, /unknown touchpoint "delivry"; did you mean delivery\?/);
  onlyIssue(
    trigger("{ touchpoint: purchase }"),
    4,
    /unknown touchpoint "purchase" \(it is a goal: write \{ goal: purchase \}\)/,
  );
  onlyIssue(
    trigger("{ inactive: 30d, goal: purchses }"),
    4,
    /rule "r" trigger goal: unknown goal "purchses"; did you mean purchase/,
  );
  onlyIssue(
    trigger("{ goal: purchase, touchpoint: delivery }"),
    4,
    /rule "r" trigger has goal and touchpoint: a trigger has exactly one kind, one of goal, touchpoint, event, survey, inactive, p_alive_below/,
  );
  onlyIssue(
    trigger("{ event: Signed Up, goal: signup }"),
    4,
    /has goal and event: a trigger has exactly one kind/,
  );
  onlyIssue(
    trigger("{ goals: purchase }"),
    4,
    /unknown key "goals" in rule "r" trigger; allowed: goal, touchpoint, event/,
  );
  onlyIssue(trigger("{}"), 4, /rule "r" trigger is empty: give one of goal, touchpoint/);
  onlyIssue(trigger("purchase"), 4, /rule "r" trigger must be a mapping such as \{ goal: purchase \}/);
  onlyIssue(
    trigger("{ goal: purchase, within: 1d }"),
    4,
    /unknown key "within" in rule "r" trigger; allowed: goal/,
  );
  onlyIssue(
    rules("  - id: r", "    actions: [ { traits: { tags: [a] } } ]"),
    3,
    /rule "r" is missing "trigger"/,
  );
  onlyIssue(trigger("{ p_alive_below: 1.5 }"), 4, /p_alive_below must be a number between 0 and 1/);
  onlyIssue(trigger("{ p_alive_below: 0 }"), 4, /p_alive_below must be a number between 0 and 1/);
  onlyIssue(trigger("{ inactive: soon }"), 4, /rule "r" trigger inactive: invalid duration "soon"/);
  onlyIssue(trigger("{ inactive: 0d }"), 4, /rule "r" trigger inactive must be longer than 0/);
});

test("survey triggers: metric, and scores within the metric's scale", () => {
  const trigger = (t: string) =>
    rules("  - id: r", `    trigger: ${t}`, "    actions: [ { traits: { tags: [a] } } ]");
  onlyIssue(
    trigger('{ survey: csat, score: "0-6" }'),
    4,
    /rule "r" trigger score 0 is outside the csat scale, 1 to 5/,
  );
  onlyIssue(trigger("{ survey: nps, score: { max: 11 } }"), 4, /score 11 is outside the nps scale, 0 to 10/);
  onlyIssue(trigger("{ survey: ces, score: 8 }"), 4, /score 8 is outside the ces scale, 1 to 7/);
  onlyIssue(trigger("{ survey: nps, score: 6-0 }"), 4, /score: min 6 is above max 0/);
  onlyIssue(
    trigger("{ survey: nps, score: low }"),
    4,
    /score must be a range such as "0-6", a score, or \{ min: 0, max: 6 \}, not "low"/,
  );
  onlyIssue(trigger("{ survey: nps, score: {} }"), 4, /score: give min, max or both/);
  onlyIssue(trigger("{ survey: nps, score: { min: x } }"), 4, /score min must be a number/);
  onlyIssue(trigger("{ survey: csaat }"), 4, /unknown survey metric "csaat"; one of nps, csat, ces/);
});

test("durations, holdout, caps and fresh", () => {
  onlyIssue(rule("    wait: 3 days"), 6, /rule "r" wait: invalid duration "3 days": use a number and a unit/);
  onlyIssue(rule("    fresh: 0h"), 6, /rule "r" fresh must be longer than 0/);
  onlyIssue(
    rule("    measure: { within: forever }"),
    6,
    /rule "r" measure within: invalid duration "forever"/,
  );
  onlyIssue(
    rule("    holdout: 80%"),
    6,
    /rule "r" holdout 80% would hold out more than half of the customers: at most 50%/,
  );
  onlyIssue(rule("    holdout: 0.8"), 6, /holdout 0.8 would hold out more than half/);
  onlyIssue(
    rule("    holdout: ten percent"),
    6,
    /holdout must be a percentage such as 10% or a share such as 0.1/,
  );
  onlyIssue(rule("    holdout: -0.1"), 6, /holdout must be a percentage/);
  assert.equal(parsePlaybook(rule("    holdout: 50%"), "p.yml", catalog).rules[0]!.holdout, 0.5);
  assert.equal(parsePlaybook(rule("    holdout: 0"), "p.yml", catalog).rules[0]!.holdout, 0);
  onlyIssue(
    rule("    cap: thrice weekly"),
    6,
    /rule "r" cap must be "N per DURATION" such as 3 per 7d, or \{ max: 3, per: 7d \}, not "thrice weekly"/,
  );
  onlyIssue(rule("    cap: 3 per week"), 6, /rule "r" cap: invalid duration "week"/);
  onlyIssue(rule("    cap: 0 per 1d"), 6, /rule "r" cap: at most 0 is not a cap/);
  onlyIssue(rule("    cap: { max: 2 }"), 6, /rule "r" cap is missing "per"/);
  onlyIssue(rule("    cap: { max: two, per: 1d }"), 6, /rule "r" cap max must be a whole number/);
  onlyIssue(yaml("caps: { email: lots }", "rules: []"), 1, /caps email must be "N per DURATION"/);
  onlyIssue(rule("    enabled: yes"), 6, /rule "r" enabled must be true or false/);
});

test("measure: the catalog's first goal by default; a catalog without goals needs one named", () => {
  const onDelivery = (...extra: string[]) =>
    rules(
      "  - id: r",
      "    trigger: { touchpoint: delivery }",
      "    actions: [ { traits: { tags: [a] } } ]",
      ...extra,
    );
  onlyIssue(onDelivery(), 3, /rule "r" needs measure: \{ goal: … \}.*the catalog has no goals/, noGoals);
  onlyIssue(
    onDelivery("    measure: { within: 7d }"),
    6,
    /rule "r" measure needs a goal: the catalog has no goals/,
    noGoals,
  );
  onlyIssue(
    rule("    measure: { goal: purchse }"),
    6,
    /rule "r" measure goal: unknown goal "purchse"; did you mean purchase/,
  );
  const withSignup = parsePlaybook(rule("    measure: { goal: signup }"), "p.yml", catalog);
  assert.deepEqual(withSignup.rules[0]!.measure, { goal: "signup", withinMs: 30 * D });
});

test("quiet hours: HH:MM times that differ, and a real time zone", () => {
  const quiet = (q: string) => rule(`    quiet_hours: ${q}`);
  onlyIssue(
    quiet('{ from: "25:00", to: "08:00", timezone: UTC }'),
    6,
    /rule "r" quiet_hours from: "25:00" is not a time: use HH:MM \(24-hour\)/,
  );
  onlyIssue(quiet('{ from: "9pm", to: "08:00", timezone: UTC }'), 6, /"9pm" is not a time/);
  onlyIssue(quiet('{ from: "08:00", to: "08:00", timezone: UTC }'), 6, /from and to are both 08:00/);
  onlyIssue(
    quiet('{ from: "21:00", to: "08:00", timezone: Mars/Olympus_Mons }'),
    6,
    /rule "r" quiet_hours timezone: unknown time zone "Mars\/Olympus_Mons"; use an IANA zone/,
  );
  onlyIssue(quiet('{ from: "21:00", to: "08:00" }'), 6, /rule "r" quiet_hours is missing "timezone"/);
  onlyIssue(quiet("true"), 6, /rule "r" quiet_hours must be false or a mapping/);
  onlyIssue(
    yaml('quiet_hours: { from: "21:00", to: "8", timezone: UTC }', "rules: []"),
    1,
    /^quiet_hours to: "8" is not a time/,
  );
  assert.equal(parsePlaybook(yaml("quiet_hours: false", "rules: []"), "p.yml", catalog).quietHours, null);
});

test("segments in unless and only are parsed against the catalog", () => {
  onlyIssue(
    rule("    unless: did nothing_here"),
    6,
    /rule "r" unless: did nothing_here: no touchpoint or goal "nothing_here" in the catalog/,
  );
  onlyIssue(rule("    only: clv >"), 6, /rule "r" only: clv > needs a value/);
  onlyIssue(rule("    only: plan = gold"), 6, /rule "r" only: unknown field "plan"/);
  const ok = parsePlaybook(
    rule('    unless: did goal:purchase within 7d or did event:"Order Refunded"'),
    "p.yml",
    catalog,
  );
  assert.equal(ok.rules[0]!.unless!.segment.kind, "or");
});

test("survey_link must name one of the catalog's surveys", () => {
  const withSurveys: Catalog = {
    ...catalog,
    surveys: [
      {
        id: "delivery_csat",
        metric: "csat",
        touchpoint: "delivery",
        question: { en: "How was it?" },
        line: 1,
      },
    ],
  };
  const email = (text: string) =>
    rules(
      "  - id: r",
      "    trigger: { goal: purchase }",
      "    actions:",
      "      - email:",
      "          template: t",
      "          subject: s",
      `          text: ${JSON.stringify(text)}`,
    );
  parsePlaybook(email('Rate us: {{ "delivery_csat" | survey_link }}'), "rules.yml", withSurveys);
  parsePlaybook(email("Rate us: {{ 'delivery_csat' | survey_link: '7d' }}"), "rules.yml", withSurveys);
  onlyIssue(
    email('Rate us: {{ "delivery" | survey_link }}'),
    6,
    /rule "r" email: survey_link names no survey "delivery" in the catalog; surveys: delivery_csat/,
    withSurveys,
  );
  onlyIssue(email('{{ "delivery_csat" | survey_link }}'), 6, /the catalog defines none/);
  onlyIssue(
    rules(
      "  - id: r",
      "    trigger: { goal: purchase }",
      "    actions:",
      "      - webhook:",
      "          url: https://sms.example.com/send",
      `          body: '{"link": "{{ "nps" | survey_link }}"}'`,
    ),
    6,
    /rule "r" webhook: survey_link names no survey "nps"/,
    withSurveys,
  );
});

test("templates are compiled at load: errors name the field and its line", () => {
  const email = (...lines: string[]) =>
    rules("  - id: r", "    trigger: { goal: purchase }", "    actions:", "      - email:", ...lines);
  onlyIssue(
    email("          template: t", '          subject: "{{ x | nosuchfilter }}"', "          text: hi"),
    8,
    /rule "r" email subject: invalid template: undefined filter: nosuchfilter/,
  );
  onlyIssue(
    email(
      "          template: t",
      "          subject: s",
      "          text: |",
      "            Hi {{ customer.id",
      "            Bye",
    ),
    9,
    /rule "r" email text: invalid template: output "\{\{ customer.id/,
  );
  onlyIssue(
    email("          template: t", "          subject: s", "          html: '{% if x %}open'"),
    9,
    /rule "r" email html: invalid template/,
  );
  onlyIssue(
    email(
      "          template: t",
      '          to: "{{ customer.traits.email | nope }}"',
      "          subject: s",
      "          text: t",
    ),
    8,
    /rule "r" email to: invalid template: undefined filter: nope/,
  );
  const hook = (...lines: string[]) =>
    rules("  - id: r", "    trigger: { goal: purchase }", "    actions:", "      - webhook:", ...lines);
  onlyIssue(
    hook(
      "          url: https://hooks.example.com/x",
      '          headers: { X-Id: "{{ customer.id | nope }}" }',
    ),
    8,
    /rule "r" webhook header X-Id: invalid template/,
  );
  onlyIssue(
    hook("          url: https://hooks.example.com/x", "          body: '{\"id\": {{ customer.id }'"),
    8,
    /rule "r" webhook body: invalid template/,
  );
  onlyIssue(
    rules(
      "  - id: r",
      "    trigger: { goal: purchase }",
      '    actions: [ { traits: { set: { a: "{{ x | nope }}" } } } ]',
    ),
    5,
    /rule "r" traits set a: invalid template/,
  );
});

test("email actions: template name, subject, a body, a sender and an address", () => {
  const email = (body: string, head = "email: { from: hello@shop.example }") =>
    yaml(
      head,
      "rules:",
      "  - id: r",
      "    trigger: { goal: purchase }",
      "    actions:",
      `      - email: ${body}`,
    );
  onlyIssue(email("{ template: t, text: hi }"), 6, /rule "r" email is missing "subject"/);
  onlyIssue(email("{ subject: s, text: hi }"), 6, /rule "r" email is missing "template"/);
  onlyIssue(
    email("{ template: t, subject: s }"),
    6,
    /rule "r" email needs a text or an html body \(or both\)/,
  );
  onlyIssue(
    email("{ template: Thank You, subject: s, text: t }"),
    6,
    /rule "r" email template "Thank You" must be a plain name/,
  );
  onlyIssue(
    email("{ template: t, subject: s, text: t }", "caps: {}"),
    6,
    /rule "r" email has no sender: set email.from/,
  );
  onlyIssue(
    email("{ template: t, subject: s, text: t, from: Shop }"),
    6,
    /rule "r" email from must be an email address/,
  );
  onlyIssue(
    email("{ template: t, subject: s, text: t, to: nobody }"),
    6,
    /rule "r" email to must be an email address or a template/,
  );
  onlyIssue(
    email("{ template: t, subject: { a: 1 }, text: t }"),
    6,
    /rule "r" email subject must be a text \(a template\), not a mapping/,
  );
  onlyIssue(
    yaml('email: { from: "Shop" }', "rules: []"),
    1,
    /email.from must be an email address such as "Shop <hello@shop.example>", not "Shop"/,
  );
  const own = parsePlaybook(
    email(
      '{ template: t, subject: s, text: t, from: Ops <ops@shop.example>, to: "a@b.example, b@c.example" }',
      "caps: {}",
    ),
    "p.yml",
    catalog,
  );
  assert.deepEqual(own.rules[0]!.actions[0], {
    kind: "email",
    to: "a@b.example, b@c.example",
    subject: "s",
    text: "t",
    html: null,
    from: "Ops <ops@shop.example>",
    template: "t",
    line: 6,
  });
});

test("webhook actions: an http(s) url, an environment variable name, valid headers and JSON", () => {
  const hook = (body: string) =>
    rules("  - id: r", "    trigger: { goal: purchase }", "    actions:", `      - webhook: ${body}`);
  onlyIssue(
    hook("{ url: ftp://files.example.com/x }"),
    6,
    /rule "r" webhook url must be an http:\/\/ or https:\/\/ URL, not "ftp:\/\/files.example.com\/x"/,
  );
  onlyIssue(hook("{ url: hooks.example.com/x }"), 6, /url must be an http:\/\/ or https:\/\/ URL/);
  onlyIssue(hook("{ secret_env: S }"), 6, /rule "r" webhook is missing "url"/);
  // A templated url is checked when it is rendered.
  assert.equal(
    parsePlaybook(hook('{ url: "{{ customer.traits.hook }}" }'), "p.yml", catalog).rules.length,
    1,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, secret_env: my_secret }"),
    6,
    /rule "r" webhook secret_env must be the NAME of an environment variable .* not "my_secret": the secret itself never goes in the file/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, secret_env: 1SECRET }"),
    6,
    /secret_env must be the NAME/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, body: '{\"a\": 1,}' }"),
    6,
    /rule "r" webhook body is not valid JSON/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, body: { a: 1 } }"),
    6,
    /rule "r" webhook body must be a text \(a template\), not a mapping/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, headers: { Idempotency-Key: x } }"),
    6,
    /the header Idempotency-Key is set by Touchpoint/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, headers: { Content-Length: 3 } }"),
    6,
    /the header Content-Length belongs to the HTTP client/,
  );
  onlyIssue(
    hook('{ url: https://hooks.example.com/x, headers: { "Bad Name": x } }'),
    6,
    /"Bad Name" is not a valid header name/,
  );
  onlyIssue(
    hook("{ url: https://hooks.example.com/x, headers: [a] }"),
    6,
    /rule "r" webhook headers must be a mapping/,
  );
});

test("traits actions: set and/or tags", () => {
  const traits = (body: string) =>
    rules("  - id: r", "    trigger: { goal: purchase }", "    actions:", `      - traits: ${body}`);
  onlyIssue(traits("{}"), 6, /rule "r" traits needs set or tags \(or both\)/);
  onlyIssue(traits("{ tags: [win back] }"), 6, /rule "r" traits tags: invalid tag "win back"/);
  onlyIssue(traits("{ tags: winback }"), 6, /rule "r" traits tags must be a list such as \[winback\]/);
  onlyIssue(traits("{ set: { tags: x } }"), 6, /add tags with tags: \[ … \], not set/);
  onlyIssue(traits("{ set: { first.name: x } }"), 6, /invalid trait name "first.name"/);
  const p = parsePlaybook(traits("{ set: { score: 3, vip: true }, tags: [a, a, b] }"), "p.yml", catalog);
  assert.deepEqual(p.rules[0]!.actions[0], {
    kind: "traits",
    set: { score: "3", vip: "true" },
    tags: ["a", "b"],
    line: 6,
  });
});

test("actions: a non-empty list of single-kind mappings", () => {
  const actions = (...lines: string[]) => rules("  - id: r", "    trigger: { goal: purchase }", ...lines);
  onlyIssue(
    actions("    actions: []"),
    5,
    /rule "r" has no actions: give at least one of email, webhook, traits/,
  );
  onlyIssue(actions("    actions:"), 5, /rule "r" actions must be a list of actions/);
  onlyIssue(rules("  - id: r", "    trigger: { goal: purchase }"), 3, /rule "r" is missing "actions"/);
  onlyIssue(
    actions(
      "    actions:",
      "      - webhook: { url: https://hooks.example.com/x }",
      "        traits: { tags: [a] }",
    ),
    6,
    /an action of rule "r" has webhook and traits: each action has exactly one of email, webhook, traits/,
  );
  onlyIssue(
    actions("    actions: [ email ]"),
    5,
    /each action of rule "r" must be a mapping with one of email, webhook, traits/,
  );
  onlyIssue(
    actions("    actions: [ { webhook: https://hooks.example.com/x } ]"),
    5,
    /rule "r" webhook action must be a mapping of its settings/,
  );
});

test("every problem is reported at once, in line order, one FILE:LINE:COL line each", () => {
  const text = yaml(
    'quiet_hours: { from: "21:00", to: "08:00", timezone: Nowhere }', // 1
    "rules:",
    "  - id: a",
    "    trigger: { goal: purchse }",
    "    wait: 3 days", // 5
    "    holdout: 80%",
    "    actions:",
    "      - email: { template: t, text: hi }",
    "  - id: a",
    "    trigger: { goal: purchase, touchpoint: delivery }", // 10
    "    actions: []",
  );
  const found = issues(text);
  assert.deepEqual(
    found.map((i) => i.line),
    [1, 4, 5, 6, 8, 8, 9, 10, 11],
    found.map((i) => `${i.line}: ${i.message}`).join("\n"),
  );
  try {
    parsePlaybook(text, "p.yml", catalog);
  } catch (err) {
    const lines = (err as Error).message.split("\n");
    assert.equal(lines.length, found.length);
    for (const line of lines) assert.match(line, /^p\.yml:\d+:\d+: \S/);
    assert.match(lines[0]!, /^p\.yml:1:\d+: quiet_hours timezone: unknown time zone "Nowhere"/);
    assert.match(lines[1]!, /^p\.yml:4:\d+: .*unknown goal "purchse"; did you mean purchase\?/);
  }
});

test("loadPlaybook reads a file and reports one it cannot read", () => {
  const dir = mkdtempSync(join(tmpdir(), "playbook-"));
  try {
    const file = join(dir, "automation.yml");
    writeFileSync(file, VALID);
    assert.equal(loadPlaybook(file, catalog).rules.length, 10);
    assert.throws(
      () => loadPlaybook(join(dir, "missing.yml"), catalog),
      (err: unknown) =>
        err instanceof CatalogError &&
        /missing\.yml: cannot read the automation rules: no such file/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
