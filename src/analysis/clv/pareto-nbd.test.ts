import assert from "node:assert/strict";
import { test } from "node:test";
import { cdnowSummary } from "./cdnow-fixture.js";
import { ModelError } from "./errors.js";
import {
  conditionalExpectedPurchases,
  expectedPurchases,
  fitParetoNbd,
  logLikelihood,
  probabilityAlive,
  totalLogLikelihood,
} from "./pareto-nbd.js";

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );

const rows = cdnowSummary();
const published = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

test("Pareto/NBD fit on CDNOW matches Fader, Hardie & Lee (2005)", () => {
  const fit = fitParetoNbd(rows);
  near(fit.r, 0.553, 0.0005, "r");
  near(fit.alpha, 10.578, 0.005, "alpha");
  near(fit.s, 0.606, 0.0005, "s");
  // The likelihood is flat along s/β: published 11.669, BTYD 11.656.
  near(fit.beta, 11.669, 0.005, "beta");
  near(fit.logLikelihood, -9595.0, 0.05, "log-likelihood");
  const atPublished = totalLogLikelihood(published, rows);
  assert.ok(atPublished < fit.logLikelihood && atPublished > fit.logLikelihood - 0.01);
});

test("Pareto/NBD conditional expectation of the BTYD walkthrough customer", () => {
  // x = 26, t_x = 30.86, T = 31: 25.46 purchases expected in the next 52 weeks.
  near(conditionalExpectedPurchases(published, 52, 26, 30.86, 31), 25.46, 0.005, "E[Y(52)]");
});

test("Pareto/NBD likelihood is continuous across α = β and s = 1", () => {
  const p = { r: 0.5, alpha: 10, s: 0.7, beta: 10 };
  for (const [x, tx, T] of [
    [0, 0, 30],
    [3, 12.5, 30],
    [20, 29, 30],
  ] as const) {
    const at = logLikelihood(p, x, tx, T);
    near(logLikelihood({ ...p, beta: 10 * (1 + 1e-9) }, x, tx, T), at, 1e-7, "α < β");
    near(logLikelihood({ ...p, alpha: 10 * (1 + 1e-9) }, x, tx, T), at, 1e-7, "α > β");
  }
  const s1 = { ...published, s: 1 };
  near(
    expectedPurchases(s1, 39),
    (expectedPurchases({ ...s1, s: 1 - 1e-6 }, 39) + expectedPurchases({ ...s1, s: 1 + 1e-6 }, 39)) / 2,
    1e-9,
    "s = 1",
  );
  // Nobody stays certainly alive: unlike BG/NBD, a non-repeater may have left.
  const alive = probabilityAlive(published, 0, 0, 38.86);
  assert.ok(alive > 0 && alive < 1);
  near(
    conditionalExpectedPurchases(published, 52, 0, 0, 0),
    expectedPurchases(published, 52),
    1e-12,
    "T = 0",
  );
});

test("Pareto/NBD refuses data that cannot identify it", () => {
  assert.throws(() => fitParetoNbd([]), ModelError);
  assert.throws(() => fitParetoNbd([{ frequency: 0, recency: 0, T: 10 }]), ModelError);
  const noDropOut = [
    { frequency: 1, recency: 5, T: 5 },
    { frequency: 2, recency: 8, T: 8 },
    { frequency: 0, recency: 0, T: 3 },
  ];
  assert.throws(
    () => fitParetoNbd(noDropOut),
    (e: unknown) => e instanceof ModelError && /cannot identify the model.*s → 0/.test(e.message),
  );
});
