import { type Static, Type } from "@sinclair/typebox";

const Rate = Type.Union([Type.Number(), Type.Null()]);
const Seconds = Type.Union([Type.Number(), Type.Null()]);

export const FunnelStepStats = Type.Object({
  name: Type.String({ description: "the step as written (in any order: `k of n steps`)" }),
  optional: Type.Boolean(),
  customers: Type.Integer({ description: "customers who reached the step" }),
  conversionFromPrevious: Type.Union([Rate], {
    description: "customers over those of the previous step (before an optional step: the one before it)",
  }),
  conversionFromFirst: Rate,
  dropOff: Type.Integer({ description: "customers of the previous step who did not reach this one" }),
  dropOffRate: Type.Number(),
  medianSecondsFromPrevious: Type.Union([Seconds], {
    description: "median time from the previous step done, over the customers' deepest chains",
  }),
  p90SecondsFromPrevious: Seconds,
});

export const FunnelBreakdown = Type.Object({
  by: Type.String(),
  values: Type.Array(
    Type.Object({
      value: Type.String({ description: "the value at the customer's first step; (none) when missing" }),
      steps: Type.Array(FunnelStepStats),
    }),
  ),
});

export const FunnelReport = Type.Object({
  order: Type.Union([Type.Literal("ordered"), Type.Literal("strict"), Type.Literal("any")]),
  windowSeconds: Type.Number(),
  steps: Type.Array(FunnelStepStats),
  exclude: Type.Array(Type.String()),
  breakdown: Type.Union([FunnelBreakdown, Type.Null()]),
});

export type FunnelStepStats = Static<typeof FunnelStepStats>;
export type FunnelBreakdown = Static<typeof FunnelBreakdown>;
export type FunnelReport = Static<typeof FunnelReport>;
