/**
 * The result of one route computation (TopologyGraph.compute): per target the cost, hops,
 * next hop and, for the link-state zone, the whole path, held in the typed arrays the
 * computation filled. Read-only and cheap to query; a new computation makes a new table.
 */

export type RouteKind = 'direct' | 'link-state' | 'distance-vector'

/** A route as the API shows it. */
export interface RouteInfo {
  target: string
  /** this node first, the target last; for a far route: [self, next hop, target] */
  path: string[]
  nextHop: string
  hops: number
  /** the routing metric (sum of link costs, ms-equivalent) */
  cost: number
  /** estimated one-way latency, ms (for far routes derived from the cost) */
  latencyMs: number
  /** product of the links' delivery ratios, 0..1 */
  reliability: number
  /** false for far (distance-vector) routes: the path between next hop and target is not known here */
  complete: boolean
  kind: RouteKind
}

export interface ComputeOptions {
  /** links not to use, as "from>to" keys (see linkKey) */
  avoidLinks?: ReadonlySet<string>
  /** nodes not to pass through (targets in it are unreachable) */
  avoidNodes?: ReadonlySet<string>
}

export function linkKey (from: string, to: string): string {
  return `${from}>${to}`
}

export interface FarRoute {
  target: string
  nextHop: string
  cost: number
  hops: number
  latencyMs: number
  reliability: number
  seq: number
}

/** The result of one route computation: read-only, cheap to query. */
export class RouteTable {
  readonly computedAt: number
  constructor (
    readonly self: string,
    private readonly ids: string[],
    private readonly index: Map<string, number>,
    private readonly dist: Float64Array,
    private readonly prev: Int32Array,
    private readonly hopCount: Int32Array,
    private readonly latency: Float64Array,
    private readonly reliability: Float64Array,
    private readonly far: Map<string, FarRoute>,
    computedAt: number
  ) {
    this.computedAt = computedAt
  }

  /** number of reachable targets */
  get size (): number {
    let n = 0
    for (let i = 1; i < this.dist.length; i++) { if (Number.isFinite(this.dist[i])) { n++ } }
    return n + this.far.size
  }

  has (target: string): boolean {
    const i = this.index.get(target)
    if (i != null && i !== 0 && Number.isFinite(this.dist[i])) { return true }
    return this.far.has(target)
  }

  /** cost, hops, next hop of a target without building the path */
  summary (target: string): { cost: number, hops: number, nextHop: string, kind: RouteKind, seq?: number } | undefined {
    const i = this.index.get(target)
    if (i != null && i !== 0 && Number.isFinite(this.dist[i])) {
      let j = i
      while (this.prev[j] !== 0) { j = this.prev[j] }
      return { cost: this.dist[i], hops: this.hopCount[i], nextHop: this.ids[j], kind: this.hopCount[i] === 1 ? 'direct' : 'link-state' }
    }
    const f = this.far.get(target)
    if (f == null) { return undefined }
    return { cost: f.cost, hops: f.hops, nextHop: f.nextHop, kind: 'distance-vector', seq: f.seq }
  }

  route (target: string): RouteInfo | undefined {
    const i = this.index.get(target)
    if (i != null && i !== 0 && Number.isFinite(this.dist[i])) {
      const path: string[] = []
      for (let j = i; j !== -1; j = this.prev[j]) { path.push(this.ids[j]) }
      path.reverse()
      const hops = this.hopCount[i]
      return {
        target,
        path,
        nextHop: path[1],
        hops,
        cost: this.dist[i],
        latencyMs: this.latency[i],
        reliability: this.reliability[i],
        complete: true,
        kind: hops === 1 ? 'direct' : 'link-state'
      }
    }
    const f = this.far.get(target)
    if (f == null) { return undefined }
    return {
      target,
      path: [this.self, f.nextHop, target],
      nextHop: f.nextHop,
      hops: f.hops,
      cost: f.cost,
      latencyMs: f.latencyMs,
      reliability: f.reliability,
      complete: false,
      kind: 'distance-vector'
    }
  }

  routes (): RouteInfo[] {
    const out: RouteInfo[] = []
    for (let i = 1; i < this.dist.length; i++) {
      if (!Number.isFinite(this.dist[i])) { continue }
      const r = this.route(this.ids[i])
      if (r != null) { out.push(r) }
    }
    for (const target of this.far.keys()) {
      const r = this.route(target)
      if (r != null) { out.push(r) }
    }
    return out
  }

  /** targets with a route, link-state first */
  targets (): string[] {
    const out: string[] = []
    for (let i = 1; i < this.dist.length; i++) { if (Number.isFinite(this.dist[i])) { out.push(this.ids[i]) } }
    for (const t of this.far.keys()) { out.push(t) }
    return out
  }

  /** link-state targets with their hop count and cost */
  * linkStateEntries (): Generator<{ target: string, hops: number, cost: number, nextHop: string }> {
    for (let i = 1; i < this.dist.length; i++) {
      if (!Number.isFinite(this.dist[i])) { continue }
      let j = i
      while (this.prev[j] !== 0) { j = this.prev[j] }
      yield { target: this.ids[i], hops: this.hopCount[i], cost: this.dist[i], nextHop: this.ids[j] }
    }
  }

  * farEntries (): Generator<FarRoute> {
    yield * this.far.values()
  }
}
