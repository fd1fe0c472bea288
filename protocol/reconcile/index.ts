/**
 * Range-based set reconciliation (the Negentropy scheme, simplified): two peers holding
 * sets of 16-byte ids find the ids one has and the other lacks in a few round trips and
 * bytes proportional to the differences, whatever the size of the sets.
 *
 * Ids are ordered as unsigned big-endian bytes. A range is [lower, upper) of that order;
 * its fingerprint is (count, sum of its ids mod 2^128), so the fingerprint of any range
 * of a sorted set comes from two prefix sums in O(log n). A message is a list of
 * consecutive ranges, the first starting at the zero id, each with a mode:
 *
 * - `skip`: nothing to do here (the fingerprints matched)
 * - `fingerprint`: the sender's (count, sum) over the range; the receiver compares it
 * with its own: equal → skip; different → its own ids when it holds at most
 * `idsBelow` of them in the range, else `branches` sub-ranges split at its own ids,
 * each with its fingerprint
 * - `ids`: every id the sender holds in the range. The initiator, receiving it, learns
 * its `have` (ids only it holds) and `need` (ids only the peer holds) for the range;
 * the responder answers it with `ids` of its own (`final`) so the initiator can.
 *
 * The initiator starts with one fingerprint over everything and repeats until the
 * responder's answer holds nothing to reply to. With `branches` = 16 and `idsBelow` =
 * 32, a session between sets of n ids differing in d takes about log16(n/32) + 1 round
 * trips and O(d · 16 · 36 · log16 n) bytes.
 *
 * Wire encoding of a message (all integers unsigned LEB128 varints):
 * version (1) · then per range: mode (0 skip, 1 fingerprint, 2 ids, 3 ids-final),
 * upper bound length (0 = the end of the id space, else 16) and bytes, then for
 * fingerprint: count and 16 bytes of sum; for ids: number of ids and 16 bytes each.
 * A decoder refuses anything else, and ranges that do not ascend.
 */

import { partitionPoint } from '../binary-search.ts'
import { compareIds, ID_BYTES, ReconcileError } from './ids.ts'
import { addIdInto, laneDifference } from './sums.ts'
import type { IdSet } from './ids.ts'

export { compareIds, ID_BYTES, ReconcileError } from './ids.ts'
export type { IdSet } from './ids.ts'
export { SortedIds } from './sorted-ids.ts'

export const RECONCILE_VERSION = 1

export interface ReconcileLimits {
  /** answer with ids when holding at most this many in a range (default 32) */
  idsBelow?: number
  /** sub-ranges a mismatching range is split into (default 16) */
  branches?: number
  /** most ranges a decoded message may hold (default 100,000) */
  maxRanges?: number
  /** most ids a decoded message may hold (default 1,000,000) */
  maxIds?: number
  /**
   * most ids the responder lists in one answer (default 32,768): past it, the rest of an
   * `ids` range is answered with a fingerprint the initiator asks about again, so a
   * fresh node receives a large set over several bounded messages
   */
  idsPerMessage?: number
}

const DEFAULTS: Required<ReconcileLimits> = { idsBelow: 32, branches: 16, maxRanges: 100_000, maxIds: 1_000_000, idsPerMessage: 32_768 }

/** The limits with a default for every one not given (an undefined value is not given). */
function withDefaults (limits: ReconcileLimits): Required<ReconcileLimits> {
  const out = { ...DEFAULTS }
  for (const [k, v] of Object.entries(limits) as Array<[keyof ReconcileLimits, number | undefined]>) {
    if (v !== undefined) { out[k] = v }
  }
  return out
}

export type RangeMode = 'skip' | 'fingerprint' | 'ids' | 'final'

export interface Range {
  /** exclusive upper bound; undefined = the end of the id space */
  upper?: Uint8Array
  mode: RangeMode
  count?: number
  /** 16 bytes */
  sum?: Uint8Array
  ids?: Uint8Array[]
}

/**
 * A sorted, immutable set of 16-byte ids with prefix sums: the fingerprint of any range
 * in O(log n). For a set that changes, `SortedIds` updates in place.
 */
