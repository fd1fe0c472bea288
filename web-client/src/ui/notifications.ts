/**
 * Live notifications of the node shown and its stream of events (the activity log).
 * Route changes come in bursts (one per target whenever the topology moves): they are
 * folded into one line that counts them instead of flooding the log.
 */
import { card, fmtAgo, h, shortId } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { EventRow, NotificationRow } from '../source/types.ts'

const SHOWN = 20

export function describe (e: EventRow, kind: 'tab' | 'node'): string | undefined {
  const peer = e.peerId != null ? shortId(e.peerId) : 'a peer'
  switch (`${e.category}:${e.type}`) {
    case 'mesh:peer:connected': return `Peer connected ${peer}`
    case 'mesh:peer:disconnected': return `Peer disconnected ${peer}`
    case 'mesh:peer:invalid-message': return `Invalid message from ${peer}`
    case 'truth:message': return e.origin === 'local' ? `${kind === 'tab' ? 'You' : 'This node'} posted a truth message` : `Truth message received (${e.origin ?? 'mesh'})`
    default:
      if (e.category === 'resources') { return `Ledger: ${e.type.replace(/^ledger:/, '').replace(/-/g, ' ')}` }
      return undefined
  }
}

/** route events of one burst: counted on one line */
export function isRouteChange (e: EventRow): boolean {
  return e.category === 'routes' && /^routes?:changed$|unreachable/.test(e.type)
}

export function createNotificationsPanel (ctx: PanelContext): Panel {
  const { source } = ctx
  const notes = h('ul', { class: 'notes', 'aria-label': 'Notifications' })
  const activity = h('ul', { class: 'activity', 'aria-label': 'Mesh activity', 'aria-live': 'polite' })
  const emptyNotes = h('p', { class: 'muted' }, 'No notifications.')
  let routeLine: { li: HTMLLIElement, count: number } | undefined

  const renderNotes = async (): Promise<void> => {
    const items = await source.notifications(SHOWN)
    emptyNotes.hidden = items.length > 0
    notes.replaceChildren(...items.map((n: NotificationRow) => h('li', { class: `note ${n.priority}`, 'data-notification': n.id },
      h('strong', {}, n.title), n.message !== '' ? h('span', {}, ` — ${n.message}`) : null,
      h('time', { datetime: new Date(n.createdAt).toISOString() }, ` ${fmtAgo(n.createdAt)}`)
    )))
  }
  const stamp = (at: number): HTMLTimeElement => h('time', { datetime: new Date(at).toISOString() }, new Date(at).toLocaleTimeString())
  const add = (li: HTMLLIElement): void => {
    activity.prepend(li)
    while (activity.children.length > SHOWN) { activity.lastElementChild?.remove() }
  }
  const onEvent = (e: EventRow): void => {
    if (isRouteChange(e)) {
      // consecutive route changes share one line, updated in place
      if (routeLine != null && activity.firstElementChild === routeLine.li) {
        routeLine.count += e.type === 'routes:changed' ? Number(e.data.changed ?? 1) : 1
        routeLine.li.replaceChildren(stamp(e.timestamp), ` Routes changed (${routeLine.count})`)
        return
      }
      const count = e.type === 'routes:changed' ? Number(e.data.changed ?? 1) : 1
      routeLine = { li: h('li', { class: 'routes' }, stamp(e.timestamp), ` Routes changed (${count})`), count }
      add(routeLine.li)
      return
    }
    const text = describe(e, source.kind)
    if (text == null) { return }
    add(h('li', {}, stamp(e.timestamp), ` ${text}`))
  }
  // what happened before the page opened first, then live events (held back meanwhile)
  let lastSeq = -1
  let backlog: EventRow[] | undefined = []
  const take = (e: EventRow): void => {
    if (e.seq <= lastSeq) { return }
    lastSeq = e.seq
    onEvent(e)
  }
  const offNote = source.on('notification', () => { void renderNotes().catch(() => {}) })
  const offEvent = source.on('event', e => { if (backlog != null) { backlog.push(e) } else { take(e) } })
  void source.recentEvents(SHOWN * 5).catch(() => [] as EventRow[]).then(past => {
    for (const e of past) { take(e) }
    const held = backlog ?? []
    backlog = undefined
    for (const e of held) { take(e) }
  })
  const { section } = card('notifications', 'Live', emptyNotes, notes, h('h3', {}, 'Activity'), activity)
  void renderNotes().catch(() => {})
  let ticks = 0
  return {
    section,
    async refresh () {
      // notifications also expire and come by sync: re-read now and then
      if (++ticks % 5 === 0) { await renderNotes() }
    },
    dispose () {
      offNote()
      offEvent()
    }
  }
}
