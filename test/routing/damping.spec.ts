/**
 * Triggered beacons: a link's cost change goes out only when it is significant against
 * the cost last advertised and held over two probes; cost-triggered beacons back off
 * exponentially when they keep firing; a link going down is announced at once whatever
 * the backoff. The probes' figures are injected as the link monitor's own events, so the
 * test decides what each probe measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FlapDamper } from '../../protocol/routing/damping.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, wire } from './helpers.ts'
import type { LinkQuality } from '../../protocol/routing/index.ts'
import type { TestNode } from '../utils/mesh.ts'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('triggered beacons: hysteresis and damping', () => {
  const mesh = new TestMesh()
  // b — a — c; a's link to b is the one whose probes the test plays
  let a: TestNode, b: TestNode, c: TestNode
  let base: LinkQuality

  beforeAll(async () => {
    // no periodic probes or beacons during the test: every beacon is a triggered one
    [a, b, c] = await addNodes(mesh, 3, {
      routing: { probeIntervalMs: 60_000, beaconIntervalMs: 60_000, reachIntervalMs: 60_000, beaconMinIntervalMs: 50, beaconDampingHalfLifeMs: 60_000 }
    })
    await wire([a, b, c], [[0, 1], [0, 2]])
    await waitFor(() => a.node.routing.peers().every(p => p.probesSent >= 3), 'warm-up probes', 10_000)
    const link = advertised()
    base = { rttMs: 40, jitterMs: 2, loss: 0, health: link?.health ?? 0.8 }
    // the starting point: a link of 40 ms, advertised (a change from the memory link's ~1 ms)
    probe(base)
    probe(base)
    await waitFor(() => seenByB()?.rttMs === 40, 'b to hold a\'s beacon with the 40 ms link')
  })
  afterAll(async () => { await mesh.cleanup() })

  /** one probe of a's link to b measured `quality` */
  function probe (quality: LinkQuality): void {
    a.node.routing.links.dispatchEvent(new CustomEvent('link:quality', { detail: { peerId: id(b), quality } }))
  }

  /** a's link to b as a itself uses it in its graph and beacon */
  function advertised (): { rttMs?: number, health: number } | undefined {
    return a.node.routing.topology().links.find(l => l.from === id(a) && l.to === id(b))
  }

  /** a's link to b as b knows it from a's beacon */
  function seenByB (): { rttMs?: number } | undefined {
    return b.node.routing.topology().links.find(l => l.from === id(a) && l.to === id(b))
  }

  const beaconsSent = (): number => a.node.routing.stats().beaconsSent

  it('a noisy but stable link triggers no beacon', async () => {
    const sent = beaconsSent()
    // ±20 % around the advertised RTT, and single spikes that the next probe takes back
    const rtts = [44, 36, 47, 33, 120, 40, 48, 32, 200, 41, 39, 46, 34, 90, 40, 45]
    for (const rttMs of rtts) {
      probe({ ...base, rttMs })
      await sleep(20)
    }
    await sleep(300)
    expect(beaconsSent()).toBe(sent)
    expect(advertised()?.rttMs).toBe(40)
    expect(seenByB()?.rttMs).toBe(40)
  })

  it('a sustained significant change triggers one beacon', async () => {
    const sent = beaconsSent()
    probe({ ...base, rttMs: 100 })
    await sleep(200)
    // one probe is not enough
    expect(beaconsSent()).toBe(sent)
    expect(advertised()?.rttMs).toBe(40)
    probe({ ...base, rttMs: 100 })
    await waitFor(() => seenByB()?.rttMs === 100, 'b to learn the new cost', 2000)
    expect(beaconsSent()).toBe(sent + 1)
    expect(advertised()?.rttMs).toBe(100)
  })

  it('backs off exponentially when cost changes keep firing', async () => {
    const sent = beaconsSent()
    const at: number[] = []
    const started = Date.now()
    // a flapping link: the cost doubles and halves every two probes, for 3 s
    let high = false
    let count = sent
    while (Date.now() - started < 3000) {
      high = !high
      probe({ ...base, rttMs: high ? 40 : 100 })
      probe({ ...base, rttMs: high ? 40 : 100 })
      await sleep(10)
      if (beaconsSent() > count) {
        count = beaconsSent()
        at.push(Date.now())
      }
    }
    // undamped: one every 50 ms (about 60); damped: each wait twice the one before
    expect(at.length).toBeGreaterThanOrEqual(2)
    expect(at.length).toBeLessThanOrEqual(6)
    for (let i = 2; i < at.length; i++) {
      expect(at[i] - at[i - 1]).toBeGreaterThan(1.5 * (at[i - 1] - at[i - 2]))
    }
    expect(a.node.routing.stats().beaconBackoffMs).toBeGreaterThanOrEqual(1600)
  })

  it('announces a lost link at once, however damped the cost changes are', async () => {
    // a cost change waits out the backoff; the next one is then pending for seconds
    probe({ ...base, rttMs: 250 })
    probe({ ...base, rttMs: 250 })
    await waitFor(() => seenByB()?.rttMs === 250, 'the damped beacon', 15_000)
    probe({ ...base, rttMs: 600 })
    probe({ ...base, rttMs: 600 })
    expect(a.node.routing.stats().beaconBackoffMs).toBeGreaterThanOrEqual(3000)
    const sent = beaconsSent()
    const lostAt = Date.now()
    await a.node.libp2p.hangUp(c.node.libp2p.peerId)
    await waitFor(() => !b.node.routing.topology().links.some(l => l.from === id(a) && l.to === id(c)), 'b to learn that a lost c', 2000, 10)
    expect(Date.now() - lostAt).toBeLessThan(1000)
    expect(beaconsSent()).toBe(sent + 1)
    // the beacon that announced the loss also carried the pending cost change
    expect(seenByB()?.rttMs).toBe(600)
  })
})

describe('flap damping', () => {
  it('doubles the gap with each recent update, caps it, and forgets at the half-life', () => {
    const damper = new FlapDamper(250, 30_000, 60_000)
    expect(damper.gap(0)).toBe(250)
    const gaps: number[] = []
    for (let i = 0; i < 10; i++) {
      damper.record(0)
      gaps.push(damper.gap(0))
    }
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000])
    expect(gaps.at(-1)).toBe(30_000)
    // 10 updates at t=0: after one half-life the penalty is 5, after ten it is ~0
    expect(damper.current(60_000)).toBeCloseTo(5, 5)
    expect(damper.gap(60_000)).toBe(250 * 2 ** 5)
    expect(damper.gap(600_000)).toBe(250)
  })
})
