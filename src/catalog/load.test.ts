import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CatalogError, type CatalogIssue, loadCatalog, parseCatalog } from "./load.js";

const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;
const HEAD = ["stages: [pre-purchase, purchase]", "touchpoints:"]; // touchpoints start on line 3

function issues(text: string): CatalogIssue[] {
  try {
    parseCatalog(text, "t.yml");
  } catch (err) {
    assert.ok(err instanceof CatalogError, String(err));
    return err.issues;
  }
  assert.fail("expected a CatalogError");
}

/** Asserts exactly one issue, on `line`, whose message matches `message`. */
function onlyIssue(text: string, line: number, message: RegExp): CatalogIssue {
  const found = issues(text);
  assert.equal(found.length, 1, found.map((i) => `${i.line}: ${i.message}`).join("\n"));
  const [issue] = found;
  assert.equal(issue!.line, line, issue!.message);
  assert.match(issue!.message, message);
  return issue!;
}

test("a valid catalog: stages, goals and their values, touchpoints, match forms", () => {
  const c = parseCatalog(
    yaml(
      "currency: EUR",
      "stages: [pre-purchase, { id: buy, name: Buying }]",
      "goals:",
      "  purchase: { event: Order Completed }",
      "  lead: { name: Qualified lead, match: { event: Form Submitted, properties: { form: demo } }, value: 50 }",
      "  signup: { match: [{ event: Signed Up }], value: properties.plan.price }",
      "  renewal: { event: [Renewed, Upgraded] }",
      "touchpoints:",
      "  - id: ads",
      "    name: Ads",
      "    stage: pre-purchase",
      "    channel: Paid Search",
      "    match:",
      "      - { channel: [Paid Search, Paid Shopping] }",
      "      - { utm_source: { pattern: 'google*' }, event: { regex: '^Ad (Clicked|Viewed)$' } }",
      "  - id: code",
      "    name: Code entered",
      "    stage: buy",
      "    match: { properties: { order.code: 1.0, size: [7, M] } }",
      "    target: { csat: 4.5, nps: -10, ces: 2, dropOff: 0.2, conversion: 0.5 }",
    ),
    "c.yml",
  );
  assert.equal(c.file, "c.yml");
  assert.equal(c.currency, "EUR");
  assert.deepEqual(c.stages, [
    { id: "pre-purchase", name: "Pre-purchase" },
    { id: "buy", name: "Buying" },
  ]);
  assert.deepEqual(c.goals, [
    {
      id: "purchase",
      name: "Purchase",
      match: [{ event: { kind: "exact", values: ["Order Completed"] } }],
      value: { kind: "revenue" },
    },
    {
      id: "lead",
      name: "Qualified lead",
      match: [
        {
          event: { kind: "exact", values: ["Form Submitted"] },
          properties: { form: { kind: "exact", values: ["demo"] } },
        },
      ],
      value: { kind: "constant", amount: 50 },
    },
    {
      id: "signup",
      name: "Signup",
      match: [{ event: { kind: "exact", values: ["Signed Up"] } }],
      value: { kind: "property", path: "plan.price" },
    },
    {
      id: "renewal",
      name: "Renewal",
      match: [{ event: { kind: "exact", values: ["Renewed", "Upgraded"] } }],
      value: { kind: "revenue" },
    },
  ]);
  const [ads, code] = c.touchpoints;
  assert.deepEqual(ads, {
    id: "ads",
    name: "Ads",
    stage: "pre-purchase",
    channel: "Paid Search",
    description: null,
    owner: null,
    match: [
      { channel: { kind: "exact", values: ["Paid Search", "Paid Shopping"] } },
      {
        utm_source: { kind: "pattern", glob: "google*" },
        event: { kind: "regex", source: "^Ad (Clicked|Viewed)$" },
      },
    ],
    target: {},
    line: 9,
  });
  // Numbers compare as text, spelled as written.
  assert.deepEqual(code!.match, [
    {
      properties: {
        "order.code": { kind: "exact", values: ["1.0"] },
        size: { kind: "exact", values: ["7", "M"] },
      },
    },
  ]);
  assert.deepEqual(code!.target, { csat: 4.5, nps: -10, ces: 2, dropOff: 0.2, conversion: 0.5 });
  assert.equal(code!.line, 16);
});

