/**
 * The known topology as a graph: this node in the middle, direct neighbours on the inner
 * ring, nodes further out (from the routing beacons) on the outer ring.
 */
import { card, h, svg } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'

const SIZE = 320
const CENTER = SIZE / 2

export function createTopologyPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const graph = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'aria-labelledby': 'topology-desc', class: 'graph' })
  const desc = h('p', { id: 'topology-desc', class: 'muted' })
  const { section } = card('topology', 'Topology', graph, desc)

  return {
    section,
    refresh () {
      const topo = node.routing.topology()
      const self = node.libp2p.peerId.toString()
      const neighbours = new Set(node.libp2p.getPeers().map(String))
      for (const n of topo.nodes) { if (n.zone === 'neighbour') { neighbours.add(n.id) } }
      neighbours.delete(self)
      const outer = topo.nodes.filter(n => n.id !== self && !neighbours.has(n.id)).map(n => n.id)
      const pos = new Map<string, [number, number]>([[self, [CENTER, CENTER]]])
      const ring = (ids: string[], r: number, offset: number): void => {
        ids.sort().forEach((id, i) => {
          const a = offset + (2 * Math.PI * i) / Math.max(1, ids.length)
          pos.set(id, [CENTER + r * Math.cos(a), CENTER + r * Math.sin(a)])
        })
      }
      ring([...neighbours], 85, -Math.PI / 2)
      ring(outer, 140, -Math.PI / 2 + 0.3)

      const edges: Array<[string, string, number | undefined]> = []
      const seen = new Set<string>()
      const addEdge = (a: string, b: string, health?: number): void => {
        const key = a < b ? `${a}|${b}` : `${b}|${a}`
        if (seen.has(key) || !pos.has(a) || !pos.has(b)) { return }
        seen.add(key)
        edges.push([a, b, health])
      }
      for (const id of neighbours) { addEdge(self, id, node.routing.health(id)?.health) }
      for (const l of topo.links) { addEdge(l.from, l.to, l.health) }

      const lines = edges.map(([a, b, health]) => {
        const [x1, y1] = pos.get(a) as [number, number]
        const [x2, y2] = pos.get(b) as [number, number]
        const opacity = health == null ? 0.5 : 0.3 + 0.7 * health
        if (a === self || b === self) { return svg('line', { x1, y1, x2, y2, class: 'edge', 'stroke-opacity': opacity }) }
        // links between other nodes bend outwards, so they never hide behind this node's spokes
        const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2]
        let [dx, dy] = [mx - CENTER, my - CENTER]
        if (Math.hypot(dx, dy) < 1) { [dx, dy] = [y2 - y1, x1 - x2] }
        const k = 60 / Math.max(1, Math.hypot(dx, dy))
        return svg('path', { d: `M${x1},${y1} Q${mx + dx * k},${my + dy * k} ${x2},${y2}`, class: 'edge', fill: 'none', 'stroke-opacity': opacity })
      })
      const dots = [...pos.entries()].map(([id, [x, y]]) => {
        let kind = 'far'
        if (id === self) { kind = 'self' } else if (neighbours.has(id)) { kind = 'neighbour' }
        return svg('g', { class: `node ${kind}` },
          svg('title', {}, `${kind === 'self' ? 'this tab' : kind}: ${id}`),
          svg('circle', { cx: x, cy: y, r: kind === 'self' ? 11 : 8 }),
          svg('text', { x, y: y + (kind === 'self' ? 24 : 20), 'text-anchor': 'middle' }, kind === 'self' ? 'you' : id.slice(-6))
        )
      })
      graph.replaceChildren(...lines, ...dots)
      desc.textContent = `This tab, ${neighbours.size} direct neighbour${neighbours.size === 1 ? '' : 's'} and ${outer.length} node${outer.length === 1 ? '' : 's'} further out; ${edges.length} link${edges.length === 1 ? '' : 's'}.`
    }
  }
}
