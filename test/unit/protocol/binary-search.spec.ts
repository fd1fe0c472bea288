/**
 * The shared binary search: edge cases (empty, all smaller, all larger, duplicates, a
 * bounded prefix) and seeded random arrays against a linear scan.
 */
import { describe, expect, it } from 'vitest'
import { lowerBound, partitionPoint } from '../../../protocol/binary-search.ts'
import { createRandom } from '../../../simulations/random.ts'

/** what a binary search must return: the first index holding a value >= x, by scanning */
function scan<T extends number | string> (a: ArrayLike<T>, x: T, n = a.length): number {
  for (let i = 0; i < n; i++) { if (a[i] >= x) { return i } }
  return n
}

describe('lowerBound', () => {
  it('empty: 0', () => {
    expect(lowerBound([], 5)).toBe(0)
    expect(lowerBound(new Uint32Array(0), 5)).toBe(0)
    expect(lowerBound<string>([], 'a')).toBe(0)
  })

  it('all smaller: the length; all larger: 0', () => {
    expect(lowerBound([1, 2, 3], 4)).toBe(3)
    expect(lowerBound([1, 2, 3], 0)).toBe(0)
    expect(lowerBound(['b', 'c'], 'd')).toBe(2)
    expect(lowerBound(['b', 'c'], 'a')).toBe(0)
  })

  it('present: its index; absent: where it would go', () => {
    const a = Uint32Array.from([2, 4, 6, 8, 10])
    expect([2, 4, 6, 8, 10].map(x => lowerBound(a, x))).toEqual([0, 1, 2, 3, 4])
    expect([1, 3, 5, 7, 9, 11].map(x => lowerBound(a, x))).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('duplicates: the first of the equal run', () => {
    const a = [1, 3, 3, 3, 3, 7, 7, 9]
    expect(lowerBound(a, 3)).toBe(1)
    expect(lowerBound(a, 7)).toBe(5)
    expect(lowerBound(a, 4)).toBe(5)
    expect(lowerBound([5, 5, 5, 5], 5)).toBe(0)
    expect(lowerBound([5, 5, 5, 5], 6)).toBe(4)
    expect(lowerBound(['a', 'b', 'b', 'b'], 'b')).toBe(1)
  })

  it('searches only a[0, n): later slots (spare capacity) are not read', () => {
    // a typed array with room to grow: the tail is garbage, not part of the sorted data
    const a = Uint32Array.from([1, 5, 9, 0, 0, 0])
    expect(lowerBound(a, 10, 3)).toBe(3)
    expect(lowerBound(a, 6, 3)).toBe(2)
    expect(lowerBound(a, 1, 0)).toBe(0)
  })

  it('strings compare by UTF-16 code units, as sort() orders them', () => {
    const a = ['Zebra', 'apple', 'apples', 'banana', 'é'].sort()
    expect(lowerBound(a, 'apple')).toBe(a.indexOf('apple'))
    expect(lowerBound(a, 'applf')).toBe(a.indexOf('banana'))
    expect(lowerBound(a, 'zz')).toBe(a.indexOf('é'))
  })

  it('agrees with a linear scan on seeded random sorted arrays with many duplicates', () => {
    const rand = createRandom(7, 'binary-search')
    for (let round = 0; round < 500; round++) {
      const len = Math.floor(rand.next() * 40)
      const a = Uint32Array.from({ length: len }, () => Math.floor(rand.next() * 20)).sort()
      const n = Math.floor(rand.next() * (len + 1))
      for (let x = -1; x <= 21; x++) {
        expect(lowerBound(a, x, n)).toBe(scan(a, x, n))
      }
    }
  })
})

describe('partitionPoint', () => {
  it('empty range: lo', () => {
    let asked = 0
    expect(partitionPoint(3, 3, () => { asked++; return true })).toBe(3)
    expect(asked).toBe(0)
  })

  it('true throughout: hi; false throughout: lo', () => {
    expect(partitionPoint(0, 10, () => true)).toBe(10)
    expect(partitionPoint(2, 10, () => false)).toBe(2)
  })

  it('finds the first index where the predicate turns false, asking log2 of the range', () => {
    for (let cut = 0; cut <= 1000; cut++) {
      let asked = 0
      expect(partitionPoint(0, 1000, i => { asked++; return i < cut })).toBe(cut)
      expect(asked).toBeLessThanOrEqual(11)
    }
  })

  it('over a comparator (byte ids): the first id >= the bound, before duplicates', () => {
    const ids = [[0, 1], [0, 3], [0, 3], [2, 0], [200, 7]].map(b => Uint8Array.from(b))
    const compare = (a: Uint8Array, b: Uint8Array): number => a[0] - b[0] || a[1] - b[1]
    const lb = (x: number[]): number => partitionPoint(0, ids.length, i => compare(ids[i], Uint8Array.from(x)) < 0)
    expect(lb([0, 0])).toBe(0)
    expect(lb([0, 3])).toBe(1)
    expect(lb([0, 4])).toBe(3)
    expect(lb([200, 7])).toBe(4)
    expect(lb([255, 255])).toBe(5)
  })

  it('the last index with a property: partitionPoint(lo + 1, hi, holds) - 1', () => {
    // the bucket of a global position: the last start <= the position (empty buckets repeat a start)
    const starts = [0, 4, 4, 9, 12]
    const bucketOf = (pos: number): number => partitionPoint(1, starts.length, b => starts[b] <= pos) - 1
    expect([0, 3, 4, 8, 9, 11, 12, 20].map(bucketOf)).toEqual([0, 0, 2, 2, 3, 3, 4, 4])
  })
})
