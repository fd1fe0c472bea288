/** Routes over the known topology (routing service): next hop, hops, latency, reliability. */
import { card, fmtMs, fmtPercent, h, shortId } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'

export function createRoutesPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const empty = h('p', { class: 'muted' }, 'No routes yet.')
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Routes' },
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
    refresh () {
      const routes = node.routing.routes().sort((a, b) => a.hops - b.hops || a.target.localeCompare(b.target))
      empty.hidden = routes.length > 0
      table.hidden = routes.length === 0
      tbody.replaceChildren(...routes.map(r => h('tr', {},
        h('td', { title: r.target }, h('code', {}, shortId(r.target))),
        h('td', { title: r.path.join(' → ') }, r.hops <= 1 ? 'direct' : h('code', {}, shortId(r.nextHop))),
        h('td', {}, r.hops),
        h('td', {}, fmtMs(r.latencyMs)),
        h('td', {}, fmtPercent(r.reliability))
      )))
    }
  }
}
