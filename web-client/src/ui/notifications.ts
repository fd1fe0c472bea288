/** Live notifications (the core's notification service) and the stream of mesh events. */
import { card, fmtAgo, h } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { MeshEvent } from '../../../protocol/events/index.ts'
import type { Notification } from '../../../protocol/notifications/index.ts'

const SHOWN = 20

function describe (e: MeshEvent): string | undefined {
  const d = (e.data ?? {}) as Record<string, any>
  switch (`${e.category}:${e.type}`) {
    case 'mesh:peer:connected': return `Peer connected ${String(d.peerId).slice(-8)}`
    case 'mesh:peer:disconnected': return `Peer disconnected ${String(d.peerId).slice(-8)}`
    case 'truth:message': return d.origin === 'local' ? 'You posted a truth message' : `Truth message received (${String(d.origin)})`
    default:
      if (e.category === 'resources') { return `Ledger: ${e.type.replace(/^ledger:/, '').replace(/-/g, ' ')}` }
      if (e.category === 'routes' && /unreachable|changed/.test(e.type)) { return `Routes: ${e.type}` }
      return undefined
  }
}

export function createNotificationsPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const notes = h('ul', { class: 'notes', 'aria-label': 'Notifications' })
  const activity = h('ul', { class: 'activity', 'aria-label': 'Mesh activity', 'aria-live': 'polite' })
  const emptyNotes = h('p', { class: 'muted' }, 'No notifications.')
  const renderNotes = (): void => {
    const items = node.notifications.list({ limit: SHOWN }).items
    emptyNotes.hidden = items.length > 0
    notes.replaceChildren(...items.map((n: Notification) => h('li', { class: `note ${n.priority}` },
      h('strong', {}, n.title), n.message !== '' ? h('span', {}, ` — ${n.message}`) : null,
      h('time', { datetime: new Date(n.created_at).toISOString() }, ` ${fmtAgo(n.created_at)}`)
    )))
  }
  const onNotification = (): void => { renderNotes() }
  const onEvent = (evt: CustomEvent<MeshEvent>): void => {
    const text = describe(evt.detail)
    if (text == null) { return }
    activity.prepend(h('li', {}, h('time', { datetime: new Date(evt.detail.timestamp).toISOString() }, new Date(evt.detail.timestamp).toLocaleTimeString()), ` ${text}`))
    while (activity.children.length > SHOWN) { activity.lastElementChild?.remove() }
  }
  node.notifications.addEventListener('notification', onNotification)
  node.events.addEventListener('event', onEvent)
  const { section } = card('notifications', 'Live', emptyNotes, notes, h('h3', {}, 'Activity'), activity)
  renderNotes()
  return {
    section,
    dispose () {
      node.notifications.removeEventListener('notification', onNotification)
      node.events.removeEventListener('event', onEvent)
    }
  }
}
