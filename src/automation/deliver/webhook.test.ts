import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { orderContext } from "../../../test/support.js";
import type { WebhookAction } from "../rules.js";
import { createDeliverers } from "./delivery.js";
import { retryAfterMs, sendWebhook, signWebhook, verifyWebhookSignature, webhookPayload } from "./webhook.js";

const SECRET = "whsec_do-not-leak-0123456789";

const context = orderContext({ email: "ada@example.com", first_name: "Ada", plan: "pro" });
const job = { id: "job_abc", attempt: 2 };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe("webhook signatures", () => {
  const body = '{"id":"job_123","attempt":1}';

  test("signWebhook is HMAC-SHA256 over `<t>.<body>`, in Stripe's header format", () => {
    const expected = createHmac("sha256", "whsec_test_secret").update(`1700000000.${body}`).digest("hex");
    assert.equal(signWebhook("whsec_test_secret", body, 1_700_000_000), `t=1700000000,v1=${expected}`);
    // Fixed vector (also computed with `openssl dgst -sha256 -hmac`): the scheme must not change silently.
    assert.equal(
      signWebhook("whsec_test_secret", body, 1_700_000_000.9),
      "t=1700000000,v1=35ae0d2fcd85adfee67298273dfe73fa7ca44b692fe588c7577f1f8d0df364e3",
    );
    assert.equal(signWebhook("s", Buffer.from(body), 5), signWebhook("s", body, 5));
  });

  test("verifyWebhookSignature accepts the signature and rejects tampering, replays and junk", () => {
    const now = 1_700_000_100;
    const header = signWebhook(SECRET, body, 1_700_000_000);
    const at = { nowSeconds: now };
    assert.equal(verifyWebhookSignature(SECRET, body, header, at), true);
    assert.equal(verifyWebhookSignature(SECRET, Buffer.from(body), header, at), true);
    assert.equal(verifyWebhookSignature(SECRET, body.replace("1", "2"), header, at), false, "tampered body");
    assert.equal(verifyWebhookSignature("another-secret", body, header, at), false, "wrong secret");
    assert.equal(
      verifyWebhookSignature(SECRET, body, header, { nowSeconds: 1_700_000_301 }),
      false,
      "too old",
    );
    assert.equal(
      verifyWebhookSignature(SECRET, body, header, { nowSeconds: 1_699_999_699 }),
      false,
      "future",
    );
    assert.equal(
      verifyWebhookSignature(SECRET, body, header, { nowSeconds: 1_700_000_300 }),
      true,
      "at tolerance",
    );
    assert.equal(
      verifyWebhookSignature(SECRET, body, header, { nowSeconds: 1_700_003_000, toleranceSeconds: 3600 }),
      true,
    );
    // A stale timestamp cannot be refreshed without the secret.
    const v1 = header.split("v1=")[1];
    assert.equal(verifyWebhookSignature(SECRET, body, `t=${now},v1=${v1}`, at), false);
    // Several v1 entries (secret rotation): any one may match.
    assert.equal(
      verifyWebhookSignature(SECRET, body, `t=1700000000,v1=${"0".repeat(64)},v1=${v1}`, at),
      true,
    );
    const malformed = [
      undefined,
      null,
      "",
      "garbage",
      `v1=${v1}`,
      "t=1700000000",
      `t=abc,v1=${v1}`,
      `t=1700000000,v1=${v1?.slice(2)}`,
      `t=1700000000,t=1700000000,v1=${v1}`,
      `t=1700000000,v1=${v1}=`,
      `t=1700000000,,v1=${v1}`,
    ];
    for (const bad of malformed)
      assert.equal(verifyWebhookSignature(SECRET, body, bad, at), false, String(bad));
    assert.equal(verifyWebhookSignature("", body, header, at), false, "empty secret");
  });

  test("webhookPayload is the standard body", () => {
    const now = new Date("2024-05-01T12:05:00.000Z");
    assert.deepEqual(webhookPayload(context, job, now), {
      id: "job_abc",
      attempt: 2,
      rule: { id: "thank-you", name: "Thank you" },
      customer: { id: "cust_1", traits: context.customer.traits },
      event: context.event,
      sentAt: "2024-05-01T12:05:00.000Z",
    });
  });
});

