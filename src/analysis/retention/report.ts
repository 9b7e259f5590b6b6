import { type Static, Type } from "@sinclair/typebox";

export const RetentionCell = Type.Object({
  offset: Type.Integer({ description: "periods after the cohort's period (0: the cohort's own period)" }),
  customers: Type.Integer({ description: "customers of the cohort active in that period" }),
  share: Type.Number({ description: "customers over the cohort's size" }),
  complete: Type.Boolean({
    description:
      "false when the period has not ended by the end of the data (or --to): the count is partial, not a drop",
  }),
});

export const RetentionCohort = Type.Object({
  start: Type.String({ description: "first day of the cohort's period, YYYY-MM-DD" }),
  customers: Type.Integer({ description: "cohort size" }),
  retention: Type.Array(RetentionCell, { description: "offsets 0..periods" }),
});

export const RetentionOverall = Type.Object({
  offset: Type.Integer(),
  customers: Type.Integer({
    description: "active customers, summed over the cohorts whose cell is complete",
  }),
  share: Type.Union([Type.Number(), Type.Null()], {
    description: "customer-weighted average over the complete cells: customers / cohortCustomers",
  }),
  cohorts: Type.Integer({ description: "cohorts whose cell at this offset is complete" }),
  cohortCustomers: Type.Integer({ description: "the sizes of those cohorts, summed" }),
});

export const LifecyclePeriod = Type.Object({
  start: Type.String({ description: "first day of the period, YYYY-MM-DD" }),
  new: Type.Integer({ description: "active this period for the first time ever" }),
  returning: Type.Integer({ description: "active this period and the previous one" }),
  resurrected: Type.Integer({
    description: "active this period, not the previous one, but some time before",
  }),
  dormant: Type.Integer({
    description:
      "active the previous period, not this one; a positive count (PostHog charts it as a negative number)",
  }),
  active: Type.Integer({ description: "new + returning + resurrected" }),
  complete: Type.Boolean({ description: "false when the period has not ended by the end of the data" }),
});

export const RetentionReport = Type.Object({
  from: Type.Union([Type.Number(), Type.Null()], {
    description: "epoch ms; cohorts starting at or after it",
  }),
  to: Type.Union([Type.Number(), Type.Null()], { description: "epoch ms, exclusive" }),
  cohort: Type.Union([Type.Literal("first_seen"), Type.Literal("first_goal")]),
  period: Type.Union([Type.Literal("week"), Type.Literal("month")]),
  periods: Type.Integer({ description: "the last offset shown" }),
  returnOn: Type.String({ description: "what counts as active: any, goal, touchpoint:ID or event:NAME" }),
  end: Type.Union([Type.Number(), Type.Null()], {
    description:
      "epoch ms up to which activity is observed: --to, or just after the last event; periods ending later are incomplete",
  }),
  cohorts: Type.Array(RetentionCohort),
  overall: Type.Array(RetentionOverall),
  lifecycle: Type.Array(LifecyclePeriod),
});

export type RetentionCell = Static<typeof RetentionCell>;
export type RetentionCohort = Static<typeof RetentionCohort>;
export type RetentionOverall = Static<typeof RetentionOverall>;
export type LifecyclePeriod = Static<typeof LifecyclePeriod>;
export type RetentionReport = Static<typeof RetentionReport>;