export class RangeSet implements IdSet {
  /** ids, sorted, 16 bytes each */
  readonly ids: Uint8Array
  readonly size: number
  /** prefix sums mod 2^128 as 4 little-endian 32-bit lanes per position (size + 1 entries) */
  private readonly prefix: Uint32Array

  private constructor (ids: Uint8Array) {
    this.ids = ids
    this.size = ids.byteLength / ID_BYTES
    this.prefix = new Uint32Array((this.size + 1) * 4)
    const p = this.prefix
    for (let i = 0; i < this.size; i++) { addIdInto(p, (i + 1) * 4, p, i * 4, ids, i * ID_BYTES) }
  }

  /** From ids in any order (duplicates kept once). */
  static from (ids: Iterable<Uint8Array>): RangeSet {
    // one 16-character string per id: the engine's native string sort orders them as bytes
    const keys: string[] = []
    for (const id of ids) {
      if (id.byteLength !== ID_BYTES) { throw new ReconcileError(`an id is ${ID_BYTES} bytes`) }
      keys.push(String.fromCharCode(id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]))
    }
    keys.sort()
    const out = new Uint8Array(keys.length * ID_BYTES)
    let n = 0
    for (let i = 0; i < keys.length; i++) {
      if (i > 0 && keys[i] === keys[i - 1]) { continue }
      const k = keys[i]
      const o = n * ID_BYTES
      for (let j = 0; j < ID_BYTES; j++) { out[o + j] = k.charCodeAt(j) }
      n++
    }
    return new RangeSet(out.subarray(0, n * ID_BYTES))
  }

  id (i: number): Uint8Array {
    return this.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES)
  }

  /** index of the first id ≥ bound (size when none; 0 for the zero bound) */
  lowerBound (bound: Uint8Array | undefined): number {
    if (bound === undefined) { return this.size }
    return partitionPoint(0, this.size, i => compareIds(this.ids, bound, i * ID_BYTES, 0) < 0)
  }

  /** sum of ids [from, to) mod 2^128, 16 bytes big-endian */
  sum (from: number, to: number): Uint8Array {
    return laneDifference(this.prefix, to * 4, this.prefix, from * 4)
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) { return false }
  for (let i = 0; i < a.byteLength; i++) { if (a[i] !== b[i]) { return false } }
  return true
}

export interface ReconcileStep {
  /** the message to send, or undefined when nothing is left to say */
  reply?: Range[]
  /** ids only this side holds (initiator only), found in this step */
  have: Uint8Array[]
  /** ids only the peer holds (initiator only), found in this step */
  need: Uint8Array[]
}

/**
 * One side of a session. The initiator calls `initiate()` and then `receive()` with each
 * answer until it returns no reply; the responder calls `receive()` for each message.
 */
export class Reconciler {
  readonly set: IdSet
  readonly initiator: boolean
  private readonly limits: Required<ReconcileLimits>

  constructor (set: IdSet, initiator: boolean, limits: ReconcileLimits = {}) {
    this.set = set
    this.initiator = initiator
    this.limits = withDefaults(limits)
  }

  initiate (): Range[] {
    return [this.fingerprintRange(0, this.set.size, undefined)]
  }

  private fingerprintRange (from: number, to: number, upper: Uint8Array | undefined): Range {
    return { upper, mode: 'fingerprint', count: to - from, sum: this.set.sum(from, to) }
  }

  private idsRange (from: number, to: number, upper: Uint8Array | undefined, mode: 'ids' | 'final'): Range {
    const ids: Uint8Array[] = []
    for (let i = from; i < to; i++) { ids.push(this.set.id(i)) }
    return { upper, mode, ids }
  }

  /** What to answer to a fingerprint mismatch over [from, to) of this set. */
  private split (from: number, to: number, upper: Uint8Array | undefined, out: Range[]): void {
    const n = to - from
    if (n <= this.limits.idsBelow) {
      out.push(this.idsRange(from, to, upper, 'ids'))
      return
    }
    const b = this.limits.branches
    for (let k = 0; k < b; k++) {
      const s = from + Math.floor(n * k / b)
      const e = k === b - 1 ? to : from + Math.floor(n * (k + 1) / b)
      out.push(this.fingerprintRange(s, e, k === b - 1 ? upper : this.set.id(e)))
    }
  }

