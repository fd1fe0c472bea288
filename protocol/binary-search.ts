/**
 * Binary search over sorted data, for every sorted list the core keeps (knowledge index
 * postings and terms, reconciliation ids, notification ids). The small npm packages for
 * this (binary-search, binary-search-bounds, sorted-array-functions) are CommonJS without
 * types and take a comparator per element either way.
 */

/**
 * The first index in [lo, hi) at which `before(i)` is false, or hi when it is true
 * throughout. `before` must hold on a prefix of the range and not after it (a sorted
 * range compared with one value), so it is asked about log2(hi - lo) + 1 indices at most.
 */
export function partitionPoint (lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(mid)) { lo = mid + 1 } else { hi = mid }
  }
  return lo
}

/**
 * The first position in `a[0, n)` (ascending) holding a value >= x: where x is, or would
 * be inserted to keep the order (before any equal values); n when all are smaller.
 * partitionPoint with the comparison inline: no call per step on the search hot paths.
 */
export function lowerBound<T extends number | string> (a: ArrayLike<T>, x: T, n: number = a.length): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid] < x) { lo = mid + 1 } else { hi = mid }
  }
  return lo
}
