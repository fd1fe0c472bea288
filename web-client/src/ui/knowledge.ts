/**
 * Knowledge entries of the node shown: search (ranked, matches highlighted), read an entry
 * (its Markdown rendered and sanitised: entries are written by any peer, so their content
 * is hostile input), write a new one (signed by the node shown) and rate one 0–5; and
 * co-edit a learning session (session-editor.ts).
 */
import DOMPurify from 'dompurify'
import { marked } from 'marked'
import { KNOWLEDGE_TYPE_NAMES } from '../source/types.ts'
import { card, errorText, fmtAgo, h, shortId } from './dom.ts'
import { setStatus } from './panel.ts'
import { createSessionEditor } from './session-editor.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { KnowledgeEntryRow } from '../source/types.ts'

const LIST_SIZE = 20

/**
 * The server's snippets are escaped text with `<mark>` around the matched terms: keep
 * exactly that one tag (no attributes), whatever a hostile title or content tried.
 */
export function markedSnippet (html: string): DocumentFragment {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [], RETURN_DOM_FRAGMENT: true })
}

/** an entry's Markdown as sanitised HTML: no scripts, handlers, frames or forms survive */
export function renderMarkdown (markdown: string): DocumentFragment {
  const html = marked.parse(markdown, { async: false, gfm: true })
  return DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true, FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'] })
}

function ratingText (e: KnowledgeEntryRow): string {
  return e.rating.count === 0 ? 'not rated' : `★ ${e.rating.mean?.toFixed(1) ?? '–'} (${e.rating.count})`
}

