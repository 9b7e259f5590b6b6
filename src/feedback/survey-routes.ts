import type { FastifyInstance, FastifyReply } from "fastify";
import type { Catalog, Survey } from "../catalog/catalog.js";
import type { Ingestor } from "../ingest/ingestor.js";
import type { SourceInfo } from "../ingest/pipeline.js";
import { HttpError } from "../server/http-error.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { verifyLink } from "./links.js";
import { SURVEY_METRICS, SURVEY_RESPONDED } from "./response.js";
import { EMBED_SCRIPT } from "./survey-embed.js";
import { answerPage, type SurveyPageText, surveyPage } from "./survey-page.js";

export interface SurveyRouteOptions {
  warehouse: Warehouse;
  ingestor: Ingestor;
  catalog: () => Catalog;
  key: Buffer;
}

/** Answers from the hosted page arrive as this source (the embeddable script uses the site's own key). */
export const SURVEY_SOURCE: SourceInfo = { name: "surveys", kind: "survey", channel: "Survey" };

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** The language to ask in: `?lang=`, else the best of Accept-Language, else the survey's first. */
export function pickLanguage(survey: Survey, lang: unknown, acceptLanguage: string | undefined): string {
  const offered = Object.keys(survey.question);
  const wanted = [
    ...(typeof lang === "string" ? [lang] : []),
    ...(acceptLanguage ?? "")
      .split(",")
      .map((part) => part.split(";")[0]!.trim())
      .filter(Boolean),
  ];
  for (const w of wanted) {
    const exact = offered.find((o) => o.toLowerCase() === w.toLowerCase());
    if (exact) return exact;
    const base = offered.find((o) => o.split("-")[0] === w.toLowerCase().split("-")[0]);
    if (base) return base;
  }
  return offered[0]!;
}

/**
 * The hosted survey page (`GET /s/:id`, for signed links in email and SMS), its answer (`POST /s/:id`),
 * the survey definition for the embeddable script (`GET /s/:id/definition.json`) and the script itself
 * (`GET /s/embed.js`). Public, like the tracking API: a signed link is the customer's credential.
 */
export async function surveyRoutes(app: FastifyInstance, options: SurveyRouteOptions): Promise<void> {
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 16 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const find = (id: string) => {
    const survey = options.catalog().surveys?.find((s) => s.id === id);
    if (!survey) throw new HttpError(404, `no survey "${id}" in the catalog`);
    return survey;
  };
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).headers(PAGE_HEADERS).send(body);
  const now = () => Math.floor(Date.now() / 1000);

  app.get("/embed.js", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .headers({
        "content-type": "text/javascript; charset=utf-8",
        "access-control-allow-origin": "*",
        "cache-control": "public, max-age=300",
      })
      .send(EMBED_SCRIPT),
  );

  app.get<{ Params: { id: string } }>(
    "/:id/definition.json",
    { schema: { hide: true } },
    async (request, reply) => {
      const s = find(request.params.id);
      const range = SURVEY_METRICS[s.metric];
      reply.header("access-control-allow-origin", "*");
      return {
        id: s.id,
        metric: s.metric,
        min: range.min,
        max: range.max,
        touchpoint: s.touchpoint,
        question: s.question,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    "/:id",
    { schema: { hide: true } },
    async (request, reply) => {
      const survey = find(request.params.id);
      const language = pickLanguage(survey, request.query.lang, request.headers["accept-language"]);
      const check = verifyLink(survey.id, request.query, options.key, now());
      const text: SurveyPageText = { survey, language };
      if (!check.ok) return html(reply, 403, answerPage(text, check.reason, false));
      return html(reply, 200, surveyPage(text, request.query));
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    "/:id",
    { schema: { hide: true } },
    async (request, reply) => {
      const survey = find(request.params.id);
      const body = request.body ?? {};
      const language = pickLanguage(survey, body.lang, request.headers["accept-language"]);
      const text: SurveyPageText = { survey, language };
      const check = verifyLink(survey.id, body, options.key, now());
      if (!check.ok) return html(reply, 403, answerPage(text, check.reason, false));
      const { min, max } = SURVEY_METRICS[survey.metric];
      const score = Number(body.score);
      if (!Number.isInteger(score) || score < min || score > max)
        return html(reply, 400, answerPage(text, `choose a score from ${min} to ${max}`, false));
      const comment = typeof body.comment === "string" ? body.comment.trim().slice(0, 2000) : "";
      const { customer, nonce } = check.claims;
      // One answer per link: the nonce is spent before the answer is written, and given back on failure.
      const spent = await options.warehouse.query<{ n: number }>(
        "SELECT count(*) AS n FROM survey_links_used WHERE nonce = $1",
        [nonce],
      );
      if ((spent[0]?.n ?? 0) > 0)
        return html(reply, 409, answerPage(text, "this link has already been used", false));
      try {
        await options.warehouse.run(
          "INSERT INTO survey_links_used (nonce, survey_id, customer_id) VALUES ($1, $2, $3)",
          [nonce, survey.id, customer],
        );
      } catch {
        return html(reply, 409, answerPage(text, "this link has already been used", false));
      }
      try {
        const outcome = await options.ingestor.ingest(
          [
            {
              type: "track",
              event: SURVEY_RESPONDED,
              userId: customer,
              messageId: `survey-${nonce}`,
              properties: {
                survey_id: survey.id,
                metric: survey.metric,
                score,
                ...(comment ? { comment } : {}),
                ...(survey.touchpoint ? { touchpoint: survey.touchpoint } : {}),
                language,
              },
              context: { locale: language, channel: "survey-link" },
            },
          ],
          "track",
          SURVEY_SOURCE,
        );
        if (outcome.accepted !== 1) throw new Error(outcome.rejected[0]?.reason ?? "rejected");
      } catch (err) {
        await options.warehouse.run("DELETE FROM survey_links_used WHERE nonce = $1", [nonce]);
        throw err;
      }
      return html(reply, 200, answerPage(text, null, true));
    },
  );
}
