import { type Static, Type } from "@sinclair/typebox";

const Interval = Type.Union([Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), Type.Null()]);

export const FeedbackScores = Type.Object({
  responses: Type.Integer(),
  nps: Type.Union([Type.Number(), Type.Null()]),
  csat: Type.Union([Type.Number({ description: "% of CSAT answers 4–5" }), Type.Null()]),
  ces: Type.Union([Type.Number({ description: "mean ease, 1–7 (7: it was very easy)" }), Type.Null()]),
  npsResponses: Type.Integer(),
  csatResponses: Type.Integer(),
  cesResponses: Type.Integer(),
  npsInterval: Interval,
  csatInterval: Interval,
  cesInterval: Interval,
  comments: Type.Integer({ description: "answers with a comment" }),
  negativeShare: Type.Union([
    Type.Number({ description: "share of comments with negative sentiment" }),
    Type.Null(),
  ]),
  negativeWords: Type.Array(Type.Object({ word: Type.String(), count: Type.Integer() }), {
    description: "the words that recur in negative comments, most frequent first (at most 10)",
  }),
});

export const FeedbackReport = Type.Object({
  from: Type.Union([Type.Number(), Type.Null()]),
  to: Type.Union([Type.Number(), Type.Null()]),
  by: Type.Union([Type.Literal("touchpoint"), Type.Literal("channel"), Type.Literal("stage")]),
  period: Type.Union([Type.Literal("week"), Type.Literal("month")]),
  overall: FeedbackScores,
  groups: Type.Array(
    Type.Intersect([
      Type.Object({ key: Type.String(), name: Type.String() }),
      FeedbackScores,
      Type.Object({
        trend: Type.Array(Type.Intersect([Type.Object({ period: Type.String() }), FeedbackScores])),
      }),
    ]),
  ),
  trend: Type.Array(Type.Intersect([Type.Object({ period: Type.String() }), FeedbackScores])),
  consistency: Type.Object(
    {
      index: Type.Union([Type.Number(), Type.Null()]),
      customers: Type.Integer({ description: "customers who answered about two or more channels" }),
      channels: Type.Array(
        Type.Object({ channel: Type.String(), satisfaction: Type.Number(), responses: Type.Integer() }),
      ),
      breakers: Type.Array(
        Type.Object({ touchpoint: Type.String(), deficit: Type.Number(), customers: Type.Integer() }),
      ),
    },
    { description: "how much satisfaction varies across the channels a customer used (docs/metrics.md)" },
  ),
  detractors: Type.Array(
    Type.Object({
      customerId: Type.String(),
      time: Type.Number({ description: "epoch ms" }),
      touchpoint: Type.Union([Type.String(), Type.Null()]),
      metric: Type.String(),
      score: Type.Number(),
      comment: Type.Union([Type.String(), Type.Null()]),
      sentiment: Type.Union([Type.Number({ description: "AFINN score of the comment" }), Type.Null()]),
      surveyId: Type.Union([Type.String(), Type.Null()]),
    }),
    { description: "most recent first: NPS 0–6, CSAT 1–2, CES 1–2" },
  ),
});

export type FeedbackScores = Static<typeof FeedbackScores>;
export type FeedbackReport = Static<typeof FeedbackReport>;
