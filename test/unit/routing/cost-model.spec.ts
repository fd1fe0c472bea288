import { describe, expect, it } from 'vitest'
import { gossipCost, zoneSize } from '../../../protocol/routing/cost-model.ts'

const DEFAULTS = { degree: 8, scope: 2, beaconIntervalMs: 30_000, triggeredPerSecond: 1 / 300, reachIntervalMs: 60_000, maxReachEntries: 1024 }

describe('topology gossip cost model', () => {
  it('counts the k-hop zone of a tree-like mesh', () => {
    expect(zoneSize(1e6, 8, 0)).toBe(1)
    expect(zoneSize(1e6, 8, 1)).toBe(9)
    expect(zoneSize(1e6, 8, 2)).toBe(65)
    expect(zoneSize(100, 8, 3)).toBe(100)
  })

  it('stays flat as the mesh grows past the far-table cap (not O(N))', () => {
    const [k1, k10, k50] = [1000, 10_000, 50_000].map(nodes => gossipCost({ ...DEFAULTS, nodes }))
    expect(k10.bytesPerSecond).toBe(k50.bytesPerSecond)
    expect(k10.stateBytes).toBe(k50.stateBytes)
    expect(k1.bytesPerSecond).toBeLessThanOrEqual(k10.bytesPerSecond)
    expect(k50.bytesPerSecond).toBeLessThan(10 * 1024)
    // flooding every beacon to every node instead
    const flooding = 50_000 * 8 * k50.beaconBytes * 1000 / DEFAULTS.beaconIntervalMs
    expect(k50.bytesPerSecond * 500).toBeLessThan(flooding)
    expect(k1.routable).toBe(999)
    expect(k50.routable).toBeLessThan(50_000)
  })
})
