/**
 * The topology a node knows, and the routes over it. Pure data structures: no libp2p, no
 * crypto (beacons arrive here verified), so the bench can drive them with 10k nodes.
 *
 * Two zones, as in fisheye-state routing:
 * - the link-state zone: signed beacons of every node within the beacon scope (k hops),
 * each listing its links with their quality. Routes to these nodes are full paths
 * (Dijkstra over the link costs of health.ts), usable as source routes.
 * - the far zone: distance-vector entries (target, cost, hops, seq) that neighbours
 * advertise for nodes outside their own scope. Routes to these are a next hop only;
 * each hop picks the next one. Babel's feasibility condition (a route is accepted only
 * with a newer seq, or the same seq and a smaller metric than we last advertised) keeps
 * them loop-free; the seq is the target's beacon seq, carried outward by the nodes that
 * hold its beacon.
 *
 * A link counts only when it is confirmed (OLSR's and Babel's symmetric-link rule): this
 * node measured it itself, or both ends' current beacons list each other. Its cost is the
 * worse of the two claims. A signed beacon proves who claims a link, not that the link
 * exists: a hostile node listing a link to T at a tiny cost attracts no route to T unless
 * T's own beacon confirms the link. Nodes whose beacons we do not hold (past the beacon
 * scope) are reached by the far zone, from the neighbours' distance vectors. When B drops a
 * dead link its fresh beacon withdraws it in both directions at once.
 */
import { linkCost, linkLatency, linkReliability } from './health.ts'
import { RouteTable, linkKey } from './route-table.ts'
import { MinHeap, sortedIndex } from './typed-search.ts'
import type { LinkQuality } from './health.ts'
import type { ComputeOptions, FarRoute } from './route-table.ts'

export interface GraphLink extends LinkQuality {
  peer: string
}

export interface BeaconRecord<W = unknown> {
  origin: string
  seq: number
  timestamp: number
  scope: number
  /** hops the beacon travelled to reach us (1 = from the origin itself) */
  hops: number
  links: GraphLink[]
  addrs: string[]
  receivedAt: number
  /** the signed wire form, kept to pass it on to new neighbours */
  wire?: W
}

interface StoredBeacon<W> extends BeaconRecord<W> {
  linkSet: Set<string>
  expiresAt: number
  /** node index of the origin and of each link's peer (same order as links) */
  index: number
  linkIndex: Int32Array
  /** link peers' indices, sorted: the symmetric-link check is a binary search */
  sortedLinks: Int32Array
  /** the claimed cost, latency, delivery ratio of each link in sortedLinks' order */
  sortedCost: Float64Array
  sortedLatency: Float64Array
  sortedReliability: Float64Array
  /** per link, precomputed: cost, one-way latency, delivery ratio */
  linkCost: Float64Array
  linkLatency: Float64Array
  linkReliability: Float64Array
}

export interface ReachInfo {
  target: string
  cost: number
  hops: number
  seq: number
}

export interface TopologyGraphInit {
  self: string
  /** a beacon not refreshed for this long is dropped */
  beaconMaxAgeMs: number
  /** a neighbour's far table not refreshed for this long is dropped */
  reachMaxAgeMs: number
  /** beacons kept at most; when full, a nearer or fresher one evicts the worst (default 4096) */
  maxBeacons?: number
  /** links kept per beacon, the cheapest (default 64) */
  maxLinksPerBeacon?: number
  /** links kept over all beacons (default 65 536) */
  maxTotalLinks?: number
  /** entries kept per neighbour's far table, the cheapest (default 1024) */
  maxReachEntries?: number
  /** far routes longer than this are not kept (RIP's infinity) */
  maxHops?: number
}

export interface GraphNodeView {
  id: string
  seq?: number
  beaconHops?: number
  receivedAt?: number
  addrs?: string[]
}

export interface GraphLinkView extends GraphLink {
  from: string
  to: string
  cost: number
  /** confirmed: both ends' beacons list the link (a local link: measured by this node) */
  symmetric: boolean
}

