import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SURVEY_METRICS, SURVEY_RESPONDED } from "../../feedback/response.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { type Scope, scopeConditions } from "../scope.js";
import { consistency } from "./consistency.js";
import { ces, csat, isDetractor, nps, type Score } from "./metrics.js";
import type { FeedbackReport, FeedbackScores } from "./report.js";
import { type CommentSentiment, commentSentiment } from "./sentiment.js";

export type FeedbackGrouping = "touchpoint" | "channel" | "stage";

export interface FeedbackOptions extends Scope {
  by: FeedbackGrouping;
  period: "week" | "month";
  /** Detractor answers listed, most recent first. */
  detractors: number;
}

type Answer = {
  customer_id: string;
  ms: number;
  channel: string;
  metric: string;
  score: number;
  comment: string | null;
  survey_id: string | null;
  touchpoint: string | null;
  locale: string | null;
  /** Filled in Node: the comment's sentiment. */
  sentiment?: CommentSentiment | null;
};

/**
 * Survey answers per touchpoint, channel or stage and over time. An answer rates its `touchpoint`
 * property, or else the customer's last touchpoint before answering; its channel is the touchpoint's
 * channel in the catalog, else the channel the answer arrived through. Out-of-range answers (stored
 * before validation existed) are not counted.
 */
export async function feedback(
  wh: Warehouse,
  catalog: Catalog,
  options: FeedbackOptions,
): Promise<FeedbackReport> {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const d = b.dialect;
  const where = [...scopeConditions(b, options), `event = ${b.param(SURVEY_RESPONDED)}`];
  const valid = Object.entries(SURVEY_METRICS)
    .map(([m, r]) => `(metric = '${m}' AND score BETWEEN ${r.min} AND ${r.max})`)
    .join(" OR ");
  const sql = `
    WITH answers AS (
      SELECT customer_id, ts, ${d.toEpochMs("ts")} AS ms, channel,
             ${d.jsonText("properties", "metric")} AS metric,
             TRY_CAST(${d.jsonText("properties", "score")} AS DOUBLE) AS score,
             ${d.jsonText("properties", "comment")} AS comment,
             ${d.jsonText("properties", "survey_id")} AS survey_id,
             coalesce(${d.jsonText("properties", "language")}, ${d.jsonText("context", "locale")}) AS locale,
             ${d.jsonText("properties", "touchpoint")} AS rated
      FROM customer_events WHERE ${where.join(" AND ")}
    ),
    unrated AS (SELECT * FROM answers WHERE rated IS NULL AND (${valid})),
    touches AS (
      SELECT customer_id, ts, code FROM (
        SELECT customer_id, ts, event, ${compiled.touchpointCode(b)} AS code FROM customer_events
        WHERE NOT is_bot AND customer_id IN (SELECT customer_id FROM unrated))
      WHERE code IS NOT NULL AND event <> ${b.param(SURVEY_RESPONDED)}
    )
    SELECT customer_id, ms, channel, metric, score, comment, survey_id, rated AS touchpoint, locale
    FROM answers WHERE rated IS NOT NULL AND (${valid})
    UNION ALL
    SELECT u.customer_id, u.ms, u.channel, u.metric, u.score, u.comment, u.survey_id,
           ${b.param([...compiled.touchpointIds])}[t.code] AS touchpoint, u.locale
    FROM unrated u ASOF LEFT JOIN touches t ON u.customer_id = t.customer_id AND u.ts > t.ts`;
  const answers = await wh.query<Answer>(sql, b.params);
  // Scoring costs ~1 ms a comment (the word list is copied and fuzzy-searched per call) and answers repeat
  // ("Great service"), so each distinct comment and language is scored once per report.
  const scored = new Map<string, CommentSentiment>();
  for (const a of answers) {
    if (!a.comment?.trim()) {
      a.sentiment = null;
      continue;
    }
    const key = `${a.locale ?? ""}\u0000${a.comment}`;
    if (!scored.has(key)) scored.set(key, commentSentiment(a.comment, a.locale));
    a.sentiment = scored.get(key)!;
  }

  const byId = new Map(catalog.touchpoints.map((t) => [t.id, t]));
  const stageName = new Map(catalog.stages.map((s) => [s.id, s.name]));
  const channelOf = (a: Answer) => (a.touchpoint ? byId.get(a.touchpoint)?.channel : null) ?? a.channel;
  const keyOf = (a: Answer): { key: string; name: string } => {
    const tp = a.touchpoint ? byId.get(a.touchpoint) : undefined;
    if (options.by === "touchpoint")
      return { key: a.touchpoint ?? "(none)", name: tp?.name ?? a.touchpoint ?? "no touchpoint" };
    if (options.by === "stage") {
      const stage = tp?.stage ?? "(none)";
      return { key: stage, name: stageName.get(stage) ?? "no stage" };
    }
    return { key: channelOf(a), name: channelOf(a) };
  };
  const periodOf = (ms: number) => {
    const date = new Date(ms);
    if (options.period === "month") return date.toISOString().slice(0, 7);
    // ISO weeks start on Monday: label a week by its Monday.
    const monday = new Date(ms - ((date.getUTCDay() + 6) % 7) * 86_400_000);
    return monday.toISOString().slice(0, 10);
  };

  const groups = new Map<string, { name: string; answers: Answer[] }>();
  for (const a of answers) {
    const { key, name } = keyOf(a);
    const g = groups.get(key) ?? { name, answers: [] };
    groups.set(key, g);
    g.answers.push(a);
  }
  const trend = (list: Answer[]) => {
    const byPeriod = new Map<string, Answer[]>();
    for (const a of list) {
      const p = periodOf(a.ms);
      const bucket = byPeriod.get(p) ?? [];
      byPeriod.set(p, bucket);
      bucket.push(a);
    }
    return [...byPeriod.keys()].sort().map((period) => ({ period, ...scores(byPeriod.get(period)!) }));
  };

  return {
    from: options.from,
    to: options.to,
    by: options.by,
    period: options.period,
    overall: scores(answers),
    groups: [...groups.entries()]
      .map(([key, g]) => ({ key, name: g.name, ...scores(g.answers), trend: trend(g.answers) }))
      .sort((x, y) => y.responses - x.responses || (x.key < y.key ? -1 : 1)),
    trend: trend(answers),
    consistency: consistency(
      answers.map((a) => ({
        customer: a.customer_id,
        channel: channelOf(a),
        touchpoint: a.touchpoint,
        metric: a.metric,
        score: a.score,
      })),
    ),
    detractors: answers
      .filter((a) => isDetractor(a.metric, a.score))
      .sort((x, y) => y.ms - x.ms || (x.customer_id < y.customer_id ? -1 : 1))
      .slice(0, options.detractors)
      .map((a) => ({
        customerId: a.customer_id,
        time: a.ms,
        touchpoint: a.touchpoint,
        metric: a.metric,
        score: a.score,
        comment: a.comment,
        sentiment: a.sentiment?.score ?? null,
        surveyId: a.survey_id,
      })),
  };
}

