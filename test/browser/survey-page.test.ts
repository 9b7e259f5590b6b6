import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import type { FeedbackReport } from "../../src/analysis/feedback/report.js";
import {
  addSource,
  cli,
  createApiToken,
  type RunningServer,
  startServer,
  tempDir,
  waitForReport,
} from "../support.js";
import { launchBrowser, noBrowser } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer;
let browser: Browser;
let token: string;
let writeKey: string;

before(async () => {
  if (noBrowser) return;
  tmp = tempDir();
  db = `${tmp.dir}/browser.duckdb`;
  writeKey = await addSource(db, "site");
  token = await createApiToken(db);
  server = await startServer(db);
  browser = await launchBrowser();
});
after(async () => {
  if (noBrowser) return;
  await browser.close();
  await server.stop();
  tmp.cleanup();
});

test("a customer answers the hosted survey page in Chromium, in Danish", { skip: noBrowser }, async () => {
  const link = await cli([
    "surveys",
    "link",
    "checkout_ces",
    "--customer",
    "cust-42",
    "--db",
    db,
    "--base-url",
    server.url,
  ]);
  assert.equal(link.code, 0, link.stderr);
  const context = await browser.newContext({ locale: "da-DK" });
  const page = await context.newPage();
  await page.goto(link.stdout.trim());
  assert.equal(await page.locator("h1").textContent(), "Det var nemt at gennemføre mit køb.");
  assert.equal(await page.locator('input[name="score"]').count(), 7);
  await page.locator("label.score", { hasText: "6" }).click();
  await page.locator("textarea").fill("Hurtigt og nemt");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForLoadState();
  assert.match((await page.locator("h1").textContent())!, /Tak! Dit svar er registreret/);
  // Back and send again: the link is spent.
  await page.goBack();
  await page.locator("label.score", { hasText: "1" }).click();
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForLoadState();
  assert.match((await page.locator("h1").textContent())!, /already been used/);
  await context.close();

  // The answer is the customer's event, rating the survey's touchpoint.
  const report = await waitForReport<FeedbackReport>(
    server,
    token,
    "/api/feedback",
    (r) => r.overall.responses > 0,
  );
  const checkout = report.groups.find((g) => g.key === "checkout")!;
  assert.deepEqual([checkout.responses, checkout.ces, checkout.comments], [1, 6, 1]);
});

test("the embeddable script asks on a shop's page and records the answer with the visitor's id", {
  skip: noBrowser,
}, async () => {
  const page = await browser.newPage({ locale: "en-GB" });
  // A shop on its own origin (another port of this machine), embedding the widget from the server.
  const shop = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><html lang="en"><body><h2>Thanks for your order</h2><div id="tp-survey"></div>
      <script src="${server.url}/s/embed.js" data-survey="relationship_nps" data-write-key="${writeKey}"
              data-user-id="cust-77" data-target="tp-survey"></script></body></html>`);
  });
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  const { port } = shop.address() as AddressInfo;
  await page.goto(`http://localhost:${port}/`);
  await page.getByText("How likely are you to recommend us to a friend or colleague?").waitFor();
  assert.equal(await page.locator("#tp-survey button").count(), 11, "NPS: 0 to 10");
  await page.locator("#tp-survey textarea").fill("Brilliant, thank you");
  await page.locator("#tp-survey button", { hasText: /^9$/ }).click();
  await page.getByText("Thank you for your answer!").waitFor();
  await page.close();
  shop.close();

  const report = await waitForReport<FeedbackReport>(server, token, "/api/feedback", (r) =>
    r.groups.some((g) => g.key === "(none)" || g.nps !== null),
  );
  const answered = report.groups.find((g) => g.nps !== null)!;
  assert.equal(answered.nps, 100);
  assert.equal(answered.negativeShare, 0);
});
