/** The lift of a follow-up: conversion of treated customers against the held-out control group. */

export interface Counts {
  n: number;
  converted: number;
}

export interface Lift {
  absolute: number | null;
  relative: number | null;
  /** 95 % Wald interval of the absolute difference. */
  low: number | null;
  high: number | null;
  /** Two-sided pooled two-proportion z-test (prop.test without continuity correction). */
  pValue: number | null;
}

const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** erfc with fractional error < 1.2e-7 everywhere (Numerical Recipes, erfcc: Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC.length - 1; i >= 0; i--) poly = ERFC[i]! + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);

const Z95 = 1.959963984540054;

export function lift(treated: Counts, control: Counts): Lift {
  if (treated.n === 0 || control.n === 0)
    return { absolute: null, relative: null, low: null, high: null, pValue: null };
  const pt = treated.converted / treated.n;
  const pc = control.converted / control.n;
  const absolute = pt - pc;
  const se = Math.sqrt((pt * (1 - pt)) / treated.n + (pc * (1 - pc)) / control.n);
  const pooled = (treated.converted + control.converted) / (treated.n + control.n);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / treated.n + 1 / control.n));
  const pValue = pooledSe > 0 ? 2 * (1 - normalCdf(Math.abs(absolute) / pooledSe)) : absolute === 0 ? 1 : 0;
  return {
    absolute,
    relative: pc > 0 ? absolute / pc : null,
    low: absolute - Z95 * se,
    high: absolute + Z95 * se,
    pValue: Math.min(1, Math.max(0, pValue)),
  };
}
