import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, waitForPath, wire } from './helpers.ts'
import type { RoutedMessage } from '../../protocol/routing/index.ts'
import type { TestNode } from '../utils/mesh.ts'

describe('line A-B-C-D', () => {
  const mesh = new TestMesh()
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode

  beforeAll(async () => {
    [a, b, c, d] = await addNodes(mesh, 4)
    await wire([a, b, c, d], [[0, 1], [1, 2], [2, 3]])
  })
  afterAll(async () => { await mesh.cleanup() })

  it('routes A to D through B and C, with no shortcut connection', async () => {
    // C within the beacon scope (2): a full path over confirmed links
    await waitForPath(a, c, [a, b, c])
    expect(a.node.routing.route(id(c))).toMatchObject({ hops: 2, complete: true, kind: 'link-state' })
    // D's beacon does not reach A, so C's link to D is unconfirmed here: D is reached by B's vector
    await waitForPath(a, d, [a, b, d])
    const route = a.node.routing.route(id(d))
    expect(route).toMatchObject({ hops: 3, nextHop: id(b), complete: false, kind: 'distance-vector' })
    expect(route?.reliability).toBeGreaterThan(0)
    expect(route?.latencyMs).toBeGreaterThan(0)
    expect(a.node.libp2p.getConnections(d.node.libp2p.peerId)).toHaveLength(0)
    expect(a.node.libp2p.getPeers().map(p => p.toString())).toEqual([id(b)])
  })

  it('delivers a routed message from A to D, acknowledged', async () => {
    const received: RoutedMessage[] = []
    d.node.routing.addEventListener('message', evt => { received.push(evt.detail) })
    const payload = new TextEncoder().encode('hello D, from A')
    const result = await a.node.routing.send(id(d), payload)
    expect(result.path).toEqual([a, b, c, d].map(id))
    expect(result.hops).toBe(3)
    expect(result.attempts).toBe(1)
    expect(result.direct).toBe(false)
    expect(result.latencyMs).toBeGreaterThan(0)
    await waitFor(() => received.length === 1, 'delivery event at D')
    expect(received[0].from).toBe(id(a))
    expect(new TextDecoder().decode(received[0].payload)).toBe('hello D, from A')
    expect(received[0].path).toEqual([a, b, c, d].map(id))
    // B and C relayed it; nobody else got it
    expect(b.node.routing.stats().routedForwarded).toBeGreaterThanOrEqual(1)
    expect(c.node.routing.stats().routedForwarded).toBeGreaterThanOrEqual(1)
    expect(d.node.events.history({ category: 'routes', type: 'message:received' })).toHaveLength(1)
  })

  it('exposes peers, health and topology as plain data', async () => {
    await waitFor(() => (b.node.routing.peers().every(p => p.rttMs != null)), 'probes answered')
    const peers = b.node.routing.peers()
    expect(peers.map(p => p.peerId).sort()).toEqual([id(a), id(c)].sort())
    for (const p of peers) {
      expect(p.status).toBe('connected')
      expect(p.connections).toBe(1)
      expect(p.bytesIn).toBeGreaterThan(0)
      expect(p.bytesOut).toBeGreaterThan(0)
      expect(p.health).toBeGreaterThan(0)
      expect(p.health).toBeLessThanOrEqual(1)
      expect(p.addresses.length).toBeGreaterThan(0)
    }
    const h = b.node.routing.health(id(a))
    expect(h?.status).toBe('connected')
    expect(h?.components.delivery).toBe(1)
    const topo = a.node.routing.topology()
    expect(JSON.parse(JSON.stringify(topo))).toEqual(topo)
    expect(topo.nodes.map(n => n.id).sort()).toEqual([a, b, c, d].map(id).sort())
    expect(topo.nodes.find(n => n.id === id(d))).toMatchObject({ zone: 'near', reachable: true, hops: 3 })
    const linkSet = new Set(topo.links.map(l => `${l.from}>${l.to}`))
    expect(linkSet.has(`${id(c)}>${id(d)}`)).toBe(true)
    expect(linkSet.has(`${id(a)}>${id(d)}`)).toBe(false)
    expect(a.node.routing.routes().map(r => r.target).sort()).toEqual([b, c, d].map(id).sort())
  })
})
