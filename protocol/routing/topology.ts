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
 * node measured it itself, or both ends' current beacons list each other. Nodes whose
 * beacons we do not hold (past the beacon scope) are reached by the far zone, from the
 * neighbours' distance vectors. When B drops a dead link its fresh beacon withdraws it in
 * both directions at once.
 *
 * The parts: the bounded beacon store and its node indices (beacon-store.ts), the paths
 * over confirmed links (link-state.ts), the far tables and their feasibility
 * (far-zone.ts). This class holds them with this node's own links and answers for all.
 */
import { BeaconStore } from './beacon-store.ts'
import { FarZone } from './far-zone.ts'
import { linkCost } from './health.ts'
import { computeLinkState } from './link-state.ts'
import { RouteTable } from './route-table.ts'
import type { BeaconRecord, GraphExcess, GraphLink } from './beacon-store.ts'
import type { ReachInfo } from './far-zone.ts'
import type { LinkQuality } from './health.ts'
import type { ComputeOptions } from './route-table.ts'

export type { BeaconRecord, GraphLink } from './beacon-store.ts'
export type { ReachInfo } from './far-zone.ts'

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
  private readonly store: BeaconStore<W>
  private readonly far: FarZone
  /** what the bounds cut: links past maxLinksPerBeacon, far entries past maxReachEntries, beacons evicted or refused for room */
  readonly excess: GraphExcess = { links: 0, reach: 0, evicted: 0, refused: 0 }
  version = 0

  constructor (init: TopologyGraphInit) {
    this.self = init.self
    this.store = new BeaconStore<W>(init.self, {
      beaconMaxAgeMs: init.beaconMaxAgeMs,
      maxBeacons: init.maxBeacons ?? 4096,
      maxLinksPerBeacon: init.maxLinksPerBeacon ?? 64,
      maxTotalLinks: init.maxTotalLinks ?? 65_536
    }, this.excess)
    this.far = new FarZone(init.self, {
      reachMaxAgeMs: init.reachMaxAgeMs,
      maxReachEntries: init.maxReachEntries ?? 1024,
      maxHops: init.maxHops ?? 16
    }, this.excess)
  }

  // ---- local links (from the link monitor) ----

  setLocalLink (peer: string, quality: LinkQuality): void {
    this.store.indexOf(peer)
    this.localLinks.set(peer, { ...quality })
    this.version++
  }

  removeLocalLink (peer: string): boolean {
    const had = this.localLinks.delete(peer)
    const hadReach = this.far.delete(peer)
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
    return this.store.beacons.get(origin)?.seq ?? 0
  }

  /** would a beacon with this seq change anything? Checked before the (costly) signature check. */
  isNewer (origin: string, seq: number): boolean {
    return this.store.isNewer(origin, seq)
  }

  hasBeacon (origin: string): boolean {
    return this.store.beacons.has(origin)
  }

  /** store a verified beacon; returns false if it is not newer than what we hold, or there is no room for it */
  insertBeacon (b: BeaconRecord<W>, now: number): boolean {
    if (!this.store.insert(b, now)) { return false }
    this.version++
    return true
  }

  getBeacon (origin: string): BeaconRecord<W> | undefined {
    return this.store.beacons.get(origin)
  }

  beaconRecords (): Array<BeaconRecord<W>> {
    return [...this.store.beacons.values()]
  }

  get beaconCount (): number {
    return this.store.beacons.size
  }

  get linkCount (): number {
    return this.store.totalLinks
  }

  // ---- far tables ----

  setReach (neighbour: string, entries: ReachInfo[], now: number): void {
    this.far.set(neighbour, entries, now)
    this.version++
  }

  reachOf (neighbour: string): ReadonlyMap<string, ReachInfo> | undefined {
    return this.far.of(neighbour)
  }

  /** drop what has aged out; returns how many items went */
  prune (now: number): number {
    const removed = this.store.prune(now, this.localLinkPeers()) + this.far.prune(now)
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
    const ids = this.store.nodeIds
    const index = this.store.nodeIndex
    const { dist, prev, hops, latency, reliability } = computeLinkState(this.store as BeaconStore<unknown>, this.localLinks, options)
    const far = this.far.compute(this.localLinks, index, dist, options)
    return new RouteTable(this.self, ids, index, dist, prev, hops, latency, reliability, far, now)
  }

  /**
   * The far table to advertise to `neighbour`: every route that neighbour cannot have in
   * its own link-state zone (our hop count ≥ scope), minus the ones through it (split
   * horizon), cheapest first, at most `max`.
   */
  advertisement (table: RouteTable, neighbour: string, scope: number, max: number): ReachInfo[] {
    return this.far.advertisement(table, neighbour, scope, max, origin => this.beaconSeq(origin))
  }

  /** nodes and links for display */
  view (): { nodes: GraphNodeView[], links: GraphLinkView[] } {
    const beacons = this.store.beacons
    const nodes = new Map<string, GraphNodeView>([[this.self, { id: this.self }]])
    const links: GraphLinkView[] = []
    for (const [peer, q] of this.localLinks) {
      if (!nodes.has(peer)) { nodes.set(peer, { id: peer }) }
      const other = beacons.get(peer)
      links.push({ from: this.self, to: peer, ...q, peer, cost: linkCost(q), symmetric: other == null || other.linkSet.has(this.self) })
    }
    for (const b of beacons.values()) {
      nodes.set(b.origin, { id: b.origin, seq: b.seq, beaconHops: b.hops, receivedAt: b.receivedAt, addrs: b.addrs })
      for (const l of b.links) {
        if (!nodes.has(l.peer)) { nodes.set(l.peer, { id: l.peer }) }
        const other = l.peer === this.self ? undefined : beacons.get(l.peer)
        const symmetric = l.peer === this.self ? this.localLinks.has(b.origin) : (other != null && other.linkSet.has(b.origin))
        links.push({ from: b.origin, to: l.peer, ...l, cost: linkCost(l), symmetric })
      }
    }
    return { nodes: [...nodes.values()], links }
  }
}