  receive (msg: Range[]): ReconcileStep {
    const set = this.set
    const out: Range[] = []
    const have: Uint8Array[] = []
    const need: Uint8Array[] = []
    let lower = 0
    let useful = false
    // ids the responder may still list in this answer
    let budget = this.limits.idsPerMessage
    for (const r of msg) {
      const to = set.lowerBound(r.upper)
      const from = lower
      lower = to
      switch (r.mode) {
        case 'skip':
          out.push({ upper: r.upper, mode: 'skip' })
          break
        case 'fingerprint':
          if (r.count === to - from && sameBytes(r.sum as Uint8Array, set.sum(from, to))) {
            out.push({ upper: r.upper, mode: 'skip' })
          } else {
            this.split(from, to, r.upper, out)
            useful = true
          }
          break
        case 'ids':
        case 'final': {
          const theirs = r.ids as Uint8Array[]
          if (this.initiator) {
            diffSorted(set, from, to, theirs, have, need)
            out.push({ upper: r.upper, mode: 'skip' })
          } else if (r.mode === 'ids') {
            const n = to - from
            if (n <= Math.max(budget, this.limits.idsBelow)) {
              out.push(this.idsRange(from, to, r.upper, 'final'))
              budget -= n
            } else if (budget > 0) {
              // list what fits, and leave the rest of the range for the next round
              const cut = from + budget
              out.push(this.idsRange(from, cut, set.id(cut), 'final'))
              out.push(this.fingerprintRange(cut, to, r.upper))
              budget = 0
            } else {
              out.push(this.fingerprintRange(from, to, r.upper))
            }
            useful = true
          } else {
            throw new ReconcileError('only the initiator receives final ids')
          }
          break
        }
        default:
          throw new ReconcileError('unknown range mode')
      }
    }
    if (lower !== set.size && msg.length > 0 && msg[msg.length - 1].upper !== undefined) {
      throw new ReconcileError('a message must cover the whole id space')
    }
    return { reply: useful ? compact(out) : undefined, have, need }
  }
}

/** Merge two sorted lists (ours: `set` ids in [from, to)): what only one side holds. */
function diffSorted (set: IdSet, from: number, to: number, theirs: Uint8Array[], have: Uint8Array[], need: Uint8Array[]): void {
  let i = from
  let j = 0
  while (i < to || j < theirs.length) {
    const c = i >= to ? 1 : j >= theirs.length ? -1 : compareIds(set.id(i), theirs[j])
    if (c < 0) { have.push(set.id(i++)) } else if (c > 0) { need.push(theirs[j++]) } else {
      i++
      j++
    }
  }
}

/** Merge consecutive skips (the last range's bound wins). */
function compact (ranges: Range[]): Range[] {
  const out: Range[] = []
  for (const r of ranges) {
    const last = out[out.length - 1]
    if (r.mode === 'skip' && last?.mode === 'skip') {
      last.upper = r.upper
    } else {
      out.push(r)
    }
  }
  return out
}

const MODE_CODE: Record<RangeMode, number> = { skip: 0, fingerprint: 1, ids: 2, final: 3 }
const CODE_MODE: RangeMode[] = ['skip', 'fingerprint', 'ids', 'final']

class Writer {
  buf = new Uint8Array(1024)
  len = 0

  private ensure (n: number): void {
    if (this.len + n <= this.buf.byteLength) { return }
    const b = new Uint8Array(Math.max(this.buf.byteLength * 2, this.len + n))
    b.set(this.buf.subarray(0, this.len))
    this.buf = b
  }

