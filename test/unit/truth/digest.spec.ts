/** Range fingerprints and the id filter behind catch-up and the receive path. */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../protocol/crypto/index.ts'
import { BUCKET_MS, IdFilter, RangeIndex } from '../../../protocol/truth/digest.ts'

describe('truth digests', () => {
  it('hex: lowercase, two digits a byte, round-trips at every length and byte value', () => {
    const every = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(toHex(every)).toBe(Buffer.from(every).toString('hex'))
    expect(toHex(new Uint8Array(0))).toBe('')
    for (const n of [1, 31, 32, 64, 300]) {
      const bytes = randomBytes(n)
      expect(toHex(bytes)).toBe(bytes.toString('hex'))
      expect(fromHex(toHex(bytes))).toEqual(new Uint8Array(bytes))
    }
    // a subarray: only its own bytes
    expect(toHex(every.subarray(254))).toBe('feff')
  })

  it('fingerprints depend on the set of ids only, and combine across buckets', () => {
    const ids = Array.from({ length: 500 }, () => randomBytes(32))
    const times = ids.map((_, i) => Date.UTC(2026, 0, 1) + i * 7 * 60_000)
    const a = new RangeIndex()
    const b = new RangeIndex()
    ids.forEach((id, i) => { a.add(times[i], id) })
    // the same set in another order
    ;[...ids.keys()].reverse().forEach(i => { b.add(times[i], ids[i]) })
    const from = Date.UTC(2026, 0, 1)
    const day = 24 * BUCKET_MS
    expect(a.slices(from, from + 10 * day, day, 100)).toEqual(b.slices(from, from + 10 * day, day, 100))
    // one more id in one hour changes that hour, that day, and nothing else
    const extra = new RangeIndex()
    ids.forEach((id, i) => { extra.add(times[i], id) })
    extra.add(times[200], randomBytes(32))
    const hoursA = a.slices(from, from + 10 * day, BUCKET_MS, 1000).slices
    const hoursX = extra.slices(from, from + 10 * day, BUCKET_MS, 1000).slices
    const differing = hoursX.filter((s, i) => s.count !== hoursA[i].count || toHex(s.fingerprint) !== toHex(hoursA[i].fingerprint))
    expect(differing.map(s => s.start)).toEqual([times[200] - (times[200] % BUCKET_MS)])
    // a day's fingerprint is the sum of its hours'
    const days = a.slices(from, from + 10 * day, day, 100).slices
    expect(days.reduce((n, s) => n + s.count, 0)).toBe(500)
    // only non-empty slices, capped, with truncation reported
    const capped = a.slices(from, from + 10 * day, BUCKET_MS, 5)
    expect(capped.slices.length).toBe(5)
    expect(capped.truncated).toBe(true)
  })

  it('the id filter has no false negatives as it grows, and few false positives', () => {
    const f = new IdFilter(1024)
    const held = Array.from({ length: 20_000 }, () => toHex(randomBytes(32)))
    for (const id of held) { f.add(id) }
    expect(held.every(id => f.has(id))).toBe(true)
    const unknown = Array.from({ length: 20_000 }, () => toHex(randomBytes(32)))
    const falsePositives = unknown.filter(id => f.has(id)).length
    expect(falsePositives / unknown.length).toBeLessThan(0.02)
  })
})