test("YAML anchors and aliases may share rules", () => {
  const c = parseCatalog(
    yaml(
      ...HEAD,
      "  - { id: a, name: A, stage: purchase, match: &m { event: X } }",
      "  - { id: b, name: B, stage: purchase, match: [*m, { event: Y }] }",
    ),
    "t.yml",
  );
  assert.deepEqual(c.touchpoints[1]!.match, [
    { event: { kind: "exact", values: ["X"] } },
    { event: { kind: "exact", values: ["Y"] } },
  ]);
});

test("YAML syntax errors name the line and column", () => {
  const issue = onlyIssue(yaml("stages: [a, b", "touchpoints: []"), 2, /flow sequence|\]/i);
  assert.equal(issue.file, "t.yml");
  onlyIssue(yaml("stages: [a]", "touchpoints:", "  - id: x", "   name: y"), 4, /./);
});

test("unknown keys at every level say which keys are allowed", () => {
  onlyIssue(
    yaml("stages: [a]", "touchpoint: []", "touchpoints: []"),
    2,
    /unknown key "touchpoint" in the catalog; allowed: currency, stages, goals, touchpoints/,
  );
  onlyIssue(
    yaml(
      ...HEAD,
      "  - id: x",
      "    name: X",
      "    stag: purchase",
      "    stage: purchase",
      "    match: { event: E }",
    ),
    5,
    /unknown key "stag" in a touchpoint; allowed: id, name, stage, channel/,
  );
  onlyIssue(
    yaml(...HEAD, "  - id: x", "    name: X", "    stage: purchase", "    match: { events: E }"),
    6,
    /unknown key "events" in a match rule; allowed: event, type, channel/,
  );
  onlyIssue(
    yaml(...HEAD, "  - id: x", "    name: X", "    stage: purchase", "    match: { event: { glob: 'E*' } }"),
    6,
    /unknown key "glob" in the value of "event"; allowed: pattern, regex/,
  );
  onlyIssue(
    yaml(
      ...HEAD,
      "  - id: x",
      "    name: X",
      "    stage: purchase",
      "    match: { event: E }",
      "    target: { satisfaction: 4 }",
    ),
    7,
    /unknown key "satisfaction" in touchpoint "x" target; allowed: csat, nps, ces, dropOff, conversion/,
  );
  onlyIssue(
    yaml("stages: [a]", "goals:", "  buy: { event: E, worth: 3 }", "touchpoints: []"),
    3,
    /unknown key "worth" in goal "buy"; allowed: name, event, match, value/,
  );
  onlyIssue(
    yaml("stages: [{ id: a, title: A }]", "touchpoints: []"),
    1,
    /unknown key "title" in a stage; allowed: id, name/,
  );
});

test("missing required fields are reported at the touchpoint", () => {
  const tp = (...lines: string[]) => yaml(...HEAD, ...lines);
  onlyIssue(
    tp("  - name: X", "    stage: purchase", "    match: { event: E }"),
    3,
    /a touchpoint is missing "id"/,
  );
  onlyIssue(
    tp("  - id: x", "    stage: purchase", "    match: { event: E }"),
    3,
    /touchpoint "x" is missing "name"/,
  );
  onlyIssue(
    tp("  - id: x", "    name: X", "    match: { event: E }"),
    3,
    /touchpoint "x" is missing "stage"/,
  );
  onlyIssue(tp("  - id: x", "    name: X", "    stage: purchase"), 3, /touchpoint "x" is missing "match"/);
  onlyIssue(yaml("touchpoints: []"), 1, /the catalog is missing "stages"/);
  onlyIssue(yaml("stages: [a]"), 1, /the catalog is missing "touchpoints"/);
  onlyIssue(
    yaml("stages: [a]", "goals:", "  buy: { value: revenue }", "touchpoints: []"),
    3,
    /goal "buy" is missing "event" \(or "match"\)/,
  );
  onlyIssue(
    tp("  - id: x", "    name: X", "    stage: purchase", "    match:"),
    6,
    /match must not be empty/,
  );
});

