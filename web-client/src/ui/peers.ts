/** Direct peers with their link quality and health (from the routing service's link monitor). */
import { card, fmtAgo, fmtMs, fmtPercent, h, shortId } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'

/**
 * How a connection runs. A WebRTC connection is named by the signalling (circuit) address
 * on the side that answered it; only limited connections really run through a relay.
 */
export function transportOf (addr: string, limited: boolean): string {
  if (limited) { return 'relayed' }
  if (addr.includes('/webrtc')) { return 'webrtc' }
  if (addr.includes('/p2p-circuit')) { return 'relayed' }
  if (addr.includes('/wss') || addr.includes('/tls/ws')) { return 'wss' }
  if (addr.includes('/ws')) { return 'websocket' }
  if (addr.includes('/tcp')) { return 'tcp' }
  return 'other'
}

export function createPeersPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const count = h('p', { class: 'muted', 'aria-live': 'polite' })
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Connected peers' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Peer'),
      h('th', { scope: 'col' }, 'Link'),
      h('th', { scope: 'col' }, 'RTT'),
      h('th', { scope: 'col' }, 'Loss'),
      h('th', { scope: 'col' }, 'Health')
    )),
    tbody
  )
  const { section } = card('peers', 'Peers', count, h('div', { class: 'scroll' }, table))

  return {
    section,
    refresh () {
      const conns = node.libp2p.getConnections()
      const byPeer = new Map<string, string[]>()
      for (const c of conns) {
        const id = c.remotePeer.toString()
        byPeer.set(id, [...(byPeer.get(id) ?? []), transportOf(c.remoteAddr.toString(), c.limits != null)])
      }
      const infos = new Map(node.routing.peers().map(p => [p.peerId, p]))
      const rows = [...byPeer.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, links]) => {
        const info = infos.get(id)
        const health = node.routing.health(id)?.health
        const direct = links.filter(l => l !== 'relayed')
        const shown = [...new Set(direct.length > 0 ? direct : links)].join(', ')
        return h('tr', { 'data-peer': id },
          h('td', { title: id }, h('code', {}, shortId(id))),
          h('td', { class: 'link' }, shown),
          h('td', {}, fmtMs(info?.rttMs)),
          h('td', {}, info == null ? '–' : fmtPercent(info.loss)),
          h('td', {}, health == null
            ? '–'
            : h('meter', { min: 0, max: 1, low: 0.4, high: 0.7, optimum: 1, value: health, 'aria-label': `health ${fmtPercent(health)}`, title: fmtPercent(health) }))
        )
      })
      tbody.replaceChildren(...rows)
      const lastSeen = [...infos.values()].filter(p => p.status === 'disconnected').sort((a, b) => b.lastSeen - a.lastSeen)[0]
      count.textContent = byPeer.size === 0
        ? `No peers connected${lastSeen != null ? ` (last seen ${fmtAgo(lastSeen.lastSeen)})` : ''}: actions are kept and sync when the mesh is back.`
        : `${byPeer.size} peer${byPeer.size === 1 ? '' : 's'} connected`
    }
  }
}
