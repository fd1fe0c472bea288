/**
 * An inverted index over title, content and tags with BM25 ranking, kept in typed
 * arrays: one postings list per term (document numbers in ascending order, and the
 * term's frequency in each field packed into one 32-bit word). A query scores into flat
 * arrays and keeps the best `limit` in a small heap, so its cost is a few nanoseconds
 * per posting read, without an object per match; a term found in most entries stays
 * cheap. A removed document only leaves a tombstone; the lists are compacted once
 * tombstones are a quarter of the documents, and before a snapshot.
 *
 * Matching: lower-cased runs of letters and digits; the last query term also matches
 * as a prefix (from 4 characters), and terms of 6 characters or more also match at one
 * edit (a typo), each weighted below an exact match.
 */
import { lowerBound } from '../../binary-search.ts'
import { CONTENT, FIELDS, Names, TAGS, TITLE, packTf } from './postings.ts'
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts'
import { oneEdit, tokenize } from './terms.ts'
import { TopK, popcount } from './top-k.ts'

export { tokenize }

export interface SearchDoc {
  id: string
  title: string
  content: string
  tags: string[]
  /** kept for filters (below), not searched as text */
  type?: string
  author?: string
}

/**
 * Filters the index checks itself, before scoring: a few nanoseconds per match from
 * arrays, where a lookup per match in the caller's maps would cost more than the
 * scoring. `accept` is for anything else, called per match that passes the others.
 */
export interface IndexFilter {
  type?: string
  /** an exact tag */
  tag?: string
  author?: string
  /** leave this document out */
  exclude?: string
  accept?(id: string): boolean
}

export interface SearchHit {
  id: string
  score: number
  /** the document terms that matched */
  terms: string[]
}

// field weights (content: 1)
const TITLE_BOOST = 3
const TAGS_BOOST = 2
// BM25+ (k1, b, delta)
const K1 = 1.2
const B = 0.7
const DELTA = 0.5
const PREFIX_MIN = 4
const PREFIX_WEIGHT = 0.375
const MAX_PREFIX_TERMS = 64
const FUZZY_MIN = 6
/** typo matching only for a term this rare (or absent): a common one is spelt as meant */
const FUZZY_BELOW = 16
const FUZZY_WEIGHT = 0.45
const MAX_QUERY_TERMS = 31

interface Expansion { term: number, weight: number }

export class TextIndex {
  /** document number → id, null once removed */
  private ids: Array<string | null> = []
  private readonly numbers = new Map<string, number>()
  // per document number: for filters
  private docType: number[] = []
  private docAuthor: number[] = []
  private docTags: string[][] = []
  private readonly types = new Names()
  private readonly authors = new Names()
  private lengths = new Uint32Array(FIELDS * 1024)
  private readonly totals = [0, 0, 0]
  private live = 0
  private readonly termIds = new Map<string, number>()
  private termText: string[] = []
  private docs: Uint32Array[] = []
  private tfs: Uint32Array[] = []
  private counts: number[] = []
  /** the terms in order, for prefix lookups; null until a query needs it */
  private sorted: string[] | null = null
  private unsorted: string[] = []
  // per-document scratch while adding, indexed by term
  private tfScratch = new Uint32Array(1024)
  private packedScratch = new Uint32Array(1024)
  // per-query scratch, sized to the document numbers
  private scores = new Float64Array(0)
  private masks = new Uint32Array(0)
  private stamps = new Uint32Array(0)
  private touched = new Uint32Array(0)
  private generation = 0

  get size (): number {
    return this.live
  }

  has (id: string): boolean {
    return this.numbers.has(id)
  }

  addAll (docs: SearchDoc[]): void {
    for (const d of docs) { this.upsert(d) }
  }

