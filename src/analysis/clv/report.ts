import { type Static, type TProperties, Type } from "@sinclair/typebox";

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);

export const ClvCustomer = Type.Object({
  customerId: Type.String(),
  frequency: Type.Integer({ description: "repeat purchases (purchase days − 1)" }),
  recency: Type.Number({ description: "first to last purchase, in the report's unit" }),
  T: Type.Number({ description: "first purchase to the end of the calibration period, in the unit" }),
  monetary: Type.Number({ description: "mean value of the repeat purchases" }),
  expectedPurchases: Type.Number({ description: "expected purchases over the horizon" }),
  pAlive: Type.Number(),
  expectedSpend: Type.Number({ description: "expected value per future purchase (Gamma-Gamma)" }),
  clv: Type.Number(),
  segment: Type.String({ description: "RFM segment" }),
});

const Histogram = <E extends TProperties>(what: string, upper: string, extra: E) =>
  Type.Object({
    ...extra,
    bins: Type.Array(
      Type.Object({
        lower: Type.Number({ description: "lower edge, included" }),
        upper: Type.Number({ description: "upper edge, excluded but in the last bin" }),
        customers: Type.Integer(),
      }),
      { description: `equal-width bins of ${what} on [0, ${upper}]` },
    ),
    customers: Type.Integer({ description: "customers counted: all those of the analysis" }),
    tail: Type.Integer({ description: "customers above the last bin's upper edge, counted in the last bin" }),
    max: NullableNum,
  });

export const ClvDistribution = Type.Object(
  {
    clv: Histogram("CLV", "the 99th percentile (the largest CLV if that is 0)", {
      quantile: Type.Number({ description: "the quantile at the last bin's upper edge: 0.99" }),
    }),
    pAlive: Histogram("P(alive)", "1", {}),
  },
  { description: "histograms over every customer of the analysis, whatever `limit` lists" },
);

export const ClvReport = Type.Object({
  source: Type.Union([Type.Literal("warehouse"), Type.Literal("file")]),
  unit: Type.Union([Type.Literal("day"), Type.Literal("week")]),
  model: Type.Union([Type.Literal("bgnbd"), Type.Literal("pareto_nbd")]),
  horizon: Type.Number({ description: "horizon of expectedPurchases, in the unit" }),
  months: Type.Integer(),
  discount: Type.Number({ description: "monthly discount rate" }),
  currency: Type.Union([Type.String(), Type.Null()]),
  calibrationEnd: Type.Union([
    Type.Number({ description: "epoch ms of the last calibration day" }),
    Type.Null(),
  ]),
  bgnbd: Type.Object({ r: Num, alpha: Num, a: Num, b: Num, logLikelihood: Num }),
  paretoNbd: Type.Union([
    Type.Object({ r: Num, alpha: Num, s: Num, beta: Num, logLikelihood: Num }),
    Type.Null(),
  ]),
  gammaGamma: Type.Object({ p: Num, q: Num, gamma: Num, logLikelihood: Num, customers: Type.Integer() }),
  totals: Type.Object({
    customers: Type.Integer(),
    repeatCustomers: Type.Integer(),
    expectedPurchases: Num,
    clv: Num,
  }),
  segments: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      customers: Type.Integer(),
      meanClv: NullableNum,
    }),
  ),
  holdout: Type.Union([
    Type.Object({
      start: Num,
      end: Num,
      customers: Type.Integer(),
      totalPredicted: Num,
      totalActual: Num,
      meanAbsoluteError: Num,
      buckets: Type.Array(
        Type.Object({
          bucket: Type.String(),
          customers: Type.Integer(),
          meanPredicted: NullableNum,
          meanActual: NullableNum,
        }),
      ),
    }),
    Type.Null(),
  ]),
  distribution: ClvDistribution,
  customers: Type.Array(ClvCustomer, { description: "highest CLV first, at most `limit`" }),
});

export type ClvCustomer = Static<typeof ClvCustomer>;
export type ClvDistribution = Static<typeof ClvDistribution>;
export type ClvReport = Static<typeof ClvReport>;
