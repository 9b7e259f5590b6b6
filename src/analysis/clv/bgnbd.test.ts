import assert from "node:assert/strict";
import { test } from "node:test";
import {
  conditionalExpectedPurchases,
  expectedPurchases,
  fitBgNbd,
  probabilityAlive,
  totalLogLikelihood,
} from "./bgnbd.js";
import { cdnowSummary } from "./cdnow-fixture.js";
import { ModelError } from "./errors.js";

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );

const rows = cdnowSummary();
const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

test("BG/NBD fit on CDNOW matches Fader, Hardie & Lee (2005)", () => {
  const fit = fitBgNbd(rows);
  near(fit.r, 0.243, 0.0005, "r");
  near(fit.alpha, 4.414, 0.0005, "alpha");
  near(fit.a, 0.793, 0.0005, "a");
  near(fit.b, 2.426, 0.0005, "b");
  near(fit.logLikelihood, -9582.4, 0.05, "log-likelihood");
  // The published parameters are rounded, so their likelihood is a hair below the maximum.
  const atPublished = totalLogLikelihood(published, rows);
  assert.ok(atPublished < fit.logLikelihood && atPublished > fit.logLikelihood - 0.01);
});

test("BG/NBD fit is unit-free: in days α scales by 7 and the likelihood by the density's Jacobian", () => {
  const days = rows.map((row) => ({ ...row, recency: row.recency * 7, T: row.T * 7 }));
  const weeks = fitBgNbd(rows);
  const fit = fitBgNbd(days);
  near(fit.r, weeks.r, 1e-5, "r");
  near(fit.alpha / 7, weeks.alpha, 1e-4, "alpha / 7");
  near(fit.a, weeks.a, 1e-5, "a");
  near(fit.b, weeks.b, 1e-5, "b");
  // Each repeat purchase time is a density in 1/unit: −ln 7 per purchase.
  const repeats = rows.reduce((s, row) => s + row.frequency, 0);
  near(fit.logLikelihood, weeks.logLikelihood - repeats * Math.log(7), 1e-5, "log-likelihood");
});

test("BG/NBD conditional expectation of the FHL (2005) example customer", () => {
  // x = 2, t_x = 30.43, T = 38.86: 1.226 purchases expected in the next 39 weeks.
  near(conditionalExpectedPurchases(published, 39, 2, 30.43, 38.86), 1.226, 0.0005, "E[Y(39)]");
});

test("BG/NBD expectations: limits and consistency", () => {
  const p = published;
  assert.equal(probabilityAlive(p, 0, 0, 38.86), 1); // drop-out only happens right after a purchase
  assert.ok(probabilityAlive(p, 5, 2, 38.86) < probabilityAlive(p, 5, 38, 38.86));
  assert.equal(expectedPurchases(p, 0), 0);
  // A customer seen only at their first purchase is the population's average customer.
  near(conditionalExpectedPurchases(p, 52, 0, 0, 0), expectedPurchases(p, 52), 1e-12, "x = 0, T = 0");
  // E[X(t)] grows like t^(1 − a) for large t, without overflow for heavy buyers.
  assert.ok(expectedPurchases(p, 520) > expectedPurchases(p, 52));
  const heavy = conditionalExpectedPurchases(p, 52, 300, 38, 38.86);
  assert.ok(Number.isFinite(heavy) && heavy > 100, `${heavy}`);
  // a = 1 is a removable singularity.
  const at = (a: number) => expectedPurchases({ ...p, a }, 39);
  near(at(1), (at(1 - 1e-3) + at(1 + 1e-3)) / 2, 1e-6, "a = 1");
});

test("BG/NBD refuses data that cannot identify it", () => {
  assert.throws(() => fitBgNbd([]), ModelError);
  assert.throws(
    () =>
      fitBgNbd([
        { frequency: 0, recency: 0, T: 10 },
        { frequency: 0, recency: 0, T: 4 },
      ]),
    (e: unknown) => e instanceof ModelError && /no customer made a repeat purchase/.test(e.message),
  );
  assert.throws(() => fitBgNbd([{ frequency: 1, recency: 12, T: 10 }]), /row 1: needs 0 ≤ recency/);
  // Every repeat buyer bought last at T: nothing suggests anyone drops out, the fit drives a to 0.
  const noDropOut = [
    { frequency: 1, recency: 5, T: 5 },
    { frequency: 2, recency: 8, T: 8 },
    { frequency: 0, recency: 0, T: 3 },
  ];
  assert.throws(
    () => fitBgNbd(noDropOut),
    (e: unknown) => e instanceof ModelError && /cannot identify the model.*a → 0/.test(e.message),
  );
});
