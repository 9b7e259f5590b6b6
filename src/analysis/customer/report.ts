import { type Static, Type } from "@sinclair/typebox";

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const CustomerProfile = Type.Object({
  customerId: Type.String(),
  ids: Type.Array(
    Type.Object({ kind: Type.String({ description: "user or anonymous" }), id: Type.String() }),
  ),
  traits: Type.Record(Type.String(), Type.Unknown(), {
    description: "latest value of every trait identified",
  }),
  firstSeen: Nullable(Type.Number({ description: "epoch ms" })),
  lastSeen: Nullable(Type.Number()),
  events: Type.Integer(),
  channels: Type.Array(Type.Object({ channel: Type.String(), events: Type.Integer() })),
  conversions: Type.Integer(),
  revenue: Type.Number(),
  currency: Nullable(
    Type.String({ description: "the currency of revenue, values and CLV: the data's (as every report's)" }),
  ),
  timeline: Type.Array(
    Type.Object({
      time: Type.Number(),
      event: Type.String(),
      type: Type.String(),
      channel: Type.String(),
      source: Type.String(),
      touchpoint: Nullable(Type.String()),
      stage: Nullable(Type.String()),
      goal: Nullable(Type.String()),
      value: Nullable(Type.Number()),
      properties: Type.Record(Type.String(), Type.Unknown(), { description: "the event's key properties" }),
    }),
    { description: "most recent first, at most `limit`" },
  ),
  feedback: Type.Array(
    Type.Object({
      time: Type.Number(),
      surveyId: Nullable(Type.String()),
      metric: Type.String(),
      score: Type.Number(),
      comment: Nullable(Type.String()),
      touchpoint: Nullable(Type.String()),
    }),
  ),
  lifetimeValue: Type.Union([
    Type.Object({
      frequency: Type.Integer(),
      recency: Type.Number(),
      T: Type.Number(),
      unit: Type.String(),
      expectedPurchases: Type.Number(),
      pAlive: Type.Number(),
      expectedSpend: Type.Number(),
      clv: Type.Number(),
      segment: Nullable(Type.String()),
      fittedAt: Type.Number({ description: "when the models were last fitted (report clv)" }),
    }),
    Type.Null(),
  ]),
});

export const CustomerSearch = Type.Object({
  query: Type.String(),
  customers: Type.Array(
    Type.Object({
      customerId: Type.String(),
      email: Nullable(Type.String()),
      name: Nullable(Type.String()),
      lastSeen: Nullable(Type.Number()),
      matched: Type.String({
        description: "what matched: customer id, user id, anonymous id, email or trait",
      }),
    }),
  ),
});

export type CustomerProfile = Static<typeof CustomerProfile>;
export type CustomerSearch = Static<typeof CustomerSearch>;
