import { type Static, Type } from "@sinclair/typebox";

export const AttributionCredit = Type.Object({
  key: Type.String({ description: "channel or touchpoint id" }),
  conversions: Type.Number(),
  value: Type.Number(),
  removalEffect: Type.Optional(Type.Number({ description: "markov: 1 − P(without the key) / P" })),
  valueRemovalEffect: Type.Optional(Type.Number({ description: "markov: the same on the expected value" })),
});

export const AttributionReport = Type.Object({
  by: Type.Union([Type.Literal("channel"), Type.Literal("touchpoint")]),
  source: Type.Union([Type.Literal("warehouse"), Type.Literal("paths")]),
  from: Type.Union([Type.Number(), Type.Null()]),
  to: Type.Union([Type.Number(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  lookbackDays: Type.Union([Type.Number(), Type.Null()]),
  halfLifeDays: Type.Union([Type.Number(), Type.Null()]),
  markovOrder: Type.Integer(),
  conversions: Type.Number({ description: "conversions with a journey: what every model distributes" }),
  value: Type.Number(),
  nulls: Type.Number({ description: "journeys that did not convert" }),
  paths: Type.Integer({ description: "distinct paths" }),
  unattributed: Type.Object(
    { conversions: Type.Number(), value: Type.Number() },
    { description: "conversions without any touch in their lookback window" },
  ),
  models: Type.Record(Type.String(), Type.Array(AttributionCredit), {
    description: "each requested model's credits, by key; every model sums to conversions and value",
  }),
  markov: Type.Union([
    Type.Object({
      order: Type.Integer(),
      states: Type.Integer(),
      conversionProbability: Type.Number(),
      valuePerJourney: Type.Number(),
    }),
    Type.Null(),
  ]),
});

export type AttributionCredit = Static<typeof AttributionCredit>;
export type AttributionReport = Static<typeof AttributionReport>;