/** Link-state database plus far tables. `version` changes whenever routes may change. */
export class TopologyGraph<W = unknown> {
  readonly self: string
  private readonly localLinks = new Map<string, LinkQuality>()
  private readonly beacons = new Map<string, StoredBeacon<W>>()
  private readonly reach = new Map<string, { entries: Map<string, ReachInfo>, expiresAt: number }>()
  /** Babel feasibility distances of far targets: the best (seq, cost) we advertised, and the successor */
  private readonly feasibility = new Map<string, { seq: number, cost: number, nextHop: string }>()
  private readonly beaconMaxAgeMs: number
  private readonly reachMaxAgeMs: number
  private readonly maxBeacons: number
  private readonly maxLinksPerBeacon: number
  private readonly maxTotalLinks: number
  private readonly maxReachEntries: number
  private readonly maxHops: number
  private totalLinks = 0
  /** beacons were evicted since the last prune: the node table may want compacting */
  private dropped = false
  /** origins reachable over confirmed links at the last computation: kept before others when full */
  private reachable = new Set<string>()
  /** what the bounds cut: links past maxLinksPerBeacon, far entries past maxReachEntries, beacons evicted or refused for room */
  readonly excess = { links: 0, reach: 0, evicted: 0, refused: 0 }
  /**
   * Every node id seen gets a stable integer index (this node is 0), so route computation
   * runs on typed arrays instead of string-keyed maps. Indices only grow; the table is
   * rebuilt (new objects: route tables already handed out keep theirs) when most of it
   * belongs to nodes that are gone.
   */
  private nodeIndex = new Map<string, number>()
  private nodeIds: string[] = []
  private beaconAt: Array<StoredBeacon<W> | undefined> = []
  version = 0

  constructor (init: TopologyGraphInit) {
    this.self = init.self
    this.beaconMaxAgeMs = init.beaconMaxAgeMs
    this.reachMaxAgeMs = init.reachMaxAgeMs
    this.maxBeacons = init.maxBeacons ?? 4096
    this.maxLinksPerBeacon = init.maxLinksPerBeacon ?? 64
    this.maxTotalLinks = init.maxTotalLinks ?? 65_536
    this.maxReachEntries = init.maxReachEntries ?? 1024
    this.maxHops = init.maxHops ?? 16
    this.indexOf(this.self)
  }

  private indexOf (id: string): number {
    let i = this.nodeIndex.get(id)
    if (i == null) {
      i = this.nodeIds.length
      this.nodeIds.push(id)
      this.nodeIndex.set(id, i)
    }
    return i
  }

  private indexLinks (b: StoredBeacon<W>): void {
    b.index = this.indexOf(b.origin)
    b.linkIndex = Int32Array.from(b.links, l => this.indexOf(l.peer))
    const order = Array.from(b.linkIndex.keys()).sort((x, y) => b.linkIndex[x] - b.linkIndex[y])
    b.sortedLinks = Int32Array.from(order, k => b.linkIndex[k])
    b.sortedCost = Float64Array.from(order, k => b.linkCost[k])
    b.sortedLatency = Float64Array.from(order, k => b.linkLatency[k])
    b.sortedReliability = Float64Array.from(order, k => b.linkReliability[k])
    this.beaconAt[b.index] = b
  }

  /** re-number the nodes when the table is mostly dead entries */
  private compact (): void {
    let live = 1 + this.localLinks.size
    for (const b of this.beacons.values()) { live += 1 + b.links.length }
    if (this.nodeIds.length < 1024 || this.nodeIds.length < 2 * live) { return }
    this.nodeIndex = new Map()
    this.nodeIds = []
    this.beaconAt = []
    this.indexOf(this.self)
    for (const peer of this.localLinks.keys()) { this.indexOf(peer) }
    for (const b of this.beacons.values()) { this.indexLinks(b) }
  }

  // ---- local links (from the link monitor) ----

  setLocalLink (peer: string, quality: LinkQuality): void {
    this.indexOf(peer)
    this.localLinks.set(peer, { ...quality })
    this.version++
  }

  removeLocalLink (peer: string): boolean {
    const had = this.localLinks.delete(peer)
    const hadReach = this.reach.delete(peer)
    if (had || hadReach) { this.version++ }
    return had
  }

  localLinkPeers (): string[] {
    return [...this.localLinks.keys()]
  }

  getLocalLink (peer: string): LinkQuality | undefined {
    return this.localLinks.get(peer)
  }

  // ---- beacons ----

  /** the seq we hold for `origin` (0 = none) */
  beaconSeq (origin: string): number {
    return this.beacons.get(origin)?.seq ?? 0
  }

  /** would a beacon with this seq change anything? Checked before the (costly) signature check. */
  isNewer (origin: string, seq: number): boolean {
    if (origin === this.self) { return false }
    const held = this.beacons.get(origin)
    if (held != null) { return seq > held.seq }
    return true
  }

