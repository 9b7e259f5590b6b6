// Automation end to end: `touchpoint serve --rules` against a real SMTP server and a real webhook receiver,
// the server killed (SIGKILL) between sending a webhook and writing down that it did, the run log over HTTP
// and the CLI, dry runs and bad rule files.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { verifyWebhookSignature } from "../src/automation/deliver/webhook.js";
import type { DryRunReport, JobLog } from "../src/automation/report.js";
import {
  addSource,
  cli,
  createApiToken,
  type RunningServer,
  sendBatch,
  startServer,
  tempDir,
} from "./support.js";

const SECRET = "whsec-test-0123456789";
let tmp: ReturnType<typeof tempDir>;
let smtp: SMTPServer;
let smtpPort = 0;
const mails: ParsedMail[] = [];
let receiver: Server;
let receiverUrl = "";
const hooks: { headers: IncomingMessage["headers"]; body: string; verified: boolean }[] = [];
/** Called on each webhook before it is answered: the crash test kills the server from here. */
let onHook: () => Promise<void> = async () => undefined;

before(async () => {
  tmp = tempDir();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (d) => {
      body += d;
    });
    request.on("end", () => {
      const header = String(request.headers["touchpoint-signature"] ?? "");
      hooks.push({ headers: request.headers, body, verified: verifyWebhookSignature(SECRET, body, header) });
      void onHook().then(() => response.writeHead(200).end("ok"));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise((resolve) => receiver.close(resolve));
  tmp.cleanup();
});

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rulesFile = () => {
  const file = `${tmp.dir}/automation.yml`;
  writeFileSync(
    file,
    `email:
  from: "Shop <shop@example.com>"
rules:
  - id: thank_you
    trigger: { goal: purchase }
    actions:
      - email:
          template: thank_you
          subject: "Thank you, {{ customer.traits.first_name | default: 'friend' }}"
          text: "We received your order of {{ event.revenue }} {{ event.currency }}. How was it? {{ 'delivery_csat' | survey_link }}"
          html: "<p>Thanks, {{ customer.traits.first_name }}!</p>"
  - id: detractor_alert
    trigger: { survey: nps, score: "0-6" }
    quiet_hours: false
    actions:
      - webhook:
          url: ${receiverUrl}/detractor
          secret_env: TP_TEST_WEBHOOK_SECRET
`,
  );
  return file;
};

test("emails and signed webhooks go out once per trigger, even across a crash mid-delivery", async () => {
  const db = `${tmp.dir}/auto.duckdb`;
  const writeKey = await addSource(db, "website");
  const token = await createApiToken(db);
  const rules = rulesFile();
  const env = {
    TOUCHPOINT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    TP_TEST_WEBHOOK_SECRET: SECRET,
    TOUCHPOINT_AUTOMATION_TICK: "100ms",
    TOUCHPOINT_LOAD_INTERVAL: "100ms",
    TOUCHPOINT_PUBLIC_URL: "https://feedback.example.com",
  };
  let server: RunningServer = await startServer(db, env, ["--rules", rules]);
  const now = Date.now();
  const res = await sendBatch(server, writeKey, [
    {
      type: "identify",
      userId: "ada",
      traits: { email: "ada@example.com", first_name: "Ada <3" },
      timestamp: new Date(now - 60_000).toISOString(),
    },
    {
      type: "track",
      userId: "ada",
      event: "Order Completed",
      properties: { revenue: 42.5, currency: "EUR" },
      timestamp: new Date(now - 30_000).toISOString(),
    },
  ]);
  assert.equal(res.status, 200);

  const mail = await until("the thank-you email", () => mails[0]);
  assert.equal(mail.from?.text, '"Shop" <shop@example.com>');
  assert.equal((mail.to as { text: string }).text, "ada@example.com");
  assert.equal(mail.subject, "Thank you, Ada <3");
  assert.match(mail.text ?? "", /We received your order of 42.5 EUR\./);
  // The survey link is signed for ada and opens the hosted survey page on this server.
  const link = new URL(/https:\/\/feedback\.example\.com\/\S+/.exec(mail.text ?? "")![0]);
  assert.equal(link.pathname, "/s/delivery_csat");
  assert.equal(link.searchParams.get("c"), "ada");
  const page = await fetch(`${server.url}${link.pathname}${link.search}`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /How satisfied are you with the delivery/);
  assert.match(String(mail.html), /Thanks, Ada &lt;3!/, "traits are escaped in HTML");
  const key = String(mail.headers.get("x-touchpoint-idempotency-key"));
  assert.match(key, /^job_[0-9a-f]{32}$/);
  assert.ok(mail.messageId?.includes(key));

  // The receiver kills the server on the first detractor alert, before answering it.
  let killed = false;
  onHook = async () => {
    if (killed) return;
    killed = true;
    await server.kill();
  };
  await sendBatch(server, writeKey, [
    {
      type: "track",
      userId: "ada",
      event: "Survey Responded",
      properties: { metric: "nps", score: 4, comment: "late delivery" },
    },
    { type: "track", userId: "bo", event: "Survey Responded", properties: { metric: "nps", score: 10 } },
  ]);
  await until("the first webhook", () => (killed && hooks.length === 1 ? true : undefined));
  server = await startServer(db, env, ["--rules", rules]);
  await until("the webhook sent again after the restart", () => (hooks.length >= 2 ? true : undefined));
  // Give a wrong third send the time to happen.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(hooks.length, 2, "sent again once, never a third time");
  assert.equal(mails.length, 1, "the email sent before the crash is not sent again");
  const [first, second] = hooks;
  assert.ok(first!.verified && second!.verified, "signatures verify");
  assert.equal(first!.headers["idempotency-key"], second!.headers["idempotency-key"]);
  assert.equal(second!.headers["touchpoint-attempt"], "2");
  const payload = JSON.parse(second!.body) as {
    customer: { id: string };
    event: { properties: { score: number } };
  };
  assert.equal(payload.customer.id, "ada");
  assert.equal(payload.event.properties.score, 4);

  // The run log over HTTP.
  const log = await until("the alert marked sent", async () => {
    const r = await fetch(`${server.url}/api/automation/jobs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await r.json()) as JobLog;
    return body.jobs.some((j) => j.rule === "detractor_alert" && j.status === "sent") ? body : undefined;
  });
  assert.deepEqual(log.counts, { sent: 2 });
  const alert = log.jobs.find((j) => j.rule === "detractor_alert")!;
  assert.equal(alert.attempts, 2);
  assert.equal(alert.id, first!.headers["idempotency-key"]);
  const unauthenticated = await fetch(`${server.url}/api/automation/jobs`);
  assert.equal(unauthenticated.status, 401);
  const summary = await fetch(`${server.url}/api/automation`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const rulesReport = (await summary.json()) as {
    live: boolean;
    rules: { id: string; jobs: Record<string, number> }[];
  };
  assert.equal(rulesReport.live, true);
  assert.deepEqual(
    rulesReport.rules.map((r) => [r.id, r.jobs.sent]),
    [
      ["thank_you", 1],
      ["detractor_alert", 1],
    ],
  );
  assert.equal(await server.stop(), 0);

  // The sent email is a touchpoint of Ada's journey: the thank-you note.
  const profile = await cli(["report", "customer", "ada", "--db", db, "--json"]);
  const timeline = (
    JSON.parse(profile.stdout) as { timeline: { event: string; touchpoint: string | null }[] }
  ).timeline;
  assert.ok(timeline.some((e) => e.event === "Email Delivered" && e.touchpoint === "thank_you"));

  // The log from the CLI, and a dry run on the same history.
  const cliLog = await cli(["automation", "log", "--db", db, "--status", "sent", "--json"]);
  assert.equal((JSON.parse(cliLog.stdout) as JobLog).jobs.length, 2);
  const from = new Date(now - 86_400_000).toISOString().slice(0, 10);
  const dry = await cli(["automation", "dry-run", rules, "--db", db, "--from", from, "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  const report = JSON.parse(dry.stdout) as DryRunReport;
  assert.deepEqual(
    report.rules.map((r) => [r.id, r.triggered, r.outcomes.would_send]),
    [
      ["thank_you", 1, 1],
      ["detractor_alert", 1, 1],
    ],
  );
  assert.equal(report.occurrences.find((o) => o.rule === "detractor_alert")?.customerId, "ada");
  const table = await cli(["automation", "dry-run", rules, "--db", db, "--from", from]);
  assert.match(table.stdout, /thank_you\s+1\s+1/);
  const noFrom = await cli(["automation", "dry-run", rules, "--db", db]);
  assert.equal(noFrom.code, 1);
  assert.match(noFrom.stderr, /--from: the dry run needs a start date/);
});

test("bad rule files are refused with the file, the line and the problem", async () => {
  const bad = `${tmp.dir}/bad.yml`;
  writeFileSync(
    bad,
    `rules:
  - id: thank_you
    trigger: { goal: purchases }
    wait: 3 days
    actions:
      - email: { template: thank_you, text: hello }
`,
  );
  const check = await cli(["automation", "check", bad]);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /bad\.yml:3:\d+: .*purchases/);
  assert.match(check.stderr, /bad\.yml:4:\d+: .*duration/);
  assert.match(check.stderr, /bad\.yml:6:\d+: .*subject/);
  assert.doesNotMatch(check.stderr, /\n\s+at /, "no stack trace");
  const good = await cli(["automation", "check", rulesFile()]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /2 rules \(2 enabled\) — OK/);
  const builtIn = await cli(["automation", "check"]);
  assert.equal(builtIn.code, 0, builtIn.stderr);
  const serve = await cli(["serve", "--db", `${tmp.dir}/bad.duckdb`, "--port", "0", "--rules", bad]);
  assert.equal(serve.code, 1);
  assert.match(serve.stderr, /bad\.yml:3:/);
});
