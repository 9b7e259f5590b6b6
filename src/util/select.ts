/**
 * The k-th smallest (0-based) value of `values`, reordering `values` in place: a quickselect with
 * three-way partitioning, so runs of equal values (common: one-time buyers share a CLV) cost nothing.
 * Afterwards every value right of k is at least the k-th.
 */
export function select(values: Float64Array, k: number): number {
  if (k < 0 || k >= values.length) throw new RangeError(`select: ${k} is outside 0..${values.length - 1}`);
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const a = values[lo]!;
    const b = values[(lo + hi) >>> 1]!;
    const c = values[hi]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // the median of the three
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = values[i]!;
      if (v < pivot) {
        values[i] = values[lt]!;
        values[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        values[i] = values[gt]!;
        values[gt] = v;
        gt--;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return values[lo]!;
}
