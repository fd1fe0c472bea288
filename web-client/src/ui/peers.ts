/**
 * Direct peers with their link, RTT, loss and health (with the number and its weakest
 * parts, the reasons), and a detail dialog per peer: full id (copy), addresses, every
 * health part, RTT and bandwidth over time.
 */
import { card, fmtAgo, fmtBytes, fmtMs, fmtPercent, h, shortId, sparkline } from './dom.ts'
import { createPeerHistory } from './peer-history.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { PeerRow } from '../source/types.ts'

/** the parts of a health score that pull it down, worst first: the reasons shown next to it */
export function healthReasons (parts: Record<string, number>, below = 0.8): string[] {
  return Object.entries(parts).filter(([, v]) => v < below).sort((a, b) => a[1] - b[1]).map(([k]) => k)
}

/** what a reason is about ("uptime: connected 4 s" → "uptime"): the table cell stays narrow, the title has it all */
export function shortReason (reason: string): string {
  return reason.split(':')[0]
}

/** an address without its `/p2p/<id>` tail when that is the peer's own id (shown next to it) */
export function withoutPeerId (addr: string, peerId: string): string {
  return addr.endsWith(`/p2p/${peerId}`) ? addr.slice(0, -`/p2p/${peerId}`.length) : addr
}

/** a peer id that does something: opens the peer's detail */
export function peerButton (ctx: PanelContext, id: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'peer-link', title: `${id} (details)`, 'data-open-peer': id }, shortId(id))
  b.addEventListener('click', () => { ctx.showPeer(id) })
  return b
}

export interface PeersPanel extends Panel {
  /** opens the detail of a peer */
  show(peerId: string): void
  /** peer ids connected at the last refresh */
  connected(): string[]
}

