import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SURVEY_RESPONDED } from "../../feedback/response.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { dataCurrency } from "../scope.js";
import type { CustomerProfile, CustomerSearch } from "./report.js";

export class UnknownCustomerError extends Error {}

/** Properties worth showing on a timeline, when the event has them. */
const KEY_PROPERTIES = [
  "order_id",
  "revenue",
  "total",
  "currency",
  "product_id",
  "name",
  "category",
  "template",
  "topic",
  "survey_id",
  "metric",
  "score",
  "comment",
  "touchpoint",
  "url",
  "title",
];

/** Every id merged into the customer, from the customer map and their events. */
export async function idsOf(wh: Warehouse, customerId: string): Promise<{ kind: string; id: string }[]> {
  return wh.query<{ kind: string; id: string }>(
    `SELECT kind, id FROM customer_map WHERE customer_id = $1
     UNION SELECT 'user', user_id FROM customer_events WHERE customer_id = $1 AND user_id IS NOT NULL
     UNION SELECT 'anonymous', anonymous_id FROM customer_events WHERE customer_id = $1 AND anonymous_id IS NOT NULL
     UNION SELECT 'user', $1 WHERE EXISTS (SELECT 1 FROM events WHERE user_id = $1)
     ORDER BY 1 DESC, 2`,
    [customerId],
  );
}

type EventRow = {
  ms: number;
  event: string;
  type: string;
  channel: string;
  source: string;
  properties: string | null;
  traits: string | null;
  touchpoint: string | null;
  goal: string | null;
  value: number | null;
};

