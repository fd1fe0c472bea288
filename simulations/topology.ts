/**
 * Topologies: the graph a scenario wires, built deterministically from its seed, and the
 * ideal each measurement is compared with (shortest-path latency and hop count on the
 * same graph, through graphology's Dijkstra).
 */
import { UndirectedGraph } from 'graphology'
import { singleSource } from 'graphology-shortest-path/dijkstra.js'
import { createRandom } from './random.ts'
import type { Random } from './random.ts'
import type { NodeSetSpec, Scenario } from './scenario.ts'

export type Edge = [number, number]

export interface LinkProfile {
  /** one-way, ms */
  latency: number
  jitter: number
  loss: number
}

export class Topology {
  /** grows when nodes join during a run */
  nodes: number
  readonly edges: Edge[]
  private readonly adjacency: Array<Set<number>>

  constructor (nodes: number, edges: Edge[]) {
    this.nodes = nodes
    this.adjacency = Array.from({ length: nodes }, () => new Set<number>())
    this.edges = []
    for (const [a, b] of edges) { this.addEdge(a, b) }
  }

  /** a new node (churn joins); returns its index */
  addNode (): number {
    this.adjacency.push(new Set())
    return this.nodes++
  }

  addEdge (a: number, b: number): boolean {
    if (a === b || this.adjacency[a].has(b)) { return false }
    this.adjacency[a].add(b)
    this.adjacency[b].add(a)
    this.edges.push(a < b ? [a, b] : [b, a])
    return true
  }

  neighbours (i: number): number[] {
    return [...this.adjacency[i]]
  }

  degree (i: number): number {
    return this.adjacency[i].size
  }

  has (a: number, b: number): boolean {
    return this.adjacency[a].has(b)
  }

  /** connected components among `alive` nodes, using only edges that `usable` allows */
  components (alive: (i: number) => boolean = () => true, usable: (a: number, b: number) => boolean = () => true): number[][] {
    const seen = new Uint8Array(this.nodes)
    const out: number[][] = []
    for (let s = 0; s < this.nodes; s++) {
      if (seen[s] === 1 || !alive(s)) { continue }
      const comp: number[] = []
      const stack = [s]
      seen[s] = 1
      while (stack.length > 0) {
        const v = stack.pop() as number
        comp.push(v)
        for (const w of this.adjacency[v]) {
          if (seen[w] === 0 && alive(w) && usable(v, w)) {
            seen[w] = 1
            stack.push(w)
          }
        }
      }
      out.push(comp)
    }
    return out
  }

  isConnected (): boolean {
    return this.components().length === 1
  }
}

/** Shortest paths from one node: latency (sum of one-way link latencies) and hops, per target. */
export interface Paths {
  latency: Float64Array
  hops: Int32Array
  /** the path to each target (node indices, source first); empty when unreachable */
  path(target: number): number[]
}

/**
 * Dijkstra over the graph (graphology), weighted by link latency. With zero latency
 * everywhere the weights fall back to 1 per hop so the hop count stays meaningful.
 */
export function shortestPaths (topology: Topology, source: number, linkOf: (a: number, b: number) => LinkProfile, alive: (i: number) => boolean = () => true): Paths {
  const g = new UndirectedGraph()
  for (let i = 0; i < topology.nodes; i++) { if (alive(i)) { g.addNode(String(i)) } }
  for (const [a, b] of topology.edges) {
    if (!alive(a) || !alive(b)) { continue }
    // a tiny per-hop term breaks ties towards fewer hops
    g.addEdge(String(a), String(b), { w: linkOf(a, b).latency + 1e-6 })
  }
  const latency = new Float64Array(topology.nodes).fill(Number.POSITIVE_INFINITY)
  const hops = new Int32Array(topology.nodes).fill(-1)
  const paths = g.hasNode(String(source)) ? singleSource(g, String(source), 'w') : {}
  const byTarget = new Map<number, number[]>()
  for (const [target, p] of Object.entries(paths)) {
    const nodes = p.map(Number)
    const t = Number(target)
    byTarget.set(t, nodes)
    let sum = 0
    for (let i = 1; i < nodes.length; i++) { sum += linkOf(nodes[i - 1], nodes[i]).latency }
    latency[t] = sum
    hops[t] = nodes.length - 1
  }
  return { latency, hops, path: t => byTarget.get(t) ?? [] }
}