  upsert (doc: SearchDoc): void {
    this.remove(doc.id)
    const n = this.ids.length
    this.ids.push(doc.id)
    this.numbers.set(doc.id, n)
    this.docType.push(this.types.id(doc.type))
    this.docAuthor.push(this.authors.id(doc.author))
    this.docTags.push(doc.tags)
    if (this.lengths.length < FIELDS * (n + 1)) {
      const grown = new Uint32Array(this.lengths.length * 2)
      grown.set(this.lengths)
      this.lengths = grown
    }
    const fields = [doc.title, doc.content, doc.tags.join(' ')]
    const touched: number[] = []
    for (let f = 0; f < FIELDS; f++) {
      const tokens = tokenize(fields[f])
      this.lengths[n * FIELDS + f] = tokens.length
      this.totals[f] += tokens.length
      for (const t of tokens) {
        const id = this.termId(t)
        if (this.tfScratch[id] === 0 && this.packedScratch[id] === 0) { touched.push(id) }
        this.tfScratch[id]++
      }
      for (const id of touched) {
        if (this.tfScratch[id] === 0) { continue }
        this.packedScratch[id] += packTf(f, this.tfScratch[id])
        this.tfScratch[id] = 0
      }
    }
    for (const id of touched) {
      this.append(id, n, this.packedScratch[id])
      this.packedScratch[id] = 0
    }
    this.live++
  }

  remove (id: string): void {
    const n = this.numbers.get(id)
    if (n == null) { return }
    this.numbers.delete(id)
    this.ids[n] = null
    this.docTags[n] = []
    this.live--
    for (let f = 0; f < FIELDS; f++) { this.totals[f] -= this.lengths[n * FIELDS + f] }
    const dead = this.ids.length - this.live
    if (dead > 1024 && dead * 4 > this.ids.length) { this.compact() }
  }

  private termId (t: string): number {
    let id = this.termIds.get(t)
    if (id == null) {
      id = this.termText.length
      this.termIds.set(t, id)
      this.termText.push(t)
      this.docs.push(new Uint32Array(2))
      this.tfs.push(new Uint32Array(2))
      this.counts.push(0)
      this.unsorted.push(t)
      if (id >= this.tfScratch.length) {
        const tf = new Uint32Array(id * 2)
        tf.set(this.tfScratch)
        this.tfScratch = tf
        const packed = new Uint32Array(id * 2)
        packed.set(this.packedScratch)
        this.packedScratch = packed
      }
    }
    return id
  }

  private append (term: number, doc: number, packed: number): void {
    const k = this.counts[term]
    if (k === this.docs[term].length) {
      const docs = new Uint32Array(k * 2)
      docs.set(this.docs[term])
      this.docs[term] = docs
      const tfs = new Uint32Array(k * 2)
      tfs.set(this.tfs[term])
      this.tfs[term] = tfs
    }
    this.docs[term][k] = doc
    this.tfs[term][k] = packed
    this.counts[term] = k + 1
  }

  /** drop removed documents from every list and number the rest densely again */
  private compact (): void {
    const renumber = new Int32Array(this.ids.length).fill(-1)
    const ids: string[] = []
    const types: number[] = []
    const authors: number[] = []
    const tags: string[][] = []
    const lengths = new Uint32Array(Math.max(1024, this.live) * FIELDS)
    for (let n = 0; n < this.ids.length; n++) {
      const id = this.ids[n]
      if (id == null) { continue }
      renumber[n] = ids.length
      lengths.set(this.lengths.subarray(n * FIELDS, n * FIELDS + FIELDS), ids.length * FIELDS)
      this.numbers.set(id, ids.length)
      ids.push(id)
      types.push(this.docType[n])
      authors.push(this.docAuthor[n])
      tags.push(this.docTags[n])
    }
    for (let t = 0; t < this.termText.length; t++) {
      const docs = this.docs[t]
      const tfs = this.tfs[t]
      let k = 0
      for (let i = 0; i < this.counts[t]; i++) {
        const to = renumber[docs[i]]
        if (to < 0) { continue }
        docs[k] = to
        tfs[k] = tfs[i]
        k++
      }
      this.counts[t] = k
    }
    this.ids = ids
    this.docType = types
    this.docAuthor = authors
    this.docTags = tags
    this.lengths = lengths
    this.scores = new Float64Array(0)
    this.masks = new Uint32Array(0)
    this.stamps = new Uint32Array(0)
    this.touched = new Uint32Array(0)
  }

  private sortedTerms (): string[] {
    if (this.sorted == null || this.unsorted.length > 256) {
      this.sorted = [...this.termIds.keys()].sort()
    } else {
      for (const t of this.unsorted) { this.sorted.splice(lowerBound(this.sorted, t), 0, t) }
    }
    this.unsorted = []
    return this.sorted
  }

