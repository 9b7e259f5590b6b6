/**
 * Email actions over SMTP (nodemailer). Each job is one message whose Message-ID is derived from the job
 * id, so a resent job (delivery is at least once) can be recognized downstream.
 */
import { createTransport } from "nodemailer";
import addressparser from "nodemailer/lib/addressparser";
import type { EmailAction, TemplateContext } from "../rules.js";
import { renderTemplate, type SurveyLinks, type TemplateFlavour } from "../template.js";
import type { DeliveryJob, DeliveryResult } from "./delivery.js";

export interface RenderedEmail {
  from: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  messageId: string;
  headers: Record<string, string>;
}

export const NO_SMTP_SERVER =
  "no SMTP server configured: set TOUCHPOINT_SMTP_URL (e.g. smtp://user:pass@mail.example.com:587)";

/** Thrown by renderEmail: the action cannot produce an email for this customer (retrying will not help). */
export class EmailProblem extends Error {}

/** The sender when an action names none, and what `survey_link` needs (none: the filter fails). */
export interface EmailDefaults {
  from: string | null;
  surveyLinks?: SurveyLinks | null;
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split("\n")[0] ?? "";

function render(
  what: string,
  source: string,
  context: TemplateContext,
  links: SurveyLinks | null,
  flavour: TemplateFlavour = "text",
) {
  try {
    return renderTemplate(source, context, flavour, links);
  } catch (err) {
    throw new EmailProblem(`the ${what} template failed: ${firstLine(err)}`);
  }
}

// Sane rather than RFC-complete: one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** True when `to` is one or more addresses (`a@b.c`, `Name <a@b.c>`, comma-separated), all plausible. */
function validRecipients(to: string): boolean {
  if (!to) return false;
  const parsed = addressparser(to, { flatten: true });
  return parsed.length > 0 && parsed.every((a) => EMAIL.test(a.address));
}

/**
 * Renders an email action for one job: `to`, `subject` and `text` as plain text, `html` with every output
 * HTML-escaped. Throws EmailProblem when there is no sender or no usable recipient.
 */
export function renderEmail(
  action: EmailAction,
  context: TemplateContext,
  job: DeliveryJob,
  defaults: EmailDefaults,
): RenderedEmail {
  const links = defaults.surveyLinks ?? null;
  const from = action.from ?? defaults.from;
  if (!from) throw new EmailProblem("no sender: set email.from in the playbook (or from on the action)");
  const to = render("to", action.to, context, links).trim();
  if (!validRecipients(to))
    throw new EmailProblem(
      `no email address for customer ${context.customer.id}: the \`to\` template rendered ${JSON.stringify(to.slice(0, 200))}`,
    );
  const email: RenderedEmail = {
    from,
    to,
    // Header folding is nodemailer's job, but a line break in a subject is never intended.
    subject: render("subject", action.subject, context, links)
      .replace(/\s*[\r\n]+\s*/g, " ")
      .trim(),
    messageId: `<${job.id}@touchpoint>`,
    headers: { "X-Touchpoint-Idempotency-Key": job.id, "X-Touchpoint-Rule": context.rule.id },
  };
  if (action.text !== null) email.text = render("text", action.text, context, links);
  if (action.html !== null) email.html = render("html", action.html, context, links, "html");
  return email;
}

/** SMTP or socket codes that mean "the server could not be reached or dropped us": try again later. */
const TRANSIENT_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "EPROTOCOL",
  "EMAXLIMIT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * An SMTP reply decides: 4xx is temporary (greylisting, mailbox busy), 5xx permanent (no such user,
 * rejected). Without a reply, connection trouble is temporary; the rest (authentication, TLS set-up, a
 * message nodemailer refuses to build) is configuration that retrying will not fix.
 */
export function classifySmtpError(err: unknown, redact: (text: string) => string = (t) => t): DeliveryResult {
  const e = (err ?? {}) as SmtpError;
  const message = redact(firstLine(e.message ?? err)).slice(0, 300);
  if (typeof e.responseCode === "number")
    return { ok: false, error: `SMTP ${e.responseCode}: ${message}`, retryable: e.responseCode < 500 };
  const retryable = e.code !== undefined && TRANSIENT_CODES.has(e.code);
  const code = e.code && !message.includes(e.code) ? `${e.code}: ` : "";
  return { ok: false, error: `${code}${message}`, retryable };
}

/** Replaces the URL's password (raw and decoded) wherever it appears: error texts end up in logs. */
function redactor(smtpUrl: string): (text: string) => string {
  let secrets: string[] = [];
  try {
    const password = new URL(smtpUrl).password;
    if (password) secrets = [...new Set([password, decodeURIComponent(password)])];
  } catch {}
  return (text) => secrets.reduce((t, s) => t.split(s).join("***"), text);
}

export interface EmailSender {
  /** Renders and sends one email job; never throws. */
  send(
    action: EmailAction,
    context: TemplateContext,
    job: DeliveryJob,
    defaults: EmailDefaults,
  ): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** An SMTP sender on `smtpUrl` (smtp:// or smtps://, credentials in the URL); null: every email fails. */
export function createEmailSender(smtpUrl: string | null, timeoutMs: number): EmailSender {
  if (!smtpUrl)
    return {
      send: async () => ({ ok: false, error: NO_SMTP_SERVER, retryable: false }),
      close: async () => undefined,
    };
  const redact = redactor(smtpUrl);
  // Pooled: one tick sends several emails; connections left idle are closed by the pool.
  const transport = createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 2,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(action, context, job, defaults) {
      let email: RenderedEmail;
      try {
        email = renderEmail(action, context, job, defaults);
      } catch (err) {
        return { ok: false, error: redact(firstLine(err)), retryable: false };
      }
      try {
        const info = await transport.sendMail(email);
        // The server's reply (e.g. "250 2.0.0 Ok: queued as …"), not the address: details end up in logs.
        return { ok: true, detail: redact(`SMTP ${firstLine(info.response)}`).slice(0, 300) };
      } catch (err) {
        return classifySmtpError(err, redact);
      }
    },
    async close() {
      transport.close();
    },
  };
}
