/**
 * Derivative-free minimisation of smooth functions of a few parameters: Nelder–Mead with restarts.
 * The likelihoods fitted here have 3–4 parameters and are cheap, so a simplex method that needs no
 * gradients is simpler and as reliable as BFGS with numeric gradients.
 */
import { ModelError } from "./errors.js";

export interface MinimizeOptions {
  /** Initial simplex edge per coordinate (default 0.5). */
  step?: number;
  /** fitPositive: start here instead of at the parameters' default starts (e.g. a subsample's fit). */
  start?: readonly number[];
  /** fitPositive: finish with Newton steps from a numeric Hessian (see newtonPolish). */
  polish?: boolean;
  /** Stop when the simplex values differ by at most fTol · max(1, |f|) (default 1e-11)… */
  fTol?: number;
  /** …and its vertices by at most this much in every coordinate (default 1e-8). */
  xTol?: number;
  /** Per run (default 20,000). */
  maxIterations?: number;
  /** Fresh simplices started at the best point, until one no longer improves it (default 20). */
  maxRestarts?: number;
  /** Checked with the best point after each run; true ends the search unconverged. */
  abandon?: (x: number[]) => boolean;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  restarts: number;
  /** False when a run hit maxIterations or the restarts kept improving. */
  converged: boolean;
}

interface Vertex {
  x: number[];
  f: number;
}

/**
 * Nelder–Mead with the dimension-adaptive coefficients of Gao & Han (2012). Non-finite values of f
 * count as +∞, so f may return NaN or ∞ outside its domain. A single simplex can stall on a ridge or
 * collapse early; restarting from the best point with a full-size simplex until a restart no longer
 * improves the value removes that failure mode.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const step = options.step ?? 0.5;
  const fTol = options.fTol ?? 1e-11;
  const xTol = options.xTol ?? 1e-8;
  // Relative: log-likelihoods of large samples are big numbers whose last digits are rounding noise.
  const fScale = (f: number) => fTol * Math.max(1, Math.abs(f));
  const maxIterations = options.maxIterations ?? 20_000;
  const maxRestarts = options.maxRestarts ?? 20;
  const n = x0.length;
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;

  let evaluations = 0;
  const evaluate = (x: number[]): Vertex => {
    evaluations++;
    const v = f(x);
    return { x, f: Number.isFinite(v) ? v : Number.POSITIVE_INFINITY };
  };

  const run = (start: Vertex): { best: Vertex; iterations: number; converged: boolean } => {
    const simplex: Vertex[] = [start];
    for (let i = 0; i < n; i++) {
      const x = [...start.x];
      x[i] = x[i]! + step;
      simplex.push(evaluate(x));
    }
    for (let it = 0; it < maxIterations; it++) {
      simplex.sort((p, q) => p.f - q.f);
      const best = simplex[0]!;
      const worst = simplex[n]!;
      const fSpread = worst.f - best.f;
      let xSpread = 0;
      for (const v of simplex)
        for (let i = 0; i < n; i++) xSpread = Math.max(xSpread, Math.abs(v.x[i]! - best.x[i]!));
      if (fSpread <= fScale(best.f) && xSpread <= xTol) return { best, iterations: it, converged: true };

      const centroid = new Array<number>(n).fill(0);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) centroid[i]! += simplex[j]!.x[i]! / n;
      const along = (t: number) => evaluate(centroid.map((c, i) => c + t * (c - worst.x[i]!)));

      const reflected = along(alpha);
      if (reflected.f < best.f) {
        const expanded = along(alpha * beta);
        simplex[n] = expanded.f < reflected.f ? expanded : reflected;
        continue;
      }
      if (reflected.f < simplex[n - 1]!.f) {
        simplex[n] = reflected;
        continue;
      }
      const contracted = reflected.f < worst.f ? along(alpha * gamma) : along(-gamma);
      if (contracted.f < Math.min(reflected.f, worst.f)) {
        simplex[n] = contracted;
        continue;
      }
      for (let j = 1; j <= n; j++)
        simplex[j] = evaluate(best.x.map((b, i) => b + delta * (simplex[j]!.x[i]! - b)));
    }
    simplex.sort((p, q) => p.f - q.f);
    return { best: simplex[0]!, iterations: maxIterations, converged: false };
  };

  let best = evaluate([...x0]);
  if (best.f === Number.POSITIVE_INFINITY)
    throw new RangeError(`nelderMead: the function is not finite at the start point [${x0.join(", ")}]`);
  let iterations = 0;
  let converged = false;
  let restarts = 0;
  for (; restarts <= maxRestarts; restarts++) {
    const result = run(best);
    iterations += result.iterations;
    const improvement = best.f - result.best.f;
    const moved = result.best.x.some((x, i) => Math.abs(x - best.x[i]!) > 100 * xTol);
    if (result.best.f <= best.f) best = result.best;
    if (restarts > 0 && result.converged && improvement <= fScale(best.f) && !moved) {
      converged = true;
      break;
    }
    if (options.abandon?.(best.x)) break;
  }
  return {
    x: best.x,
    value: best.f,
    iterations,
    evaluations,
    restarts: Math.min(restarts, maxRestarts),
    converged,
  };
}

/**
 * Minimises f over positive parameters by running Nelder–Mead on their logarithms, so positivity
 * needs no constraint and steps are relative (parameters of different scales move alike).
 */
