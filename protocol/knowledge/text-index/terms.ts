/**
 * Turning text into index terms, and the terms at one edit from a query term (typos).
 */

export const MAX_TERM_LENGTH = 64
const FUZZY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * English function words: in nearly every entry, so they rank nothing and would only
 * make the index and the queries that hold them larger (Lucene's default list).
 */
const STOP_WORDS = new Set('a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '))
const SEPARATORS = /[^\p{L}\p{N}]+/u

/** lower-cased runs of letters and digits, without stop words */
export function tokenize (text: string): string[] {
  const out: string[] = []
  for (const t of text.toLowerCase().split(SEPARATORS)) {
    if (t.length > 0 && t.length <= MAX_TERM_LENGTH && !STOP_WORDS.has(t)) { out.push(t) }
  }
  return out
}

/** terms at one edit from `term` (delete, substitute, insert, swap two neighbours) */
export function oneEdit (term: string): Set<string> {
  const out = new Set<string>()
  const alphabet = new Set(FUZZY_ALPHABET + term)
  for (let i = 0; i <= term.length; i++) {
    const head = term.slice(0, i)
    if (i < term.length) {
      out.add(head + term.slice(i + 1))
      for (const c of alphabet) { out.add(head + c + term.slice(i + 1)) }
      if (i + 1 < term.length) { out.add(head + term[i + 1] + term[i] + term.slice(i + 2)) }
    }
    for (const c of alphabet) { out.add(head + c + term.slice(i)) }
  }
  out.delete(term)
  return out
}
