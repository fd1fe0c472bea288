/** Ids and the read side of an id set, shared by the reconciler and its set types. */

export const ID_BYTES = 16

export class ReconcileError extends Error {
  override name = 'ReconcileError'
}

export function compareIds (a: Uint8Array, b: Uint8Array, ai = 0, bi = 0): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = a[ai + i] - b[bi + i]
    if (d !== 0) { return d }
  }
  return 0
}

/** What a reconciler reads of a sorted id set. */
export interface IdSet {
  readonly size: number
  /** the i-th id in order */
  id(i: number): Uint8Array
  /** index of the first id ≥ bound (size when bound is undefined: the end of the id space) */
  lowerBound(bound: Uint8Array | undefined): number
  /** sum of ids [from, to) mod 2^128, 16 bytes big-endian */
  sum(from: number, to: number): Uint8Array
}