export function minimizePositive(
  f: (p: number[]) => number,
  p0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  if (p0.some((p) => !(p > 0))) throw new RangeError(`minimizePositive: start point must be positive`);
  const abandon = options.abandon;
  const result = nelderMead((y) => f(y.map(Math.exp)), p0.map(Math.log), {
    ...options,
    abandon: abandon && ((y) => abandon(y.map(Math.exp))),
  });
  return { ...result, x: result.x.map(Math.exp) };
}

export interface PositiveParameter {
  name: string;
  start: number;
  /** Plausible range; the fit searches up to a factor 10 beyond it on either side. */
  min: number;
  max: number;
}

/**
 * Maximum-likelihood fit of positive parameters: minimises `negLogLikelihood` with minimizePositive
 * inside a box 10× wider than each parameter's plausible range. A maximum that runs into the box means
 * the likelihood keeps growing as a parameter goes to 0 or ∞: the data cannot identify the model (too
 * few customers, or a degenerate pattern such as nobody ever dropping out), and a ModelError says
 * which parameter ran away rather than returning meaningless numbers.
 */
export function fitPositive(
  model: string,
  parameters: readonly PositiveParameter[],
  negLogLikelihood: (p: number[]) => number,
  options: MinimizeOptions = {},
): { values: number[]; negLogLikelihood: number } {
  const lower = parameters.map((p) => p.min / 10);
  const upper = parameters.map((p) => p.max * 10);
  const inBox = (p: number[]) => p.every((v, i) => v > lower[i]! && v < upper[i]!);
  const plausible = (p: number[]) => p.every((v, i) => v >= parameters[i]!.min && v <= parameters[i]!.max);
  const boxed = (y: number[]) => {
    const p = y.map(Math.exp);
    return inBox(p) ? negLogLikelihood(p) : Number.POSITIVE_INFINITY;
  };
  if (
    options.polish &&
    options.start &&
    options.start.length === parameters.length &&
    plausible([...options.start])
  ) {
    // A warm start (e.g. a subsample's fit) is already in Newton's basin: no simplex needed.
    const y0 = options.start.map(Math.log);
    const direct = newtonPolish(boxed, y0, boxed(y0));
    const p = direct.x.map(Math.exp);
    if (direct.converged && plausible(p)) return { values: p, negLogLikelihood: direct.value };
  }
  const result = minimizePositive(
    (p) => (inBox(p) ? negLogLikelihood(p) : Number.POSITIVE_INFINITY),
    options.start && options.start.length === parameters.length
      ? options.start
      : parameters.map((p) => p.start),
    // Restarts cannot bring back a parameter that ran into the box: stop at once.
    { ...options, abandon: (p) => !plausible(p) },
  );
  const runaway = parameters.filter((p, i) => !(result.x[i]! >= p.min && result.x[i]! <= p.max));
  if (runaway.length > 0) {
    const which = runaway
      .map((p) => `${p.name} → ${result.x[parameters.indexOf(p)]! < p.min ? "0" : "∞"}`)
      .join(", ");
    throw new ModelError(
      `${model}: the data cannot identify the model: the likelihood keeps rising as ${which} (typically too few customers)`,
    );
  }
  // With a polish the simplex only has to come near the optimum; Newton's steps must then agree.
  if (!result.converged && !options.polish)
    throw new ModelError(`${model}: the fit did not converge after ${result.evaluations} evaluations`);
  if (options.polish) {
    const polished = newtonPolish(boxed, result.x.map(Math.log), result.value);
    if (!polished.converged)
      throw new ModelError(`${model}: the fit did not converge (Newton steps on the likelihood stalled)`);
    return { values: polished.x.map(Math.exp), negLogLikelihood: polished.value };
  }
  return { values: result.x, negLogLikelihood: result.value };
}