  varint (v: number): void {
    this.ensure(10)
    while (v > 0x7f) {
      this.buf[this.len++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.len++] = v
  }

  bytes (b: Uint8Array): void {
    this.ensure(b.byteLength)
    this.buf.set(b, this.len)
    this.len += b.byteLength
  }
}

export function encodeRanges (ranges: Range[]): Uint8Array {
  const w = new Writer()
  w.varint(RECONCILE_VERSION)
  for (const r of ranges) {
    w.varint(MODE_CODE[r.mode])
    if (r.upper === undefined) { w.varint(0) } else {
      w.varint(ID_BYTES)
      w.bytes(r.upper)
    }
    if (r.mode === 'fingerprint') {
      w.varint(r.count as number)
      w.bytes(r.sum as Uint8Array)
    } else if (r.mode === 'ids' || r.mode === 'final') {
      const ids = r.ids as Uint8Array[]
      w.varint(ids.length)
      for (const id of ids) { w.bytes(id) }
    }
  }
  return w.buf.slice(0, w.len)
}

export function decodeRanges (bytes: Uint8Array, limits: ReconcileLimits = {}): Range[] {
  const { maxRanges, maxIds } = withDefaults(limits)
  let pos = 0
  const varint = (): number => {
    let v = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      if (pos >= bytes.byteLength) { throw new ReconcileError('truncated message') }
      const b = bytes[pos++]
      v += (b & 0x7f) * mul
      if (b < 0x80) { return v }
      mul *= 128
    }
    throw new ReconcileError('varint too long')
  }
  const take = (n: number): Uint8Array => {
    if (pos + n > bytes.byteLength) { throw new ReconcileError('truncated message') }
    const out = bytes.subarray(pos, pos + n)
    pos += n
    return out
  }
  if (varint() !== RECONCILE_VERSION) { throw new ReconcileError('unknown reconciliation version') }
  const out: Range[] = []
  let ids = 0
  let prev: Uint8Array | undefined
  let ended = false
  while (pos < bytes.byteLength) {
    if (ended) { throw new ReconcileError('a range after the end of the id space') }
    if (out.length >= maxRanges) { throw new ReconcileError('too many ranges') }
    const mode = CODE_MODE[varint()]
    if (mode === undefined) { throw new ReconcileError('unknown range mode') }
    const ul = varint()
    if (ul !== 0 && ul !== ID_BYTES) { throw new ReconcileError('bad range bound') }
    const upper = ul === 0 ? undefined : take(ID_BYTES)
    if (upper === undefined) { ended = true } else if (prev !== undefined && compareIds(upper, prev) <= 0) { throw new ReconcileError('ranges must ascend') }
    prev = upper
    const r: Range = { upper, mode }
    if (mode === 'fingerprint') {
      r.count = varint()
      r.sum = take(ID_BYTES)
    } else if (mode === 'ids' || mode === 'final') {
      const n = varint()
      ids += n
      if (ids > maxIds) { throw new ReconcileError('too many ids') }
      r.ids = []
      for (let i = 0; i < n; i++) {
        const id = take(ID_BYTES)
        if (upper !== undefined && compareIds(id, upper) >= 0) { throw new ReconcileError('an id outside its range') }
        r.ids.push(id)
      }
    }
    out.push(r)
  }
  if (out.length > 0 && !ended) { throw new ReconcileError('a message must cover the whole id space') }
  return out
}

/**
 * Run a whole session between two sets in memory (tests, benchmarks, and a model of the
 * wire exchange): the ids each side lacks, round trips and bytes both ways.
 */
export function reconcileInMemory (initiator: IdSet, responder: IdSet, limits: ReconcileLimits = {}): { have: Uint8Array[], need: Uint8Array[], roundTrips: number, bytes: number } {
  const a = new Reconciler(initiator, true, limits)
  const b = new Reconciler(responder, false, limits)
  let msg: Uint8Array | undefined = encodeRanges(a.initiate())
  let bytes = 0
  let roundTrips = 0
  const have: Uint8Array[] = []
  const need: Uint8Array[] = []
  while (msg !== undefined) {
    bytes += msg.byteLength
    if (++roundTrips > 10_000) { throw new ReconcileError('reconciliation does not end') }
    const answer = b.receive(decodeRanges(msg, limits)).reply
    if (answer === undefined) { break }
    const enc = encodeRanges(answer)
    bytes += enc.byteLength
    const step = a.receive(decodeRanges(enc, limits))
    have.push(...step.have)
    need.push(...step.need)
    msg = step.reply === undefined ? undefined : encodeRanges(step.reply)
  }
  return { have, need, roundTrips, bytes }
}
