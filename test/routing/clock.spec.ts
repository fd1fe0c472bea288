/**
 * The routing's timers run on the clock passed in: triggered beacons, the periodic
 * refresh, the link monitor's probes and the excess events follow a fake clock the test
 * advances, so negative checks
 * (nothing sent before the refresh is due) advance time instead of sleeping. The nodes
 * are real libp2p nodes over the memory transport; only the routing's clock is fake.
 */
import { defaultLogger } from '@libp2p/logger'
import { createClock } from '@sinonjs/fake-timers'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeRecordCrypto } from '../../node/crypto.ts'
import { generateIdentity } from '../../protocol/crypto/index.ts'
import { createRoutingLimits } from '../../protocol/routing/limits.ts'
import { createRoutingService } from '../../protocol/routing/routing.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { waitFor } from '../utils/wait.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { EventLog } from '../../protocol/events/index.ts'
import type { RoutingService } from '../../protocol/routing/routing.ts'
import type { Libp2p } from '@libp2p/interface'

function fakeClock (start: number): Clock & { tick(ms: number): Promise<void> } {
  const fake = createClock(start)
  return {
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: handle => { fake.clearTimeout(handle as any) },
    async tick (ms) {
      await fake.tickAsync(ms)
      // let the signing and the stream writes the timers started run
      await new Promise(resolve => setImmediate(resolve))
    }
  }
}

describe('routing on a clock passed in', () => {
  const started: Array<{ libp2p: Libp2p, routing: RoutingService }> = []
  afterEach(async () => {
    for (const n of started.splice(0)) {
      await n.routing.stop()
      await n.libp2p.stop()
    }
  })

  async function node (clock: Clock): Promise<{ libp2p: Libp2p, routing: RoutingService }> {
    const privateKey = await generateIdentity()
    const libp2p = await createMemoryLibp2p({ privateKey, name: `clock-${Date.now()}-${started.length}` })
    await libp2p.start()
    // probes far apart, and no measured cost change significant: the test is about the beacon timers
    const routing = createRoutingService({ libp2p, crypto: createNodeRecordCrypto(privateKey), logger: defaultLogger(), clock }, { probeIntervalMs: 600_000, beaconIntervalMs: 60_000, beaconMinIntervalMs: 250, significantCostChange: 1000 })
    await routing.start()
    const n = { libp2p, routing }
    started.push(n)
    return n
  }

  it('sends the triggered beacon when the clock reaches it, and the refresh no sooner than the interval', async () => {
    const clock = fakeClock(Date.now())
    const started = clock.now()
    const a = await node(clock)
    const b = await node(clock)
    // start() schedules a first beacon 250 ms on: nothing has gone out before that
    expect(a.routing.stats().beaconsSent).toBe(0)
    await clock.tick(250)
    await waitFor(() => a.routing.stats().beaconsSent === 1, 'the first beacon')

    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    const bId = b.libp2p.peerId.toString()
    // the link and identify are news; they wait for the clock, and go out in one beacon
    await waitFor(() => a.routing.topology().links.some(l => l.to === bId), 'the link to b in a\'s graph')
    expect(a.routing.stats().beaconsSent).toBe(1)
    await clock.tick(250)
    await waitFor(() => a.routing.stats().beaconsSent === 2, 'the triggered beacon')
    await waitFor(() => b.routing.stats().beaconsAccepted >= 1, 'b to hold a\'s beacon')
    // the link monitor's warm-up probes wait for the clock too (375 to 625 ms after the link
    // came up): no RTT before; the first one is news of its own, in the next beacon
    expect(a.routing.topology().links.find(l => l.to === bId)?.rttMs).toBeUndefined()
    await clock.tick(625)
    await waitFor(() => a.routing.topology().links.some(l => l.to === bId && l.rttMs != null), 'the measured link to b in a\'s graph')
    await clock.tick(250)
    await waitFor(() => a.routing.stats().beaconsSent === 3, 'the beacon with the first RTT')

    // no refresh before the interval is up, however long that is in real time
    // (the refresh runs every beaconIntervalMs from start)
    const sent = a.routing.stats().beaconsSent
    await clock.tick(started + 60_000 - clock.now() - 1)
    expect(a.routing.stats().beaconsSent).toBe(sent)
    await clock.tick(1)
    await waitFor(() => a.routing.stats().beaconsSent === sent + 1, 'the refresh')
  })

  it('reports excess at most every 10 s per neighbour, on the clock passed in', () => {
    const events: Array<{ peerId: string, dropped: number }> = []
    const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any
    const eventLog = { emitEvent: (_c: string, _t: string, data: any) => { events.push(data) } } as unknown as EventLog
    const limits = createRoutingLimits({ log, events: eventLog }, { newOrigins: { perNeighbourBurst: 2, perNeighbourPerMinute: 60, burst: 100, perMinute: 6000 } })
    let now = 1_000_000
    // a neighbour's burst of new origins, then one a second
    expect([limits.newOrigin('n', now), limits.newOrigin('n', now), limits.newOrigin('n', now)]).toEqual([true, true, false])
    now += 1000
    expect(limits.newOrigin('n', now)).toBe(true)
    expect(limits.newOrigin('n', now)).toBe(false)
    limits.excess('n', 5, now)
    limits.excess('n', 7, now + 9_999)
    expect(events).toEqual([{ peerId: 'n', dropped: 5 }])
    limits.excess('n', 1, now + 10_000)
    expect(events).toEqual([{ peerId: 'n', dropped: 5 }, { peerId: 'n', dropped: 8 }])
    // another neighbour has its own window
    limits.excess('m', 3, now + 10_001)
    expect(events).toHaveLength(3)
  })
})
