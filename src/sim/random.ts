/**
 * A seeded pseudo-random generator (sfc32, seeded through a murmur-style mix) and the samplers the
 * simulation needs. Fast and reproducible across platforms; not for anything secret.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** One independent stream per list of integers, e.g. (seed, customer index). */
  constructor(...parts: number[]) {
    let h = 0x811c9dc5;
    for (const part of parts) {
      // Seeds beyond 32 bits keep their high word.
      h = mix(h ^ (Math.floor(part / 2 ** 32) >>> 0));
      h = mix(h ^ (part >>> 0));
    }
    this.a = mix(h ^ 0x9e3779b9);
    this.b = mix(this.a ^ 0x243f6a88);
    this.c = mix(this.b ^ 0xb7e15162);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32(); // leave the correlated start behind
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** One of the items, with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let u = this.next() * total;
    for (const [item, w] of items) {
      u -= w;
      if (u < 0) return item;
    }
    const last = items.at(-1);
    if (last === undefined) throw new Error("weighted pick from an empty list");
    return last[0];
  }

  /** Normal, by Box–Muller (the second value is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Gamma with shape k and rate θ (mean k/θ), by Marsaglia and Tsang. */
  gamma(shape: number, rate = 1): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * (1 - this.next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
        return (d * v) / rate;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** Poisson, by Knuth's product of uniforms (the simulation only needs small means). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** `n` lower-case hex digits. */
  hex(n: number): string {
    let s = "";
    while (s.length < n) s += this.uint32().toString(16).padStart(8, "0");
    return s.slice(0, n);
  }

  /** A version-4 style UUID. */
  uuid(): string {
    const h = this.hex(32);
    const variant = "89ab"[this.int(0, 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