test("an unknown stage names the stages there are", () => {
  const issue = onlyIssue(
    yaml(...HEAD, "  - id: x", "    name: X", "    stage: nowhere", "    match: { event: E }"),
    5,
    /unknown stage "nowhere" in touchpoint "x"; stages are: pre-purchase, purchase/,
  );
  assert.equal(issue.column, 12);
});

test("duplicate ids: touchpoints, goals, stages, and a touchpoint named like a goal", () => {
  onlyIssue(
    yaml(
      ...HEAD,
      "  - { id: x, name: X, stage: purchase, match: { event: A } }",
      "  - { id: x, name: X2, stage: purchase, match: { event: B } }",
    ),
    4,
    /duplicate touchpoint id "x" \(first at line 3\)/,
  );
  onlyIssue(
    yaml("stages: [a]", "goals:", "  buy: { event: A }", "  buy: { event: B }", "touchpoints: []"),
    4,
    /duplicate key "buy" in goals \(first at line 3\)/,
  );
  onlyIssue(
    yaml("stages:", "  - a", "  - b", "  - a", "touchpoints: []"),
    4,
    /duplicate stage id "a" \(first at line 2\)/,
  );
  onlyIssue(
    yaml(
      "stages: [a]",
      "goals:",
      "  buy: { event: A }",
      "touchpoints:",
      "  - { id: buy, name: Buy, stage: a, match: { event: B } }",
    ),
    5,
    /touchpoint id "buy" is already a goal id \(line 3\)/,
  );
});

test("invalid ids", () => {
  onlyIssue(
    yaml(...HEAD, "  - { id: Social-Ad, name: X, stage: purchase, match: { event: A } }"),
    3,
    /invalid touchpoint id "Social-Ad": use lower-case letters/,
  );
  onlyIssue(
    yaml("stages: [a]", "goals:", "  1st: { event: A }", "touchpoints: []"),
    3,
    /invalid goal id "1st"/,
  );
  onlyIssue(
    yaml("stages:", "  - a", "  - Pre Purchase", "touchpoints: []"),
    3,
    /invalid stage id "Pre Purchase"/,
  );
});

test("invalid regexes: syntax, lookaround and backreferences (RE2 has neither)", () => {
  const rx = (source: string) =>
    yaml(
      ...HEAD,
      "  - id: x",
      "    name: X",
      "    stage: purchase",
      `    match: { event: { regex: '${source}' } }`,
    );
  onlyIssue(rx("Email (Opened"), 6, /invalid regex "Email \(Opened": Unterminated group$/);
  onlyIssue(
    rx("^Email(?! Bounced)"),
    6,
    /lookahead and lookbehind are not supported \(the warehouse uses RE2 syntax\)/,
  );
  onlyIssue(rx("(?<=x)y"), 6, /lookahead and lookbehind/);
  onlyIssue(rx("(a)\\1"), 6, /backreferences are not supported/);
  onlyIssue(rx("(?<n>a)\\k<n>"), 6, /backreferences are not supported/);
  // Escaped or in a class, these are plain characters.
  assert.equal(parseCatalog(rx("\\(?=\\)[(?!]\\\\1"), "t.yml").touchpoints.length, 1);
});

