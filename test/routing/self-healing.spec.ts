import { afterAll, describe, expect, it } from 'vitest'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { FAST_ROUTING, id } from './helpers.ts'
import type { TestNode } from '../utils/mesh.ts'

const KEEPER = { intervalMs: 200, backoffBaseMs: 300, backoffMaxMs: 5000 }

describe('self-healing connections', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  async function node (minConnections = 0): Promise<TestNode> {
    return mesh.add({ init: { routing: FAST_ROUTING, connections: { ...KEEPER, minConnections } } })
  }

  async function learn (a: TestNode, b: TestNode): Promise<void> {
    await a.node.libp2p.peerStore.merge(b.node.libp2p.peerId, { multiaddrs: b.node.libp2p.getMultiaddrs() })
  }

  it('dials known peers until it has the minimum number of connections', async () => {
    const a = await node(2)
    const others = [await node(), await node(), await node()]
    for (const o of others) {
      await learn(a, o)
    }
    await waitFor(() => a.node.libp2p.getPeers().length >= 2, 'two connections')
    // every connection lost at once: back to the minimum
    await Promise.all(a.node.libp2p.getPeers().map(async p => { await a.node.libp2p.hangUp(p) }))
    await waitFor(() => a.node.libp2p.getPeers().length >= 2, 'two connections again', 5000)
    expect(a.node.routing.peers().filter(p => p.status === 'connected').length).toBeGreaterThanOrEqual(2)
  })

  it('redials a lost peer, and routes come back with the link', async () => {
    const a = await node(1)
    const b = await node()
    await learn(a, b)
    await connect(a.node, b.node)
    await waitFor(() => a.node.routing.route(id(b)) != null, 'route to b')
    // record the withdrawal as an event: under load the keeper may redial before a poll
    // would see the gap
    let withdrawn = false
    a.node.routing.addEventListener('route:changed', evt => {
      if (evt.detail.target === id(b) && evt.detail.route == null) { withdrawn = true }
    })
    await b.node.libp2p.hangUp(a.node.libp2p.peerId)
    await waitFor(() => withdrawn, 'the route goes with the link', 5000)
    await waitFor(() => a.node.libp2p.getPeers().some(p => p.equals(b.node.libp2p.peerId)), 'redialled', 5000)
    await waitFor(() => a.node.routing.route(id(b)) != null, 'route back')
    expect(a.node.connections.dialState(id(b))).toBeUndefined()
  })

  it('backs off exponentially from a peer that cannot be reached', async () => {
    const a = await node(2)
    const b = await node()
    const gone = await node()
    await learn(a, b)
    await learn(a, gone)
    await gone.stop()
    await waitFor(() => (a.node.connections.dialState(id(gone))?.failures ?? 0) >= 3, 'three failed dials', 10_000)
    const state = a.node.connections.dialState(id(gone))
    expect(state?.nextAttemptAt).toBeGreaterThan(state?.lastAttemptAt ?? Infinity)
    const delay = (state?.nextAttemptAt ?? 0) - (state?.lastAttemptAt ?? 0)
    // base 300 ms doubled per failure
    expect(delay).toBe(Math.min(KEEPER.backoffMaxMs, KEEPER.backoffBaseMs * 2 ** ((state?.failures ?? 1) - 1)))
    expect(a.node.libp2p.getPeers().map(p => p.toString())).toContain(id(b))
  })
})
