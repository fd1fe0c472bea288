/**
 * Search for the knowledge service: the index (./text-index/) and highlighted,
 * HTML-safe snippets of what matched.
 */
export { TextIndex as KnowledgeIndex, tokenize } from './text-index/index.ts'
export type { SearchDoc, SearchHit } from './text-index/index.ts'

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
