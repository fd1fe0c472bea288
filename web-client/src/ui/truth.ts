/** Truth messages: post form, channel filter and the live feed (stored in IndexedDB, synced by the core). */
import { STANDARD_CHANNELS } from '../../../protocol/truth/codec.ts'
import { card, errorText, fmtAgo, h, shortId } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { TruthMessage, TruthMessageEvent } from '../../../protocol/truth/index.ts'

const FEED_SIZE = 50
const PRIORITIES = [[1, 'low'], [2, 'minor'], [3, 'normal'], [4, 'high'], [5, 'urgent']] as const

export function createTruthPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const self = node.libp2p.peerId.toString()
  let filter = ''
  let shown: TruthMessage[] = []
  let ticks = 0

  // post form
  const content = h('textarea', { id: 'truth-content', name: 'content', rows: 3, maxlength: 2000, required: true, placeholder: 'What is true?' })
  const source = h('input', { id: 'truth-source', name: 'source', type: 'text', maxlength: 200, placeholder: 'where it comes from (optional)' })
  const priority = h('select', { id: 'truth-priority', name: 'priority' },
    ...PRIORITIES.map(([v, label]) => h('option', { value: String(v), selected: v === 3 }, `${v} · ${label}`)))
  const channelBoxes = STANDARD_CHANNELS.map(c => h('input', { type: 'checkbox', name: 'channels', value: c, id: `truth-ch-${c}`, checked: c === 'social' }))
  const status = h('p', { class: 'form-status', role: 'status' })
  const submit = h('button', { type: 'submit' }, 'Post')
  const form = h('form', { class: 'stack', 'aria-label': 'Post a truth message' },
    h('label', { for: 'truth-content' }, 'Message'), content,
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'truth-source' }, 'Source'), source),
      h('div', { class: 'field narrow' }, h('label', { for: 'truth-priority' }, 'Priority'), priority)
    ),
    h('fieldset', { class: 'channels' }, h('legend', {}, 'Channels'),
      ...STANDARD_CHANNELS.map((c, i) => h('label', { class: 'check', for: `truth-ch-${c}` }, channelBoxes[i], c))),
    h('div', { class: 'row end' }, status, submit)
  )
  form.addEventListener('submit', evt => {
    evt.preventDefault()
    const channels = channelBoxes.filter(b => b.checked).map(b => b.value)
    submit.disabled = true
    status.textContent = 'Signing…'
    node.truth.post(content.value, {
      channels: channels.length > 0 ? channels : undefined,
      priority: Number(priority.value),
      source: source.value.trim() === '' ? undefined : source.value.trim()
    }).then(res => {
      content.value = ''
      source.value = ''
      status.textContent = res.recipients.length > 0
        ? `Posted to ${res.recipients.length} peer${res.recipients.length === 1 ? '' : 's'}.`
        : 'Stored here; it spreads when peers connect.'
    }, err => {
      status.textContent = ''
      ctx.toast(`Not posted: ${errorText(err)}`, 'error')
    }).finally(() => { submit.disabled = false })
  })

  // filter + feed
  const select = h('select', { id: 'truth-filter', name: 'filter' }, h('option', { value: '' }, 'All channels'),
    ...STANDARD_CHANNELS.map(c => h('option', { value: c }, c)))
  const feed = h('ol', { class: 'feed', 'aria-label': 'Truth messages', 'aria-live': 'polite' })
  const empty = h('p', { class: 'muted' }, 'No messages yet.')
  select.addEventListener('change', () => {
    filter = select.value
    void load()
  })

  const item = (m: TruthMessage): HTMLLIElement => h('li', { class: `truth p${m.priority}`, 'data-id': m.id },
    h('p', { class: 'content' }, m.content),
    h('p', { class: 'meta' },
      ...m.channels.map(c => h('span', { class: 'badge' }, c)),
      h('span', { title: `priority ${m.priority}` }, `P${m.priority}`),
      h('span', { title: m.author }, m.author === self ? 'you' : shortId(m.author)),
      h('time', { datetime: new Date(m.created_at).toISOString() }, fmtAgo(m.created_at)),
      h('span', { title: 'peers known to hold it' }, `spread ${m.spread}`),
      m.source !== '' ? h('span', { class: 'source' }, m.source) : null
    )
  )
  const render = (): void => {
    feed.replaceChildren(...shown.map(item))
    empty.hidden = shown.length > 0
  }
  async function load (): Promise<void> {
    try {
      const page = await node.truth.list({ channel: filter === '' ? undefined : filter, limit: FEED_SIZE })
      shown = page.items
      render()
    } catch (err) {
      ctx.toast(`Cannot read messages: ${errorText(err)}`, 'error')
    }
  }
  const onMessage = (evt: CustomEvent<TruthMessageEvent>): void => {
    const m = evt.detail
    if (filter !== '' && !m.channels.includes(filter)) { return }
    if (shown.some(s => s.id === m.id)) { return }
    shown = [m, ...shown].sort((a, b) => b.created_at - a.created_at).slice(0, FEED_SIZE)
    render()
  }
  node.truth.addEventListener('message', onMessage)

  const { section } = card('truth', 'Truth feed', form,
    h('div', { class: 'row filter' }, h('label', { for: 'truth-filter' }, 'Show'), select),
    empty, feed)
  void load()
  return {
    section,
    refresh () {
      // keep "x ago" and spread figures current, every few ticks (new messages come by event)
      if (++ticks % 5 === 0 && shown.length > 0) { void load() }
    },
    dispose () { node.truth.removeEventListener('message', onMessage) }
  }
}
