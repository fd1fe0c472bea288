import { describe, expect, it } from 'vitest'
import { linkCost } from '../../../protocol/routing/health.ts'
import { linkKey } from '../../../protocol/routing/route-table.ts'
import { TopologyGraph } from '../../../protocol/routing/topology.ts'
import type { GraphLink } from '../../../protocol/routing/topology.ts'

const NOW = 1_000_000
const q = (rttMs = 10, loss = 0): Omit<GraphLink, 'peer'> => ({ rttMs, loss, health: 1 })

function graph (): TopologyGraph {
  return new TopologyGraph({ self: 'a', beaconMaxAgeMs: 60_000, reachMaxAgeMs: 60_000 })
}

function beacon (g: TopologyGraph, origin: string, links: Record<string, number>, seq = 1, scope = 3): boolean {
  return g.insertBeacon({
    origin,
    seq,
    timestamp: NOW,
    scope,
    hops: 1,
    links: Object.entries(links).map(([peer, rtt]) => ({ peer, ...q(rtt) })),
    addrs: [],
    receivedAt: NOW
  }, NOW)
}

describe('topology graph', () => {
  it('finds the cheapest path, not the shortest, and reports its figures', () => {
    const g = graph()
    g.setLocalLink('b', q(10))
    g.setLocalLink('c', q(10))
    beacon(g, 'b', { a: 10, d: 200 })
    beacon(g, 'c', { a: 10, e: 10 })
    beacon(g, 'e', { c: 10, d: 10 })
    beacon(g, 'd', { b: 200, e: 10 })
    const r = g.compute(NOW).route('d')
    expect(r?.path).toEqual(['a', 'c', 'e', 'd'])
    expect(r?.hops).toBe(3)
    expect(r?.latencyMs).toBeCloseTo(15)
    expect(r?.reliability).toBe(1)
  })

  it('ignores old and duplicate beacons', () => {
    const g = graph()
    expect(beacon(g, 'b', { a: 1 }, 5)).toBe(true)
    expect(beacon(g, 'b', { a: 1, x: 1 }, 5)).toBe(false)
    expect(beacon(g, 'b', { a: 1, x: 1 }, 4)).toBe(false)
    expect(g.getBeacon('b')?.links.map(l => l.peer)).toEqual(['a'])
    expect(beacon(g, 'a', { b: 1 }, 9)).toBe(false) // our own
  })

  it('uses a link only if the far end lists it too', () => {
    const g = graph()
    g.setLocalLink('b', q())
    beacon(g, 'b', { a: 10, c: 10 })
    beacon(g, 'c', { d: 10 }) // c no longer lists b
    expect(g.compute(NOW).route('c')).toBeUndefined()
    beacon(g, 'c', { b: 10, d: 10 }, 2)
    // d's beacon is not held: c's link to d is unconfirmed
    expect(g.compute(NOW).route('d')).toBeUndefined()
    beacon(g, 'd', { c: 10 })
    expect(g.compute(NOW).route('d')?.path).toEqual(['a', 'b', 'c', 'd'])
  })

  it('trusts no link that the far end does not confirm, and takes the worse of two claims', () => {
    const g = graph()
    // line a - b - c - t, and a hostile neighbour h claiming a 1 ms link to t
    g.setLocalLink('b', q(10))
    g.setLocalLink('h', q(10))
    beacon(g, 'b', { a: 10, c: 10 })
    beacon(g, 'c', { b: 10, t: 10 })
    beacon(g, 't', { c: 10 })
    beacon(g, 'h', { a: 10, t: 1 })
    expect(g.compute(NOW).route('t')?.path).toEqual(['a', 'b', 'c', 't'])
    // t unknown (no beacon): nobody's claim of a link to it counts
    const g2 = graph()
    g2.setLocalLink('h', q(10))
    beacon(g2, 'h', { a: 10, t: 1 })
    expect(g2.compute(NOW).route('t')).toBeUndefined()
    // both ends list the link but disagree on its cost: the worse claim is used
    const before = g.compute(NOW).route('c')?.cost ?? 0
    beacon(g, 'c', { b: 300, t: 10 }, 2)
    const after = g.compute(NOW).route('c')?.cost ?? 0
    expect(after - before).toBeCloseTo(linkCost({ ...q(300) }) - linkCost({ ...q(10) }))
  })

  it('stops using the beacon of a node that drifted out of its scope', () => {
    const g = graph()
    g.setLocalLink('b', q())
    beacon(g, 'b', { a: 10, c: 10 })
    beacon(g, 'c', { b: 10, d: 10 })
    beacon(g, 'd', { c: 10, e: 10 })
    // e's old beacon (from when it was 2 hops away) still lists its link to x, since gone
    beacon(g, 'e', { d: 10, x: 10 }, 1, 2)
    beacon(g, 'x', { e: 10 }, 1, 8)
    const t = g.compute(NOW)
    expect(t.route('e')).toBeUndefined() // e is 4 hops away, beyond its scope of 2: not heard from, d's link to it unconfirmed
    expect(t.route('x')).toBeUndefined()
    beacon(g, 'e', { d: 10, x: 10 }, 2, 4)
    expect(g.compute(NOW).route('e')?.hops).toBe(4)
    expect(g.compute(NOW).route('x')?.hops).toBe(5)
  })

  it('computes alternatives around avoided links and nodes', () => {
    const g = graph()
    g.setLocalLink('b', q(10))
    g.setLocalLink('c', q(20))
    beacon(g, 'b', { a: 10, d: 10 })
    beacon(g, 'c', { a: 20, d: 10 })
    beacon(g, 'd', { b: 10, c: 10 })
    expect(g.compute(NOW).route('d')?.nextHop).toBe('b')
    expect(g.compute(NOW, { avoidLinks: new Set([linkKey('b', 'd')]) }).route('d')?.nextHop).toBe('c')
    expect(g.compute(NOW, { avoidNodes: new Set(['b']) }).route('d')?.nextHop).toBe('c')
    expect(g.compute(NOW, { avoidNodes: new Set(['b', 'c']) }).route('d')).toBeUndefined()
  })

  it('takes far routes from neighbours\' tables, the link-state zone first, feasible ones only', () => {
    const g = graph()
    g.setLocalLink('b', q(10))
    g.setLocalLink('c', q(10))
    beacon(g, 'b', { a: 10 })
    beacon(g, 'c', { a: 10 })
    g.setReach('b', [{ target: 'z', cost: 50, hops: 4, seq: 7 }, { target: 'c', cost: 1, hops: 1, seq: 1 }], NOW)
    g.setReach('c', [{ target: 'z', cost: 80, hops: 3, seq: 7 }], NOW)
    let t = g.compute(NOW)
    expect(t.route('z')).toMatchObject({ kind: 'distance-vector', nextHop: 'b', hops: 5, complete: false })
    expect(t.route('c')?.kind).toBe('direct') // link state wins over the vector
    // b's route got worse at the same seq: b is the successor, kept; c's offer (80) is not
    // below what we advertised (60) → not feasible
    g.setReach('b', [{ target: 'z', cost: 500, hops: 4, seq: 7 }], NOW)
    g.setReach('c', [{ target: 'z', cost: 80, hops: 3, seq: 7 }], NOW)
    t = g.compute(NOW)
    expect(t.route('z')?.nextHop).toBe('b')
    // a newer seq from the target makes any route feasible again
    g.setReach('c', [{ target: 'z', cost: 80, hops: 3, seq: 8 }], NOW)
    expect(g.compute(NOW).route('z')?.nextHop).toBe('c')
    // advertised to b: the route through c (split horizon keeps it from c)
    expect(g.advertisement(g.compute(NOW), 'b', 2, 100).map(e => e.target)).toEqual(['z'])
    expect(g.advertisement(g.compute(NOW), 'c', 2, 100).map(e => e.target)).toEqual([])
  })

  it('ages out beacons and far tables', () => {
    const g = graph()
    g.setLocalLink('b', q())
    beacon(g, 'b', { a: 10, c: 10 })
    beacon(g, 'c', { b: 10 })
    g.setReach('b', [{ target: 'z', cost: 50, hops: 4, seq: 7 }], NOW)
    expect(g.compute(NOW).routes().map(r => r.target).sort()).toEqual(['b', 'c', 'z'])
    expect(g.prune(NOW + 61_000)).toBe(3)
    expect(g.compute(NOW + 61_000).routes().map(r => r.target)).toEqual(['b'])
  })

  it('routes to a neighbour that sends no beacon', () => {
    const g = graph()
    g.setLocalLink('plain', q(3))
    expect(g.compute(NOW).route('plain')).toMatchObject({ kind: 'direct', path: ['a', 'plain'] })
  })

  it('keeps routes right when the node table is compacted after churn', () => {
    const g = graph()
    g.setLocalLink('b', q())
    // 2000 short-lived nodes come and go
    for (let i = 0; i < 2000; i++) {
      beacon(g, `old${i}`, { [`old${i + 1}`]: 10 })
    }
    g.prune(NOW + 61_000)
    g.setLocalLink('b', q())
    g.insertBeacon({ origin: 'b', seq: 2, timestamp: NOW, scope: 3, hops: 1, links: [{ peer: 'a', ...q() }, { peer: 'c', ...q() }], addrs: [], receivedAt: NOW + 61_000 }, NOW + 61_000)
    g.insertBeacon({ origin: 'c', seq: 2, timestamp: NOW, scope: 3, hops: 2, links: [{ peer: 'b', ...q() }], addrs: [], receivedAt: NOW + 61_000 }, NOW + 61_000)
    const t = g.compute(NOW + 61_000)
    expect(t.routes().map(r => r.target).sort()).toEqual(['b', 'c'])
    expect(t.route('c')?.path).toEqual(['a', 'b', 'c'])
  })

  it('is bounded: links per beacon, beacons and links in all; when full, reachable and near beacons stay', () => {
    const g = new TopologyGraph({ self: 'a', beaconMaxAgeMs: 60_000, reachMaxAgeMs: 60_000, maxBeacons: 4, maxLinksPerBeacon: 3, maxTotalLinks: 10, maxReachEntries: 2 })
    g.setLocalLink('b', q(10))
    beacon(g, 'b', { a: 10, c: 10 })
    beacon(g, 'c', { b: 10 })
    g.compute(NOW) // b and c are reachable
    // a beacon with too many links keeps its cheapest three
    expect(beacon(g, 'x1', { p1: 1, p2: 50, p3: 2, p4: 3 })).toBe(true)
    expect(g.getBeacon('x1')?.links.map(l => l.peer).sort()).toEqual(['p1', 'p3', 'p4'])
    expect(g.excess.links).toBe(1)
    expect(beacon(g, 'x2', { p1: 1 })).toBe(true)
    expect(g.beaconCount).toBe(4)
    // full: a newcomer as far and unreachable as the held flood evicts the oldest of them only
    g.insertBeacon({ origin: 'x3', seq: 1, timestamp: NOW, scope: 3, hops: 1, links: [{ peer: 'p9', ...q() }], addrs: [], receivedAt: NOW + 1 }, NOW + 1)
    expect(g.beaconCount).toBe(4)
    expect(g.hasBeacon('b') && g.hasBeacon('c')).toBe(true)
    expect(g.hasBeacon('x1')).toBe(false)
    expect(g.excess.evicted).toBe(1)
    // one that ranks no better than everything held is refused
    g.insertBeacon({ origin: 'x4', seq: 1, timestamp: NOW, scope: 3, hops: 5, links: [], addrs: [], receivedAt: NOW }, NOW)
    expect(g.hasBeacon('x4')).toBe(false)
    expect(g.excess.refused).toBe(1)
    expect(g.linkCount).toBeLessThanOrEqual(10)
    // far tables keep their cheapest entries
    g.setReach('b', [{ target: 'z1', cost: 9, hops: 3, seq: 1 }, { target: 'z2', cost: 1, hops: 3, seq: 1 }, { target: 'z3', cost: 5, hops: 3, seq: 1 }], NOW)
    expect([...(g.reachOf('b')?.keys() ?? [])].sort()).toEqual(['z2', 'z3'])
    expect(g.excess.reach).toBe(1)
  })
})
