import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { TopologyUpdate } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { signBeacon } from '../../protocol/routing/records.ts'
import { TOPOLOGY_PROTOCOL } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, waitForPath, wire } from './helpers.ts'
import type { SignedBeacon } from '../../protocol/routing/pb/routing.ts'
import type { TestNode } from '../utils/mesh.ts'

// the victim's bounds, sized down so the flood stays small
const BOUNDS = {
  maxBeacons: 60,
  maxLinksPerBeacon: 16,
  newOrigins: { perNeighbourBurst: 40, perNeighbourPerMinute: 60, burst: 100, perMinute: 120 }
}
const FLOOD_ORIGINS = 200
const LINKS_PER_BEACON = 48

/** beacons from fresh origins (each with its own valid key), each listing made-up links */
async function floodBeacons (count: number, links: number): Promise<SignedBeacon[]> {
  const out: SignedBeacon[] = []
  const made = (await Promise.all(Array.from({ length: links }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))).map(p => p.toString())
  for (let i = 0; i < count; i++) {
    const signer = createNodeSigner(await generateKeyPair('Ed25519'))
    out.push(await signBeacon(signer, {
      seq: Date.now(),
      timestamp: Date.now(),
      scope: 3,
      links: made.map(peer => ({ peer, rttMs: 1, jitterMs: 0, loss: 0, health: 1 })),
      addrs: []
    }, peerIdToBytes))
  }
  return out
}

describe('beacon flood from a neighbour with fresh origin keys', () => {
  const mesh = new TestMesh()
  let evil: TestNode, v: TestNode, h1: TestNode, h2: TestNode

  beforeAll(async () => {
    [evil, v, h1, h2] = await addNodes(mesh, 4, i => ({ routing: i === 1 ? BOUNDS : {} }))
    await wire([evil, v, h1, h2], [[0, 1], [1, 2], [2, 3]])
    await waitForPath(v, h2, [v, h1, h2])
  })
  afterAll(async () => { await mesh.cleanup() })

  it('holds only what the bounds allow, counts and reports the excess, and keeps honest routes', async () => {
    const beacons = await floodBeacons(FLOOD_ORIGINS, LINKS_PER_BEACON)
    const stream = await evil.node.libp2p.dialProtocol(v.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    const pb = pbStream(stream)
    for (let i = 0; i < beacons.length; i += 50) {
      await pb.write({ beacons: beacons.slice(i, i + 50), reach: [], hasReach: false }, TopologyUpdate)
    }
    await stream.close()
    await waitFor(() => v.node.routing.stats().excess.origins >= FLOOD_ORIGINS - BOUNDS.newOrigins.perNeighbourBurst - 2, 'the flood to be judged')

    const st = v.node.routing.stats()
    // the neighbour's burst of new origins, at most (plus the honest ones)
    expect(st.beacons).toBeLessThanOrEqual(BOUNDS.newOrigins.perNeighbourBurst + 4)
    expect(st.beacons).toBeLessThanOrEqual(BOUNDS.maxBeacons)
    expect(st.links).toBeLessThanOrEqual(st.beacons * BOUNDS.maxLinksPerBeacon)
    expect(st.excess.links).toBeGreaterThan(0)
    // every beacon the flood carried is accounted for: the honest neighbour's beacons and the flood's
    expect(st.beaconsReceived).toBeGreaterThanOrEqual(FLOOD_ORIGINS)
    expect(st.beaconsAccepted + st.beaconsRejected + st.beaconsIgnored + st.excess.origins + st.excess.refused + st.excess.rate).toBe(st.beaconsReceived)
    // reported as an event, once per window rather than once per beacon, naming the flooding
    // neighbour (an honest neighbour relaying one of the accepted beacons, whose links are
    // over the bound too, may be named as well)
    const events = v.node.events.history({ category: 'mesh', type: 'topology:excess' })
    expect(events.length).toBeGreaterThanOrEqual(1)
    expect(events.length).toBeLessThan(5)
    expect(events.map(e => (e.data as { peerId: string }).peerId), JSON.stringify(events.map(e => e.data))).toContain(id(evil))
    // H1 relays what V accepted, within its own bounds
    expect(h1.node.routing.stats().beacons).toBeLessThanOrEqual(BOUNDS.newOrigins.perNeighbourBurst + 4)

    // honest routing still works
    expect(v.node.routing.route(id(h2))?.path).toEqual([v, h1, h2].map(id))
    const sent = await v.node.routing.send(id(h2), new TextEncoder().encode('still here'), { timeoutMs: 3000 })
    expect(sent.path).toEqual([v, h1, h2].map(id))
    // the summary stays small and says what happened
    const summary = v.node.routing.topologySummary()
    expect(summary.excess.origins).toBe(st.excess.origins)
    expect(JSON.stringify(summary).length).toBeLessThan(1000)
  })

  it('still learns an honest node that joins after the flood', async () => {
    const [late] = await addNodes(mesh, 1)
    await wire([h2, late], [[0, 1]])
    await waitFor(() => v.node.routing.route(id(late)) != null, 'V routes to the late node', 15_000)
    expect(v.node.routing.route(id(late))?.nextHop).toBe(id(h1))
  })
})

describe('topology updates over a neighbour\'s update rate', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('are dropped unread, and their beacons counted as excess, so every beacon is accounted for', async () => {
    const [evil, v] = await addNodes(mesh, 2, i => ({ routing: i === 1 ? { rateLimits: { updatesPerSecond: 1 } } : {} }))
    await wire([evil, v], [[0, 1]])
    await waitFor(() => v.node.routing.stats().beaconsAccepted >= 1, 'the neighbour\'s own beacon')
    const beacons = await floodBeacons(30, 4)
    const before = v.node.routing.stats()
    const stream = await evil.node.libp2p.dialProtocol(v.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    const pb = pbStream(stream)
    for (let i = 0; i < beacons.length; i += 10) {
      await pb.write({ beacons: beacons.slice(i, i + 10), reach: [], hasReach: false }, TopologyUpdate)
    }
    await stream.close()
    await waitFor(() => v.node.routing.stats().beaconsReceived - before.beaconsReceived >= 30, 'the three updates to be read')
    const st = v.node.routing.stats()
    // one update a second, written back to back: at least one of the three went over
    expect(st.excess.rate).toBeGreaterThanOrEqual(10)
    expect(st.beaconsAccepted + st.beaconsRejected + st.beaconsIgnored + st.excess.origins + st.excess.refused + st.excess.rate).toBe(st.beaconsReceived)
    expect(v.node.routing.topologySummary().excess.rate).toBe(st.excess.rate)
  })
})
