import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Signed survey links for email and SMS. A link names the survey, the customer, an expiry and a
 * one-time nonce, signed with HMAC-SHA256 under the installation's survey key: changing any of them
 * (another customer, a later expiry) breaks the signature, and the server accepts one answer per nonce.
 */
export interface LinkClaims {
  survey: string;
  customer: string;
  /** Expiry, epoch seconds. */
  expires: number;
  nonce: string;
}

const payload = (c: LinkClaims) => [c.survey, c.customer, String(c.expires), c.nonce].join("\n");

export function signLink(claims: LinkClaims, key: Buffer): string {
  return createHmac("sha256", key).update(payload(claims)).digest("base64url");
}

/** The query string of a new link: `c` customer, `e` expiry, `n` nonce, `s` signature. */
export function linkQuery(survey: string, customer: string, expires: number, key: Buffer): string {
  const claims = { survey, customer, expires, nonce: randomBytes(12).toString("base64url") };
  const q = new URLSearchParams({
    c: customer,
    e: String(expires),
    n: claims.nonce,
    s: signLink(claims, key),
  });
  return q.toString();
}

/** A new link to a survey's page on the server reached at `baseUrl` (a trailing slash or none). */
export function surveyUrl(
  baseUrl: string,
  survey: string,
  customer: string,
  expires: number,
  key: Buffer,
): string {
  return `${baseUrl.replace(/\/+$/, "")}/s/${survey}?${linkQuery(survey, customer, expires, key)}`;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: string };

/** Checks a link's parameters for `survey` at `nowSeconds`. */
export function verifyLink(
  survey: string,
  params: Record<string, unknown>,
  key: Buffer,
  nowSeconds: number,
): LinkCheck {
  const { c, e, n, s } = params;
  if (
    typeof c !== "string" ||
    typeof e !== "string" ||
    typeof n !== "string" ||
    typeof s !== "string" ||
    !c ||
    !n
  )
    return { ok: false, reason: "this survey needs a personal link: the link is incomplete" };
  const expires = Number(e);
  if (!Number.isInteger(expires)) return { ok: false, reason: "the link is not valid" };
  const claims = { survey, customer: c, expires, nonce: n };
  const expected = Buffer.from(signLink(claims, key));
  const given = Buffer.from(s);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "the link is not valid (it was changed or belongs to another survey)" };
  if (expires < nowSeconds) return { ok: false, reason: "the link has expired" };
  return { ok: true, claims };
}

/**
 * The survey key: `TOUCHPOINT_SURVEY_KEY` (base64, at least 32 bytes) or a random key kept in a file
 * beside the warehouse, readable by its owner only, created on first use. Links stay valid as long as
 * the key does; replacing it invalidates every link sent.
 */
export function surveyKey(keyFile: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.TOUCHPOINT_SURVEY_KEY) {
    const key = Buffer.from(env.TOUCHPOINT_SURVEY_KEY, "base64");
    if (key.length < 32) throw new Error("TOUCHPOINT_SURVEY_KEY must be at least 32 bytes, base64-encoded");
    return key;
  }
  if (!existsSync(keyFile)) {
    writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
    chmodSync(keyFile, 0o600);
  }
  return Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
}
