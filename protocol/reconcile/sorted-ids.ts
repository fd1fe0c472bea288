/**
 * A mutable sorted set of 16-byte ids with range fingerprints, updated in place: adding
 * or removing one id costs O(bucket) work, not a rebuild of the whole set. Ids live in
 * sorted buckets of at most `BUCKET_MAX`; each bucket keeps its own prefix sums (rebuilt
 * lazily after a change to that bucket) and the bucket table keeps cumulative counts and
 * sums (rebuilt lazily, O(buckets), after any change). So a range's fingerprint costs
 * O(log n) once the touched buckets are fresh.
 */
import { partitionPoint } from '../binary-search.ts'
import { compareIds, ID_BYTES, ReconcileError } from './ids.ts'
import { addIdInto, addLanes, laneDifference } from './sums.ts'
import type { IdSet } from './ids.ts'

const BUCKET_MAX = 1024

interface Bucket {
  ids: Uint8Array[]
  /** prefix sums mod 2^128, 4 little-endian 32-bit lanes per position; undefined = stale */
  prefix?: Uint32Array
}

export class SortedIds implements IdSet {
  private buckets: Bucket[] = []
  private count = 0
  /** first global index of each bucket, and the sum of every id before it; undefined = stale */
  private starts: Int32Array | undefined
  private sums: Uint32Array | undefined

  /** From ids in any order (duplicates kept once). */
  static from (ids: Iterable<Uint8Array>): SortedIds {
    const all: Uint8Array[] = []
    for (const id of ids) {
      if (id.byteLength !== ID_BYTES) { throw new ReconcileError(`an id is ${ID_BYTES} bytes`) }
      all.push(id)
    }
    all.sort((a, b) => compareIds(a, b))
    const set = new SortedIds()
    const half = BUCKET_MAX / 2
    let bucket: Uint8Array[] = []
    for (let i = 0; i < all.length; i++) {
      if (i > 0 && compareIds(all[i], all[i - 1]) === 0) { continue }
      bucket.push(all[i])
      if (bucket.length === half) {
        set.buckets.push({ ids: bucket })
        bucket = []
      }
    }
    if (bucket.length > 0) { set.buckets.push({ ids: bucket }) }
    set.count = set.buckets.reduce((n, b) => n + b.ids.length, 0)
    return set
  }

  get size (): number {
    return this.count
  }

  /** index of the bucket that holds (or would hold) `id` */
  private bucketFor (id: Uint8Array): number {
    // the last bucket when every bucket ends below id
    return partitionPoint(0, this.buckets.length - 1, b => {
      const ids = this.buckets[b].ids
      return compareIds(ids[ids.length - 1], id) < 0
    })
  }

  private static position (ids: Uint8Array[], id: Uint8Array): number {
    return partitionPoint(0, ids.length, i => compareIds(ids[i], id) < 0)
  }

  has (id: Uint8Array): boolean {
    if (this.count === 0) { return false }
    const b = this.buckets[this.bucketFor(id)].ids
    const i = SortedIds.position(b, id)
    return i < b.length && compareIds(b[i], id) === 0
  }

  /** Add an id; false when it was there already. */
  add (id: Uint8Array): boolean {
    if (id.byteLength !== ID_BYTES) { throw new ReconcileError(`an id is ${ID_BYTES} bytes`) }
    if (this.buckets.length === 0) { this.buckets.push({ ids: [] }) }
    const bi = this.bucketFor(id)
    const bucket = this.buckets[bi]
    const i = SortedIds.position(bucket.ids, id)
    if (i < bucket.ids.length && compareIds(bucket.ids[i], id) === 0) { return false }
    bucket.ids.splice(i, 0, id.slice())
    bucket.prefix = undefined
    if (bucket.ids.length > BUCKET_MAX) {
      const tail = bucket.ids.splice(BUCKET_MAX / 2)
      this.buckets.splice(bi + 1, 0, { ids: tail })
    }
    this.count++
    this.starts = undefined
    return true
  }

  /** Remove an id; false when it was not there. */
  delete (id: Uint8Array): boolean {
    if (this.count === 0) { return false }
    const bi = this.bucketFor(id)
    const bucket = this.buckets[bi]
    const i = SortedIds.position(bucket.ids, id)
    if (i >= bucket.ids.length || compareIds(bucket.ids[i], id) !== 0) { return false }
    bucket.ids.splice(i, 1)
    bucket.prefix = undefined
    if (bucket.ids.length === 0) { this.buckets.splice(bi, 1) }
    this.count--
    this.starts = undefined
    return true
  }

  private table (): { starts: Int32Array, sums: Uint32Array } {
    if (this.starts === undefined || this.sums === undefined) {
      const n = this.buckets.length
      const starts = new Int32Array(n + 1)
      const sums = new Uint32Array((n + 1) * 4)
      for (let b = 0; b < n; b++) {
        const p = this.prefix(b)
        const len = this.buckets[b].ids.length
        starts[b + 1] = starts[b] + len
        addLanes(sums, (b + 1) * 4, sums, b * 4, p, len * 4)
      }
      this.starts = starts
      this.sums = sums
    }
    return { starts: this.starts, sums: this.sums }
  }

  private prefix (b: number): Uint32Array {
    const bucket = this.buckets[b]
    if (bucket.prefix === undefined) {
      const p = new Uint32Array((bucket.ids.length + 1) * 4)
      for (let i = 0; i < bucket.ids.length; i++) { addIdInto(p, (i + 1) * 4, p, i * 4, bucket.ids[i]) }
      bucket.prefix = p
    }
    return bucket.prefix
  }

  /** the bucket holding global index i (i < size) and the offset in it */
  private locate (i: number): [number, number] {
    const { starts } = this.table()
    // the last bucket starting at or before i
    const b = partitionPoint(1, this.buckets.length, b => starts[b] <= i) - 1
    return [b, i - starts[b]]
  }

  id (i: number): Uint8Array {
    const [b, o] = this.locate(i)
    return this.buckets[b].ids[o]
  }

  lowerBound (bound: Uint8Array | undefined): number {
    if (bound === undefined) { return this.count }
    if (this.count === 0) { return 0 }
    const b = this.bucketFor(bound)
    return this.table().starts[b] + SortedIds.position(this.buckets[b].ids, bound)
  }

  /** sum of ids [0, i) as 4 lanes into `out` at `o` */
  private prefixSum (i: number, out: Uint32Array, o: number): void {
    const { sums } = this.table()
    if (i >= this.count) {
      out.set(sums.subarray(this.buckets.length * 4, this.buckets.length * 4 + 4), o)
      return
    }
    const [b, off] = this.locate(i)
    addLanes(out, o, sums, b * 4, this.prefix(b), off * 4)
  }

  sum (from: number, to: number): Uint8Array {
    const lanes = new Uint32Array(8)
    this.prefixSum(from, lanes, 0)
    this.prefixSum(to, lanes, 4)
    return laneDifference(lanes, 4, lanes, 0)
  }
}
