/** Truth messages of the node shown: post form (signed by that node), channel filter and the live feed. */
import { STANDARD_CHANNELS } from '../../../protocol/truth/codec.ts'
import { card, errorText, fmtAgo, h, shortId } from './dom.ts'
import { setStatus } from './panel.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { TruthRow } from '../source/types.ts'

const FEED_SIZE = 50
const PRIORITIES = [[1, 'low'], [2, 'minor'], [3, 'normal'], [4, 'high'], [5, 'urgent']] as const

export function createTruthPanel (ctx: PanelContext): Panel {
  const { source } = ctx
  const self = source.selfId
  let filter = ''
  let shown: TruthRow[] = []
  let ticks = 0

  // post form
  const content = h('textarea', { id: 'truth-content', name: 'content', rows: 3, maxlength: 2000, required: true, placeholder: 'What is true?' })
  const sourceInput = h('input', { id: 'truth-source', name: 'source', type: 'text', maxlength: 200, placeholder: 'where it comes from (optional)' })
  const priority = h('select', { id: 'truth-priority', name: 'priority' },
    ...PRIORITIES.map(([v, label]) => h('option', { value: String(v), selected: v === 3 }, `${v} · ${label}`)))
  const channelBoxes = STANDARD_CHANNELS.map(c => h('input', { type: 'checkbox', name: 'channels', value: c, id: `truth-ch-${c}`, checked: c === 'social' }))
  const status = h('p', { class: 'form-status', role: 'status' })
  const submit = h('button', { type: 'submit' }, 'Post')
  const form = h('form', { class: 'stack', 'aria-label': 'Post a truth message' },
    h('label', { for: 'truth-content' }, 'Message'), content,
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'truth-source' }, 'Source'), sourceInput),
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
    setStatus(status, 'Signing…')
    source.post(content.value, {
      channels: channels.length > 0 ? channels : undefined,
      priority: Number(priority.value),
      source: sourceInput.value.trim() === '' ? undefined : sourceInput.value.trim()
    }).then(res => {
      content.value = ''
      sourceInput.value = ''
      setStatus(status, res.recipients > 0
        ? `Posted to ${res.recipients} peer${res.recipients === 1 ? '' : 's'}.`
        : 'Stored here; it spreads when peers connect.')
      void load()
    }, err => {
      setStatus(status, `Not posted: ${errorText(err)}`, 'error')
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

  const item = (m: TruthRow): HTMLLIElement => h('li', { class: `truth p${m.priority}`, 'data-id': m.id },
    h('p', { class: 'content' }, m.content),
    h('p', { class: 'meta' },
      ...m.channels.map(c => h('span', { class: 'badge' }, c)),
      h('span', { title: `priority ${m.priority}` }, `P${m.priority}`),
      h('span', { title: m.author, class: 'author' }, m.author === self ? (source.kind === 'tab' ? 'you' : 'this node') : shortId(m.author)),
      h('time', { datetime: new Date(m.createdAt).toISOString() }, fmtAgo(m.createdAt)),
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
      shown = await source.truth({ channel: filter === '' ? undefined : filter, limit: FEED_SIZE })
      render()
    } catch (err) {
      ctx.toast(`Cannot read messages: ${errorText(err)}`, 'error')
    }
  }
  // a new message (from the mesh, or posted here): read the feed again, once per burst
  let pending: ReturnType<typeof setTimeout> | undefined
  const off = source.on('event', e => {
    if (e.category !== 'truth' || e.type !== 'message' || pending != null) { return }
    pending = setTimeout(() => { pending = undefined; void load() }, 100)
  })

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
    dispose () {
      off()
      clearTimeout(pending)
    }
  }
}
