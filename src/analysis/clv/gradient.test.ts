import assert from "node:assert/strict";
import { test } from "node:test";
import * as bgnbd from "./bgnbd.js";
import { cdnowSummary } from "./cdnow-fixture.js";
import * as gammaGamma from "./gamma-gamma.js";
import * as paretoNbd from "./pareto-nbd.js";

const rows = cdnowSummary();

/**
 * At a maximum of the likelihood every partial derivative is 0: a central difference in each
 * parameter's logarithm, scaled by the likelihood, must vanish. A fit stopped short, or a likelihood
 * whose terms disagree with the fitted one, fails this.
 */
function assertStationary(
  names: string[],
  fitted: number[],
  logLikelihood: (p: number[]) => number,
  what: string,
) {
  const h = 1e-5;
  const scale = Math.abs(logLikelihood(fitted));
  names.forEach((name, i) => {
    const at = (factor: number) => logLikelihood(fitted.map((v, k) => (k === i ? v * factor : v)));
    const slope = (at(Math.exp(h)) - at(Math.exp(-h))) / (2 * h);
    assert.ok(Math.abs(slope) / scale < 1e-5, `${what}: ∂LL/∂ln ${name} = ${slope} at the fit`);
  });
  // …and it is a maximum, not a saddle: moving any parameter by 1 % lowers the likelihood.
  names.forEach((name, i) => {
    for (const factor of [0.99, 1.01]) {
      const moved = fitted.map((v, k) => (k === i ? v * factor : v));
      assert.ok(logLikelihood(moved) < logLikelihood(fitted), `${what}: ${name} × ${factor} raises LL`);
    }
  });
}

test("gradient check: the BG/NBD fit is a maximum of its likelihood", () => {
  const f = bgnbd.fitBgNbd(rows);
  assertStationary(
    ["r", "alpha", "a", "b"],
    [f.r, f.alpha, f.a, f.b],
    ([r, alpha, a, b]) => bgnbd.totalLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, rows),
    "BG/NBD",
  );
});

test("gradient check: the Pareto/NBD fit is a maximum of its likelihood", () => {
  const f = paretoNbd.fitParetoNbd(rows);
  assertStationary(
    ["r", "alpha", "s", "beta"],
    [f.r, f.alpha, f.s, f.beta],
    ([r, alpha, s, beta]) => paretoNbd.totalLogLikelihood({ r: r!, alpha: alpha!, s: s!, beta: beta! }, rows),
    "Pareto/NBD",
  );
});

test("gradient check: the Gamma-Gamma fit is a maximum of its likelihood", () => {
  const f = gammaGamma.fitGammaGamma(rows);
  assertStationary(
    ["p", "q", "gamma"],
    [f.p, f.q, f.gamma],
    ([p, q, gamma]) => gammaGamma.totalLogLikelihood({ p: p!, q: q!, gamma: gamma! }, rows),
    "Gamma-Gamma",
  );
  assert.ok(Math.abs(gammaGamma.totalLogLikelihood(f, rows) - f.logLikelihood) < 1e-6, "fit and total agree");
});