  hasBeacon (origin: string): boolean {
    return this.beacons.has(origin)
  }

  /**
   * How much a held beacon is worth keeping: origins reachable over confirmed links before
   * the rest, then the nearest (fewest hops), then the freshest. Lower is better.
   */
  private rank (b: { origin: string, hops: number }): number {
    return (this.reachable.has(b.origin) ? 0 : 1_000) + b.hops
  }

  /**
   * Room for `links` more links and, when `origin` is new, one more beacon: evicts the
   * worst held beacons if they rank below the newcomer; false when the newcomer ranks
   * no better than what is held (it is then refused).
   */
  private makeRoom (origin: string, hops: number, receivedAt: number, links: number): boolean {
    const held = this.beacons.get(origin)
    let needBeacon = held == null && this.beacons.size >= this.maxBeacons
    let needLinks = this.totalLinks - (held?.links.length ?? 0) + links - this.maxTotalLinks
    if (!needBeacon && needLinks <= 0) { return true }
    const mine = this.rank({ origin, hops })
    const chosen: Array<StoredBeacon<W>> = []
    const taken = new Set<string>([origin])
    // the worst first (rank, then age), one linear pass per victim: usually one is enough
    while (needBeacon || needLinks > 0) {
      let worst: StoredBeacon<W> | undefined
      let worstRank = -1
      for (const b of this.beacons.values()) {
        if (taken.has(b.origin)) { continue }
        const r = this.rank(b)
        if (r > worstRank || (r === worstRank && worst != null && b.receivedAt < worst.receivedAt)) { worst = b; worstRank = r }
      }
      if (worst == null || worstRank < mine || (worstRank === mine && worst.receivedAt >= receivedAt)) { return false }
      chosen.push(worst)
      taken.add(worst.origin)
      needBeacon = false
      needLinks -= worst.links.length
    }
    for (const v of chosen) { this.dropBeacon(v) }
    this.excess.evicted += chosen.length
    this.dropped = true
    return true
  }

  private dropBeacon (b: StoredBeacon<W>): void {
    this.beacons.delete(b.origin)
    this.beaconAt[b.index] = undefined
    this.totalLinks -= b.links.length
  }

  /** store a verified beacon; returns false if it is not newer than what we hold, or there is no room for it */
  insertBeacon (b: BeaconRecord<W>, now: number): boolean {
    if (!this.isNewer(b.origin, b.seq)) { return false }
    if (b.links.length > this.maxLinksPerBeacon) {
      this.excess.links += b.links.length - this.maxLinksPerBeacon
      b = { ...b, links: [...b.links].sort((x, y) => linkCost(x) - linkCost(y)).slice(0, this.maxLinksPerBeacon) }
    }
    if (!this.makeRoom(b.origin, b.hops, b.receivedAt, b.links.length)) {
      this.excess.refused++
      return false
    }
    const previous = this.beacons.get(b.origin)
    if (previous != null) { this.totalLinks -= previous.links.length }
    this.totalLinks += b.links.length
    const stored: StoredBeacon<W> = {
      ...b,
      linkSet: new Set(b.links.map(l => l.peer)),
      expiresAt: now + this.beaconMaxAgeMs,
      index: 0,
      linkIndex: new Int32Array(0),
      sortedLinks: new Int32Array(0),
      sortedCost: new Float64Array(0),
      sortedLatency: new Float64Array(0),
      sortedReliability: new Float64Array(0),
      linkCost: Float64Array.from(b.links, l => linkCost(l)),
      linkLatency: Float64Array.from(b.links, l => linkLatency(l)),
      linkReliability: Float64Array.from(b.links, l => linkReliability(l))
    }
    this.indexLinks(stored)
    this.beacons.set(b.origin, stored)
    this.version++
    return true
  }

  getBeacon (origin: string): BeaconRecord<W> | undefined {
    return this.beacons.get(origin)
  }

  beaconRecords (): Array<BeaconRecord<W>> {
    return [...this.beacons.values()]
  }

  get beaconCount (): number {
    return this.beacons.size
  }

  get linkCount (): number {
    return this.totalLinks
  }

  // ---- far tables ----

