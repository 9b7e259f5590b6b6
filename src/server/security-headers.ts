import type { FastifyInstance } from "fastify";

/**
 * The dashboard loads only its own scripts and is never framed. ECharts and React set inline styles, hence
 * 'unsafe-inline' for styles only; charts exported as images use data: and blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * Security headers on every answer — the dashboard, the query API, errors — except the tracking API
 * (`/v1/*`, called cross-origin by browsers, with its own CORS headers) and the survey pages (`/s/*`,
 * embedded elsewhere, with their own policy).
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (!/^\/(v1|s)\//.test(request.url)) reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
