/**
 * The learning-session editor of the knowledge panel: pick a session the node knows, join
 * it, and edit one of its fields in a textarea shared live with the other participants,
 * with who is present. The source binds the field: the tab's own Y.Doc in the tab view,
 * the node's session through its API in the node view.
 */
import { SESSION_FIELD_NAMES } from '../source/types.ts'
import { errorText, h, shortId } from './dom.ts'
import { setStatus } from './panel.ts'
import type { PanelContext } from './panel.ts'
import type { SessionBinding } from '../source/types.ts'

/** typing is sent after this pause, as one change */
const SEND_AFTER_MS = 150

/**
 * What the user changed, as one splice of `base` (the text the editor last agreed on),
 * placed into `current` (the session's text now, with others' edits): anchored on the
 * unchanged text after the change when that is still there, else on the text before it.
 * Sending a splice, not the whole text, keeps what others wrote meanwhile.
 */
export function spliceOf (base: string, next: string, current: string): { at: number, remove: number, insert: string } | undefined {
  let start = 0
  while (start < base.length && start < next.length && base[start] === next[start]) { start++ }
  let end = 0
  while (end < base.length - start && end < next.length - start && base[base.length - 1 - end] === next[next.length - 1 - end]) { end++ }
  const remove = base.length - start - end
  const insert = next.slice(start, next.length - end)
  if (remove === 0 && insert === '') { return undefined }
  const after = base.slice(base.length - end)
  const before = base.slice(0, start)
  let at: number
  if (current.endsWith(after) && current.length - end - remove >= 0 && current.slice(0, current.length - end - remove).endsWith(before)) {
    at = current.length - end - remove
  } else if (current.startsWith(before)) {
    at = start
  } else {
    at = Math.min(start, current.length)
  }
  return { at, remove: Math.min(remove, current.length - at), insert }
}

export interface SessionEditor {
  element: HTMLElement
  refresh(): Promise<void>
  dispose(): void
}

export function createSessionEditor (ctx: PanelContext): SessionEditor {
  const { source } = ctx
  const pick = h('select', { id: 'kn-session', name: 'session' })
  const field = h('select', { id: 'kn-session-field', name: 'field' }, ...SESSION_FIELD_NAMES.map(f => h('option', { value: f, selected: f === 'notes' }, f)))
  const join = h('button', { type: 'button' }, 'Join')
  const editor = h('textarea', { id: 'kn-session-text', rows: 6, disabled: true, 'aria-label': 'Session text' })
  const presence = h('ul', { class: 'presence', 'aria-label': 'Present in the session' })
  const status = h('p', { class: 'form-status', role: 'status' })
  const element = h('details', { class: 'knowledge-session' },
    h('summary', {}, 'Learning session'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'kn-session' }, 'Session'), pick),
      h('div', { class: 'field narrow' }, h('label', { for: 'kn-session-field' }, 'Field'), field),
      join),
    editor, presence, status)

  let binding: SessionBinding | undefined
  let offChange: (() => void) | undefined
  let sendTimer: ReturnType<typeof setTimeout> | undefined
  let sending: Promise<void> = Promise.resolve()
  /** the text last agreed with the source: the textarea differs from it while typing */
  let synced = ''

  const showPresence = (): void => {
    const peers = binding?.presence() ?? []
    presence.replaceChildren(...peers.map(p => h('li', { 'data-peer': p, title: p }, p === source.selfId ? `${shortId(p)} (you)` : shortId(p))))
    presence.dataset.count = String(peers.length)
  }

  const showText = (): void => {
    if (binding == null) { return }
    const next = binding.text()
    // local typing not sent yet wins until it is sent; then the merged text comes back
    if (sendTimer != null || editor.value !== synced) { return }
    if (next === editor.value) { synced = next; return }
    const { selectionStart, selectionEnd } = editor
    const focused = document.activeElement === editor
    // others' text before the caret moves it, so the user keeps typing where they were
    const prev = editor.value
    let start = 0
    while (start < prev.length && start < next.length && prev[start] === next[start]) { start++ }
    const shift = (i: number): number => i < start ? i : Math.max(start, Math.min(next.length, i + next.length - prev.length))
    editor.value = next
    synced = next
    if (focused) { editor.setSelectionRange(shift(selectionStart), shift(selectionEnd)) }
  }

  const send = (): void => {
    sendTimer = undefined
    const b = binding
    if (b == null) { return }
    const text = editor.value
    const base = synced
    sending = sending.then(async () => {
      const change = spliceOf(base, text, b.text())
      if (change != null) { await b.splice(change.at, change.remove, change.insert) }
      // sent: the next change is what the user did after this text; showText brings in
      // the merged text unless the user typed on meanwhile
      synced = text
      showText()
    }).catch((err: unknown) => {
      setStatus(status, `Not saved: ${errorText(err)}`, 'error')
    })
  }

  editor.addEventListener('input', () => {
    clearTimeout(sendTimer)
    sendTimer = setTimeout(send, SEND_AFTER_MS)
  })

  const leave = (): void => {
    clearTimeout(sendTimer)
    sendTimer = undefined
    offChange?.()
    binding?.close()
    binding = undefined
    editor.disabled = true
  }

  join.addEventListener('click', () => {
    const id = pick.value
    if (id === '') { setStatus(status, 'No session to join.', 'error'); return }
    leave()
    join.disabled = true
    source.openSession(id, field.value).then(b => {
      binding = b
      synced = b.text()
      editor.value = synced
      editor.disabled = false
      editor.dataset.session = id
      offChange = b.onChange(() => { showText(); showPresence() })
      showPresence()
      setStatus(status, 'Joined.')
    }, err => {
      setStatus(status, `Not joined: ${errorText(err)}`, 'error')
    }).finally(() => { join.disabled = false })
  })

  const refresh = async (): Promise<void> => {
    const sessions = await source.knowledgeSessions()
    const current = pick.value
    const open = sessions.filter(s => !s.closed)
    if (open.map(s => s.id).join() === [...pick.options].map(o => o.value).join()) { return }
    pick.replaceChildren(...open.map(s => h('option', { value: s.id, selected: s.id === current }, `${s.title} (${shortId(s.owner)})`)))
  }

  return { element, refresh, dispose: leave }
}