  setReach (neighbour: string, entries: ReachInfo[], now: number): void {
    const map = new Map<string, ReachInfo>()
    if (entries.length > this.maxReachEntries) {
      this.excess.reach += entries.length - this.maxReachEntries
      entries = [...entries].sort((a, b) => a.cost - b.cost).slice(0, this.maxReachEntries)
    }
    for (const e of entries) {
      if (e.target === this.self || e.target === neighbour) { continue }
      if (e.hops + 1 > this.maxHops) { continue }
      const prev = map.get(e.target)
      if (prev == null || e.cost < prev.cost) { map.set(e.target, e) }
    }
    this.reach.set(neighbour, { entries: map, expiresAt: now + this.reachMaxAgeMs })
    this.version++
  }

  reachOf (neighbour: string): ReadonlyMap<string, ReachInfo> | undefined {
    return this.reach.get(neighbour)?.entries
  }

  /** drop what has aged out; returns how many items went */
  prune (now: number): number {
    let removed = 0
    for (const b of this.beacons.values()) {
      if (b.expiresAt <= now) {
        this.dropBeacon(b)
        removed++
      }
    }
    if (removed > 0 || this.dropped) { this.compact() }
    this.dropped = false
    for (const [n, r] of this.reach) {
      if (r.expiresAt <= now) { this.reach.delete(n); removed++ }
    }
    if (this.feasibility.size > 0) {
      const advertised = new Set<string>()
      for (const r of this.reach.values()) { for (const t of r.entries.keys()) { advertised.add(t) } }
      for (const t of this.feasibility.keys()) { if (!advertised.has(t)) { this.feasibility.delete(t) } }
    }
    if (removed > 0) { this.version++ }
    return removed
  }

  // ---- routes ----

  /**
   * Dijkstra over the link-state zone from this node, then the far zone from the
   * neighbours' tables. With `options` (avoid links/nodes) it computes an alternative
   * without touching the feasibility state.
   */
  compute (now: number, options: ComputeOptions = {}): RouteTable {
    const ids = this.nodeIds
    const index = this.nodeIndex
    const n = ids.length
    // what to leave out, as indices
    const skipNode = new Uint8Array(n)
    for (const id of options.avoidNodes ?? []) {
      const i = index.get(id)
      if (i != null && i !== 0) { skipNode[i] = 1 }
    }
    let skipLink: Set<number> | undefined
    if (options.avoidLinks != null && options.avoidLinks.size > 0) {
      skipLink = new Set()
      for (const key of options.avoidLinks) {
        const sep = key.indexOf('>')
        const a = index.get(key.slice(0, sep))
        const b = index.get(key.slice(sep + 1))
        if (a != null && b != null) { skipLink.add(a * n + b) }
      }
    }
    const inScope = this.scopeFilter()

    // CSR adjacency, built origin by origin in index order
    let upper = this.localLinks.size
    for (const b of this.beacons.values()) { upper += b.links.length }
    const start = new Int32Array(n + 1)
    const adjTo = new Int32Array(upper)
    const adjCost = new Float64Array(upper)
    const adjLat = new Float64Array(upper)
    const adjRel = new Float64Array(upper)
    let m = 0
    for (const [peer, q] of this.localLinks) {
      const p = index.get(peer)
      if (p == null || skipNode[p] === 1 || skipLink?.has(p) === true) { continue }
      adjTo[m] = p
      adjCost[m] = linkCost(q)
      adjLat[m] = linkLatency(q)
      adjRel[m] = linkReliability(q)
      m++
    }
    start[1] = m
    const beaconAt = this.beaconAt
    // the current beacons' sorted link lists, flattened: the symmetric-link check then
    // reads one array instead of chasing a pointer per link
    const symStart = new Int32Array(n + 1)
    const current = new Uint8Array(n)
    let total = 0
    for (let o = 1; o < n; o++) {
      const b = beaconAt[o]
      if (b != null && inScope[o] === 1) { total += b.sortedLinks.length }
    }
    const symLinks = new Int32Array(total)
    const symCost = new Float64Array(total)
    const symLat = new Float64Array(total)
    const symRel = new Float64Array(total)
    total = 0
    for (let o = 1; o < n; o++) {
      symStart[o] = total
      const b = beaconAt[o]
      if (b != null && inScope[o] === 1) {
        current[o] = 1
        symLinks.set(b.sortedLinks, total)
        symCost.set(b.sortedCost, total)
        symLat.set(b.sortedLatency, total)
        symRel.set(b.sortedReliability, total)
        total += b.sortedLinks.length
      }
    }
    symStart[n] = total
    for (let o = 1; o < n; o++) {
      const b = beaconAt[o]
      if (b != null && inScope[o] === 1 && skipNode[o] === 0) {
        const links = b.linkIndex
        for (let k = 0; k < links.length; k++) {
          const p = links[k]
          if (p === 0 || p === o || skipNode[p] === 1) { continue }
          // confirmed links only: the far end's current beacon lists this one too
          if (current[p] === 0) { continue }
          const back = sortedIndex(symLinks, symStart[p], symStart[p + 1] - 1, o)
          if (back < 0) { continue }
          if (skipLink?.has(o * n + p) === true) { continue }
          // the worse of the two ends' claims
          adjTo[m] = p
          adjCost[m] = Math.max(b.linkCost[k], symCost[back])
          adjLat[m] = Math.max(b.linkLatency[k], symLat[back])
          adjRel[m] = Math.min(b.linkReliability[k], symRel[back])
          m++
        }
      }
      start[o + 1] = m
    }

    const dist = new Float64Array(n).fill(Infinity)
    const prev = new Int32Array(n).fill(-1)
    const hops = new Int32Array(n)
    const latency = new Float64Array(n)
    const reliability = new Float64Array(n)
    dist[0] = 0
    reliability[0] = 1
    const heap = new MinHeap(Math.max(16, Math.min(m + 1, 4 * n)))
    heap.push(0, 0)
    const done = new Uint8Array(n)
    while (heap.size > 0) {
      const u = heap.pop()
      if (done[u] === 1) { continue }
      done[u] = 1
      const du = dist[u]
      for (let p = start[u]; p < start[u + 1]; p++) {
        const v = adjTo[p]
        const dv = du + adjCost[p]
        // ties: fewer hops wins, so equal-cost paths are stable and short
        if (dv < dist[v] || (dv === dist[v] && done[v] === 0 && hops[u] + 1 < hops[v])) {
          dist[v] = dv
          prev[v] = u
          hops[v] = hops[u] + 1
          latency[v] = latency[u] + adjLat[p]
          reliability[v] = reliability[u] * adjRel[p]
          heap.push(v, dv)
        }
      }
    }

    if (options.avoidLinks == null && options.avoidNodes == null) {
      const reachable = new Set<string>()
      for (let i = 1; i < n; i++) { if (Number.isFinite(dist[i]) && beaconAt[i] != null) { reachable.add(ids[i]) } }
      this.reachable = reachable
    }
    const far = this.computeFar(index, dist, options, now)
    return new RouteTable(this.self, ids, index, dist, prev, hops, latency, reliability, far, now)
  }

