/**
 * The beacons a node holds, bounded: at most `maxBeacons` origins, `maxLinksPerBeacon`
 * links each (the cheapest) and `maxTotalLinks` in all. When full, a newcomer evicts what
 * ranks worse (unreachable before reachable, then the farthest, then the oldest) or is
 * refused. Each node id seen gets a stable integer index (this node is 0) so that route
 * computation (link-state.ts) runs on typed arrays; each stored beacon keeps its links as
 * indices, sorted, with their costs precomputed.
 */
import { linkCost, linkLatency, linkReliability } from './health.ts'
import type { LinkQuality } from './health.ts'

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

export interface StoredBeacon<W> extends BeaconRecord<W> {
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

export interface BeaconStoreInit {
  beaconMaxAgeMs: number
  maxBeacons: number
  maxLinksPerBeacon: number
  maxTotalLinks: number
}

/** what the bounds cut: links past maxLinksPerBeacon, beacons evicted or refused for room (and far entries, counted by the graph) */
export interface GraphExcess { links: number, reach: number, evicted: number, refused: number }

export class BeaconStore<W = unknown> {
  readonly beacons = new Map<string, StoredBeacon<W>>()
  /**
   * Indices only grow; the table is rebuilt (new objects: route tables already handed
   * out keep theirs) when most of it belongs to nodes that are gone.
   */
  nodeIndex = new Map<string, number>()
  nodeIds: string[] = []
  /** the stored beacon of each node index */
  beaconAt: Array<StoredBeacon<W> | undefined> = []
  totalLinks = 0
  /** origins reachable over confirmed links at the last computation: kept before others when full */
  reachable = new Set<string>()
  /** beacons were evicted since the last prune: the node table may want compacting */
  private dropped = false

  constructor (
    private readonly self: string,
    private readonly init: BeaconStoreInit,
    private readonly excess: GraphExcess
  ) {
    this.indexOf(self)
  }

  indexOf (id: string): number {
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

  /** re-number the nodes when the table is mostly dead entries; this node, then `localPeers`, keep the first indices */
  private compact (localPeers: string[]): void {
    let live = 1 + localPeers.length
    for (const b of this.beacons.values()) { live += 1 + b.links.length }
    if (this.nodeIds.length < 1024 || this.nodeIds.length < 2 * live) { return }
    this.nodeIndex = new Map()
    this.nodeIds = []
    this.beaconAt = []
    this.indexOf(this.self)
    for (const peer of localPeers) { this.indexOf(peer) }
    for (const b of this.beacons.values()) { this.indexLinks(b) }
  }

  /** would a beacon with this seq change anything? Checked before the (costly) signature check. */
  isNewer (origin: string, seq: number): boolean {
    if (origin === this.self) { return false }
    const held = this.beacons.get(origin)
    if (held != null) { return seq > held.seq }
    return true
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
    let needBeacon = held == null && this.beacons.size >= this.init.maxBeacons
    let needLinks = this.totalLinks - (held?.links.length ?? 0) + links - this.init.maxTotalLinks
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
    for (const v of chosen) { this.drop(v) }
    this.excess.evicted += chosen.length
    this.dropped = true
    return true
  }

  private drop (b: StoredBeacon<W>): void {
    this.beacons.delete(b.origin)
    this.beaconAt[b.index] = undefined
    this.totalLinks -= b.links.length
  }

  /** store a verified beacon; returns false if it is not newer than what we hold, or there is no room for it */
  insert (b: BeaconRecord<W>, now: number): boolean {
    if (!this.isNewer(b.origin, b.seq)) { return false }
    if (b.links.length > this.init.maxLinksPerBeacon) {
      this.excess.links += b.links.length - this.init.maxLinksPerBeacon
      b = { ...b, links: [...b.links].sort((x, y) => linkCost(x) - linkCost(y)).slice(0, this.init.maxLinksPerBeacon) }
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
      expiresAt: now + this.init.beaconMaxAgeMs,
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
    return true
  }

  /** drop the beacons that aged out (and compact the node table after drops); returns how many went */
  prune (now: number, localPeers: string[]): number {
    let removed = 0
    for (const b of this.beacons.values()) {
      if (b.expiresAt <= now) {
        this.drop(b)
        removed++
      }
    }
    if (removed > 0 || this.dropped) { this.compact(localPeers) }
    this.dropped = false
    return removed
  }
}