export function createKnowledgePanel (ctx: PanelContext): Panel {
  const { source } = ctx

  // search
  const query = h('input', { id: 'kn-q', name: 'q', type: 'search', maxlength: 256, placeholder: 'Search title, content, tags', 'aria-label': 'Search knowledge' })
  const searchForm = h('form', { class: 'row', role: 'search', 'aria-label': 'Search knowledge' }, query, h('button', { type: 'submit' }, 'Search'))
  const results = h('ol', { class: 'knowledge-results', 'aria-label': 'Knowledge entries', 'aria-live': 'polite' })
  let searching = ''

  // reader
  const reader = h('article', { class: 'knowledge-entry', 'aria-label': 'Knowledge entry', hidden: true })

  // writer
  const title = h('input', { id: 'kn-title', name: 'title', type: 'text', maxlength: 200, required: true })
  const type = h('select', { id: 'kn-type', name: 'type' }, ...KNOWLEDGE_TYPE_NAMES.map(t => h('option', { value: t, selected: t === 'insight' }, t)))
  const tags = h('input', { id: 'kn-tags', name: 'tags', type: 'text', placeholder: 'comma separated: water, repair' })
  const content = h('textarea', { id: 'kn-content', name: 'content', rows: 5, required: true, placeholder: 'Markdown' })
  const writeStatus = h('p', { class: 'form-status', role: 'status' })
  const submit = h('button', { type: 'submit' }, 'Publish')
  const writeForm = h('form', { class: 'stack', 'aria-label': 'Write a knowledge entry' },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'kn-title' }, 'Title'), title),
      h('div', { class: 'field narrow' }, h('label', { for: 'kn-type' }, 'Type'), type)
    ),
    h('label', { for: 'kn-tags' }, 'Tags'), tags,
    h('label', { for: 'kn-content' }, 'Content'), content,
    h('div', { class: 'row end' }, writeStatus, submit)
  )
  const writer = h('details', { class: 'knowledge-write' }, h('summary', {}, 'Write an entry'), writeForm)

  const sessionEditor = createSessionEditor(ctx)
  const { section } = card('knowledge', 'Knowledge', searchForm, results, reader, writer, sessionEditor.element)

  const renderList = (rows: Array<{ entry: KnowledgeEntryRow, titleHtml?: string, snippetHtml?: string }>, query: string): void => {
    if (rows.length === 0) {
      results.replaceChildren(h('li', { class: 'empty' }, query === '' ? 'No entries yet.' : 'Nothing found.'))
      return
    }
    results.replaceChildren(...rows.map(r => {
      const titleEl = h('button', { type: 'button', class: 'link', 'aria-label': `Open ${r.entry.title}` })
      titleEl.append(r.titleHtml != null && r.titleHtml !== '' ? markedSnippet(r.titleHtml) : r.entry.title)
      titleEl.addEventListener('click', () => { void openEntry(r.entry.id) })
      const snippet = h('p', { class: 'snippet' })
      if (r.snippetHtml != null) { snippet.append(markedSnippet(r.snippetHtml)) }
      return h('li', { 'data-entry': r.entry.id },
        titleEl,
        h('span', { class: 'meta' }, ` ${r.entry.type} · ${ratingText(r.entry)} · ${shortId(r.entry.author)} · ${fmtAgo(r.entry.updatedAt)}`),
        r.snippetHtml != null ? snippet : null)
    }))
  }

  // loads overlap (a search, the periodic refresh, a reload after a write or a rating) and
  // their answers may come back in any order: only the latest one started is shown, so an
  // older search's answer never replaces a newer one's
  let started = 0
  const load = async (): Promise<void> => {
    const seq = ++started
    const query = searching
    try {
      const rows = query === ''
        ? (await source.knowledgeEntries(LIST_SIZE)).map(entry => ({ entry }))
        : await source.searchKnowledge(query, LIST_SIZE)
      if (seq === started) { renderList(rows, query) }
    } catch (err) {
      if (seq === started) { results.replaceChildren(h('li', { class: 'empty' }, `knowledge unavailable: ${errorText(err)}`)) }
    }
  }

  const showEntry = (e: KnowledgeEntryRow): void => {
    const body = h('div', { class: 'markdown' })
    body.append(renderMarkdown(e.content ?? ''))
    const rateStatus = h('p', { class: 'form-status', role: 'status' })
    const rating = h('span', { class: 'rating', 'data-rating-count': String(e.rating.count) }, ratingText(e))
    const stars = [0, 1, 2, 3, 4, 5].map(score => {
      const b = h('button', { type: 'button', class: 'rate', 'data-score': String(score), 'aria-label': `Rate ${score} of 5` }, String(score))
      b.addEventListener('click', () => {
        for (const s of stars) { s.disabled = true }
        source.rateKnowledge(e.id, score).then(updated => {
          rating.textContent = ratingText(updated)
          rating.dataset.ratingCount = String(updated.rating.count)
          setStatus(rateStatus, `Rated ${score}.`)
          void load()
        }, err => {
          setStatus(rateStatus, `Not rated: ${errorText(err)}`, 'error')
        }).finally(() => { for (const s of stars) { s.disabled = false } })
      })
      return b
    })
    const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Close entry' }, '×')
    close.addEventListener('click', () => { reader.hidden = true; reader.replaceChildren() })
    reader.replaceChildren(
      h('header', { class: 'row' }, h('h3', {}, e.title), close),
      h('p', { class: 'meta' }, `${e.type} · v${e.version} · by ${shortId(e.author)} · confidence ${Math.round(e.confidence * 100)}%${e.retracted ? ' · retracted' : ''}`),
      ...(e.tags.length > 0 ? [h('p', { class: 'tags' }, ...e.tags.map(t => h('span', { class: 'badge' }, t)))] : []),
      body,
      h('div', { class: 'row', role: 'group', 'aria-label': 'Rate this entry' }, h('span', {}, 'Rate: '), ...stars, rating),
      rateStatus
    )
    reader.dataset.entry = e.id
    reader.hidden = false
  }

  const openEntry = async (id: string): Promise<void> => {
    try {
      const e = await source.knowledgeEntry(id)
      if (e == null) { ctx.toast('That entry is gone.', 'error'); return }
      showEntry(e)
    } catch (err) {
      ctx.toast(`Entry unavailable: ${errorText(err)}`, 'error')
    }
  }

  searchForm.addEventListener('submit', evt => {
    evt.preventDefault()
    searching = query.value.trim()
    void load()
  })

  writeForm.addEventListener('submit', evt => {
    evt.preventDefault()
    submit.disabled = true
    setStatus(writeStatus, 'Signing…')
    const tagList = tags.value.split(',').map(t => t.trim().toLowerCase()).filter(t => t !== '')
    source.writeKnowledge({ title: title.value.trim(), content: content.value, type: type.value, tags: tagList }).then(entry => {
      title.value = ''
      content.value = ''
      tags.value = ''
      setStatus(writeStatus, 'Published.')
      showEntry(entry)
      void load()
    }, err => {
      setStatus(writeStatus, `Not published: ${errorText(err)}`, 'error')
    }).finally(() => { submit.disabled = false })
  })

  void load()
  void sessionEditor.refresh().catch(() => {})
  let ticks = 0
  return {
    section,
    dispose: sessionEditor.dispose,
    refresh: async () => {
      await sessionEditor.refresh().catch(() => {})
      // entries change slowly and a search costs the node: follow every fifth tick
      if (++ticks % 5 !== 0) { return }
      await load()
    }
  }
}
