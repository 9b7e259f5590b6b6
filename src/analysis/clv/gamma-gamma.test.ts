import assert from "node:assert/strict";
import { test } from "node:test";
import { cdnowSummary, cdnowTransactions, utc } from "./cdnow-fixture.js";
import { ModelError } from "./errors.js";
import { conditionalExpectedSpend, fitGammaGamma } from "./gamma-gamma.js";
import { buildSummary } from "./summary.js";

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );

// Hardie's spreadsheet for note 025: expected average spend of customers 1–10.
const SPREADSHEET = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];

test("Gamma-Gamma fit on the published CDNOW summary matches Fader & Hardie (2013)", () => {
  const fit = fitGammaGamma(cdnowSummary());
  near(fit.p, 6.25, 0.005, "p");
  near(fit.q, 3.74, 0.005, "q");
  // The published summary rounds z̄ to cents; on it γ comes out 15.448, 15.44 to 3 digits.
  near(fit.gamma, 15.44, 0.01, "gamma");
});

test("Gamma-Gamma on unrounded mean spends reproduces the note's estimates and spreadsheet", () => {
  // The note and its spreadsheet work from the transactions, where customer 1's z̄ is 22.345, not
  // the summary file's 22.35: fitted this way all three estimates and all ten spends agree to 2 decimals.
  const summary = buildSummary(cdnowTransactions(), { end: utc("1997-09-30"), unit: "week" });
  const fit = fitGammaGamma(summary);
  near(fit.p, 6.25, 0.005, "p");
  near(fit.q, 3.74, 0.005, "q");
  near(fit.gamma, 15.44, 0.005, "gamma");
  summary.slice(0, 10).forEach((c, i) => {
    near(
      conditionalExpectedSpend(fit, c.frequency, c.monetary),
      SPREADSHEET[i]!,
      0.005,
      `customer ${c.customer}`,
    );
  });
});

test("Gamma-Gamma expected spend weighs the population mean against the customer's own", () => {
  const rounded = { p: 6.25, q: 3.74, gamma: 15.44 };
  // Non-repeaters get the population mean pγ/(q − 1): 35.22 with the rounded estimates.
  near(conditionalExpectedSpend(rounded, 0, 0), 35.22, 0.005, "population mean");
  // Many purchases: close to the customer's own mean.
  near(conditionalExpectedSpend(rounded, 1000, 50), 50, 0.05, "x = 1000");
  assert.throws(() => conditionalExpectedSpend({ ...rounded, q: 0.9 }, 1, 10), ModelError);
});

test("Gamma-Gamma refuses data without repeat spend", () => {
  assert.throws(
    () =>
      fitGammaGamma([
        { frequency: 0, monetary: 0 },
        { frequency: 3, monetary: 0 },
        { frequency: 2, monetary: 10 },
      ]),
    /found 1/,
  );
  // Everybody spends exactly the same: no spread to estimate.
  const same = [1, 2, 3].map((frequency) => ({ frequency, monetary: 10 }));
  assert.throws(() => fitGammaGamma(same), /cannot identify the model/);
});
