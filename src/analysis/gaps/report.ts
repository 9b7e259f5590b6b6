import { type Static, Type } from "@sinclair/typebox";

export const GapEvidence = Type.Object({
  metric: Type.Union([Type.Literal("dropOff"), Type.Literal("conversionRate"), Type.Literal("csat")]),
  value: Type.Number(),
  benchmark: Type.Number(),
  comparedWith: Type.String({ description: 'the target, or "median of N stage peers"' }),
  customersAffected: Type.Number(),
  revenueAtStake: Type.Number(),
  /** Whether this evidence counts in the gap's total (drop-off and conversion overlap: the larger counts). */
  counted: Type.Boolean(),
});

export const Gap = Type.Object({
  rank: Type.Integer(),
  touchpoint: Type.String(),
  name: Type.String(),
  stage: Type.String(),
  owner: Type.Union([Type.String(), Type.Null()]),
  customers: Type.Integer(),
  revenueAtStake: Type.Number(),
  evidence: Type.Array(GapEvidence),
});

export const GapsReport = Type.Object({
  from: Type.Union([Type.Number(), Type.Null()]),
  to: Type.Union([Type.Number(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  averageConversionValue: Type.Number(),
  minCustomers: Type.Integer(),
  gaps: Type.Array(Gap),
});

export type GapEvidence = Static<typeof GapEvidence>;
export type Gap = Static<typeof Gap>;
export type GapsReport = Static<typeof GapsReport>;
