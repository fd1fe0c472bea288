import { pbStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TopologyUpdate } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { signBeacon } from '../../protocol/routing/records.ts'
import { TOPOLOGY_PROTOCOL } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, serveRoutes, waitForPath, wire } from './helpers.ts'
import type { TestNode } from '../utils/mesh.ts'

/**
 * The black-hole attack: a hostile neighbour signs its own beacon (its own valid key)
 * claiming a near-free link to a target that never confirms it, and swallows whatever is
 * routed through it. It must attract no route to the target.
 */
async function claimLinks (evil: TestNode, victim: TestNode, claimed: TestNode[]): Promise<number> {
  const seq = Date.now() + 1_000_000
  const signed = await signBeacon(evil.node.crypto.signer, {
    seq,
    timestamp: Date.now(),
    scope: 3,
    links: [victim, ...claimed].map(n => ({ peer: id(n), rttMs: 1, jitterMs: 0, loss: 0, health: 1 })),
    addrs: []
  }, peerIdToBytes)
  const stream = await evil.node.libp2p.dialProtocol(victim.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
  await pbStream(stream).write({ beacons: [signed], reach: [], hasReach: false }, TopologyUpdate)
  await stream.close()
  return seq
}

/** the attacker swallows routed messages and gets its claim held by the victim (routes are computed from what is held) */
async function attack (evil: TestNode, victim: TestNode, targets: TestNode[]): Promise<void> {
  // the attacker's link to the victim is measured (an unmeasured link is priced high)
  await waitFor(() => victim.node.routing.peers().find(p => p.peerId === id(evil))?.rttMs != null, 'the victim measures its link to the attacker')
  await serveRoutes(evil, () => undefined)
  const seq = await claimLinks(evil, victim, targets)
  await waitFor(() => victim.node.routing.topology().nodes.find(n => n.id === id(evil))?.seq === seq, 'the forged beacon to be held')
}

describe('black hole on a line V-H1-H2-T, attacker next to V', () => {
  const mesh = new TestMesh()
  let v: TestNode, h1: TestNode, h2: TestNode, t: TestNode, evil: TestNode

  beforeAll(async () => {
    [v, h1, h2, t, evil] = await addNodes(mesh, 5)
    await wire([v, h1, h2, t, evil], [[0, 1], [1, 2], [2, 3], [4, 0]])
    await waitFor(() => v.node.routing.route(id(t)) != null, 'V routes to T')
  })
  afterAll(async () => { await mesh.cleanup() })

  it('keeps V\'s route to T on the honest path and delivers the next message at once', async () => {
    await attack(evil, v, [t])
    const route = v.node.routing.route(id(t))
    expect(route?.nextHop).toBe(id(h1))
    expect(route?.path).not.toContain(id(evil))
    // the claimed link is shown, but not as confirmed
    const claimed = v.node.routing.topology().links.find(l => l.from === id(evil) && l.to === id(t))
    expect(claimed?.symmetric).toBe(false)
    const result = await v.node.routing.send(id(t), new TextEncoder().encode('through the honest path'), { timeoutMs: 3000 })
    expect(result.attempts).toBe(1)
    expect(result.path).toEqual([v, h1, h2, t].map(id))
  })
})

describe('black hole on a ring of 6, attacker next to node 0 claiming the far side', () => {
  const mesh = new TestMesh()
  let ring: TestNode[]
  let evil: TestNode

  beforeAll(async () => {
    const nodes = await addNodes(mesh, 7)
    ring = nodes.slice(0, 6)
    evil = nodes[6]
    await wire(nodes, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 0], [6, 0]])
    await waitFor(() => ring.every(n => n.node.routing.routes().length >= 5), 'every ring node routes to the others', 15_000)
  })
  afterAll(async () => { await mesh.cleanup() })

  it('routes node 0 to nodes 2, 3 and 4 around the ring, not into the attacker', async () => {
    const [v, , , far] = ring
    await attack(evil, v, [ring[2], far, ring[4]])
    for (const target of [ring[2], ring[3], ring[4]]) {
      const route = v.node.routing.route(id(target))
      expect(route, `route to ${id(target)}`).toBeDefined()
      expect(route?.nextHop).not.toBe(id(evil))
    }
    await waitForPath(v, ring[2], [v, ring[1], ring[2]])
    const result = await v.node.routing.send(id(far), new TextEncoder().encode('across the ring'), { timeoutMs: 3000 })
    expect(result.attempts).toBe(1)
    expect(result.path).not.toContain(id(evil))
    expect(result.hops).toBe(3)
  })
})
