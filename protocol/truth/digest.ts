/**
 * Range fingerprints for set reconciliation (catch-up).
 *
 * Messages fall into one-hour buckets by created_at. Each bucket keeps the count of its
 * ids and their sum modulo 2^256 (ids are SHA-256 values read as big-endian integers).
 * Sums add up, so the fingerprint of any range of whole buckets is computed from the
 * buckets alone, in memory, without reading the database; one insert updates one bucket.
 * Two nodes holding the same ids in a range have the same (count, sum); a difference
 * tells the sync client where to look. Memory: one entry per non-empty hour.
 */
import { fromHex, toHex } from '../crypto/index.ts'

export const BUCKET_MS = 60 * 60_000

const MOD = 1n << 256n

export interface Slice {
  start: number
  count: number
  /** 32 bytes: sum of the ids mod 2^256, big-endian */
  fingerprint: Uint8Array
}

interface Bucket { count: number, sum: bigint }

export function bucketOf (createdAt: number): number {
  return createdAt - (createdAt % BUCKET_MS)
}

export function idToBigInt (id: Uint8Array): bigint {
  return BigInt('0x' + toHex(id))
}

export function bigIntToBytes (n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0'))
}

export class RangeIndex {
  private readonly buckets = new Map<number, Bucket>()

  add (createdAt: number, id: Uint8Array): void {
    const key = bucketOf(createdAt)
    const b = this.buckets.get(key)
    const v = idToBigInt(id)
    if (b == null) { this.buckets.set(key, { count: 1, sum: v }) } else {
      b.count++
      b.sum = (b.sum + v) % MOD
    }
  }

  get size (): number {
    return this.buckets.size
  }

  /**
   * Non-empty slices of [from, to) cut every `step` ms from `from`, in order, at most
   * `limit` of them (`truncated` says more exist).
   */
  slices (from: number, to: number, step: number, limit: number): { slices: Slice[], truncated: boolean } {
    const acc = new Map<number, Bucket>()
    for (const [start, b] of this.buckets) {
      if (start < from || start >= to) { continue }
      const s = from + Math.floor((start - from) / step) * step
      const a = acc.get(s)
      if (a == null) { acc.set(s, { count: b.count, sum: b.sum }) } else {
        a.count += b.count
        a.sum = (a.sum + b.sum) % MOD
      }
    }
    const starts = [...acc.keys()].sort((a, b) => a - b)
    const truncated = starts.length > limit
    return {
      slices: starts.slice(0, limit).map(start => {
        const a = acc.get(start) as Bucket
        return { start, count: a.count, fingerprint: bigIntToBytes(a.sum) }
      }),
      truncated
    }
  }
}

/**
 * "Might this node hold id X?" with no false negatives: a Bloom filter whose hash values
 * are the id's own bits (ids are SHA-256 values, uniform already), four 32-bit words per
 * id, 16 bits per expected id (about 0.2% false positives, each costing one database
 * read). When one filter fills up, a twice larger one takes the new ids.
 */
export class IdFilter {
  private readonly filters: Array<{ bits: Uint32Array, mask: number, count: number, capacity: number }> = []

  constructor (private readonly initialCapacity = 65_536) {
    this.grow()
  }

  private grow (): void {
    const capacity = this.initialCapacity * 2 ** this.filters.length
    const size = capacity * 16
    this.filters.push({ bits: new Uint32Array(size / 32), mask: size - 1, count: 0, capacity })
  }

  /** `idHex`: 64 lowercase hex characters */
  add (idHex: string): void {
    let f = this.filters[this.filters.length - 1]
    if (f.count >= f.capacity) {
      this.grow()
      f = this.filters[this.filters.length - 1]
    }
    for (let i = 0; i < 4; i++) {
      const bit = parseInt(idHex.slice(i * 8, i * 8 + 8), 16) & f.mask
      f.bits[bit >>> 5] |= 1 << (bit & 31)
    }
    f.count++
  }

  has (idHex: string): boolean {
    const w0 = parseInt(idHex.slice(0, 8), 16)
    const w1 = parseInt(idHex.slice(8, 16), 16)
    const w2 = parseInt(idHex.slice(16, 24), 16)
    const w3 = parseInt(idHex.slice(24, 32), 16)
    for (const f of this.filters) {
      if (isSet(f.bits, w0 & f.mask) && isSet(f.bits, w1 & f.mask) && isSet(f.bits, w2 & f.mask) && isSet(f.bits, w3 & f.mask)) { return true }
    }
    return false
  }
}

function isSet (bits: Uint32Array, bit: number): boolean {
  return (bits[bit >>> 5] & (1 << (bit & 31))) !== 0
}
