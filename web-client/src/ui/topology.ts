/**
 * The known topology as a graph: this node in the middle, direct neighbours on the inner
 * ring, nodes further out on the outer ring. Only what the node can reach now is drawn:
 * a node is shown when it is connected or has a route (the same table the Routes panel
 * lists), so closed tabs and stopped nodes leave the graph as their routes go, even while
 * their last beacon is still held.
 */
import { card, h, svg } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { TopologyView } from '../source/types.ts'

const SIZE = 320
const CENTER = SIZE / 2

export interface TopologyModel {
  self: string
  neighbours: string[]
  outer: string[]
  edges: Array<[string, string, number | undefined]>
}

/**
 * What the graph draws: self; neighbours = connected peers; outer = other route targets.
 * Links are kept only between drawn nodes (a stale beacon's links go with its node).
 */
export function topologyModel (view: TopologyView, connected: Iterable<string>, routeTargets: Iterable<string>): TopologyModel {
  const self = view.self
  const neighbours = new Set(connected)
  neighbours.delete(self)
  const outer = new Set<string>()
  for (const t of routeTargets) { if (t !== self && !neighbours.has(t)) { outer.add(t) } }
  const shown = new Set([self, ...neighbours, ...outer])
  const edges: Array<[string, string, number | undefined]> = []
  const seen = new Set<string>()
  const addEdge = (a: string, b: string, health?: number): void => {
    const key = a < b ? `${a}|${b}` : `${b}|${a}`
    if (a === b || seen.has(key) || !shown.has(a) || !shown.has(b)) { return }
    seen.add(key)
    edges.push([a, b, health])
  }
  const linkHealth = new Map(view.links.map(l => [`${l.from}|${l.to}`, l.health]))
  for (const id of neighbours) { addEdge(self, id, linkHealth.get(`${self}|${id}`)) }
  for (const l of view.links) { addEdge(l.from, l.to, l.health) }
  return { self, neighbours: [...neighbours].sort(), outer: [...outer].sort(), edges }
}

export function createTopologyPanel (ctx: PanelContext, inputs: { connected(): string[], routeTargets(): string[] }): Panel {
  const { source } = ctx
  const graph = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'aria-labelledby': 'topology-desc', class: 'graph' })
  const desc = h('p', { id: 'topology-desc', class: 'muted' })
  const { section } = card('topology', 'Topology', graph, desc)
  const who = source.kind === 'tab' ? 'This tab' : 'This node'

  return {
    section,
    async refresh () {
      const m = topologyModel(await source.topology(), inputs.connected(), inputs.routeTargets())
      const pos = new Map<string, [number, number]>([[m.self, [CENTER, CENTER]]])
      const ring = (ids: string[], r: number, offset: number): void => {
        ids.forEach((id, i) => {
          const a = offset + (2 * Math.PI * i) / Math.max(1, ids.length)
          pos.set(id, [CENTER + r * Math.cos(a), CENTER + r * Math.sin(a)])
        })
      }
      ring(m.neighbours, 85, -Math.PI / 2)
      ring(m.outer, 140, -Math.PI / 2 + 0.3)
      const neighbours = new Set(m.neighbours)

      const lines = m.edges.map(([a, b, health]) => {
        const [x1, y1] = pos.get(a) as [number, number]
        const [x2, y2] = pos.get(b) as [number, number]
        const opacity = health == null ? 0.5 : 0.3 + 0.7 * health
        if (a === m.self || b === m.self) { return svg('line', { x1, y1, x2, y2, class: 'edge', 'stroke-opacity': opacity }) }
        // links between other nodes bend outwards, so they never hide behind this node's spokes
        const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2]
        let [dx, dy] = [mx - CENTER, my - CENTER]
        if (Math.hypot(dx, dy) < 1) { [dx, dy] = [y2 - y1, x1 - x2] }
        const k = 60 / Math.max(1, Math.hypot(dx, dy))
        return svg('path', { d: `M${x1},${y1} Q${mx + dx * k},${my + dy * k} ${x2},${y2}`, class: 'edge', fill: 'none', 'stroke-opacity': opacity })
      })
      const dots = [...pos.entries()].map(([id, [x, y]]) => {
        let kind = 'far'
        if (id === m.self) { kind = 'self' } else if (neighbours.has(id)) { kind = 'neighbour' }
        const g = svg('g', { class: `node ${kind}`, 'data-node': id },
          svg('title', {}, `${kind === 'self' ? who.toLowerCase() : kind}: ${id}`),
          svg('circle', { cx: x, cy: y, r: kind === 'self' ? 11 : 8 }),
          svg('text', { x, y: y + (kind === 'self' ? 24 : 20), 'text-anchor': 'middle' }, kind === 'self' ? (source.kind === 'tab' ? 'you' : 'node') : id.slice(-8))
        )
        if (kind !== 'self') { g.addEventListener('click', () => { ctx.showPeer(id) }) }
        return g
      })
      graph.replaceChildren(...lines, ...dots)
      const n = m.neighbours.length
      const o = m.outer.length
      desc.textContent = `${who}, ${n} direct neighbour${n === 1 ? '' : 's'} and ${o} node${o === 1 ? '' : 's'} further out; ${m.edges.length} link${m.edges.length === 1 ? '' : 's'}.`
    }
  }
}
