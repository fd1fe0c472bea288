/** Routes over the known topology (routing service): next hop, hops, latency, reliability. */
import { card, fmtMs, fmtPercent, h } from './dom.ts'
import { peerButton } from './peers.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { RouteRow } from '../source/types.ts'

export function createRoutesPanel (ctx: PanelContext): Panel & { last(): RouteRow[] } {
  const { source } = ctx
  let routes: RouteRow[] = []
  const empty = h('p', { class: 'muted' }, 'No routes yet.')
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Routes', class: 'stack-narrow' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Target'),
      h('th', { scope: 'col' }, 'Via'),
      h('th', { scope: 'col' }, 'Hops'),
      h('th', { scope: 'col' }, 'Latency'),
      h('th', { scope: 'col' }, 'Reliability')
    )),
    tbody
  )
  const { section } = card('routes', 'Routes', empty, h('div', { class: 'scroll' }, table))
  return {
    section,
    last: () => routes,
    async refresh () {
      routes = (await source.routes()).sort((a, b) => a.hops - b.hops || a.target.localeCompare(b.target))
      empty.hidden = routes.length > 0
      table.hidden = routes.length === 0
      tbody.replaceChildren(...routes.map(r => h('tr', { 'data-route': r.target },
        h('td', { 'data-label': 'Target' }, peerButton(ctx, r.target)),
        h('td', { 'data-label': 'Via', title: r.path.join(' → ') }, r.hops <= 1 ? 'direct' : peerButton(ctx, r.nextHop)),
        h('td', { 'data-label': 'Hops' }, r.hops),
        h('td', { 'data-label': 'Latency' }, fmtMs(r.latencyMs)),
        h('td', { 'data-label': 'Reliability' }, fmtPercent(r.reliability))
      )))
    }
  }
}
