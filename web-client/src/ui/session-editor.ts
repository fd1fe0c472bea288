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
import type { SessionAnchor, SessionBinding } from '../source/types.ts'

/**
 * The one change that turns `prev` into `next`, the text after an input event with the
 * caret at `caret`: the common suffix never reaches left of the caret, so typing a letter
 * that repeats its neighbour lands where the user typed it.
 */
export function changeOf (prev: string, next: string, caret: number): { at: number, remove: number, insert: string } | undefined {
  let end = 0
  const maxEnd = Math.min(prev.length, next.length - Math.min(caret, next.length))
  while (end < maxEnd && prev[prev.length - 1 - end] === next[next.length - 1 - end]) { end++ }
  let start = 0
  while (start < prev.length - end && start < next.length - end && prev[start] === next[start]) { start++ }
  const remove = prev.length - end - start
  const insert = next.slice(start, next.length - end)
  if (remove === 0 && insert === '') { return undefined }
  return { at: start, remove, insert }
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
  /** the caret and selection end, anchored in the shared text so others' edits move them */
  let anchors: [SessionAnchor, SessionAnchor] | undefined

  const showPresence = (): void => {
    const peers = binding?.presence() ?? []
    presence.replaceChildren(...peers.map(p => h('li', { 'data-peer': p, title: p }, p === source.selfId ? `${shortId(p)} (you)` : shortId(p))))
    presence.dataset.count = String(peers.length)
  }

  const anchorSelection = (): void => {
    if (binding == null) { return }
    anchors = [binding.anchor(editor.selectionStart), binding.anchor(editor.selectionEnd)]
    binding.setCursor(document.activeElement === editor ? editor.selectionStart : null)
  }

  // the textarea always shows the binding's text: local edits are in it as soon as they
  // are made, and others' edits are shown as they arrive, the caret kept at its anchor
  const showText = (): void => {
    if (binding == null) { return }
    const next = binding.text()
    if (next === editor.value) { return }
    const focused = document.activeElement === editor
    const [from, to] = anchors == null ? [editor.selectionStart, editor.selectionEnd] : [binding.indexOf(anchors[0]), binding.indexOf(anchors[1])]
    editor.value = next
    if (focused) { editor.setSelectionRange(from, to) }
  }

  editor.addEventListener('input', () => {
    const b = binding
    if (b == null) { return }
    const change = changeOf(b.text(), editor.value, editor.selectionEnd)
    if (change == null) { return }
    b.splice(change.at, change.remove, change.insert).catch((err: unknown) => {
      setStatus(status, `Not saved: ${errorText(err)}`, 'error')
    })
    // refused at once (not a participant, closed, too long): the text was not changed
    if (b.text() !== editor.value) {
      const caret = change.at
      editor.value = b.text()
      editor.setSelectionRange(caret, caret)
    }
    anchorSelection()
  })
  for (const type of ['select', 'keyup', 'mouseup', 'focus', 'blur']) { editor.addEventListener(type, anchorSelection) }

  const leave = (): void => {
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
      anchors = undefined
      editor.value = b.text()
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
