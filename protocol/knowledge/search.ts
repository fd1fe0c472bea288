/**
 * Full-text search over the current version of each live knowledge entry, with
 * MiniSearch (chosen over FlexSearch and Orama on this workload: `npm run bench --
 * knowledge` and docs/protocols/knowledge.md). Title and tags weigh more than content;
 * prefix and light fuzzy matching; filters run on the caller's metadata inside the
 * search so ranking and paging see only matching entries. The index serializes to JSON,
 * so a node loads it on start instead of re-reading every entry.
 */
import MiniSearch from 'minisearch'

export interface SearchDoc {
  id: string
  title: string
  content: string
  tags: string[]
}

export interface SearchHit {
  id: string
  score: number
  /** the document terms that matched */
  terms: string[]
}

const OPTIONS = {
  fields: ['title', 'content', 'tags'],
  storeFields: [] as string[],
  extractField: (doc: any, field: string) => field === 'tags' ? (doc.tags as string[]).join(' ') : doc[field],
  // prefix and fuzzy matching only on longer terms: on short ones they expand to a large
  // part of the vocabulary and dominate the search time
  searchOptions: {
    boost: { title: 3, tags: 2 },
    prefix: (term: string) => term.length >= 4,
    fuzzy: (term: string) => term.length >= 6 ? 0.15 : false,
    combineWith: 'AND' as const
  }
}

export class KnowledgeIndex {
  private ms: MiniSearch<SearchDoc>

  constructor (ms?: MiniSearch<SearchDoc>) {
    this.ms = ms ?? new MiniSearch<SearchDoc>(OPTIONS)
  }

  static load (json: string): KnowledgeIndex {
    return new KnowledgeIndex(MiniSearch.loadJSON<SearchDoc>(json, OPTIONS))
  }

  get size (): number {
    return this.ms.documentCount
  }

  has (id: string): boolean {
    return this.ms.has(id)
  }

  addAll (docs: SearchDoc[]): void {
    this.ms.addAll(docs)
  }

  upsert (doc: SearchDoc): void {
    if (this.ms.has(doc.id)) { this.ms.replace(doc) } else { this.ms.add(doc) }
  }

  remove (id: string): void {
    if (this.ms.has(id)) { this.ms.discard(id) }
  }

  search (query: string, filter: (id: string) => boolean, limit: number, combineWith: 'AND' | 'OR' = 'AND'): { hits: SearchHit[], total: number } {
    const results = this.ms.search(query, { filter: r => filter(r.id as string), combineWith })
    return { hits: results.slice(0, limit).map(r => ({ id: r.id as string, score: r.score, terms: r.terms })), total: results.length }
  }

  toJSON (): string {
    return JSON.stringify(this.ms)
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, c => ESCAPES[c])
}

/**
 * A short excerpt of `text` around the first matched term, HTML-escaped, with matched
 * terms wrapped in `<mark>`: safe to insert as HTML.
 */
export function snippet (text: string, terms: string[], width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const words = terms.filter(t => t.length > 0).map(t => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  if (words.length === 0) { return escapeHtml(flat.slice(0, width)) }
  const re = new RegExp(`(${words.join('|')})`, 'ig')
  const first = flat.search(re)
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(width / 3))
  const cut = flat.slice(start, start + width)
  const parts = cut.split(re)
  const body = parts.map((p, i) => i % 2 === 1 ? `<mark>${escapeHtml(p)}</mark>` : escapeHtml(p)).join('')
  return (start > 0 ? '…' : '') + body + (start + width < flat.length ? '…' : '')
}
