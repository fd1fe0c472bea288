/**
 * The search index's binary snapshot: a JSON header (ids, terms, the filter fields), then
 * field lengths, list sizes, document numbers and packed frequencies as little-endian
 * 32-bit words. Decoding checks every size and the order of every list, so a damaged
 * snapshot is refused (the caller rebuilds the index) rather than trusted.
 */
import { FIELDS } from './postings.ts'

const MAGIC = 0x4b584931 // 'KXI1'

/** what a snapshot holds: a compacted index (no removed documents) */
export interface IndexSnapshot {
  ids: string[]
  terms: string[]
  totals: number[]
  types: number[]
  authors: number[]
  tags: string[][]
  typeNames: string[]
  authorNames: string[]
  /** FIELDS words per document */
  lengths: Uint32Array
  /** per term: its document numbers and packed frequencies, `counts[t]` of each in use */
  docs: Uint32Array[]
  tfs: Uint32Array[]
  counts: number[]
}

type Header = Omit<IndexSnapshot, 'lengths' | 'docs' | 'tfs' | 'counts'>

export function encodeSnapshot (s: IndexSnapshot): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({
    ids: s.ids,
    terms: s.terms,
    totals: s.totals,
    types: s.types,
    authors: s.authors,
    tags: s.tags,
    typeNames: s.typeNames,
    authorNames: s.authorNames
  } satisfies Header))
  const postings = s.counts.reduce((sum, k) => sum + k, 0)
  const words = 3 + Math.ceil(header.length / 4) + s.ids.length * FIELDS + s.terms.length + 2 * postings
  const out = new Uint32Array(words)
  out[0] = MAGIC
  out[1] = header.length
  out[2] = postings
  new Uint8Array(out.buffer).set(header, 12)
  let at = 3 + Math.ceil(header.length / 4)
  out.set(s.lengths.subarray(0, s.ids.length * FIELDS), at)
  at += s.ids.length * FIELDS
  out.set(s.counts, at)
  at += s.terms.length
  for (let t = 0; t < s.terms.length; t++) {
    out.set(s.docs[t].subarray(0, s.counts[t]), at)
    out.set(s.tfs[t].subarray(0, s.counts[t]), at + postings)
    at += s.counts[t]
  }
  return new Uint8Array(out.buffer)
}

/** throws on anything but a well-formed snapshot; the lists are views into a copy of `bytes` */
export function decodeSnapshot (bytes: Uint8Array): IndexSnapshot {
  if (bytes.length < 12 || bytes.length % 4 !== 0) { throw new Error('search snapshot: bad length') }
  const words = new Uint32Array(bytes.slice().buffer)
  if (words[0] !== MAGIC) { throw new Error('search snapshot: unknown format') }
  const headerLength = words[1]
  const postings = words[2]
  let header: Header
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)))
  } catch {
    throw new Error('search snapshot: bad header')
  }
  const { ids, terms, totals } = header
  if (!Array.isArray(ids) || !Array.isArray(terms) || !Array.isArray(totals) || totals.length !== FIELDS ||
    !Array.isArray(header.types) || !Array.isArray(header.authors) || !Array.isArray(header.tags) ||
    header.types.length !== ids.length || header.authors.length !== ids.length || header.tags.length !== ids.length ||
    !Array.isArray(header.typeNames) || !Array.isArray(header.authorNames) || ids.some(id => typeof id !== 'string')) { throw new Error('search snapshot: bad header') }
  let at = 3 + Math.ceil(headerLength / 4)
  if (words.length !== at + ids.length * FIELDS + terms.length + 2 * postings) { throw new Error('search snapshot: bad size') }
  const lengths = words.subarray(at, at + ids.length * FIELDS)
  at += ids.length * FIELDS
  const counts = Array.from(words.subarray(at, at + terms.length))
  at += terms.length
  const docs: Uint32Array[] = []
  const tfs: Uint32Array[] = []
  let sum = 0
  for (const k of counts) {
    docs.push(words.subarray(at + sum, at + sum + k))
    tfs.push(words.subarray(at + postings + sum, at + postings + sum + k))
    sum += k
  }
  if (sum !== postings) { throw new Error('search snapshot: bad list sizes') }
  for (const d of docs) {
    for (let i = 0; i < d.length; i++) {
      if (d[i] >= ids.length || (i > 0 && d[i] <= d[i - 1])) { throw new Error('search snapshot: bad postings') }
    }
  }
  return { ...header, lengths, docs, tfs, counts }
}