/** A random k-regular graph (configuration model with restarts), connected. */
export function randomRegular (n: number, k: number, rand: Random): Topology {
  for (let attempt = 0; attempt < 200; attempt++) {
    const stubs: number[] = []
    for (let i = 0; i < n; i++) { for (let j = 0; j < k; j++) { stubs.push(i) } }
    const topo = new Topology(n, [])
    let ok = true
    // pair stubs at random, rejecting loops and double edges; restart when stuck
    while (stubs.length > 0 && ok) {
      let placed = false
      for (let tries = 0; tries < 100 && !placed; tries++) {
        const i = rand.int(stubs.length)
        let j = rand.int(stubs.length - 1)
        if (j >= i) { j++ }
        const a = stubs[i]
        const b = stubs[j]
        if (a === b || topo.has(a, b)) { continue }
        topo.addEdge(a, b)
        // remove the higher index first so the lower stays valid
        for (const idx of [Math.max(i, j), Math.min(i, j)]) {
          stubs[idx] = stubs[stubs.length - 1]
          stubs.pop()
        }
        placed = true
      }
      if (!placed) { ok = false }
    }
    if (ok && topo.isConnected()) { return topo }
  }
  throw new Error(`could not build a connected random ${k}-regular graph on ${n} nodes`)
}

export function buildTopology (scenario: Scenario): Topology {
  const n = scenario.nodes
  const rand = createRandom(scenario.seed, 'topology')
  const t = scenario.topology
  const edges: Edge[] = []
  switch (t.kind) {
    case 'line':
      for (let i = 1; i < n; i++) { edges.push([i - 1, i]) }
      return new Topology(n, edges)
    case 'ring':
      for (let i = 0; i < n; i++) { edges.push([i, (i + 1) % n]) }
      return new Topology(n, edges)
    case 'star':
      for (let i = 0; i < n; i++) { if (i !== t.center) { edges.push([t.center, i]) } }
      return new Topology(n, edges)
    case 'full':
      for (let i = 0; i < n; i++) { for (let j = i + 1; j < n; j++) { edges.push([i, j]) } }
      return new Topology(n, edges)
    case 'random':
      return randomRegular(n, t.degree, rand)
    case 'clustered': {
      const topo = new Topology(n, [])
      const members = clusterMembers(n, t.clusters)
      for (const group of members) {
        const size = group.length
        const k = Math.min(t.degree, size - 1)
        if (k === size - 1 || (size * k) % 2 !== 0) {
          // small or odd clusters: a ring plus random chords up to the degree
          for (let i = 0; i < size; i++) { topo.addEdge(group[i], group[(i + 1) % size]) }
          for (let extra = 0; extra < size * Math.max(0, k - 2) / 2; extra++) { topo.addEdge(group[rand.int(size)], group[rand.int(size)]) }
        } else {
          const sub = randomRegular(size, k, rand)
          for (const [a, b] of sub.edges) { topo.addEdge(group[a], group[b]) }
        }
      }
      const pairs = t.clusters === 2 ? [[0, 1]] : members.map((_, c) => [c, (c + 1) % t.clusters])
      for (const [c1, c2] of pairs) {
        let added = 0
        for (let tries = 0; added < t.bridges && tries < t.bridges * 20; tries++) {
          if (topo.addEdge(rand.pick(members[c1]), rand.pick(members[c2]))) { added++ }
        }
      }
      return topo
    }
    case 'edges':
    default:
      return new Topology(n, t.kind === 'edges' ? t.edges : [])
  }
}

/** node indices of each cluster: contiguous blocks of (nearly) equal size */
export function clusterMembers (n: number, clusters: number): number[][] {
  const out: number[][] = []
  for (let c = 0; c < clusters; c++) {
    const from = Math.floor(c * n / clusters)
    const to = Math.floor((c + 1) * n / clusters)
    out.push(Array.from({ length: to - from }, (_, i) => from + i))
  }
  return out
}

/** Resolve a node set (list, "a-b" range, or random fraction) to sorted indices. */
export function resolveNodeSet (spec: NodeSetSpec | undefined, n: number, rand: Random): number[] {
  if (spec == null) { return Array.from({ length: n }, (_, i) => i) }
  if (typeof spec === 'string') {
    const [a, b] = spec.split('-').map(Number)
    return Array.from({ length: b - a + 1 }, (_, i) => a + i)
  }
  if (Array.isArray(spec)) { return [...new Set(spec)].sort((a, b) => a - b) }
  const count = Math.max(1, Math.round(spec.fraction * n))
  return rand.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, count).sort((a, b) => a - b)
}

/** Per-link profile: the scenario's defaults with its overrides applied. */
export function linkProfiles (scenario: Scenario): (a: number, b: number) => LinkProfile {
  const base: LinkProfile = { latency: scenario.links.latency, jitter: scenario.links.jitter, loss: scenario.links.loss }
  const overrides = new Map<string, LinkProfile>()
  for (const o of scenario.links.overrides) {
    const [a, b] = o.between
    overrides.set(a < b ? `${a}-${b}` : `${b}-${a}`, {
      latency: o.latency ?? base.latency,
      jitter: o.jitter ?? base.jitter,
      loss: o.loss ?? base.loss
    })
  }
  if (overrides.size === 0) { return () => base }
  return (a, b) => overrides.get(a < b ? `${a}-${b}` : `${b}-${a}`) ?? base
}