/**
 * Newton steps on f from a point near its minimum, with the gradient and Hessian from central
 * differences (2n² + 1 evaluations a step). Near a smooth minimum Newton converges quadratically,
 * where a simplex needs hundreds of evaluations to shrink; so a loosely converged simplex plus two
 * or three Newton steps is the cheap way to a precise optimum on large data. A step is kept only if
 * it lowers f; a Hessian that is not positive definite ends the polish unconverged.
 */
export function newtonPolish(
  f: (x: number[]) => number,
  x0: readonly number[],
  f0: number,
  options: { h?: number; maxSteps?: number } = {},
): { x: number[]; value: number; converged: boolean } {
  const h = options.h ?? 1e-4;
  const n = x0.length;
  let x = [...x0];
  let fx = f0;
  for (let step = 0; step < (options.maxSteps ?? 8); step++) {
    const at = (d: number[]) => f(x.map((v, i) => v + d[i]!));
    const e = (i: number, s: number) => Array.from({ length: n }, (_, k) => (k === i ? s : 0));
    const plus = Array.from({ length: n }, (_, i) => at(e(i, h)));
    const minus = Array.from({ length: n }, (_, i) => at(e(i, -h)));
    const g = plus.map((p, i) => (p - minus[i]!) / (2 * h));
    const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      H[i]![i] = (plus[i]! - 2 * fx + minus[i]!) / (h * h);
      for (let j = 0; j < i; j++) {
        const d = (si: number, sj: number) => at(e(i, si * h).map((v, k) => v + e(j, sj * h)[k]!));
        H[i]![j] = H[j]![i] = (d(1, 1) - d(1, -1) - d(-1, 1) + d(-1, -1)) / (4 * h * h);
      }
    }
    const direction = solve(
      H,
      g.map((v) => -v),
    );
    if (!direction || direction.reduce((s, v, i) => s + v * g[i]!, 0) >= 0) break;
    // Already there: the step Newton asks for is below what the differences can resolve.
    if (Math.max(...direction.map(Math.abs)) < 1e-6) return { x, value: fx, converged: true };
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 10 && !accepted; k++, t /= 2) {
      const candidate = x.map((v, i) => v + t * direction[i]!);
      const fc = f(candidate);
      if (fc <= fx) {
        accepted = true;
        const moved = Math.max(...direction.map((v) => Math.abs(t * v)));
        x = candidate;
        fx = fc;
        if (moved < 1e-6) return { x, value: fx, converged: true };
      }
    }
    if (!accepted) break;
  }
  return { x, value: fx, converged: false };
}

/** Gaussian elimination with partial pivoting; null when the matrix is singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[pivot]![c]!)) pivot = r;
    if (!(Math.abs(M[pivot]![c]!) > 0)) return null;
    [M[c], M[pivot]] = [M[pivot]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const factor = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - factor * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = M[r]![n]!;
    for (let k = r + 1; k < n; k++) sum -= M[r]![k]! * x[k]!;
    x[r] = sum / M[r]![r]!;
  }
  return x;
}
