import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import Fastify from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AttributionReport } from "../../src/analysis/attribution/report.js";
import type { ClvReport } from "../../src/analysis/clv/report.js";
import type { CustomerProfile } from "../../src/analysis/customer/report.js";
import type { FeedbackReport } from "../../src/analysis/feedback/report.js";
import type { FunnelReport } from "../../src/analysis/funnel/report.js";
import type { GapsReport } from "../../src/analysis/gaps/report.js";
import type { JourneyMapReport } from "../../src/analysis/journey-map/report.js";
import type { PathsReport } from "../../src/analysis/paths/report.js";
import type { RetentionReport } from "../../src/analysis/retention/report.js";
import {
  type AutomationReport,
  type DryRunReport,
  JOB_STATUSES,
  type JobLog,
} from "../../src/automation/report.js";
import { loadDefaultCatalog } from "../../src/catalog/default.js";
import { dashboard } from "../../src/server/dashboard.js";
import {
  basicAuth,
  cli,
  createApiToken,
  type RunningServer,
  simulatedWarehouse,
  startServer,
  tempDir,
} from "../support.js";
import { launchBrowser, noBrowser } from "./support.js";

/** Screenshots of every page for review; the folder ignores itself in git. */
const SCREENSHOTS = fileURLToPath(new URL("../../../test/screenshots/", import.meta.url));

/** axe-core's browser build, injected into the pages it checks. */
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let browser: Browser;
let token: string;
let adminToken: string;

/** A dashboard user, added with the CLI like any other (`touchpoint users add`). */
const USER = { name: "dash-reader", password: "correct horse battery staple" };

before(async () => {
  tmp = tempDir();
  const db = `${tmp.dir}/dashboard.duckdb`;
  const { wh } = await simulatedWarehouse(db, 1500, 9);
  await wh.close();
  token = await createApiToken(db, "read");
  adminToken = await createApiToken(db, "admin");
  const added = await cli(["users", "add", USER.name, "--role", "read", "--db", db], {
    TOUCHPOINT_PASSWORD: USER.password,
  });
  assert.equal(added.code, 0, added.stderr);
  // The tests sign in a dozen times in a minute: more than the default limit per client address.
  server = await startServer(db, { TOUCHPOINT_RATE_LIMIT_SIGN_IN: "0" });
  if (!noBrowser) {
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(`${SCREENSHOTS}.gitignore`, "*\n");
  }
});
after(async () => {
  if (!noBrowser) await browser.close();
  await server.stop();
  tmp.cleanup();
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return (await res.json()) as T;
}

// The browser runs in en-US: the page must show the API's numbers formatted exactly so.
const int = (x: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }).format(x);
const pct = (x: number | null) =>
  x === null ? "—" : new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 }).format(x);
const money = (x: number, currency: string | null) =>
  currency
    ? new Intl.NumberFormat("en-US", {
        style: "currency",
        currency,
        maximumFractionDigits: 0,
        minimumFractionDigits: 0,
      }).format(x)
    : int(x);
/** A difference of two rates in percentage points, as the Automation page shows it: +2.4 pp. */
const pp = (x: number | null) =>
  x === null
    ? "—"
    : `${new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(x * 100)} pp`;
/** A date and time as the page formats it (the browser and the tests share the machine's time zone). */
const dateTime = (ms: number) =>
  new Date(ms).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }).replace(/\s/g, " ");

/** A fresh browser context signed in with the token; console errors after signing in are collected. */
async function signedIn(
  viewport = { width: 1280, height: 900 },
  as = token,
  bypassCSP = false,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: "en-US", bypassCSP });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel("Token", { exact: true }).fill(as);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Journey map" }).waitFor();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}

/** Waits until the page has no loading state left (reports can take a few seconds). */
async function settled(page: Page): Promise<void> {
  // Polled from here: a predicate evaluated in the page would need 'unsafe-eval', which the CSP forbids.
  for (const started = Date.now(); Date.now() - started < 60_000; await page.waitForTimeout(100))
    if ((await page.locator(".state.loading").count()) === 0) return;
  throw new Error("the page is still loading after a minute");
}

test("the server serves the dashboard at / and client routes, assets for good, and /api still needs a token", async () => {
  const home = await fetch(`${server.url}/`);
  assert.equal(home.status, 200);
  assert.match(home.headers.get("content-type")!, /text\/html/);
  assert.equal(home.headers.get("cache-control"), "no-cache");
  const html = await home.text();
  assert.match(html, /<div id="root"><\/div>/);
  assert.doesNotMatch(html, /<script>(?!<\/script>)/, "no inline script (the CSP forbids it)");

  const route = await fetch(`${server.url}/gaps?from=2026-02-01&segment=${encodeURIComponent("clv > 5")}`);
  assert.equal(route.status, 200);
  assert.equal(await route.text(), html, "a client-side route is the same app");

  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await fetch(`${server.url}${asset}`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type")!, /javascript/);
  assert.match(js.headers.get("cache-control")!, /immutable/);
  assert.match(js.headers.get("cache-control")!, /max-age=31536000/);
  assert.equal((await fetch(`${server.url}/assets/missing-0000.js`)).status, 404);

  for (const path of ["/api/journey-map", "/api/no-such-report"]) {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 401, path);
    assert.match(res.headers.get("content-type")!, /json/, `${path} is the API's answer, not the app`);
  }
  const health = await fetch(`${server.url}/health`);
  assert.deepEqual(await health.json(), { status: "ok" });
});

