/**
 * Range-based set reconciliation: seeded random sets, every difference found both ways,
 * in a few round trips and bytes that grow with the differences, not the sets; bad
 * messages refused.
 */
import { describe, expect, it } from 'vitest'
import { RangeSet, ReconcileError, Reconciler, SortedIds, decodeRanges, encodeRanges, reconcileInMemory } from '../../../protocol/reconcile/index.ts'
import { createRandom } from '../../../simulations/random.ts'

const rng = (seed: number): () => number => createRandom(seed).next

function randomId (rand: () => number): Uint8Array {
  const id = new Uint8Array(16)
  for (let i = 0; i < 16; i++) { id[i] = Math.floor(rand() * 256) }
  return id
}

const hex = (ids: Uint8Array[]): string[] => ids.map(i => Buffer.from(i).toString('hex')).sort()

describe('range-based set reconciliation', () => {
  it('finds exactly the differences both ways, whatever the sizes', () => {
    const rand = rng(Number(process.env.SEED ?? 7))
    for (const [n, onlyA, onlyB] of [[0, 0, 0], [0, 5, 0], [10, 0, 3], [1000, 10, 10], [20_000, 50, 1], [5000, 3000, 0]]) {
      const common = Array.from({ length: n }, () => randomId(rand))
      const a = Array.from({ length: onlyA }, () => randomId(rand))
      const b = Array.from({ length: onlyB }, () => randomId(rand))
      const r = reconcileInMemory(RangeSet.from([...common, ...a]), RangeSet.from([...common, ...b]))
      expect(hex(r.have), `n=${n}`).toEqual(hex(a))
      expect(hex(r.need), `n=${n}`).toEqual(hex(b))
      if (onlyA + onlyB === 0) { expect(r.roundTrips).toBe(1) }
    }
  })

  it('costs bytes in proportion to the differences', () => {
    const rand = rng(11)
    const common = Array.from({ length: 50_000 }, () => randomId(rand))
    const extra = Array.from({ length: 10 }, () => randomId(rand))
    const r = reconcileInMemory(RangeSet.from(common), RangeSet.from([...common, ...extra]))
    expect(hex(r.need)).toEqual(hex(extra))
    expect(r.roundTrips).toBeLessThanOrEqual(5)
    expect(r.bytes).toBeLessThan(60_000)
  })

  it('refuses malformed messages', () => {
    const good = encodeRanges(new Reconciler(RangeSet.from([new Uint8Array(16)]), true).initiate())
    expect(decodeRanges(good)).toHaveLength(1)
    const bad: Uint8Array[] = [
      new Uint8Array([2]),
      new Uint8Array([1, 9, 0]),
      new Uint8Array([1, 1, 5, 1, 2, 3, 4, 5]),
      good.subarray(0, good.byteLength - 1),
      // a bounded range and nothing after it: the id space is not covered
      new Uint8Array([1, 0, 16, ...new Uint8Array(16)]),
      // ranges that do not ascend
      new Uint8Array([1, 0, 16, ...new Uint8Array(16).fill(5), 0, 16, ...new Uint8Array(16).fill(4), 0, 0])
    ]
    for (const b of bad) { expect(() => decodeRanges(b)).toThrow(ReconcileError) }
    expect(() => decodeRanges(new Uint8Array([1, 2, 0, 3, ...new Uint8Array(48)]), { maxIds: 2 })).toThrow(/too many ids/)
  })

  it('a fresh side receives a large set over bounded answers', () => {
    const rand = rng(5)
    const ids = Array.from({ length: 20_000 }, () => randomId(rand))
    const limits = { idsPerMessage: 3000 }
    // a limit given as undefined (an unset option) takes its default: one answer for all
    const once = reconcileInMemory(RangeSet.from([]), RangeSet.from(ids), { idsPerMessage: undefined })
    expect(once.need).toHaveLength(ids.length)
    expect(once.roundTrips).toBe(2)
    const a = new Reconciler(RangeSet.from([]), true, limits)
    const b = new Reconciler(RangeSet.from(ids), false, limits)
    let msg = a.initiate()
    const need: Uint8Array[] = []
    let rounds = 0
    while (true) {
      rounds++
      const answer = b.receive(decodeRanges(encodeRanges(msg))).reply
      if (answer === undefined) { break }
      const listed = answer.reduce((n, r) => n + (r.ids?.length ?? 0), 0)
      // one range may go past the budget by at most the ids-below threshold
      expect(listed).toBeLessThanOrEqual(3000 + 32)
      const step = a.receive(decodeRanges(encodeRanges(answer)))
      need.push(...step.need)
      if (step.reply === undefined) { break }
      msg = step.reply
      expect(rounds).toBeLessThan(40)
    }
    expect(hex(need)).toEqual(hex(ids))
    expect(rounds).toBeGreaterThan(20_000 / 3000)
  })

  it('an index updated in place reconciles like one built from scratch', () => {
    const rand = rng(9)
    const live = new Map<string, Uint8Array>()
    const index = new SortedIds()
    for (let step = 0; step < 6000; step++) {
      if (live.size > 0 && rand() < 0.3) {
        const [k, id] = [...live.entries()][Math.floor(rand() * live.size)]
        live.delete(k)
        expect(index.delete(id)).toBe(true)
      } else {
        const id = randomId(rand)
        live.set(Buffer.from(id).toString('hex'), id)
        expect(index.add(id)).toBe(true)
      }
    }
    const fresh = RangeSet.from(live.values())
    expect(index.size).toBe(fresh.size)
    for (const i of [0, 1, 500, 1023, 1024, fresh.size - 1]) {
      expect(Buffer.from(index.id(i))).toEqual(Buffer.from(fresh.id(i)))
      for (const j of [i, fresh.size, Math.min(fresh.size, i + 777)]) {
        expect(Buffer.from(index.sum(i, j))).toEqual(Buffer.from(fresh.sum(i, j)))
      }
    }
    const probe = randomId(rand)
    expect(index.lowerBound(probe)).toBe(fresh.lowerBound(probe))
    // and it reconciles against a copy missing a few ids
    const copy = [...live.values()].slice(3)
    const r = reconcileInMemory(index, RangeSet.from(copy))
    expect(hex(r.have)).toEqual(hex([...live.values()].slice(0, 3)))
    expect(r.need).toHaveLength(0)
  })
})
