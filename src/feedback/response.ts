/**
 * The contract of a survey answer: a `Survey Responded` track event whose properties carry `metric`,
 * `score`, and optionally `survey_id`, `comment` and `touchpoint` (the id of the touchpoint rated).
 */
export const SURVEY_RESPONDED = "Survey Responded";

/** Valid scores per metric (whole numbers, inclusive). */
export const SURVEY_METRICS = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
} as const;
export type SurveyMetric = keyof typeof SURVEY_METRICS;

/** Why an answer cannot be counted, naming the property; null when it is valid. */
export function checkResponse(properties: Record<string, unknown> | undefined): {
  field: string;
  reason: string;
} | null {
  const metric = properties?.metric;
  if (typeof metric !== "string" || !(metric in SURVEY_METRICS))
    return {
      field: "properties.metric",
      reason: `properties.metric must be one of ${Object.keys(SURVEY_METRICS).join(", ")}, got ${JSON.stringify(metric ?? null)}`,
    };
  const { min, max } = SURVEY_METRICS[metric as SurveyMetric];
  const score = typeof properties!.score === "string" ? Number(properties!.score) : properties!.score;
  if (typeof score !== "number" || !Number.isInteger(score) || score < min || score > max)
    return {
      field: "properties.score",
      reason: `properties.score of a ${metric} answer must be a whole number from ${min} to ${max}, got ${JSON.stringify(properties!.score ?? null)}`,
    };
  for (const field of ["comment", "touchpoint", "survey_id"] as const) {
    const v = properties![field];
    if (v !== undefined && v !== null && typeof v !== "string")
      return { field: `properties.${field}`, reason: `properties.${field} must be a string` };
  }
  return null;
}