  /**
   * Origins whose beacons we can trust to be current: those within their own scope of us
   * (hop distance ≤ the beacon's scope), found by a breadth-first walk that only expands
   * such origins. A node that drifted out of scope (a shortcut died) stops sending us its
   * beacon; its last one must not keep dead links alive until it ages out.
   */
  private scopeFilter (): Uint8Array {
    const n = this.nodeIds.length
    const level = new Int32Array(n).fill(-1)
    const inScope = new Uint8Array(n)
    level[0] = 0
    let frontier: number[] = []
    for (const peer of this.localLinks.keys()) {
      const p = this.nodeIndex.get(peer)
      if (p != null && level[p] === -1) { level[p] = 1; frontier.push(p) }
    }
    let depth = 1
    while (frontier.length > 0) {
      const next: number[] = []
      for (const u of frontier) {
        const b = this.beaconAt[u]
        if (b == null || depth > b.scope) { continue }
        inScope[u] = 1
        const links = b.linkIndex
        for (let k = 0; k < links.length; k++) {
          const p = links[k]
          if (level[p] !== -1) { continue }
          // a link the far end's beacon denies does not bring that end nearer
          const far = this.beaconAt[p]
          if (far != null && sortedIndex(far.sortedLinks, 0, far.sortedLinks.length - 1, u) < 0) { continue }
          level[p] = depth + 1
          next.push(p)
        }
      }
      frontier = next
      depth++
    }
    return inScope
  }

