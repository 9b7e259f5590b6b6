import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { orderContext } from "../../../test/support.js";
import type { EmailAction } from "../rules.js";
import { createDeliverers } from "./delivery.js";
import { classifySmtpError, createEmailSender, EmailProblem, NO_SMTP_SERVER, renderEmail } from "./email.js";

const context = orderContext({
  email: " ada@example.com ",
  first_name: "Ada",
  nickname: "<script>alert(1)</script>",
});
const job = { id: "job_abc", attempt: 1 };
const defaults = { from: "Shop <shop@example.com>" };

const action = (over: Partial<EmailAction> = {}): EmailAction => ({
  kind: "email",
  to: "{{ customer.traits.email }}",
  subject: "Thanks for order {{ event.properties.order_id }}, {{ customer.traits.first_name }}",
  text: "Hi {{ customer.traits.first_name | default: 'there' }}, you paid {{ event.revenue }} {{ event.currency }}.",
  html: "<p>Hi <b>{{ customer.traits.nickname }}</b>, order {{ event.properties.order_id }}</p>",
  from: null,
  template: "thank-you",
  line: 1,
  ...over,
});

const failure = (result: { ok: boolean; error?: string; retryable?: boolean }) => {
  assert.equal(result.ok, false, JSON.stringify(result));
  return result as { error: string; retryable: boolean };
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("renderEmail", () => {
  test("fills the message from the context, escapes HTML and derives the Message-ID from the job", () => {
    const email = renderEmail(action(), context, job, defaults);
    assert.deepEqual(email, {
      from: "Shop <shop@example.com>",
      to: "ada@example.com",
      subject: "Thanks for order o-42, Ada",
      text: "Hi Ada, you paid 99.5 EUR.",
      html: "<p>Hi <b>&lt;script&gt;alert(1)&lt;/script&gt;</b>, order o-42</p>",
      messageId: "<job_abc@touchpoint>",
      headers: { "X-Touchpoint-Idempotency-Key": "job_abc", "X-Touchpoint-Rule": "thank-you" },
    });
    const own = renderEmail(action({ from: "a@b.example", html: null }), context, job, defaults);
    assert.equal(own.from, "a@b.example");
    assert.equal("html" in own, false);
  });

  test("refuses a recipient that is not an email address, or a missing sender", () => {
    for (const to of ["{{ customer.traits.missing }}", "n/a", "ada@", "@example.com", "ada example.com"])
      assert.throws(
        () => renderEmail(action({ to }), context, job, defaults),
        (err: Error) =>
          err instanceof EmailProblem && err.message.startsWith("no email address for customer cust_1"),
        to,
      );
    assert.throws(() => renderEmail(action({ to: "n/a" }), context, job, defaults), {
      message: 'no email address for customer cust_1: the `to` template rendered "n/a"',
    });
    assert.equal(
      renderEmail(action({ to: "Ada <ada@example.com>" }), context, job, defaults).to,
      "Ada <ada@example.com>",
    );
    assert.throws(
      () => renderEmail(action(), context, job, { from: null }),
      /set email\.from in the playbook/,
    );
  });
});

describe("classifySmtpError", () => {
  test("4xx replies and connection trouble are retryable; 5xx and configuration are not", () => {
    const cases: [object, boolean][] = [
      [{ responseCode: 421, message: "421 try later" }, true],
      [{ responseCode: 452, code: "EENVELOPE", message: "452 mailbox full" }, true],
      [{ responseCode: 550, code: "EENVELOPE", message: "550 no such user" }, false],
      [{ responseCode: 535, code: "EAUTH", message: "Invalid login: 535 bad" }, false],
      [{ code: "ETIMEDOUT", message: "Greeting never received" }, true],
      [{ code: "ESOCKET", message: "connect ECONNREFUSED 127.0.0.1:25" }, true],
      [{ code: "ECONNECTION", message: "Connection closed" }, true],
      [{ code: "EAUTH", message: "Missing credentials" }, false],
      [{ code: "ETLS", message: "wrong version number" }, false],
      [new Error("something odd"), false],
    ];
    for (const [err, retryable] of cases) assert.equal(failure(classifySmtpError(err)).retryable, retryable);
    assert.equal(
      failure(classifySmtpError({ responseCode: 550, message: "550 nope\n at x" })).error,
      "SMTP 550: 550 nope",
    );
  });
});

describe("sending through a real SMTP server", () => {
  const received: { mail: ParsedMail; envelope: { from: string; to: string[] } }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "user" && auth.password === "right") callback(null, { user: "user" });
      else callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const rejection = /^reject(\d{3})@/.exec(address.address);
      if (rejection)
        callback(
          Object.assign(new Error(`mailbox says ${rejection[1]}`), { responseCode: Number(rejection[1]) }),
        );
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          received.push({ mail, envelope });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  let port = 0;
  const senders: { close(): Promise<void> }[] = [];
  const sender = (url: string) => {
    const created = createEmailSender(url, 2000);
    senders.push(created);
    return created;
  };

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.server.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of senders) await s.close();
    await new Promise<void>((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
  });

  test("the message arrives with its fields filled from traits and event properties", async () => {
    const mail = sender(`smtp://127.0.0.1:${port}`);
    const result = await mail.send(action(), context, job, defaults);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.match(result.ok ? result.detail : "", /^SMTP 250/);
    assert.equal(received.length, 1);
    const { mail: message, envelope } = received[0]!;
    assert.deepEqual(envelope, { from: "shop@example.com", to: ["ada@example.com"] });
    assert.equal(message.from?.text, '"Shop" <shop@example.com>');
    assert.equal(Array.isArray(message.to) ? undefined : message.to?.text, "ada@example.com");
    assert.equal(message.subject, "Thanks for order o-42, Ada");
    assert.equal(message.text?.trim(), "Hi Ada, you paid 99.5 EUR.");
    assert.equal(message.html, "<p>Hi <b>&lt;script&gt;alert(1)&lt;/script&gt;</b>, order o-42</p>");
    assert.equal(message.messageId, "<job_abc@touchpoint>");
    assert.equal(message.headers.get("x-touchpoint-idempotency-key"), "job_abc");
    assert.equal(message.headers.get("x-touchpoint-rule"), "thank-you");
  });

  test("a recipient rejected with 550 is not retried; with 451 it is", async () => {
    const mail = sender(`smtp://127.0.0.1:${port}`);
    const permanent = failure(
      await mail.send(action({ to: "reject550@example.com" }), context, job, defaults),
    );
    assert.equal(permanent.retryable, false);
    assert.match(permanent.error, /^SMTP 550: .*mailbox says 550/);
    const temporary = failure(
      await mail.send(action({ to: "reject451@example.com" }), context, job, defaults),
    );
    assert.equal(temporary.retryable, true);
    assert.match(temporary.error, /^SMTP 451: /);
    assert.equal(received.length, 0);
  });

  test("an empty or bogus `to` is not retried and nothing is sent", async () => {
    const mail = sender(`smtp://127.0.0.1:${port}`);
    const empty = failure(
      await mail.send(action({ to: "{{ customer.traits.missing }}" }), context, job, defaults),
    );
    assert.deepEqual(empty, {
      ok: false,
      error: 'no email address for customer cust_1: the `to` template rendered ""',
      retryable: false,
    });
    const none = failure(await mail.send(action(), context, job, { from: null }));
    assert.equal(none.retryable, false);
    assert.match(none.error, /email\.from/);
    assert.equal(received.length, 0);
  });

  test("a failed login is not retried and never shows the password", async () => {
    const mail = sender(`smtp://user:wr%40ng-s3cret@127.0.0.1:${port}`);
    const result = failure(await mail.send(action(), context, job, defaults));
    assert.equal(result.retryable, false);
    assert.match(result.error, /535/);
    assert.doesNotMatch(result.error, /s3cret/);
    const good = await sender(`smtp://user:right@127.0.0.1:${port}`).send(action(), context, job, defaults);
    assert.equal(good.ok, true, JSON.stringify(good));
  });

  test("a server that cannot be reached is retried, without credentials in the error", async () => {
    const mail = sender(`smtp://user:s3cret-pass@127.0.0.1:${await closedPort()}`);
    const result = failure(await mail.send(action(), context, job, defaults));
    assert.equal(result.retryable, true);
    assert.match(result.error, /ECONNREFUSED/);
    assert.doesNotMatch(result.error, /s3cret|\n/);
  });

  test("a server that never greets times out, retryably", async () => {
    const sockets: Socket[] = [];
    const mute = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    try {
      const mail = createEmailSender(`smtp://127.0.0.1:${(mute.address() as { port: number }).port}`, 200);
      senders.push(mail);
      const result = failure(await mail.send(action(), context, job, defaults));
      assert.equal(result.retryable, true);
      assert.match(result.error, /^ETIMEDOUT: /);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  test("without an SMTP server every email fails for good", async () => {
    const deliverers = createDeliverers({
      smtpUrl: null,
      emailFrom: "shop@example.com",
      timeoutMs: 1000,
      env: {},
      userAgent: "test",
    });
    assert.deepEqual(await deliverers.email(action(), context, job), {
      ok: false,
      error: NO_SMTP_SERVER,
      retryable: false,
    });
    assert.equal(
      NO_SMTP_SERVER,
      "no SMTP server configured: set TOUCHPOINT_SMTP_URL (e.g. smtp://user:pass@mail.example.com:587)",
    );
    await deliverers.close();
  });

  test("createDeliverers sends email with the playbook's sender", async () => {
    const deliverers = createDeliverers({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      emailFrom: "shop@example.com",
      timeoutMs: 2000,
      env: {},
      userAgent: "test",
    });
    senders.push(deliverers);
    const result = await deliverers.email(action(), context, { id: "job_xyz", attempt: 3 });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(received[0]?.mail.messageId, "<job_xyz@touchpoint>");
    assert.equal(received[0]?.envelope.from, "shop@example.com");
  });
});