test("invalid values: targets, currency, goal values, property paths, empty lists", () => {
  const tp = (...lines: string[]) =>
    yaml(...HEAD, "  - id: x", "    name: X", "    stage: purchase", ...lines);
  onlyIssue(
    tp("    match: { event: E }", "    target: { csat: 7 }"),
    7,
    /invalid target csat: must be a number from 1 to 5/,
  );
  onlyIssue(
    tp("    match: { event: E }", "    target: { dropOff: high }"),
    7,
    /invalid target dropOff: must be a number from 0 to 1/,
  );
  onlyIssue(
    tp("    match: { event: E }", "    target: { nps: -101 }"),
    7,
    /invalid target nps: must be a number from -100 to 100/,
  );
  onlyIssue(
    yaml("currency: euro", ...HEAD.slice(0, 1), "touchpoints: []"),
    1,
    /currency must be a 3-letter upper-case code such as EUR, not "euro"/,
  );
  onlyIssue(
    yaml("stages: [a]", "goals:", "  buy: { event: A, value: price }", "touchpoints: []"),
    3,
    /goal "buy" value must be revenue, properties.PATH or a number/,
  );
  onlyIssue(tp("    match: { properties: { 'order total': 5 } }"), 6, /invalid property path "order total"/);
  onlyIssue(tp("    match: { event: [] }"), 6, /"event": an empty list matches nothing/);
  onlyIssue(tp("    match: []"), 6, /match must list at least one rule/);
  onlyIssue(tp("    match: Order Completed"), 6, /match must be a rule \(a mapping/);
});

test("a rule with no conditions is allowed, but every later touchpoint is unreachable", () => {
  const text = yaml(
    ...HEAD,
    "  - { id: all, name: All, stage: purchase, match: {} }",
    "  - { id: x, name: X, stage: purchase, match: { event: A } }",
    "  - { id: y, name: Y, stage: purchase, match: [{ channel: Email }, { type: page }] }",
  );
  const found = issues(text);
  assert.deepEqual(
    found.map((i) => i.line),
    [4, 5],
  );
  assert.match(
    found[0]!.message,
    /touchpoint "x" can never match: every event it matches is caught first by touchpoint "all" \(line 3\) \(a rule with no conditions matches every event\)/,
  );
  assert.equal(
    parseCatalog(yaml(...HEAD, "  - { id: all, name: All, stage: purchase, match: {} }"), "t.yml").touchpoints
      .length,
    1,
  );
});

test("unreachable rules: an earlier touchpoint catches everything a later one could match", () => {
  const tp = (id: string, match: string) =>
    `  - { id: ${id}, name: ${id}, stage: purchase, match: ${match} }`;
  const unreachable = (...lines: string[]) => issues(yaml(...HEAD, ...lines));
  // Exact values: a superset catches a subset.
  let [issue] = unreachable(tp("a", "{ event: [A, B] }"), tp("b", "{ event: B, channel: Email }"));
  assert.equal(issue!.line, 4);
  assert.match(
    issue!.message,
    /touchpoint "b" can never match: every event it matches is caught first by touchpoint "a" \(line 3\)/,
  );
  // Globs and regexes are tested against the later rule's exact values.
  [issue] = unreachable(
    tp("a", "{ event: { pattern: 'Order *' } }"),
    tp("b", "{ event: [Order Shipped, Order Delivered] }"),
  );
  assert.equal(issue!.line, 4);
  [issue] = unreachable(
    tp("a", "{ event: { regex: '^Email (Opened|Clicked)$' } }"),
    tp("b", "{ event: Email Opened }"),
  );
  assert.equal(issue!.line, 4);
  // A catch-all on a NOT NULL column covers everything; on a nullable one only a present condition.
  [issue] = unreachable(tp("a", "{ channel: { pattern: '*' } }"), tp("b", "{ event: X }"));
  assert.equal(issue!.line, 4);
  [issue] = unreachable(tp("a", "{ event: { regex: '.*' } }"), tp("b", "{ event: { pattern: 'X*' } }"));
  assert.equal(issue!.line, 4);
  // Rules of one touchpoint may be caught by different earlier touchpoints.
  const found = unreachable(
    tp("a", "{ event: A }"),
    tp("b", "{ channel: Email }"),
    tp("c", "[{ event: A, type: track }, { channel: Email }]"),
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!.message, /caught first by touchpoint "a" \(line 3\) and touchpoint "b" \(line 4\)/);
});

test("subsumption is conservative: no error unless every rule is surely caught", () => {
  const tp = (id: string, match: string) =>
    `  - { id: ${id}, name: ${id}, stage: purchase, match: ${match} }`;
  const ok = (...lines: string[]) =>
    assert.equal(parseCatalog(yaml(...HEAD, ...lines), "t.yml").touchpoints.length, lines.length);
  ok(tp("a", "{ event: A, properties: { template: t } }"), tp("b", "{ event: A }")); // earlier rule is narrower
  ok(tp("a", "{ event: A }"), tp("b", "[{ event: A }, { event: B }]")); // one rule still reachable
  ok(tp("a", "{ event: { pattern: 'Order *' } }"), tp("b", "{ event: { pattern: 'Order S*' } }")); // glob vs glob
  ok(tp("a", "{ event: { pattern: '*' } }"), tp("b", "{ channel: Email }")); // event may be NULL
  ok(tp("a", "{ properties: { x: { regex: '.*' } } }"), tp("b", "{ event: A }"));
  ok(tp("a", "{ event: { regex: '^Order$' } }"), tp("b", "{ event: Orders }"));
});

test("a touchpoint whose rules a goal catches is an error: goal events are not touchpoints", () => {
  const found = issues(
    yaml(
      "stages: [a]",
      "goals:",
      "  purchase: { event: Order Completed }",
      "touchpoints:",
      "  - { id: done, name: Done, stage: a, match: { event: Order Completed } }",
    ),
  );
  assert.equal(found.length, 1);
  assert.equal(found[0]!.line, 5);
  assert.match(
    found[0]!.message,
    /caught first by goal "purchase" \(line 3\); goals are tested first, and goal events are conversions, not touchpoints/,
  );
  const goals = issues(
    yaml("stages: [a]", "goals:", "  any: { match: {} }", "  buy: { event: B }", "touchpoints: []"),
  );
  assert.match(goals[0]!.message, /goal "buy" can never match: .*goal "any" \(line 3\)/);
});

test("all issues are collected, in line order, one FILE:LINE:COL line each", () => {
  try {
    parseCatalog(
      yaml(
        "stages: [a]",
        "touchpoints:",
        "  - { id: x, name: X, stage: b, match: { event: A } }",
        "  - { id: Y, name: Y, stage: a, match: { event: { regex: '(' } } }",
        "  - { id: z, name: Z, stage: a, match: { event: C }, target: { ces: 9 } }",
      ),
      "my.yml",
    );
    assert.fail("expected an error");
  } catch (err) {
    assert.ok(err instanceof CatalogError);
    assert.deepEqual(
      err.issues.map((i) => i.line),
      [3, 4, 4, 5],
    );
    const lines = err.message.split("\n");
    assert.equal(lines.length, 4);
    for (const line of lines) assert.match(line, /^my\.yml:\d+:\d+: \S/);
    assert.match(lines[0]!, /^my\.yml:3:30: unknown stage "b"/);
  }
});

test("loadCatalog reads a file and reports one it cannot read", () => {
  const dir = mkdtempSync(join(tmpdir(), "catalog-"));
  try {
    const file = join(dir, "touchpoints.yml");
    writeFileSync(
      file,
      yaml("stages: [a]", "touchpoints:", "  - { id: x, name: X, stage: a, match: { event: A } }"),
    );
    assert.equal(loadCatalog(file).touchpoints[0]!.id, "x");
    assert.throws(
      () => loadCatalog(join(dir, "missing.yml")),
      (err: unknown) =>
        err instanceof CatalogError &&
        /missing\.yml: cannot read the catalog: no such file/.test(err.message),
    );
    writeFileSync(file, "");
    assert.throws(() => loadCatalog(file), /touchpoints\.yml:1:1: a catalog is a mapping/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