test("without a build, / says how to build the dashboard", async () => {
  const empty = tempDir();
  try {
    const app = Fastify();
    await app.register(dashboard, { root: pathToFileURL(`${empty.dir}/`) });
    const res = await app.inject({ method: "GET", url: "/" });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /dashboard not built: run npm run build/);
    await app.close();
  } finally {
    empty.cleanup();
  }
});

test("a wrong token is rejected with a message; the right one signs in", { skip: noBrowser }, async () => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(`${server.url}/gaps`);
  await page.getByLabel("Token", { exact: true }).fill("tp_tk_not-a-real-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  assert.match((await page.getByRole("alert").textContent())!, /^Sign-in failed: unknown token/);
  await page.getByLabel("Token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The link asked for the gaps: that is where signing in lands.
  await page.getByRole("heading", { level: 1, name: "Gaps" }).waitFor();
  await context.close();
});

test("a user signs in with a password, sees the numbers and signs out; a wrong password is refused with the server's message", {
  skip: noBrowser,
}, async () => {
  // What the server answers a wrong password, asked directly.
  const refused = await fetch(`${server.url}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: USER.name, password: "not the password at all" }),
  });
  assert.equal(refused.status, 401);
  const { message } = (await refused.json()) as { message: string };
  const report = await api<JourneyMapReport>("/api/journey-map");

  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.getByLabel("User and password").check();
  await page.getByLabel("User", { exact: true }).fill(USER.name);
  await page.getByLabel("Password", { exact: true }).fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal(await alert.textContent(), message.charAt(0).toUpperCase() + message.slice(1));
  // Not signed in: no session cookie, and a reload shows the form again.
  assert.deepEqual(
    (await context.cookies()).filter((c) => c.name === "touchpoint_session"),
    [],
  );
  assert.equal(await page.getByRole("heading", { level: 1, name: "Journey map" }).count(), 0);
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();

  await page.getByLabel("User and password").check();
  await page.getByLabel("User", { exact: true }).fill(USER.name);
  await page.getByLabel("Password", { exact: true }).fill(USER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Journey map" }).waitFor();
  await settled(page);
  assert.match((await page.locator(".who").textContent())!, new RegExp(`^user:${USER.name}\\s+read$`));
  // Real numbers, as the API has them.
  const customers = await page.locator(".stat", { hasText: "Customers" }).locator("dd").first().textContent();
  assert.equal(customers, int(report.totals.customers));
  assert.ok(report.totals.customers > 0);
  const first = report.stages.flatMap((st) => st.touchpoints).find((t) => t.customers > 0)!;
  assert.equal(
    await page.locator(`[data-touchpoint="${first.id}"] [data-metric="customers"]`).textContent(),
    int(first.customers),
  );

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.getByRole("heading", { level: 1, name: "Journey map" }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the journey map shows every stage of the catalog, and its cards show the API's numbers", {
  skip: noBrowser,
}, async () => {
  const report = await api<JourneyMapReport>("/api/journey-map");
  const { context, page, errors } = await signedIn();
  await settled(page);
  const stages = await page.locator(".stage h2").allTextContents();
  assert.deepEqual(
    stages.map((s) => s.replace(/\s*\d+$/, "")),
    loadDefaultCatalog().stages.map((s) => s.name),
  );
  let cards = 0;
  for (const stage of report.stages)
    for (const t of stage.touchpoints) {
      const card = page.locator(`[data-touchpoint="${t.id}"]`);
      const metric = (name: string) => card.locator(`[data-metric="${name}"]`).textContent();
      assert.equal(await card.locator("h3").textContent(), t.name);
      assert.equal(await metric("customers"), int(t.customers), `${t.id} reach`);
      assert.equal(await metric("conversionRate"), pct(t.conversionRate), `${t.id} conversion`);
      assert.equal(await metric("dropOff"), pct(t.dropOff), `${t.id} drop-off`);
      assert.equal(
        await metric("attributedRevenue"),
        money(t.attributedRevenue, report.currency),
        `${t.id} revenue`,
      );
      cards++;
    }
  assert.equal(await page.locator(".tp-card").count(), cards);
  assert.ok(report.totals.customers > 0, "the demo warehouse has customers");

  // The top gap is red, says so in words, and shows its evidence.
  const gaps = await api<GapsReport>("/api/gaps");
  const top = gaps.gaps[0]!;
  const card = page.locator(`[data-touchpoint="${top.touchpoint}"]`);
  assert.match((await card.getAttribute("class"))!, /health-poor/);
  assert.equal(await card.locator(".badge").textContent(), "Gap #1");
  assert.match((await card.locator(".gap-evidence").textContent())!, / vs /);

  // A card opens the touchpoint's detail.
  await card.locator("h3 a").click();
  await page.getByRole("heading", { level: 1, name: top.name }).waitFor();
  await settled(page);
  assert.match((await page.locator("main").textContent())!, new RegExp(`Rank 1 of ${gaps.gaps.length}`));
  // Its flows: where its customers come from and go next, as the paths report has them.
  const after = await api<PathsReport>(`/api/paths?start=${top.touchpoint}&depth=2`);
  const next = after.sankey.links.sort((a, b) => b.value - a.value)[0]!;
  const nextName = after.sankey.nodes.find((n) => n.id === next.target)!.name;
  const goesTo = page.locator("table", { has: page.locator("caption", { hasText: "Goes to" }) });
  assert.equal(await goesTo.locator("tbody tr").first().locator("td").first().textContent(), nextName);
  assert.equal(await goesTo.locator("tbody tr").first().locator("td").nth(1).textContent(), int(next.value));
  assert.deepEqual(errors, []);
  await context.close();
});

/** Each page, what it must show from the API (not a placeholder), and how to recognise it. */
async function expectations(): Promise<{ label: string; path: string; shows: string[] }[]> {
  const [gaps, attribution, clv, feedback, paths, sources, catalog, automation] = await Promise.all([
    api<GapsReport>("/api/gaps"),
    api<AttributionReport>("/api/attribution"),
    api<ClvReport>("/api/clv"),
    api<FeedbackReport>("/api/feedback"),
    api<PathsReport>("/api/paths"),
    api<{ sources: { name: string }[] }>("/api/sources"),
    api<{ touchpoints: unknown[] }>("/api/catalog"),
    api<AutomationReport>("/api/automation"),
  ]);
  const rule = automation.rules[0]!;
  return [
    { label: "Journey map", path: "/", shows: [] },
    {
      label: "Gaps",
      path: "/gaps",
      shows: [gaps.gaps[0]!.name, money(gaps.gaps[0]!.revenueAtStake, gaps.currency)],
    },
    { label: "Attribution", path: "/attribution", shows: [int(attribution.conversions)] },
    { label: "Retention", path: "/retention", shows: ["Week 1"] },
    {
      label: "Lifetime value",
      path: "/lifetime-value",
      shows: [int(clv.totals.customers), clv.customers[0]!.customerId],
    },
    { label: "Feedback", path: "/feedback", shows: [int(feedback.overall.responses)] },
    { label: "Funnels", path: "/funnels", shows: ["customers completed the funnel"] },
    { label: "Flows", path: "/flows", shows: [int(paths.sequences), paths.paths[0]!.names.join(" → ")] },
    { label: "Customers", path: "/customers", shows: ["Search for a customer"] },
    {
      label: "Sources",
      path: "/sources",
      shows: [sources.sources[0]!.name, "Creating, rotating and revoking keys needs an admin token"],
    },
    {
      label: "Automation",
      path: "/automation",
      shows: [
        automation.live ? "Live:" : "Dry run only:",
        automation.playbook,
        rule.name,
        rule.trigger,
        pct(rule.holdout),
        `${int(automation.rules.filter((r) => r.enabled).length)} of ${int(automation.rules.length)} enabled`,
      ],
    },
    { label: "Catalog", path: "/catalog", shows: [`${catalog.touchpoints.length} touchpoints`] },
  ];
}

test("every page renders with the API's numbers and without console errors, at 1280 px and 390 px", {
  skip: noBrowser,
}, async () => {
  const pages = await expectations();
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const { context, page, errors } = await signedIn(viewport);
    const phone = viewport.width < 600;
    for (const p of pages) {
      if (phone) {
        // The menu is collapsed behind a button.
        assert.equal(await page.locator("#site-nav").isVisible(), false);
        await page.getByRole("button", { name: "Menu" }).click();
      }
      await page
        .getByRole("navigation", { name: "Pages" })
        .getByRole("link", { name: p.label, exact: true })
        .click();
      await page.getByRole("heading", { level: 1, name: p.label }).waitFor();
      await settled(page);
      assert.equal(await page.locator(".state.error").count(), 0, `${p.label}: an error state`);
      const text = (await page.locator("main").textContent())!;
      for (const s of p.shows) assert.ok(text.includes(s), `${p.label} shows ${s}`);
      const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
        "[document.documentElement.scrollWidth, window.innerWidth]",
      );
      assert.ok(scrollWidth <= innerWidth, `${p.label} at ${viewport.width} px: no horizontal scroll`);
      await page.screenshot({
        path: `${SCREENSHOTS}${p.path === "/" ? "journey-map" : p.path.slice(1)}-${viewport.width}.png`,
        fullPage: true,
      });
    }
    assert.deepEqual(errors, [], `console errors at ${viewport.width} px`);
    await context.close();
  }
});

interface AxeViolation {
  id: string;
  impact: "minor" | "moderate" | "serious" | "critical" | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is, one line each: the rule, its help and
 * the first elements at fault. axe is injected as a script tag, so the context must bypass the CSP.
 */
async function axeViolations(page: Page, label: string): Promise<string[]> {
  // The charts' tables too, which are folded under "Show the data".
  const folded = page.locator("details:not([open]) > summary").filter({ visible: true });
  for (let i = 0; i < 100 && (await folded.count()) > 0; i++) await folded.first().click();
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'")))
    await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`,
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const targets = v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target));
      const more = v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : "";
      return `${label}: ${v.id} (${v.impact}) ${v.help}: ${targets.join(", ")}${more}`;
    });
}