const parse = (json: string | null): Record<string, unknown> => {
  try {
    const v = json ? JSON.parse(json) : {};
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
};

/**
 * One customer's profile: every id merged into them, their latest traits, first and last seen, the
 * channels they used, the timeline of their events classified by the catalog (most recent first), the
 * feedback they gave, and their lifetime value as of the last saved `report clv`.
 */
export async function customerProfile(
  wh: Warehouse,
  catalog: Catalog,
  customerId: string,
  options: { limit: number },
): Promise<CustomerProfile> {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const id = b.param(customerId);
  const rows = await wh.query<EventRow>(
    `SELECT ${wh.dialect.toEpochMs("ts")} AS ms, event, type, channel, source,
            properties::VARCHAR AS properties, traits::VARCHAR AS traits,
            ${compiled.touchpoint(b)} AS touchpoint, ${compiled.goal(b)} AS goal, ${compiled.goalValue(b)} AS value
     FROM customer_events WHERE customer_id = ${id} AND NOT is_bot ORDER BY ts, message_id`,
    b.params,
  );
  const ids = await idsOf(wh, customerId);
  if (rows.length === 0 && ids.length === 0) throw new UnknownCustomerError(`no customer "${customerId}"`);

  const stageOf = new Map(catalog.touchpoints.map((t) => [t.id, t.stage]));
  const traits: Record<string, unknown> = {};
  const channels = new Map<string, number>();
  const feedback: CustomerProfile["feedback"] = [];
  let conversions = 0;
  let revenue = 0;
  const timeline = rows.map((r) => {
    const properties = parse(r.properties);
    if (r.type === "identify") Object.assign(traits, parse(r.traits));
    channels.set(r.channel, (channels.get(r.channel) ?? 0) + 1);
    if (r.goal) {
      conversions++;
      revenue += r.value ?? 0;
    }
    if (r.event === SURVEY_RESPONDED)
      feedback.push({
        time: r.ms,
        surveyId: typeof properties.survey_id === "string" ? properties.survey_id : null,
        metric: String(properties.metric),
        score: Number(properties.score),
        comment: typeof properties.comment === "string" ? properties.comment : null,
        touchpoint: typeof properties.touchpoint === "string" ? properties.touchpoint : r.touchpoint,
      });
    const key = Object.fromEntries(
      KEY_PROPERTIES.filter((k) => k in properties).map((k) => [k, properties[k]]),
    );
    return {
      time: r.ms,
      event: r.event,
      type: r.type,
      channel: r.channel,
      source: r.source,
      touchpoint: r.touchpoint,
      stage: r.touchpoint ? (stageOf.get(r.touchpoint) ?? null) : null,
      goal: r.goal,
      value: r.goal ? (r.value ?? 0) : null,
      properties: key,
    };
  });
  const [score] = await wh.query<{
    frequency: number;
    recency: number;
    t: number;
    unit: string;
    expected_purchases: number;
    p_alive: number;
    expected_spend: number;
    clv: number;
    segment: string | null;
    fitted_at: number;
  }>(
    `SELECT frequency, recency, t, unit, expected_purchases, p_alive, expected_spend, clv, segment,
            ${wh.dialect.toEpochMs("fitted_at")} AS fitted_at
     FROM customer_scores WHERE customer_id = $1`,
    [customerId],
  );
  return {
    customerId,
    ids,
    traits,
    firstSeen: rows[0]?.ms ?? null,
    lastSeen: rows.at(-1)?.ms ?? null,
    events: rows.length,
    channels: [...channels.entries()]
      .map(([channel, events]) => ({ channel, events }))
      .sort((a, b) => b.events - a.events || (a.channel < b.channel ? -1 : 1)),
    conversions,
    revenue,
    currency: await dataCurrency(wh, catalog),
    timeline: timeline.reverse().slice(0, options.limit),
    feedback: feedback.reverse(),
    lifetimeValue: score
      ? {
          frequency: score.frequency,
          recency: score.recency,
          T: score.t,
          unit: score.unit,
          expectedPurchases: score.expected_purchases,
          pAlive: score.p_alive,
          expectedSpend: score.expected_spend,
          clv: score.clv,
          segment: score.segment,
          fittedAt: score.fitted_at,
        }
      : null,
  };
}

/**
 * Customers whose id, user id or anonymous id starts with the query, or whose email or another
 * identified trait equals it (case-insensitive), most recently seen first.
 */
export async function searchCustomers(wh: Warehouse, query: string, limit = 20): Promise<CustomerSearch> {
  const q = query.trim();
  if (!q) return { query, customers: [] };
  const rows = await wh.query<{
    customer_id: string;
    matched: string;
    email: string | null;
    name: string | null;
    last_seen: number | null;
  }>(
    `WITH hits AS (
       SELECT customer_id,
              CASE WHEN starts_with(lower(customer_id), lower($1)) THEN 'customer id' ELSE kind || ' id' END AS matched
       FROM customer_map WHERE starts_with(lower(id), lower($1)) OR starts_with(lower(customer_id), lower($1))
       UNION
       SELECT customer_id, 'customer id' FROM customer_events
       WHERE type = 'identify' AND starts_with(lower(customer_id), lower($1))
       UNION
       SELECT customer_id, CASE WHEN lower(json_extract_string(traits, '$.email')) = lower($1) THEN 'email' ELSE 'trait' END
       FROM customer_events
       WHERE type = 'identify' AND (lower(json_extract_string(traits, '$.email')) = lower($1)
         OR list_contains(list_transform(json_keys(traits), k -> lower(json_extract_string(traits, '$."' || k || '"'))), lower($1)))
     ),
     ranked AS (SELECT customer_id, min(matched) AS matched FROM hits GROUP BY customer_id),
     profile AS (
       SELECT customer_id, max(ts) AS last_seen,
              arg_max(json_extract_string(traits, '$.email'), ts) FILTER (WHERE type = 'identify') AS email,
              arg_max(json_extract_string(traits, '$.name'), ts) FILTER (WHERE type = 'identify') AS name
       FROM customer_events WHERE customer_id IN (SELECT customer_id FROM ranked) GROUP BY customer_id
     )
     SELECT r.customer_id, r.matched, p.email, p.name, ${wh.dialect.toEpochMs("p.last_seen")} AS last_seen
     FROM ranked r LEFT JOIN profile p USING (customer_id)
     ORDER BY p.last_seen DESC NULLS LAST, r.customer_id LIMIT ${Math.max(1, Math.min(100, Math.floor(limit)))}`,
    [q],
  );
  return {
    query,
    customers: rows.map((r) => ({
      customerId: r.customer_id,
      email: r.email,
      name: r.name,
      lastSeen: r.last_seen,
      matched: r.matched,
    })),
  };
}
