import { type Static, Type } from "@sinclair/typebox";

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const Satisfaction = Type.Object({
  responses: Type.Integer(),
  /** % of CSAT answers that are 4 or 5. */
  csat: Nullable(Type.Number()),
  /** Mean CSAT score, 1–5 (what a catalog `target.csat` is compared with). */
  csatMean: Nullable(Type.Number()),
  nps: Nullable(Type.Number()),
  ces: Nullable(Type.Number()),
});

export const TouchpointStats = Type.Object({
  id: Type.String(),
  name: Type.String(),
  stage: Type.String(),
  channel: Type.Union([Type.String(), Type.Null()]),
  owner: Type.Union([Type.String(), Type.Null()]),
  customers: Type.Integer({ description: "customers who reached the touchpoint" }),
  events: Type.Integer(),
  conversionRate: Nullable(
    Type.Number({ description: "share of reached customers who converted afterwards" }),
  ),
  shareOfConverters: Nullable(
    Type.Number({ description: "share of converting customers who passed through it first" }),
  ),
  dropOff: Nullable(
    Type.Number({ description: "share of reached customers whose journey ended here unconverted" }),
  ),
  droppedCustomers: Type.Integer(),
  medianSecondsToNext: Nullable(Type.Number()),
  medianSecondsToConversion: Nullable(Type.Number()),
  satisfaction: Satisfaction,
  attributedConversions: Type.Number(),
  attributedRevenue: Type.Number(),
  target: Type.Object({
    csat: Type.Optional(Type.Number()),
    nps: Type.Optional(Type.Number()),
    ces: Type.Optional(Type.Number()),
    dropOff: Type.Optional(Type.Number()),
    conversion: Type.Optional(Type.Number()),
  }),
});

export const JourneyMapReport = Type.Object({
  from: Nullable(Type.Number({ description: "epoch ms, inclusive" })),
  to: Nullable(Type.Number({ description: "epoch ms, exclusive" })),
  currency: Type.Union([Type.String(), Type.Null()]),
  attribution: Type.Object({
    model: Type.Literal("markov"),
    order: Type.Integer(),
    lookbackDays: Type.Number(),
  }),
  totals: Type.Object({
    customers: Type.Integer(),
    converters: Type.Integer(),
    conversions: Type.Integer(),
    revenue: Type.Number(),
    unattributedConversions: Type.Number(),
  }),
  stages: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), touchpoints: Type.Array(TouchpointStats) }),
  ),
});

export type TouchpointStats = Static<typeof TouchpointStats>;
export type JourneyMapReport = Static<typeof JourneyMapReport>;