export function createPeersPanel (ctx: PanelContext): PeersPanel {
  const { source } = ctx
  const history = createPeerHistory()
  let rows: PeerRow[] = []
  let openId: string | undefined
  const count = h('p', { class: 'muted', 'aria-live': 'polite' })
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Connected peers', class: 'stack-narrow' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Peer'),
      h('th', { scope: 'col' }, 'Link'),
      h('th', { scope: 'col' }, 'RTT'),
      h('th', { scope: 'col' }, 'Loss'),
      h('th', { scope: 'col' }, 'Health')
    )),
    tbody
  )

  // the detail dialog
  const dialog = h('dialog', { class: 'peer-detail', 'aria-labelledby': 'peer-detail-title' })
  const detailBody = h('div', { class: 'detail-body' })
  const close = h('button', { type: 'button', class: 'secondary' }, 'Close')
  close.addEventListener('click', () => { dialog.close() })
  dialog.addEventListener('close', () => { openId = undefined })
  dialog.append(h('h2', { id: 'peer-detail-title' }, 'Peer'), detailBody, h('div', { class: 'row end' }, close))

  const renderDetail = (): void => {
    if (openId == null) { return }
    const id = openId
    const p = rows.find(r => r.peerId === id)
    const samples = history.samples(id)
    const copy = h('button', { type: 'button', class: 'secondary small' }, 'Copy id')
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(id).then(() => { copy.textContent = 'Copied' }, () => { copy.textContent = 'Select and copy' })
    })
    const parts = Object.entries(p?.healthParts ?? {})
    detailBody.replaceChildren(
      h('p', { class: 'full-id' }, h('code', { 'data-peer-detail': id }, id), ' ', copy),
      p == null
        ? h('p', { class: 'muted' }, 'Not connected now.')
        : h('dl', { class: 'facts' },
          h('dt', {}, 'Links'), h('dd', {}, p.links.length > 0 ? [...new Set(p.links)].join(', ') : '–'),
          h('dt', {}, 'RTT'), h('dd', {}, `${fmtMs(p.rttMs)} (jitter ${fmtMs(p.jitterMs)})`),
          h('dt', {}, 'Loss'), h('dd', {}, p.loss == null ? '–' : fmtPercent(p.loss)),
          h('dt', {}, 'Health'), h('dd', { 'data-health': id }, p.health == null ? '–' : fmtPercent(p.health)),
          h('dt', {}, 'Why'), h('dd', { 'data-health-reasons': id }, (p.healthReasons ?? healthReasons(p.healthParts)).join('; ') || 'every part is good'),
          h('dt', {}, 'Invalid messages'), h('dd', {}, p.invalidMessages == null ? '–' : String(Math.round(p.invalidMessages * 100) / 100)),
          h('dt', {}, 'Traffic'), h('dd', {}, `in ${fmtBytes(p.bytesIn)} · out ${fmtBytes(p.bytesOut)}`)
        ),
      parts.length === 0
        ? ''
        : h('div', {}, h('h3', {}, 'Health parts (what the score is made of)'),
          h('ul', { class: 'parts' }, ...parts.map(([k, v]) => h('li', {}, h('span', { class: 'part-name' }, k),
            h('meter', { min: 0, max: 1, low: 0.4, high: 0.7, optimum: 1, value: v, 'aria-label': `${k} ${fmtPercent(v)}` }), ` ${fmtPercent(v)}`)))),
      h('h3', {}, 'RTT over time'),
      sparkline(samples.map(s => s.rttMs), `RTT, last ${samples.length} samples`),
      h('h3', {}, 'Bandwidth over time (in / out)'),
      sparkline(samples.map(s => s.inPerSec), 'bytes per second received'),
      sparkline(samples.map(s => s.outPerSec), 'bytes per second sent'),
      h('p', { class: 'muted' }, `now: in ${fmtBytes(samples[samples.length - 1]?.inPerSec)}/s, out ${fmtBytes(samples[samples.length - 1]?.outPerSec)}/s`),
      h('h3', {}, 'Addresses'),
      (p?.addresses.length ?? 0) > 0
        ? h('ul', { class: 'addresses' }, ...(p?.addresses ?? []).map(a => h('li', {}, h('code', {}, a))))
        : h('p', { class: 'muted' }, 'none known')
    )
  }

  const row = (p: PeerRow): HTMLTableRowElement => {
    const direct = p.links.filter(l => l !== 'relayed')
    const shown = [...new Set(direct.length > 0 ? direct : p.links)].join(', ')
    const reasons = p.healthReasons ?? healthReasons(p.healthParts)
    const samples = history.samples(p.peerId)
    return h('tr', { 'data-peer': p.peerId },
      h('td', { 'data-label': 'Peer', class: 'peer-cell' }, peerButton(ctx, p.peerId),
        p.addresses[0] != null ? h('span', { class: 'addr', title: p.addresses.join('\n') }, withoutPeerId(p.addresses[0], p.peerId)) : null),
      h('td', { 'data-label': 'Link', class: 'link' }, shown),
      h('td', { 'data-label': 'RTT', class: 'rtt' }, fmtMs(p.rttMs), samples.length > 1 ? sparkline(samples.map(s => s.rttMs), 'RTT over time', 48, 12) : null),
      h('td', { 'data-label': 'Loss' }, p.loss == null ? '–' : fmtPercent(p.loss)),
      h('td', { 'data-label': 'Health', class: 'health' }, p.health == null
        ? '–'
        : h('span', { class: 'health-value', title: reasons.length > 0 ? `held down by: ${reasons.join('; ')}` : 'every part is good' },
          h('meter', { min: 0, max: 1, low: 0.4, high: 0.7, optimum: 1, value: p.health, 'aria-hidden': 'true' }),
          h('span', { class: 'num' }, fmtPercent(p.health)),
          reasons.length > 0 ? h('span', { class: 'reason' }, reasons.slice(0, 2).map(shortReason).join(', ')) : null))
    )
  }

  const { section } = card('peers', 'Peers', count, h('div', { class: 'scroll' }, table), dialog)
  let lastSeen: number | undefined

  return {
    section,
    connected: () => rows.map(r => r.peerId),
    show (id) {
      openId = id
      renderDetail()
      if (!dialog.open) { dialog.showModal() }
    },
    async refresh () {
      const all = await source.peers()
      rows = all.filter(p => p.connected).sort((a, b) => a.peerId.localeCompare(b.peerId))
      if (rows.length > 0) { lastSeen = Date.now() }
      history.record(rows)
      tbody.replaceChildren(...rows.map(row))
      count.textContent = rows.length === 0
        ? `No peers connected${lastSeen != null ? ` (last seen ${fmtAgo(lastSeen)})` : ''}: actions are kept and sync when the mesh is back.`
        : `${rows.length} peer${rows.length === 1 ? '' : 's'} connected`
      renderDetail()
    }
  }
}
