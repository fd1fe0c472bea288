/**
 * The knowledge search index on its own: ranking, AND/OR, prefix and typo matching,
 * stop words, the filters it checks itself, removal and compaction, and its snapshot.
 */
import { describe, expect, it } from 'vitest'
import { snippet } from '../../../protocol/knowledge/search.ts'
import { TextIndex, tokenize } from '../../../protocol/knowledge/text-index/index.ts'
import type { SearchDoc } from '../../../protocol/knowledge/text-index/index.ts'

function doc (id: string, title: string, content: string, extra: Partial<SearchDoc> = {}): SearchDoc {
  return { id, title, content, tags: [], ...extra }
}

function ids (index: TextIndex, q: string, filter = {}, limit = 20, mode: 'AND' | 'OR' = 'AND'): string[] {
  return index.search(q, filter, limit, mode).hits.map(h => h.id)
}

describe('knowledge text index', () => {
  it('tokenizes letters and digits, lower-cased, without stop words', () => {
    expect(tokenize('The Relay-node, of 2024: Ünïcode_test!')).toEqual(['relay', 'node', '2024', 'ünïcode', 'test'])
  })

  it('ranks a title match above a content match, and more occurrences higher', () => {
    const index = new TextIndex()
    index.addAll([
      doc('a', 'notes', 'a relay once in a long text about other things entirely'),
      doc('b', 'relay setup', 'how to set it up'),
      doc('c', 'notes', 'relay relay relay relay')
    ])
    const { hits, total } = index.search('relay', {}, 10)
    expect(total).toBe(3)
    expect(hits.map(h => h.id)).toEqual(['b', 'c', 'a'])
    expect(hits[0].score).toBeGreaterThan(hits[1].score)
    expect(hits[0].terms).toEqual(['relay'])
  })

  it('AND needs every term, OR any (and ranks holding more terms higher)', () => {
    const index = new TextIndex()
    index.addAll([doc('a', 'gossip', 'mesh'), doc('b', 'gossip', 'other'), doc('c', 'mesh', 'other')])
    expect(ids(index, 'gossip mesh')).toEqual(['a'])
    expect(ids(index, 'gossip mesh', {}, 20, 'OR')[0]).toBe('a')
    expect(ids(index, 'gossip mesh', {}, 20, 'OR').sort()).toEqual(['a', 'b', 'c'])
    expect(ids(index, 'gossip absentword')).toEqual([])
  })

  it('matches the last term as a prefix from four characters, a rare long term at one typo', () => {
    const index = new TextIndex()
    index.addAll([doc('a', 'partition healing', 'x'), doc('b', 'partitions', 'y'), doc('c', 'part', 'z')])
    expect(ids(index, 'parti').sort()).toEqual(['a', 'b'])
    // three characters: no prefix expansion
    expect(ids(index, 'par')).toEqual([])
    // a prefix only on the last term
    expect(ids(index, 'parti healing')).toEqual([])
    expect(ids(index, 'healing parti')).toEqual(['a'])
    // one edit on a term of six characters or more
    expect(ids(index, 'healnig')).toEqual(['a'])
    const { hits } = index.search('partition', {}, 10)
    expect(hits[0].id).toBe('a')
    expect(hits.find(h => h.id === 'b')?.terms).toEqual(['partitions'])
  })

  it('filters by type, exact tag, author, an excluded id and a callback before ranking and counting', () => {
    const index = new TextIndex()
    index.addAll([
      doc('a', 'relay', 'x', { type: 'insight', author: 'k1', tags: ['ops', 'net'] }),
      doc('b', 'relay', 'x', { type: 'solution', author: 'k2', tags: ['net-ops'] }),
      doc('c', 'relay', 'x', { type: 'insight', author: 'k2', tags: ['ops'] })
    ])
    expect(ids(index, 'relay', { type: 'insight' }).sort()).toEqual(['a', 'c'])
    expect(ids(index, 'relay', { type: 'unknown' })).toEqual([])
    expect(ids(index, 'relay', { tag: 'ops' }).sort()).toEqual(['a', 'c'])
    expect(ids(index, 'relay', { author: 'k2', type: 'insight' })).toEqual(['c'])
    expect(ids(index, 'relay', { exclude: 'a' }).sort()).toEqual(['b', 'c'])
    expect(index.search('relay', { accept: id => id !== 'b' }, 1).total).toBe(2)
  })

  it('keeps only the best `limit` and counts all', () => {
    const index = new TextIndex()
    index.addAll(Array.from({ length: 50 }, (_, i) => doc(`d${i}`, i === 7 ? 'mesh mesh' : 'entry', 'mesh')))
    const { hits, total } = index.search('mesh', {}, 5)
    expect(total).toBe(50)
    expect(hits).toHaveLength(5)
    expect(hits[0].id).toBe('d7')
  })

  it('replaces and removes documents, and stays right across compaction', () => {
    const index = new TextIndex()
    const n = 3000
    index.addAll(Array.from({ length: n }, (_, i) => doc(`d${i}`, `k${i}z`, i % 2 === 0 ? 'even body' : 'odd body')))
    index.upsert(doc('d1', 'changed', 'even now'))
    expect(ids(index, 'k1z')).toEqual([])
    expect(ids(index, 'changed')).toEqual(['d1'])
    // removing over a quarter of the documents compacts the lists
    for (let i = 0; i < n; i += 2) { index.remove(`d${i}`) }
    expect(index.size).toBe(n / 2)
    expect(index.has('d0')).toBe(false)
    expect(index.search('even', {}, 10).total).toBe(1)
    expect(index.search('odd', {}, 10).total).toBe(n / 2 - 1)
    expect(ids(index, 'k2999z')[0]).toBe('d2999')
    index.upsert(doc('d0', 'back', 'even'))
    expect(ids(index, 'even').sort()).toEqual(['d0', 'd1'])
  })

  it('answers the same from its snapshot, and refuses a damaged one', () => {
    const index = new TextIndex()
    index.addAll([
      doc('a', 'relay setup', 'gossip mesh partition', { type: 'insight', author: 'k1', tags: ['ops'] }),
      doc('b', 'ledger', 'sync relay', { type: 'solution', author: 'k2', tags: ['db'] }),
      doc('c', 'gone', 'relay')
    ])
    index.remove('c')
    const bytes = index.toBytes()
    const loaded = TextIndex.fromBytes(bytes)
    expect(loaded.size).toBe(2)
    for (const q of ['relay', 'gossip partition', 'setu', 'ledger']) {
      expect(loaded.search(q, {}, 10)).toEqual(index.search(q, {}, 10))
    }
    expect(ids(loaded, 'relay', { tag: 'db' })).toEqual(['b'])
    expect(ids(loaded, 'relay', { author: 'k1' })).toEqual(['a'])
    loaded.upsert(doc('d', 'fresh', 'relay'))
    expect(loaded.search('relay', {}, 10).total).toBe(3)
    expect(() => TextIndex.fromBytes(bytes.subarray(0, bytes.length - 4))).toThrow(/snapshot/)
    expect(() => TextIndex.fromBytes(new TextEncoder().encode('{"documentCount":1}'))).toThrow(/snapshot/)
    const bad = bytes.slice()
    bad[12] = 0x78
    expect(() => TextIndex.fromBytes(bad)).toThrow(/snapshot/)
  })

  it('highlights matched terms in an escaped snippet', () => {
    const index = new TextIndex()
    index.addAll([doc('a', 'x', 'the <b>relays</b> heal')])
    const { hits } = index.search('relay', {}, 1)
    expect(snippet('the <b>relays</b> heal', hits[0].terms)).toBe('the &lt;b&gt;<mark>relays</mark>&lt;/b&gt; heal')
  })
})