  /** the index terms a query term stands for, with their weights */
  private expand (q: string, prefix: boolean): Expansion[] {
    const out: Expansion[] = []
    const exact = this.termIds.get(q)
    if (exact != null) { out.push({ term: exact, weight: 1 }) }
    const seen = new Set<string>([q])
    if (prefix && q.length >= PREFIX_MIN) {
      const sorted = this.sortedTerms()
      for (let i = lowerBound(sorted, q); i < sorted.length && sorted[i].startsWith(q) && seen.size <= MAX_PREFIX_TERMS; i++) {
        const t = sorted[i]
        if (seen.has(t)) { continue }
        seen.add(t)
        out.push({ term: this.termIds.get(t) as number, weight: PREFIX_WEIGHT * t.length / (t.length + 0.3 * (t.length - q.length)) })
      }
    }
    if (q.length >= FUZZY_MIN && (exact == null || this.counts[exact] < FUZZY_BELOW)) {
      for (const t of oneEdit(q)) {
        const id = this.termIds.get(t)
        if (id == null || seen.has(t)) { continue }
        seen.add(t)
        out.push({ term: id, weight: FUZZY_WEIGHT * t.length / (t.length + 1) })
      }
    }
    return out
  }

  private scratch (): void {
    const n = this.ids.length
    if (this.scores.length < n) {
      const size = Math.max(1024, n * 2)
      this.scores = new Float64Array(size)
      this.masks = new Uint32Array(size)
      this.stamps = new Uint32Array(size)
      this.touched = new Uint32Array(size)
      this.generation = 0
    }
    this.generation++
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0)
      this.generation = 1
    }
  }

  /**
   * The best `limit` documents for `query` that pass `filter`, and how many pass in all.
   * AND: every query term (or one of its expansions) is in the document; OR: any, and a
   * document scores more for each query term it holds.
   */
  search (query: string, filter: IndexFilter, limit: number, combineWith: 'AND' | 'OR' = 'AND'): { hits: SearchHit[], total: number } {
    const words = [...new Set(tokenize(query))].slice(0, MAX_QUERY_TERMS)
    if (words.length === 0 || this.live === 0) { return { hits: [], total: 0 } }
    const groups = words.map((w, i) => ({ bit: 1 << i, terms: this.expand(w, i === words.length - 1), postings: 0 }))
    for (const g of groups) { for (const e of g.terms) { g.postings += this.counts[e.term] } }
    if (combineWith === 'AND') {
      if (groups.some(g => g.terms.length === 0)) { return { hits: [], total: 0 } }
      // the rarest term first: it sets the candidates, the others only add to them
      groups.sort((a, b) => a.postings - b.postings)
    }
    this.scratch()
    let touchedCount = 0
    groups.forEach((g, gi) => {
      for (const { term, weight } of g.terms) {
        touchedCount = this.score(term, weight, g.bit, combineWith === 'OR' || gi === 0, touchedCount)
      }
    })
    const { masks, scores, touched, ids } = this
    const all = groups.reduce((m, g) => m | g.bit, 0)
    // a filter naming something the index never saw matches nothing
    const type = filter.type == null ? 0 : this.types.find(filter.type)
    const author = filter.author == null ? 0 : this.authors.find(filter.author)
    if (type < 0 || author < 0) { return { hits: [], total: 0 } }
    const exclude = filter.exclude == null ? -1 : this.numbers.get(filter.exclude) ?? -1
    const { tag, accept } = filter
    const { docType, docAuthor, docTags } = this
    const heap = new TopK(limit)
    let total = 0
    for (let i = 0; i < touchedCount; i++) {
      const d = touched[i]
      const m = masks[d]
      if (combineWith === 'AND' && m !== all) { continue }
      const score = combineWith === 'OR' ? scores[d] * popcount(m) : scores[d]
      if ((type !== 0 && docType[d] !== type) || (author !== 0 && docAuthor[d] !== author) || d === exclude ||
        (tag != null && !docTags[d].includes(tag)) || (accept != null && !accept(ids[d] as string))) { continue }
      total++
      heap.offer(d, score)
    }
    const hits = heap.sorted().map(({ doc, score }) => ({ id: ids[doc] as string, score, terms: this.matchedTerms(doc, groups) }))
    return { hits, total }
  }

  /**
   * Add one term's BM25+ score to each document holding it; `opens`: a document not
   * touched yet in this query becomes a candidate (else it is left out). Returns the new
   * candidate count.
   */
  private score (term: number, weight: number, bit: number, opens: boolean, touchedCount: number): number {
    const { scores, masks, stamps, touched, generation: gen, ids, lengths } = this
    const k = this.counts[term]
    const docs = this.docs[term]
    const tfs = this.tfs[term]
    const idf = weight * Math.log(1 + (Math.max(0, this.live - k) + 0.5) / (k + 0.5))
    // per field: the length normalisation's two parts
    const n0 = K1 * (1 - B)
    const nTitle = K1 * B / Math.max(1, this.totals[TITLE] / this.live)
    const nContent = K1 * B / Math.max(1, this.totals[CONTENT] / this.live)
    const nTags = K1 * B / Math.max(1, this.totals[TAGS] / this.live)
    for (let i = 0; i < k; i++) {
      const d = docs[i]
      if (stamps[d] !== gen) {
        if (!opens || ids[d] == null) { continue }
        stamps[d] = gen
        scores[d] = 0
        masks[d] = 0
        touched[touchedCount++] = d
      }
      const p = tfs[i]
      const content = p >>> 16
      let s = content === 0 ? 0 : DELTA + content * (K1 + 1) / (content + n0 + nContent * lengths[d * FIELDS + CONTENT])
      if ((p & 0xffff) !== 0) {
        const title = p & 0xff
        const tags = (p >>> 8) & 0xff
        if (title !== 0) { s += TITLE_BOOST * (DELTA + title * (K1 + 1) / (title + n0 + nTitle * lengths[d * FIELDS + TITLE])) }
        if (tags !== 0) { s += TAGS_BOOST * (DELTA + tags * (K1 + 1) / (tags + n0 + nTags * lengths[d * FIELDS + TAGS])) }
      }
      scores[d] += idf * s
      masks[d] |= bit
    }
    return touchedCount
  }

  /** the index terms of `groups` that document `doc` holds */
  private matchedTerms (doc: number, groups: Array<{ terms: Expansion[] }>): string[] {
    const out: string[] = []
    for (const g of groups) {
      for (const { term } of g.terms) {
        const i = lowerBound(this.docs[term], doc, this.counts[term])
        if (i < this.counts[term] && this.docs[term][i] === doc) { out.push(this.termText[term]) }
      }
    }
    return out
  }

  // ---- snapshot (./snapshot.ts) ----

  toBytes (): Uint8Array {
    if (this.live !== this.ids.length) { this.compact() }
    return encodeSnapshot({
      ids: this.ids as string[],
      terms: this.termText,
      totals: this.totals,
      types: this.docType,
      authors: this.docAuthor,
      tags: this.docTags,
      typeNames: this.types.names,
      authorNames: this.authors.names,
      lengths: this.lengths,
      docs: this.docs,
      tfs: this.tfs,
      counts: this.counts
    })
  }

  static fromBytes (bytes: Uint8Array): TextIndex {
    const s = decodeSnapshot(bytes)
    const index = new TextIndex()
    index.ids = s.ids
    index.docType = s.types
    index.docAuthor = s.authors
    index.docTags = s.tags
    index.types.load(s.typeNames)
    index.authors.load(s.authorNames)
    s.ids.forEach((id, n) => index.numbers.set(id, n))
    index.live = s.ids.length
    index.lengths = new Uint32Array(Math.max(1024, s.ids.length) * FIELDS)
    index.lengths.set(s.lengths)
    s.totals.forEach((t, f) => { index.totals[f] = t })
    s.terms.forEach((t, i) => index.termIds.set(t, i))
    // views into the snapshot: a list is copied out when it first grows
    index.docs = s.docs
    index.tfs = s.tfs
    index.counts = s.counts
    index.termText = s.terms
    index.tfScratch = new Uint32Array(s.terms.length + 1024)
    index.packedScratch = new Uint32Array(s.terms.length + 1024)
    return index
  }
}