describe("sendWebhook against a real HTTP receiver", () => {
  const received: Received[] = [];
  let respond: (res: ServerResponse) => void = (res) => res.writeHead(204).end();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      received.push({ path: req.url ?? "", headers: req.headers, body: raw.toString("utf8") });
      respond(res);
    });
  });
  // Accepts connections and never answers.
  const silent = createServer(() => undefined);
  let base = "";
  let silentBase = "";
  const settings = { timeoutMs: 2000, env: { HOOK_SECRET: SECRET }, userAgent: "touchpoint-test/1.0" };
  const action = (over: Partial<WebhookAction> = {}): WebhookAction => ({
    kind: "webhook",
    url: `${base}/hooks/{{ rule.id }}`,
    headers: {},
    secretEnv: "HOOK_SECRET",
    body: null,
    record: null,
    line: 1,
    ...over,
  });
  const status = (code: number, text = "") => {
    respond = (res) => res.writeHead(code, { "content-type": "text/plain" }).end(text);
  };

  before(async () => {
    base = await listen(receiver);
    silentBase = await listen(silent);
  });
  after(async () => {
    await close(receiver);
    await close(silent);
  });
  beforeEach(() => {
    received.length = 0;
    respond = (res) => res.writeHead(204).end();
  });

  test("posts the signed standard payload with the idempotency headers", async () => {
    const result = await sendWebhook(action(), context, job, settings);
    assert.deepEqual(result, { ok: true, detail: "HTTP 204" });
    assert.equal(received.length, 1);
    const [request] = received;
    assert.ok(request);
    assert.equal(request.path, "/hooks/thank-you");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers["user-agent"], "touchpoint-test/1.0");
    assert.equal(request.headers["idempotency-key"], "job_abc");
    assert.equal(request.headers["touchpoint-idempotency-key"], "job_abc");
    assert.equal(request.headers["touchpoint-attempt"], "2");
    const signature = request.headers["touchpoint-signature"];
    assert.equal(typeof signature, "string");
    assert.equal(verifyWebhookSignature(SECRET, request.body, signature as string), true);
    assert.equal(verifyWebhookSignature("wrong", request.body, signature as string), false);
    const payload = JSON.parse(request.body);
    const { sentAt, ...rest } = payload;
    assert.ok(Math.abs(Date.parse(sentAt) - Date.now()) < 10_000);
    assert.deepEqual(rest, {
      id: "job_abc",
      attempt: 2,
      rule: { id: "thank-you", name: "Thank you" },
      customer: { id: "cust_1", traits: context.customer.traits },
      event: context.event,
    });
  });

  test("without secretEnv nothing is signed", async () => {
    assert.equal((await sendWebhook(action({ secretEnv: null }), context, job, settings)).ok, true);
    assert.equal(received[0]?.headers["touchpoint-signature"], undefined);
    assert.equal(received[0]?.headers["idempotency-key"], "job_abc");
  });

  test("a body template is rendered, checked as JSON and signed as sent", async () => {
    const body =
      '{ "text": {{ customer.traits.first_name | append: " said \\"hi\\"" | json }}, "total": {{ event.properties.total }} }';
    const result = await sendWebhook(action({ body }), context, job, settings);
    assert.equal(result.ok, true);
    const [request] = received;
    assert.equal(request?.body, '{"text":"Ada said \\"hi\\"","total":99.5}');
    assert.equal(
      verifyWebhookSignature(SECRET, request.body, request.headers["touchpoint-signature"] as string),
      true,
    );
  });

  test("a body template that renders invalid JSON fails for good, without a request", async () => {
    const result = await sendWebhook(
      action({ body: '{"name": "{{ customer.traits.first_name }}",}' }),
      context,
      job,
      settings,
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.retryable, false);
    assert.match(!result.ok ? result.error : "", /^the body template did not render valid JSON: /);
    assert.equal(received.length, 0);
  });

  test("custom headers are rendered but cannot replace the signature or the idempotency key", async () => {
    const headers = {
      "X-Plan": "{{ customer.traits.plan }}",
      "Touchpoint-Signature": "t=1,v1=forged",
      "Idempotency-Key": "mine",
      "touchpoint-idempotency-key": "mine",
      "Touchpoint-Attempt": "99",
    };
    assert.equal((await sendWebhook(action({ headers }), context, job, settings)).ok, true);
    const request = received[0]!;
    assert.equal(request.headers["x-plan"], "pro");
    assert.equal(request.headers["idempotency-key"], "job_abc");
    assert.equal(request.headers["touchpoint-idempotency-key"], "job_abc");
    assert.equal(request.headers["touchpoint-attempt"], "2");
    assert.equal(
      verifyWebhookSignature(SECRET, request.body, request.headers["touchpoint-signature"] as string),
      true,
    );
    // Not signed: a forged signature header is dropped, not passed on.
    await sendWebhook(action({ headers, secretEnv: null }), context, job, settings);
    assert.equal(received[1]?.headers["touchpoint-signature"], undefined);
  });

  test("a missing signing secret fails for good and names the variable", async () => {
    for (const env of [{}, { HOOK_SECRET: "" }]) {
      const result = await sendWebhook(action(), context, job, { ...settings, env });
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.retryable, false);
      assert.match(!result.ok ? result.error : "", /HOOK_SECRET/);
    }
    assert.equal(received.length, 0);
  });

  const failures: [number, boolean][] = [
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [425, true],
    [404, false],
    [400, false],
    [401, false],
    [410, false],
  ];
  for (const [code, retryable] of failures)
    test(`HTTP ${code} is ${retryable ? "" : "not "}retryable`, async () => {
      status(code, `oops ${code}\n${"x".repeat(500)}`);
      const result = await sendWebhook(action(), context, job, settings);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.retryable, retryable);
      assert.ok(result.error.startsWith(`HTTP ${code}: oops ${code} xxx`), result.error);
      assert.ok(result.error.length <= `HTTP ${code}: `.length + 200, result.error);
      assert.ok(!result.error.includes(SECRET));
    });

  test("a Retry-After of a retryable answer is passed on, in seconds or as a date", async () => {
    respond = (res) => res.writeHead(429, { "retry-after": "120" }).end("slow down");
    const seconds = await sendWebhook(action(), context, job, settings);
    assert.equal(!seconds.ok && seconds.retryAfterMs, 120_000);
    const at = new Date(Date.now() + 10 * 60_000).toUTCString();
    respond = (res) => res.writeHead(503, { "retry-after": at }).end();
    const date = await sendWebhook(action(), context, job, settings);
    const ms = !date.ok ? (date.retryAfterMs ?? -1) : -1;
    assert.ok(ms > 9 * 60_000 && ms <= 10 * 60_000, String(ms));
    respond = (res) => res.writeHead(400, { "retry-after": "120" }).end();
    const refused = await sendWebhook(action(), context, job, settings);
    assert.equal(!refused.ok && refused.retryAfterMs, undefined, "not retried: nothing to wait for");
  });

  test("retryAfterMs reads delay-seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2026-11-23T12:00:00Z");
    assert.equal(retryAfterMs("0", now), 0);
    assert.equal(retryAfterMs(" 30 ", now), 30_000);
    assert.equal(retryAfterMs("Mon, 23 Nov 2026 12:01:00 GMT", now), 60_000);
    assert.equal(retryAfterMs("Mon, 23 Nov 2026 11:00:00 GMT", now), 0, "a date already past");
    for (const bad of [null, "", "soon", "-5", "1.5", "12:00"])
      assert.equal(retryAfterMs(bad, now), undefined, String(bad));
  });

  test("redirects are not followed", async () => {
    respond = (res) => res.writeHead(301, { location: "https://elsewhere.example/hook" }).end();
    const result = await sendWebhook(action(), context, job, settings);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.retryable, false);
    assert.match(
      !result.ok ? result.error : "",
      /HTTP 301: the URL redirects to https:\/\/elsewhere\.example\/hook/,
    );
    assert.equal(received.length, 1);
  });

  test("a receiver that never answers times out, retryably", async () => {
    const started = Date.now();
    const result = await sendWebhook(action({ url: `${silentBase}/hook` }), context, job, {
      ...settings,
      timeoutMs: 200,
    });
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(result, { ok: false, error: "no response within 200 ms", retryable: true });
  });

  test("a refused connection is retryable and says why", async () => {
    const closed = createServer();
    const url = await listen(closed);
    await close(closed);
    const result = await sendWebhook(action({ url }), context, job, settings);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.retryable, true);
    assert.match(!result.ok ? result.error : "", /^network error: .*ECONNREFUSED/);
    assert.doesNotMatch(!result.ok ? result.error : "", /\n|at /);
  });

  test("a url or header that cannot be sent fails for good", async () => {
    for (const url of ["", "{{ customer.traits.missing }}", "ftp://example.com/x", "not a url"]) {
      const result = await sendWebhook(action({ url }), context, job, settings);
      assert.equal(!result.ok && result.retryable, false, url);
      assert.match(!result.ok ? result.error : "", /the url template rendered/);
    }
    const broken = { ...context, customer: { id: "c", traits: { plan: "pro\r\nX-Evil: 1" } } };
    const result = await sendWebhook(
      action({ headers: { "X-Plan": "{{ customer.traits.plan }}" } }),
      broken,
      job,
      settings,
    );
    assert.equal(!result.ok && result.retryable, false);
    assert.match(!result.ok ? result.error : "", /X-Plan/);
    const refusedHeaders: Record<string, string>[] = [
      { "Transfer-Encoding": "chunked" },
      { Expect: "100-continue" },
      { "Content-Length": "1" },
    ];
    for (const headers of refusedHeaders) {
      const refused = await sendWebhook(action({ headers }), context, job, settings);
      assert.equal(!refused.ok && refused.retryable, false, JSON.stringify(headers));
      assert.match(!refused.ok ? refused.error : "", /cannot be set by a webhook action/);
    }
    assert.equal(received.length, 0);
  });

  test("createDeliverers sends webhooks with its settings", async () => {
    const deliverers = createDeliverers({ ...settings, smtpUrl: null, emailFrom: null });
    assert.deepEqual(await deliverers.webhook(action(), context, job), { ok: true, detail: "HTTP 204" });
    assert.equal(received[0]?.headers["user-agent"], "touchpoint-test/1.0");
    await deliverers.close();
  });
});
