/**
 * Webhook actions: a signed JSON POST per job. The receiver authenticates it with the `Touchpoint-Signature`
 * header (Stripe's scheme, see verifyWebhookSignature) and dedupes on `Idempotency-Key` (delivery is at
 * least once). User documentation: docs/webhooks.md.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { TemplateContext, WebhookAction } from "../rules.js";
import { renderTemplate } from "../template.js";
import type { DeliveryJob, DeliveryResult, DeliverySettings } from "./delivery.js";

export type WebhookSettings = Pick<DeliverySettings, "timeoutMs" | "env" | "userAgent" | "surveyLinks">;

/** Headers Touchpoint sets itself; an action's own headers cannot replace them. */
const RESERVED_HEADER = /^(idempotency-key|touchpoint-.*)$/i;
/** Message framing and connection headers belong to the HTTP client: set by hand, they break the request. */
const TRANSPORT_HEADER =
  /^(content-length|transfer-encoding|connection|keep-alive|upgrade|expect|te|trailer)$/i;

/** undici's codes for a request it will not send as configured. */
const REFUSED_REQUEST = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

const hmacHex = (secret: string, timestamp: number, body: string | Uint8Array) =>
  createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");

/** The `Touchpoint-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signWebhook(secret: string, body: string | Uint8Array, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * For receivers: true when `header` (the `Touchpoint-Signature` value) signs exactly `body` (the raw
 * request body, before any JSON parsing) with `secret`, and its timestamp is within `toleranceSeconds` of
 * now (either way), so a captured request cannot be replayed later. Malformed headers are false, never
 * an exception. Several `v1=` entries are allowed (any one may match), as in Stripe's scheme.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | null | undefined,
  {
    toleranceSeconds = 300,
    nowSeconds = Date.now() / 1000,
  }: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (!secret || typeof header !== "string") return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value, ...rest] = part.trim().split("=");
    if (value === undefined || rest.length) return false;
    if (key === "t") {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return false;
      timestamp = Number(value);
    } else if (key === "v1") {
      if (/^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
    }
    // Other keys (future schemes) are ignored, as Stripe's receivers do.
  }
  if (timestamp === null || !signatures.length) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  // Compare against every candidate so the time taken does not depend on which one matched.
  let ok = false;
  for (const signature of signatures) ok = timingSafeEqual(expected, Buffer.from(signature, "hex")) || ok;
  return ok;
}

/** The body sent when the action has no `body` template. */
export function webhookPayload(context: TemplateContext, job: DeliveryJob, now: Date = new Date()) {
  return {
    id: job.id,
    attempt: job.attempt,
    rule: { id: context.rule.id, name: context.rule.name },
    customer: { id: context.customer.id, traits: context.customer.traits },
    event: { ...context.event },
    sentAt: now.toISOString(),
  };
}

const permanent = (error: string): DeliveryResult => ({ ok: false, error, retryable: false });
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split("\n")[0] ?? "";

/** A problem with the action itself (its templates, its secret): retrying would fail the same way. */
class ActionProblem extends Error {}

function render(what: string, source: string, context: TemplateContext, settings: WebhookSettings): string {
  try {
    return renderTemplate(source, context, "text", settings.surveyLinks ?? null);
  } catch (err) {
    throw new ActionProblem(`the ${what} template failed: ${firstLine(err)}`);
  }
}