  private computeFar (index: Map<string, number>, dist: Float64Array, options: ComputeOptions, _now: number): Map<string, FarRoute> {
    const far = new Map<string, FarRoute>()
    if (this.reach.size === 0) { return far }
    const updateFeasibility = options.avoidLinks == null && options.avoidNodes == null
    for (const [neighbour, table] of this.reach) {
      const q = this.localLinks.get(neighbour)
      if (q == null) { continue }
      if (options.avoidNodes?.has(neighbour) === true) { continue }
      if (options.avoidLinks?.has(linkKey(this.self, neighbour)) === true) { continue }
      const viaCost = linkCost(q)
      const viaLat = linkLatency(q)
      const viaRel = linkReliability(q)
      for (const e of table.entries.values()) {
        if (options.avoidNodes?.has(e.target) === true) { continue }
        const i = index.get(e.target)
        if (i != null && Number.isFinite(dist[i])) { continue } // the link-state zone knows better
        // Babel's feasibility condition, except that the current next hop (EIGRP's
        // successor) may report a worse cost: else every cost rise on a far path would
        // cut the route until the target's next beacon seq arrives
        const fd = this.feasibility.get(e.target)
        if (fd != null && fd.nextHop !== neighbour && !(e.seq > fd.seq || (e.seq === fd.seq && e.cost < fd.cost))) { continue }
        const total = viaCost + e.cost
        const best = far.get(e.target)
        if (best != null && (best.cost < total || (best.cost === total && best.hops <= e.hops + 1))) { continue }
        far.set(e.target, {
          target: e.target,
          nextHop: neighbour,
          cost: total,
          hops: e.hops + 1,
          // the far metric is latency-like (ms-equivalent): an upper estimate past the first hop
          latencyMs: viaLat + e.cost,
          reliability: viaRel,
          seq: e.seq
        })
      }
    }
    if (updateFeasibility) {
      for (const r of far.values()) {
        const fd = this.feasibility.get(r.target)
        if (fd == null || r.seq > fd.seq) {
          this.feasibility.set(r.target, { seq: r.seq, cost: r.cost, nextHop: r.nextHop })
        } else {
          if (r.seq === fd.seq && r.cost < fd.cost) { fd.cost = r.cost }
          fd.nextHop = r.nextHop
        }
      }
    }
    return far
  }

  /**
   * The far table to advertise to `neighbour`: every route that neighbour cannot have in
   * its own link-state zone (our hop count ≥ scope), minus the ones through it (split
   * horizon), cheapest first, at most `max`.
   */
  advertisement (table: RouteTable, neighbour: string, scope: number, max: number): ReachInfo[] {
    const out: ReachInfo[] = []
    for (const e of table.linkStateEntries()) {
      if (e.hops < scope || e.nextHop === neighbour || e.target === neighbour) { continue }
      if (e.hops >= this.maxHops) { continue }
      out.push({ target: e.target, cost: e.cost, hops: e.hops, seq: this.beacons.get(e.target)?.seq ?? 0 })
    }
    for (const f of table.farEntries()) {
      if (f.nextHop === neighbour || f.target === neighbour || f.hops >= this.maxHops) { continue }
      out.push({ target: f.target, cost: f.cost, hops: f.hops, seq: f.seq })
    }
    if (out.length > max) {
      out.sort((a, b) => a.cost - b.cost)
      out.length = max
    }
    return out
  }

  /** nodes and links for display */
  view (): { nodes: GraphNodeView[], links: GraphLinkView[] } {
    const nodes = new Map<string, GraphNodeView>([[this.self, { id: this.self }]])
    const links: GraphLinkView[] = []
    for (const [peer, q] of this.localLinks) {
      if (!nodes.has(peer)) { nodes.set(peer, { id: peer }) }
      const other = this.beacons.get(peer)
      links.push({ from: this.self, to: peer, ...q, peer, cost: linkCost(q), symmetric: other == null || other.linkSet.has(this.self) })
    }
    for (const b of this.beacons.values()) {
      nodes.set(b.origin, { id: b.origin, seq: b.seq, beaconHops: b.hops, receivedAt: b.receivedAt, addrs: b.addrs })
      for (const l of b.links) {
        if (!nodes.has(l.peer)) { nodes.set(l.peer, { id: l.peer }) }
        const other = l.peer === this.self ? undefined : this.beacons.get(l.peer)
        const symmetric = l.peer === this.self ? this.localLinks.has(b.origin) : (other != null && other.linkSet.has(b.origin))
        links.push({ from: b.origin, to: l.peer, ...l, cost: linkCost(l), symmetric })
      }
    }
    return { nodes: [...nodes.values()], links }
  }
}
