/**
 * A neighbour that stays over its topology byte budget is cut off: its topology streams
 * are reset and refused for a cooldown, then accepted again. The attacker is a real
 * libp2p node over TCP with keys of its own, writing valid signed beacons on raw topology
 * streams as fast as the victim takes them; the victim and its honest neighbours run
 * their routing on one fake clock the test advances (the byte budget, the pauses, the
 * cooldown), so "refused within the cooldown" is a number of clock ms, not a wait.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { createNodeLibp2p } from '../../node/libp2p.ts'
import { generateIdentity } from '../../protocol/crypto/index.ts'
import { MAX_STREAM_WINDOW_BYTES } from '../../protocol/muxer.ts'
import { createTopologyCutOffs } from '../../protocol/routing/cut-off.ts'
import { TopologyUpdate } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { signBeacon } from '../../protocol/routing/records.ts'
import { TOPOLOGY_PROTOCOL } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { id, steppingClock, wire } from './helpers.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { SignedBeacon } from '../../protocol/routing/pb/routing.ts'
import type { TestNode } from '../utils/mesh.ts'
import type { PrivateKey, Stream } from '@libp2p/interface'

const BUDGET = 128 * 1024
const CUT_OFF = { pausedMs: 3000, perMs: 60_000, cooldownMs: 20_000, maxCooldownMs: 80_000 }
const VICTIM = {
  // beacons refreshed every 5 s of the clock, kept 20 s: the honest routes live through the test
  beaconIntervalMs: 5000,
  rateLimits: { updateBytesPerSecond: BUDGET, updateBytesBurst: BUDGET },
  topologyCutOff: CUT_OFF
}
/** the attacker writes at most this many frames of about 32 KiB (6 MiB, 50 s of the budget) */
const MAX_FRAMES = 200