function buildRequest(
  action: WebhookAction,
  context: TemplateContext,
  job: DeliveryJob,
  settings: WebhookSettings,
) {
  const url = render("url", action.url, context, settings).trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {}
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
    throw new ActionProblem(
      `the url template rendered ${JSON.stringify(url.slice(0, 200))}, not an http(s) URL`,
    );

  let body: string;
  if (action.body === null) body = JSON.stringify(webhookPayload(context, job));
  else {
    const rendered = render("body", action.body, context, settings);
    try {
      // Re-serialized: compact, and exactly the bytes that are signed.
      body = JSON.stringify(JSON.parse(rendered));
    } catch (err) {
      throw new ActionProblem(`the body template did not render valid JSON: ${firstLine(err)}`);
    }
  }

  let secret: string | null = null;
  if (action.secretEnv) {
    secret = settings.env[action.secretEnv] || null;
    // Name the variable, never its value.
    if (!secret)
      throw new ActionProblem(
        `the signing secret is missing: environment variable ${action.secretEnv} is not set`,
      );
  }

  const headers = new Headers({ "content-type": "application/json", "user-agent": settings.userAgent });
  for (const [name, template] of Object.entries(action.headers)) {
    if (RESERVED_HEADER.test(name)) continue;
    if (TRANSPORT_HEADER.test(name))
      throw new ActionProblem(`the header ${name} cannot be set by a webhook action`);
    const value = render(`header ${name}`, template, context, settings);
    try {
      headers.set(name, value);
    } catch {
      throw new ActionProblem(
        `the header ${name} is not a valid header name or its template rendered an invalid value`,
      );
    }
  }
  headers.set("idempotency-key", job.id);
  headers.set("touchpoint-idempotency-key", job.id);
  headers.set("touchpoint-attempt", String(job.attempt));
  if (secret) headers.set("touchpoint-signature", signWebhook(secret, body, Date.now() / 1000));
  return { url, headers, body };
}

/** Up to `max` characters of the response body, on one line; "" when it cannot be read. */
async function bodySnippet(response: Response, max = 200): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    // Read only the start: an error page may be large.
    while (text.length < 4 * max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body that times out or breaks off is still a failed call with a status; report what came.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.replace(/\s+/g, " ").trim().slice(0, max);
}

/**
 * A `Retry-After` header as a delay in ms from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable, 0 for a date already past.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) || !/[a-z]/i.test(text) ? undefined : Math.max(0, at - now);
}

function httpOutcome(
  status: number,
  location: string | null,
  snippet: string,
  retryAfter: string | null,
): DeliveryResult {
  if (status >= 200 && status < 300) return { ok: true, detail: `HTTP ${status}` };
  if (status >= 300 && status < 400)
    return permanent(
      `HTTP ${status}: the URL redirects${location ? ` to ${location.slice(0, 200)}` : ""}; ` +
        "redirects are not followed, put the final URL in the playbook",
    );
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  const error = snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`;
  const after = retryable ? retryAfterMs(retryAfter) : undefined;
  return after === undefined
    ? { ok: false, error, retryable }
    : { ok: false, error, retryable, retryAfterMs: after };
}

/** Why fetch failed, without a stack: the underlying socket error's message or code. */
function networkError(err: unknown, timeoutMs: number): DeliveryResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError")
    return { ok: false, error: `no response within ${timeoutMs} ms`, retryable: true };
  const code = e?.cause?.code;
  const message = e?.cause?.message || e?.message || String(err);
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  // undici refuses some headers (transfer-encoding, upgrade, expect…): a problem with the action, not the network.
  if (code && REFUSED_REQUEST.has(code)) return permanent(`the request cannot be sent: ${firstLine(text)}`);
  return { ok: false, error: `network error: ${firstLine(text)}`, retryable: true };
}

/** Sends one webhook job; never throws. */
export async function sendWebhook(
  action: WebhookAction,
  context: TemplateContext,
  job: DeliveryJob,
  settings: WebhookSettings,
): Promise<DeliveryResult> {
  let request: ReturnType<typeof buildRequest>;
  try {
    request = buildRequest(action, context, job, settings);
  } catch (err) {
    if (err instanceof ActionProblem) return permanent(err.message);
    return permanent(`the webhook could not be built: ${firstLine(err)}`);
  }
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const ok = response.ok;
    const snippet = ok ? "" : await bodySnippet(response);
    // Release the connection for reuse without reading a success body nobody needs.
    if (ok) await response.body?.cancel().catch(() => undefined);
    return httpOutcome(
      response.status,
      response.headers.get("location"),
      snippet,
      response.headers.get("retry-after"),
    );
  } catch (err) {
    return networkError(err, settings.timeoutMs);
  }
}
