import { afterEach, describe, expect, it } from 'vitest'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { createNodeLibp2p } from '../../node/libp2p.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'

describe('Kad-DHT peer routing', () => {
  const mesh = new TestMesh()
  const started: MeshLibp2p[] = []

  afterEach(async () => {
    await Promise.allSettled(started.splice(0).map(async n => { await n.stop() }))
    await mesh.cleanup()
  })

  async function dhtNode (bootstrap: string[] = []): Promise<MeshLibp2p> {
    const key = await loadOrCreateIdentity(await mesh.tempDir())
    const node = await createNodeLibp2p({
      privateKey: key,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap,
      mdns: false,
      dht: true,
      relay: false,
      allow: ['/ip4/127.0.0.1']
    })
    started.push(node)
    return node
  }

  it('E, knowing only A, finds C through the DHT and dials it', async () => {
    const a = await dhtNode()
    const aAddr = a.getMultiaddrs()[0].toString()
    const b = await dhtNode()
    const c = await dhtNode()
    const d = await dhtNode()
    // B, C, D join through A and through each other: C is never directly known to E
    await b.dial(a.getMultiaddrs()[0])
    await c.dial(a.getMultiaddrs()[0])
    await d.dial(a.getMultiaddrs()[0])
    await d.dial(b.getMultiaddrs()[0])
    await waitFor(() => a.getPeers().length >= 3, 'A to be connected to B, C and D', 15_000)

    const e = await dhtNode([aAddr])
    await waitFor(() => e.getConnections(a.peerId).length > 0, 'E to connect to its bootstrap peer A', 15_000)
    // E's own DHT self-query may already have found C (and the routing table may have
    // dialled it to check it): drop that connection and forget C, so that findPeer has to
    // ask the network rather than answer from what E already holds
    await e.hangUp(c.peerId)
    if (await e.peerStore.has(c.peerId)) { await e.peerStore.delete(c.peerId) }
    expect(e.getConnections(c.peerId)).toHaveLength(0)
    expect(await e.peerStore.has(c.peerId)).toBe(false)

    const found = await e.peerRouting.findPeer(c.peerId, { signal: AbortSignal.timeout(15_000) })
    expect(found.id.equals(c.peerId)).toBe(true)
    const cPort = c.getMultiaddrs()[0].toString().split('/')[4]
    expect(found.multiaddrs.map(String).some(ma => ma.includes(`/tcp/${cPort}`))).toBe(true)

    const rtt = await e.services.ping.ping(c.peerId)
    expect(rtt).toBeGreaterThanOrEqual(0)
  })
})