/** beacons from fresh origins (valid keys), each listing 64 made-up links, ten to an update */
async function floodFrames (clock: Clock, beacons: number): Promise<Uint8Array[]> {
  const made = (await Promise.all(Array.from({ length: 64 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))).map(p => p.toString())
  const signed: SignedBeacon[] = []
  for (let i = 0; i < beacons; i++) {
    signed.push(await signBeacon(createNodeSigner(await generateKeyPair('Ed25519')), {
      seq: clock.now(),
      timestamp: clock.now(),
      scope: 2,
      links: made.map(peer => ({ peer, rttMs: 1, jitterMs: 0, loss: 0, health: 1 })),
      addrs: []
    }, peerIdToBytes))
  }
  const frames: Uint8Array[] = []
  for (let i = 0; i < signed.length; i += 10) {
    frames.push(TopologyUpdate.encode({ beacons: signed.slice(i, i + 10), reach: [], hasReach: false }))
  }
  return frames
}

/** the attacker's own beacon, fresh */
async function ownBeaconFrame (key: PrivateKey, clock: Clock): Promise<Uint8Array> {
  const beacon = await signBeacon(createNodeSigner(key), { seq: clock.now(), timestamp: clock.now(), scope: 2, links: [], addrs: [] }, peerIdToBytes)
  return TopologyUpdate.encode({ beacons: [beacon], reach: [], hasReach: false })
}

interface Flood { stream: Stream, written(): number, done: Promise<string> }

/** writes frames round and round until MAX_FRAMES or the stream fails; `done` says how it ended */
async function flood (attacker: MeshLibp2p, victim: TestNode, frames: Uint8Array[]): Promise<Flood> {
  const stream = await attacker.dialProtocol(victim.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
  const lp = lpStream(stream)
  let written = 0
  const done = (async () => {
    try {
      while (written < MAX_FRAMES) {
        await lp.write(frames[written % frames.length])
        written++
      }
      return 'all written'
    } catch (err: any) {
      return String(err?.name ?? err)
    }
  })()
  return { stream, written: () => written, done }
}

describe('a neighbour that stays over its topology byte budget', () => {
  const mesh = new TestMesh()
  const clock = steppingClock(100)
  let v: TestNode, h1: TestNode, h2: TestNode
  let attacker: MeshLibp2p
  let attackerKey: PrivateKey

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const node = await mesh.add({ transport: 'tcp', clock, init: { routing: { probeIntervalMs: 300, probeTimeoutMs: 1000, beaconMinIntervalMs: 50, recomputeDelayMs: 10, ...(i === 0 ? VICTIM : { beaconIntervalMs: 5000 }) } } })
      if (i === 0) { v = node } else if (i === 1) { h1 = node } else { h2 = node }
    }
    await wire([v, h1, h2], [[0, 1], [1, 2]])
    await clock.advanceUntil(() => v.node.routing.route(id(h2))?.path.join('>') === [v, h1, h2].map(id).join('>'), 'the honest route V > H1 > H2', 30_000)
    attackerKey = await generateIdentity()
    attacker = await createNodeLibp2p({ privateKey: attackerKey, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, relay: false, start: false, allow: ['/ip4/127.0.0.1'] })
    await attacker.start()
    await attacker.dial(v.node.libp2p.getMultiaddrs()[0])
  })
  afterAll(async () => {
    await attacker?.stop()
    await mesh.cleanup()
  })

  it('is cut off, refused within the cooldown and accepted after it, while an honest neighbour keeps its routes', async () => {
    const honestPath = [v, h1, h2].map(id).join('>')
    const attackerId = attacker.peerId.toString()
    const offPath: number[] = []
    const honestRoute = (): void => {
      if (v.node.routing.route(id(h2))?.path.join('>') !== honestPath) { offPath.push(clock.now()) }
    }
    /** V holds a beacon of the attacker's own (it is V's neighbour either way) */
    const heldBeacon = (): boolean => v.node.routing.topology().nodes.some(n => n.id === attackerId && n.beaconAgeMs != null)
    const frames = await floodFrames(clock, 40)
    const st0 = v.node.routing.stats()
    const started = clock.now()
    const f = await flood(attacker, v, frames)

    // the flood: read at the budget, paused, and cut off once the pauses overdraw 2 s
    await clock.advanceUntil(() => v.node.routing.stats().topologyCutOffs === 1, 'the cut-off', 30_000, honestRoute)
    const cuts = v.node.events.history({ category: 'mesh', type: 'topology:cut-off' })
    expect(cuts.map(e => ({ ...e.data as object, until: undefined }))).toEqual([{ peerId: attackerId, cooldownMs: CUT_OFF.cooldownMs, strikes: 1, until: undefined }])
    // the clock ran in steps: the cut-off came at some point of the last one
    const cutAt = (cuts[0].data as { until: number }).until - CUT_OFF.cooldownMs
    expect(cutAt).toBeLessThanOrEqual(clock.now())
    expect(await f.done).not.toBe('all written')
    expect(f.written()).toBeLessThan(MAX_FRAMES)
    const st = v.node.routing.stats()
    // paced first (the clock had to run for a pause to end), then cut off
    expect(st.updatesThrottled - st0.updatesThrottled).toBeGreaterThanOrEqual(2)
    expect(cutAt).toBeGreaterThan(started)
    expect(cutAt - started).toBeLessThanOrEqual(10_000)
    // what it read: the burst, 3 s of budget and one window in flight at most, not the flood
    const read = st.updateBytesReceived - st0.updateBytesReceived
    expect(read).toBeLessThanOrEqual(BUDGET * (1 + CUT_OFF.pausedMs / 1000) + MAX_STREAM_WINDOW_BYTES + frames[0].byteLength)
    await waitFor(() => f.stream.status !== 'open', 'the attacker\'s stream to be reset')

    // within the cooldown: a new stream is refused, its beacon not taken
    await clock.advanceUntil(() => clock.now() >= cutAt + CUT_OFF.cooldownMs / 2, 'half the cooldown', CUT_OFF.cooldownMs, honestRoute)
    const refusedBefore = v.node.routing.stats().topologyStreamsRefused
    const early = await attacker.dialProtocol(v.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    await lpStream(early).write(await ownBeaconFrame(attackerKey, clock)).catch(() => {})
    await waitFor(() => v.node.routing.stats().topologyStreamsRefused === refusedBefore + 1 && early.status !== 'open', 'the refusal')
    expect(heldBeacon()).toBe(false)

    // after the cooldown: accepted again
    await clock.advanceUntil(() => clock.now() > cutAt + CUT_OFF.cooldownMs, 'the end of the cooldown', CUT_OFF.cooldownMs, honestRoute)
    const late = await attacker.dialProtocol(v.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    await lpStream(late).write(await ownBeaconFrame(attackerKey, clock))
    await waitFor(heldBeacon, 'the attacker\'s beacon after the cooldown')
    expect(late.status).toBe('open')
    expect(v.node.routing.stats().topologyStreamsRefused).toBe(refusedBefore + 1)
    await late.close()

    // the honest neighbour kept its routes throughout, and was never cut off
    expect(offPath).toEqual([])
    expect(v.node.events.history({ category: 'mesh', type: 'topology:cut-off' })).toHaveLength(1)
    const sent = await v.node.routing.send(id(h2), new TextEncoder().encode('still here'), { timeoutMs: 5000 })
    expect(sent.path.join('>')).toBe(honestPath)
  })
})

describe('the cut-off table', () => {
  it('cuts off a pause that overdraws the budget, doubles the cooldown on repeat up to its bound, and forgets later', () => {
    const cuts = createTopologyCutOffs({ pausedMs: 1000, perMs: 10_000, cooldownMs: 1000, maxCooldownMs: 4000 })
    let now = 1_000_000
    // within the budget: 1 s of pauses
    expect(cuts.paused('p', 600, now)).toBeUndefined()
    expect(cuts.paused('p', 400, now)).toBeUndefined()
    expect(cuts.refusedFor('p', now)).toBe(0)
    const first = cuts.paused('p', 1, now)
    expect(first).toEqual({ peerId: 'p', pausedMs: 1, cooldownMs: 1000, strikes: 1, until: now + 1000 })
    expect(cuts.refusedFor('p', now + 999)).toBe(1)
    expect(cuts.refusedFor('p', now + 1000)).toBe(0)
    // pauses during the cooldown (streams still being read) add nothing
    expect(cuts.paused('p', 5000, now + 500)).toBeUndefined()
    // repeats: 2 s, 4 s, then held at 4 s
    const strikes: number[] = []
    let until = first?.until ?? 0
    for (let i = 0; i < 3; i++) {
      now = until + 1000
      const cut = cuts.paused('p', 20_000, now)
      strikes.push(cut?.cooldownMs ?? 0)
      until = cut?.until ?? 0
    }
    expect(strikes).toEqual([2000, 4000, 4000])
    // remembered for maxCooldownMs after its cooldown: later, a fresh start
    now = until + 4000
    expect(cuts.refusedFor('p', now)).toBe(0)
    expect(cuts.paused('p', 20_000, now)?.strikes).toBe(1)
    // the refill: the budget comes back at pausedMs per perMs
    const other = createTopologyCutOffs({ pausedMs: 1000, perMs: 10_000 })
    expect(other.paused('q', 1000, 0)).toBeUndefined()
    expect(other.paused('q', 500, 5000)).toBeUndefined()
    expect(other.paused('q', 100, 5000)).toBeDefined()
  })

  it('holds at most maxPeers neighbours, forgetting the one cut off longest ago', () => {
    const cuts = createTopologyCutOffs({ pausedMs: 1, maxPeers: 3 })
    for (const p of ['a', 'b', 'c', 'd']) { cuts.paused(p, 10, 0) }
    expect(cuts.size).toBe(3)
    expect(cuts.refusedFor('a', 1)).toBe(0)
    expect(cuts.refusedFor('d', 1)).toBeGreaterThan(0)
  })
})