test("axe finds nothing serious or critical on any page at 1280 px, signing in included", {
  skip: noBrowser,
}, async () => {
  const found: string[] = [];
  const signIn = await browser.newContext({ locale: "en-US", bypassCSP: true });
  const form = await signIn.newPage();
  await form.goto(server.url);
  await form.getByRole("button", { name: "Sign in" }).waitFor();
  found.push(...(await axeViolations(form, "Sign in (token)")));
  await form.getByLabel("User and password").check();
  await form.getByLabel("Token", { exact: true }).waitFor({ state: "detached" });
  found.push(...(await axeViolations(form, "Sign in (password)")));
  await form.getByLabel("User", { exact: true }).fill("nobody");
  await form.getByLabel("Password", { exact: true }).fill("not a password of anyone");
  await form.getByRole("button", { name: "Sign in" }).click();
  await form.getByRole("alert").waitFor();
  found.push(...(await axeViolations(form, "Sign in (refused)")));
  await signIn.close();

  const pages = await expectations();
  const { context, page, errors } = await signedIn(undefined, token, true);
  for (const p of pages) {
    await page
      .getByRole("navigation", { name: "Pages" })
      .getByRole("link", { name: p.label, exact: true })
      .click();
    await page.getByRole("heading", { level: 1, name: p.label }).waitFor();
    await settled(page);
    found.push(...(await axeViolations(page, p.label)));
  }
  // What only an admin sees: the forms that create, rotate and revoke keys.
  const admin = await signedIn(undefined, adminToken, true);
  await admin.page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Sources" }).click();
  await admin.page.getByRole("heading", { level: 1, name: "Sources" }).waitFor();
  await settled(admin.page);
  found.push(...(await axeViolations(admin.page, "Sources (admin)")));
  await admin.context.close();
  // The pages reached from others: a touchpoint's and a customer's.
  const gaps = await api<GapsReport>("/api/gaps");
  await page.goto(`${server.url}/touchpoints/${gaps.gaps[0]!.touchpoint}`);
  await page.getByRole("heading", { level: 1, name: gaps.gaps[0]!.name }).waitFor();
  await settled(page);
  found.push(...(await axeViolations(page, "Touchpoint")));
  const clv = await api<ClvReport>("/api/clv?limit=1");
  const customer = clv.customers[0]!.customerId;
  await page.goto(`${server.url}/customers/${encodeURIComponent(customer)}`);
  await page.getByRole("heading", { level: 1, name: `Customer ${customer}` }).waitFor();
  await settled(page);
  found.push(...(await axeViolations(page, "Customer")));
  assert.deepEqual(found, [], `axe:\n${found.join("\n")}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the funnel builder runs the funnel it shows, with the API's numbers", { skip: noBrowser }, async () => {
  const { context, page, errors } = await signedIn();
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Funnels" }).click();
  await page.getByRole("heading", { level: 1, name: "Funnels" }).waitFor();
  await settled(page);
  // An example funnel is shown at once; build another: two steps, a 7-day window, by channel.
  await page.getByRole("button", { name: "Remove step 2" }).click();
  await page.getByRole("button", { name: "Remove step 2" }).click();
  await page.getByLabel("Step 1", { exact: true }).fill("product_pages");
  await page.getByLabel("Step 2", { exact: true }).fill("purchase");
  await page.getByLabel("Window").fill("7d");
  await page.getByLabel("Breakdown").selectOption("channel");
  await page.getByRole("button", { name: "Show the funnel" }).click();
  await page.waitForURL(/steps=/);
  await settled(page);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("steps"), "product_pages, purchase");
  assert.equal(url.searchParams.get("window"), "7d");
  const report = await api<FunnelReport>(`/api/funnel${url.search}`);
  assert.equal(report.steps.length, 2);
  const rows = page.locator("table", { hasText: "Median time from previous" }).locator("tbody tr");
  assert.equal(await rows.count(), 2);
  for (const [i, step] of report.steps.entries())
    assert.equal(await rows.nth(i).locator("td").nth(1).textContent(), int(step.customers));
  assert.ok(report.breakdown && report.breakdown.values.length > 0);
  await page.getByRole("heading", { name: "By the first step's channel" }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("Retention: any touchpoint of the catalog can be what active means, and the page shows the API's numbers for it", {
  skip: noBrowser,
}, async () => {
  const catalog = await api<{ touchpoints: { id: string; name: string }[] }>("/api/catalog");
  const all = await api<RetentionReport>("/api/retention");
  // A touchpoint customers come back to, so the numbers differ from "any event".
  const map = await api<JourneyMapReport>("/api/journey-map");
  const busiest = map.stages
    .flatMap((st) => st.touchpoints)
    .filter((t) => t.customers > 0)
    .sort((a, b) => b.customers - a.customers)[1]!;
  const { context, page, errors } = await signedIn();
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Retention" }).click();
  await page.getByRole("heading", { level: 1, name: "Retention" }).waitFor();
  await settled(page);
  const select = page.getByLabel("Active means");
  // Every touchpoint of the catalog is offered, with any event and a goal.
  const values: string[] = [];
  for (const option of await select.locator("option").all())
    values.push((await option.getAttribute("value"))!);
  assert.deepEqual(
    [...values].sort(),
    ["any", "goal", ...catalog.touchpoints.map((t) => `touchpoint:${t.id}`)].sort(),
  );
  await select.selectOption(`touchpoint:${busiest.id}`);
  await page.waitForURL(new RegExp(`return=touchpoint%3A${busiest.id}`));
  await settled(page);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("return"), `touchpoint:${busiest.id}`);
  const report = await api<RetentionReport>(`/api/retention${url.search}`);
  assert.equal(report.returnOn, `touchpoint:${busiest.id}`);
  assert.notDeepEqual(
    report.cohorts.map((c) => c.retention.map((r) => r.customers)),
    all.cohorts.map((c) => c.retention.map((r) => r.customers)),
    "the choice changes the numbers",
  );
  const table = page.locator("table", {
    has: page.locator("caption", { hasText: "Share of the cohort active" }),
  });
  const rows = table.locator("tbody tr");
  assert.equal(await rows.count(), report.cohorts.length);
  for (const [i, cohort] of report.cohorts.entries()) {
    const cells = rows.nth(i).locator("td");
    assert.equal(await cells.nth(0).textContent(), cohort.start);
    assert.equal(await cells.nth(1).textContent(), int(cohort.customers));
    const week1 = cohort.retention.find((r) => r.offset === 1);
    if (week1)
      assert.equal(
        await cells.nth(3).textContent(),
        `${pct(week1.share)}${week1.complete ? "" : "*"}`,
        `${cohort.start} week 1`,
      );
  }
  // The choice lives in the URL: a reload keeps it.
  await page.reload();
  await settled(page);
  assert.equal(await page.getByLabel("Active means").inputValue(), `touchpoint:${busiest.id}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Lifetime value: the histograms are the report's, over every customer, and only the top customers are fetched", {
  skip: noBrowser,
}, async () => {
  const { context, page, errors } = await signedIn();
  const asked: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/clv") asked.push(r.url());
  });
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Lifetime value" }).click();
  await page.getByRole("heading", { level: 1, name: "Lifetime value" }).waitFor();
  await settled(page);
  assert.equal(asked.length, 1);
  const limit = Number(new URL(asked[0]!).searchParams.get("limit"));
  assert.ok(limit > 0 && limit <= 100, `the page asks for few customers, not ${limit}`);
  const report = await api<ClvReport>(new URL(asked[0]!).pathname + new URL(asked[0]!).search);
  const { clv, pAlive } = report.distribution;
  assert.equal(clv.customers, report.totals.customers, "the distribution covers every customer");
  assert.ok(report.customers.length < report.totals.customers);
  for (const [heading, histogram] of [
    ["CLV distribution", clv],
    ["P(alive)", pAlive],
  ] as const) {
    const panel = page.locator("section.panel", {
      has: page.getByRole("heading", { name: heading, exact: true }),
    });
    const counts = await panel.locator("tbody tr td:nth-child(2)").allTextContents();
    assert.deepEqual(
      counts,
      histogram.bins.map((b) => int(b.customers)),
      `${heading}: the report's bins`,
    );
  }
  if (clv.tail > 0) assert.ok((await page.getByTestId("clv-tail").textContent())!.includes(int(clv.tail)));
  assert.deepEqual(errors, []);
  await context.close();
});

