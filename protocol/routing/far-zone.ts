/**
 * The far zone of fisheye routing: distance-vector entries (target, cost, hops, seq) that
 * neighbours advertise for nodes outside their own scope. Routes to these are a next hop
 * only; each hop picks the next one. Babel's feasibility condition (a route is accepted
 * only with a newer seq, or the same seq and a smaller metric than we last advertised)
 * keeps them loop-free; the seq is the target's beacon seq, carried outward by the nodes
 * that hold its beacon. Each neighbour's table is bounded (`maxReachEntries`, the
 * cheapest kept) and replaced wholesale.
 */
import { linkCost, linkLatency, linkReliability } from './health.ts'
import { linkKey } from './route-table.ts'
import type { GraphExcess } from './beacon-store.ts'
import type { LinkQuality } from './health.ts'
import type { ComputeOptions, FarRoute, RouteTable } from './route-table.ts'

export interface ReachInfo {
  target: string
  cost: number
  hops: number
  seq: number
}

export interface FarZoneInit {
  /** a neighbour's far table not refreshed for this long is dropped */
  reachMaxAgeMs: number
  maxReachEntries: number
  /** far routes longer than this are not kept (RIP's infinity) */
  maxHops: number
}

export class FarZone {
  private readonly reach = new Map<string, { entries: Map<string, ReachInfo>, expiresAt: number }>()
  /** Babel feasibility distances of far targets: the best (seq, cost) we advertised, and the successor */
  private readonly feasibility = new Map<string, { seq: number, cost: number, nextHop: string }>()

  constructor (
    private readonly self: string,
    private readonly init: FarZoneInit,
    private readonly excess: GraphExcess
  ) {}

  get size (): number {
    return this.reach.size
  }

  set (neighbour: string, entries: ReachInfo[], now: number): void {
    const map = new Map<string, ReachInfo>()
    if (entries.length > this.init.maxReachEntries) {
      this.excess.reach += entries.length - this.init.maxReachEntries
      entries = [...entries].sort((a, b) => a.cost - b.cost).slice(0, this.init.maxReachEntries)
    }
    for (const e of entries) {
      if (e.target === this.self || e.target === neighbour) { continue }
      if (e.hops + 1 > this.init.maxHops) { continue }
      const prev = map.get(e.target)
      if (prev == null || e.cost < prev.cost) { map.set(e.target, e) }
    }
    this.reach.set(neighbour, { entries: map, expiresAt: now + this.init.reachMaxAgeMs })
  }

  of (neighbour: string): ReadonlyMap<string, ReachInfo> | undefined {
    return this.reach.get(neighbour)?.entries
  }

  delete (neighbour: string): boolean {
    return this.reach.delete(neighbour)
  }

  /** drop the tables that aged out, and the feasibility of targets no table lists; returns how many tables went */
  prune (now: number): number {
    let removed = 0
    for (const [n, r] of this.reach) {
      if (r.expiresAt <= now) { this.reach.delete(n); removed++ }
    }
    if (this.feasibility.size > 0) {
      const advertised = new Set<string>()
      for (const r of this.reach.values()) { for (const t of r.entries.keys()) { advertised.add(t) } }
      for (const t of this.feasibility.keys()) { if (!advertised.has(t)) { this.feasibility.delete(t) } }
    }
    return removed
  }

  /** far routes to what the link-state zone (`dist`, by `index`) does not reach */
  compute (localLinks: ReadonlyMap<string, LinkQuality>, index: Map<string, number>, dist: Float64Array, options: ComputeOptions): Map<string, FarRoute> {
    const far = new Map<string, FarRoute>()
    if (this.reach.size === 0) { return far }
    const updateFeasibility = options.avoidLinks == null && options.avoidNodes == null
    for (const [neighbour, table] of this.reach) {
      const q = localLinks.get(neighbour)
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
   * horizon), cheapest first, at most `max`. `beaconSeq` gives the seq of a held beacon.
   */
  advertisement (table: RouteTable, neighbour: string, scope: number, max: number, beaconSeq: (origin: string) => number): ReachInfo[] {
    const out: ReachInfo[] = []
    for (const e of table.linkStateEntries()) {
      if (e.hops < scope || e.nextHop === neighbour || e.target === neighbour) { continue }
      if (e.hops >= this.init.maxHops) { continue }
      out.push({ target: e.target, cost: e.cost, hops: e.hops, seq: beaconSeq(e.target) })
    }
    for (const f of table.farEntries()) {
      if (f.nextHop === neighbour || f.target === neighbour || f.hops >= this.init.maxHops) { continue }
      out.push({ target: f.target, cost: f.cost, hops: f.hops, seq: f.seq })
    }
    if (out.length > max) {
      out.sort((a, b) => a.cost - b.cost)
      out.length = max
    }
    return out
  }
}