function scores(answers: readonly Answer[]): FeedbackScores {
  const of = (metric: string) => answers.filter((a) => a.metric === metric).map((a) => a.score);
  const interval = (s: Score | null) => (s && s.low !== null && s.high !== null ? [s.low, s.high] : null);
  const n = nps(of("nps"));
  const c = csat(of("csat"));
  const e = ces(of("ces"));
  return {
    responses: answers.length,
    nps: n?.value ?? null,
    csat: c?.value ?? null,
    ces: e?.value ?? null,
    npsResponses: n?.n ?? 0,
    csatResponses: c?.n ?? 0,
    cesResponses: e?.n ?? 0,
    npsInterval: interval(n),
    csatInterval: interval(c),
    cesInterval: interval(e),
    ...commentsOf(answers),
  };
}

function commentsOf(answers: readonly Answer[]) {
  const scored = answers.filter((a) => a.sentiment);
  const negative = scored.filter((a) => a.sentiment!.negative);
  const words = new Map<string, number>();
  for (const a of negative)
    for (const w of new Set(a.sentiment!.negativeWords)) words.set(w, (words.get(w) ?? 0) + 1);
  return {
    comments: scored.length,
    negativeShare: scored.length ? negative.length / scored.length : null,
    negativeWords: [...words.entries()]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, 10)
      .map(([word, count]) => ({ word, count })),
  };
}