test("Customer 360: money in the data's currency", { skip: noBrowser }, async () => {
  const clv = await api<ClvReport>("/api/clv?limit=1");
  const id = clv.customers[0]!.customerId;
  const profile = await api<CustomerProfile>(`/api/customers/${encodeURIComponent(id)}`);
  assert.equal(profile.currency, "EUR", "the demo's currency");
  assert.ok(profile.revenue > 0);
  const euros = (x: number) =>
    new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: "EUR",
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(x);
  const { context, page, errors } = await signedIn();
  await page.goto(`${server.url}/customers/${encodeURIComponent(id)}`);
  await page.getByRole("heading", { level: 1, name: `Customer ${id}` }).waitFor();
  await settled(page);
  const revenue = await page.locator(".stat", { hasText: "Revenue" }).locator("dd").first().textContent();
  assert.equal(revenue, euros(profile.revenue));
  const valued = profile.timeline.find((e) => e.value !== null && e.value > 0)!;
  const timeline = page.getByRole("table", { name: /^Most recent first/ });
  assert.ok((await timeline.textContent())!.includes(euros(valued.value!)), "a goal's value in euros");
  assert.deepEqual(errors, []);
  await context.close();
});

test("Sources: an admin creates a key (shown once), sees its events live and the rejected ones, rotates and revokes it", {
  skip: noBrowser,
}, async () => {
  const { context, page, errors } = await signedIn(undefined, adminToken);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Sources" }).click();
  await settled(page);
  await page.getByLabel("New source name").fill("shop-web");
  await page.getByLabel("Kind").selectOption("web");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  const key = page.getByTestId("write-key");
  await key.waitFor();
  const writeKey = (await key.textContent())!;
  assert.match(writeKey, /^tp_wk_/);
  await page.getByRole("cell", { name: "shop-web", exact: true }).waitFor();

  // One good and one bad message: the good one shows up in the live view, the bad one with its reason.
  const res = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: { authorization: basicAuth(writeKey), "content-type": "application/json" },
    body: JSON.stringify({
      batch: [
        { type: "track", event: "Dashboard Test Event", userId: "dash-1" },
        { type: "track", event: "Broken Test Event" },
      ],
    }),
  });
  assert.ok(res.status < 500, await res.text());
  await page
    .getByTestId("live-events")
    .getByText("Dashboard Test Event")
    .first()
    .waitFor({ timeout: 20_000 });
  const rejected = await api<{ rejected: { reason: string; source: string | null }[] }>(
    "/api/sources/rejected",
  );
  const reason = rejected.rejected.find((r) => r.source === "shop-web")!.reason;
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByText(reason).first().waitFor();

  await page.getByRole("button", { name: "Rotate the key of shop-web" }).click();
  await page.getByText("(rotated)").waitFor();
  assert.notEqual(await key.textContent(), writeKey);
  const old = await fetch(`${server.url}/v1/track`, {
    method: "POST",
    headers: { authorization: basicAuth(writeKey), "content-type": "application/json" },
    body: JSON.stringify({ event: "After Rotation", userId: "dash-1" }),
  });
  assert.equal(old.status, 401, "the old key stops working");

  await page.getByRole("button", { name: "Revoke shop-web", exact: true }).click();
  await page.getByRole("button", { name: "Revoke shop-web for good" }).click();
  await page
    .getByRole("row", { name: /shop-web/ })
    .getByText(/^revoked/)
    .waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("Automation: the rules with their lift, a dry run over the demo's months and the run log show the API's numbers", {
  skip: noBrowser,
}, async () => {
  // The simulated business's events lie in the 180 days from 2026-01-01 (src/sim/simulate.ts).
  const from = "2026-01-01";
  const to = "2026-07-01";
  const [report, log, dry] = await Promise.all([
    api<AutomationReport>("/api/automation"),
    api<JobLog>("/api/automation/jobs"),
    api<DryRunReport>(`/api/automation/dry-run?from=${from}&to=${to}`),
  ]);
  assert.ok(report.rules.length > 0, "the built-in playbook has rules");
  const triggered = dry.rules.filter((r) => r.triggered > 0);
  assert.ok(
    triggered.length >= 3,
    "purchases, deliveries, support contacts… trigger rules in the demo's months",
  );

  const { context, page, errors } = await signedIn();
  // The global date range in the URL is the dry run's default.
  await page.goto(`${server.url}/automation?from=${from}&to=${to}`);
  await page.getByRole("heading", { level: 1, name: "Automation" }).waitFor();
  await settled(page);

  const banner = (await page.getByTestId("automation-mode").textContent())!;
  assert.match(banner, report.live ? /^Live:/ : /^Dry run only:/);
  assert.ok(banner.includes(report.playbook), "the banner names the playbook file");
  if (!report.live)
    assert.ok(banner.includes("touchpoint serve --rules automation.yml"), "how to turn it on");

  for (const rule of report.rules) {
    const card = page.locator(`[data-rule="${rule.id}"]`);
    const metric = (name: string) => card.locator(`[data-metric="${name}"]`).textContent();
    assert.equal(await card.locator("h3").textContent(), rule.name);
    assert.equal(await metric("trigger"), rule.trigger, `${rule.id} trigger`);
    assert.equal(await metric("wait"), rule.wait, `${rule.id} wait`);
    assert.equal(await metric("holdout"), pct(rule.holdout), `${rule.id} holdout`);
    assert.equal(await card.locator('[data-metric="actions"] li').count(), rule.actions.length);
    for (const s of ["sent", "held_out", "skipped", "suppressed", "failed"])
      assert.equal(await metric(`jobs-${s}`), int(rule.jobs[s] ?? 0), `${rule.id} ${s} jobs`);
    assert.equal(await metric("treated"), pct(rule.treated.rate), `${rule.id} treated rate`);
    assert.equal(await metric("control"), pct(rule.control.rate), `${rule.id} control rate`);
    const enough = rule.treated.customers > 0 && rule.control.customers > 0;
    assert.equal(
      await metric("lift"),
      enough ? pp(rule.lift.absolute) : "not enough data",
      `${rule.id} lift`,
    );
    assert.equal(await card.locator(".badge", { hasText: "Disabled" }).count(), rule.enabled ? 0 : 1);
  }

  // The dry run over the demo's months: the same numbers as the API, rule by rule.
  const panel = page.getByRole("region", { name: "Dry run" });
  const form = page.getByRole("form", { name: "Dry run" });
  assert.equal(await form.getByLabel("From").inputValue(), from);
  assert.equal(await form.getByLabel("Before").inputValue(), to);
  await form.getByRole("button", { name: "Run" }).click();
  const result = page.getByTestId("dry-run-result");
  await result.waitFor({ timeout: 60_000 });
  const perRule = result.locator("table", { has: page.locator("caption", { hasText: "Per rule" }) });
  const rows = perRule.locator("tbody tr");
  assert.equal(await rows.count(), dry.rules.length);
  for (const [i, r] of dry.rules.entries()) {
    const cells = rows.nth(i).locator("td");
    assert.equal(await cells.nth(0).textContent(), r.name);
    assert.equal(await cells.nth(1).textContent(), int(r.triggered), `${r.id} triggered`);
    for (const [j, o] of ["would_send", "held_out", "skipped", "suppressed", "pending"].entries())
      assert.equal(await cells.nth(2 + j).textContent(), int(r.outcomes[o] ?? 0), `${r.id} ${o}`);
  }
  const total = dry.rules.reduce((n, r) => n + r.triggered, 0);
  assert.ok((await result.getByRole("status").textContent())!.includes(`${int(total)} trigger occurrences`));
  const occurrences = result.locator("table", {
    has: page.locator("caption", { hasText: /^Occurrences: the first/ }),
  });
  assert.equal(await occurrences.locator("tbody tr").count(), dry.occurrences.length);
  const first = dry.occurrences[0]!;
  const firstRow = occurrences.locator("tbody tr").first();
  assert.equal(
    (await firstRow.locator("td").first().textContent())!.replace(/\s/g, " "),
    dateTime(first.triggeredAt),
  );
  const customer = firstRow.getByRole("link", { name: first.customerId, exact: true });
  assert.equal(await customer.getAttribute("href"), `/customers/${encodeURIComponent(first.customerId)}`);

  // At phone width the results scroll inside their tables, never the page.
  await page.setViewportSize({ width: 390, height: 844 });
  const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
    "[document.documentElement.scrollWidth, window.innerWidth]",
  );
  assert.ok(scrollWidth <= innerWidth, "no horizontal scroll at 390 px");
  await page.screenshot({ path: `${SCREENSHOTS}automation-dry-run-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SCREENSHOTS}automation-dry-run-1280.png`, fullPage: true });

  // One rule only.
  const one = triggered[0]!;
  await form.getByLabel("Rule").selectOption(one.id);
  await form.getByRole("button", { name: "Run" }).click();
  await settled(page);
  await rows.first().locator("td").first().getByText(one.name, { exact: true }).waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().locator("td").nth(1).textContent(), int(one.triggered));

  assert.deepEqual(errors, [], "no console errors before the refused range");

  // A range the API refuses: its message, in place (Chromium logs the 400 itself).
  const bad = await fetch(`${server.url}/api/automation/dry-run?from=${from}&to=2025-12-01`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(bad.status, 400);
  const { message } = (await bad.json()) as { message: string };
  await form.getByLabel("Before").fill("2025-12-01");
  await form.getByRole("button", { name: "Run" }).click();
  const alert = panel.getByRole("alert");
  await alert.waitFor();
  assert.ok((await alert.textContent())!.includes(message), `the API's message: ${message}`);
  errors.splice(0, errors.length, ...errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e)));

  // The run log: counts by status as the API has them; the status filter lives in the URL.
  const runLog = page.getByRole("region", { name: "Run log" });
  const labels = ["Scheduled", "Sending", "Sent", "Held out", "Skipped", "Suppressed", "Failed"];
  assert.deepEqual(await runLog.locator(".stat dt").allTextContents(), labels);
  assert.deepEqual(
    await runLog.locator(".stat dd").allTextContents(),
    JOB_STATUSES.map((s) => int(log.counts[s] ?? 0)),
  );
  assert.equal(await runLog.locator("tbody tr").count(), log.jobs.length);
  await page.getByRole("form", { name: "Filter the run log" }).getByLabel("Status").selectOption("failed");
  await page.waitForURL(/status=failed/);
  await settled(page);
  const failed = await api<JobLog>("/api/automation/jobs?status=failed");
  assert.equal(await runLog.locator("tbody tr").count(), failed.jobs.length);
  if (failed.jobs.length === 0) await runLog.getByText("No job matches").waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("Catalog: a broken edit is checked by the server and its issue shown at its line", {
  skip: noBrowser,
}, async () => {
  const { yaml } = await api<{ yaml: string }>("/api/catalog");
  const lines = yaml.split("\n");
  const at = lines.findIndex((l) => /^\s+stage: purchase\s*$/.test(l));
  assert.ok(at > 0);
  lines[at] = lines[at]!.replace("purchase", "nowhere");
  const broken = lines.join("\n");
  const check = await fetch(`${server.url}/api/catalog/check`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: broken }),
  });
  const result = (await check.json()) as { ok: boolean; issues: { line: number; message: string }[] };
  assert.equal(result.ok, false);
  const issue = result.issues[0]!;
  assert.equal(issue.line, at + 1);

  const { context, page, errors } = await signedIn();
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Catalog" }).click();
  await settled(page);
  const editor = page.getByLabel("Catalog YAML");
  assert.equal(await editor.inputValue(), yaml);
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByText("The catalog is valid").waitFor();

  await editor.fill(broken);
  await page.getByRole("button", { name: "Check" }).click();
  const jump = page.getByRole("button", { name: new RegExp(`^Line ${issue.line}\\b`) });
  await jump.waitFor();
  assert.ok((await page.locator(".issues").textContent())!.includes(issue.message));
  assert.equal(await editor.getAttribute("aria-invalid"), "true");
  assert.equal((await page.locator(".gutter .bad").first().textContent())!.trim(), String(issue.line));
  // The issue's button puts the cursor on its line.
  await jump.click();
  const selected = await page.evaluate<string>(
    "document.activeElement.value.slice(document.activeElement.selectionStart, document.activeElement.selectionEnd)",
  );
  assert.equal(selected, lines[at]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the date range and segment live in the URL, survive a reload and scope the numbers", {
  skip: noBrowser,
}, async () => {
  const { context, page, errors } = await signedIn();
  await page.getByLabel("From").fill("2026-02-01");
  await page.getByLabel("Before").fill("2026-05-01");
  await page.getByLabel("Segment").fill("first_channel = Email");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/segment=/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("from"), "2026-02-01");
  assert.equal(url.searchParams.get("to"), "2026-05-01");
  assert.equal(url.searchParams.get("segment"), "first_channel = Email");

  await page.reload();
  await settled(page);
  assert.equal(await page.getByLabel("From").inputValue(), "2026-02-01");
  assert.equal(await page.getByLabel("Segment").inputValue(), "first_channel = Email");
  const scoped = await api<JourneyMapReport>(`/api/journey-map${url.search}`);
  const all = await api<JourneyMapReport>("/api/journey-map");
  assert.ok(scoped.totals.customers < all.totals.customers, "the filter narrows the data");
  const customers = await page.locator(".stat", { hasText: "Customers" }).locator("dd").first().textContent();
  assert.equal(customers, int(scoped.totals.customers));

  // The filter follows the user to other pages, and a shared link opens the same view.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Gaps" }).click();
  await page.getByRole("heading", { level: 1, name: "Gaps" }).waitFor();
  assert.equal(new URL(page.url()).search, url.search);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a bad segment shows the API's message beside the filter", { skip: noBrowser }, async () => {
  const bad = "bogus > 3";
  const res = await fetch(`${server.url}/api/journey-map?segment=${encodeURIComponent(bad)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 400);
  const { message } = (await res.json()) as { message: string };

  const { context, page } = await signedIn();
  await page.getByLabel("Segment").fill(bad);
  await page.getByLabel("Segment").press("Enter");
  const alert = page.locator(".filter-bar [role=alert]");
  await alert.waitFor();
  assert.equal(await alert.textContent(), message);
  assert.equal(await page.getByLabel("Segment").getAttribute("aria-invalid"), "true");
  await context.close();
});

test("signing in, moving around and signing out work from the keyboard alone", {
  skip: noBrowser,
}, async () => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  const focused = () => page.evaluate<string | null>('document.activeElement?.getAttribute("name")');
  const focusedText = () => page.evaluate<string | null>("document.activeElement?.textContent");
  // Tab from the top of the page: the choice of method, then the token field.
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "mode");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "token");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Journey map" }).waitFor();

  // The skip link, then the pages; Enter follows a link.
  await page.keyboard.press("Tab");
  assert.equal(await focusedText(), "Skip to content");
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    if ((await focusedText()) === "Gaps") break;
  }
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Gaps" }).waitFor();
  // The focused element is visibly outlined.
  const outline = await page.evaluate<string>("getComputedStyle(document.activeElement).outlineStyle");
  assert.equal(outline, "solid");

  // Sign out: back to the sign-in form, also after a reload (the cookie is gone).
  await page.getByRole("button", { name: "Sign out" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.getByRole("heading", { level: 1, name: "Gaps" }).count(), 0);
  await context.close();
});
