import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeRecordCrypto } from '../../node/crypto.ts'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { createNodeLibp2p } from '../../node/libp2p.ts'
import { TestMesh } from '../utils/mesh.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'

describe('node transports', () => {
  const mesh = new TestMesh()
  const started: MeshLibp2p[] = []

  afterEach(async () => {
    await Promise.allSettled(started.splice(0).map(async n => { await n.stop() }))
    await mesh.cleanup()
  })

  async function nodeListeningOn (listen: string): Promise<MeshLibp2p> {
    const key = await loadOrCreateIdentity(await mesh.tempDir())
    const node = await createNodeLibp2p({ privateKey: key, listen: [listen], mdns: false, dht: false, relay: false })
    started.push(node)
    return node
  }

  it('two nodes dial and ping over TCP', async () => {
    const a = await nodeListeningOn('/ip4/127.0.0.1/tcp/0')
    const b = await nodeListeningOn('/ip4/127.0.0.1/tcp/0')
    const addr = b.getMultiaddrs().find(ma => ma.toString().includes('/tcp/') && !ma.toString().includes('/ws'))
    expect(addr).toBeDefined()
    const rtt = await a.services.ping.ping(addr!)
    expect(rtt).toBeGreaterThanOrEqual(0)
    const conns = a.getConnections(b.peerId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns[0].remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(conns[0].remoteAddr.toString()).not.toContain('/ws')
    expect(conns[0].encryption).toBe('/noise')
    expect(conns[0].multiplexer).toBe('/yamux/1.0.0')
  })

  it('two nodes dial and ping over WebSockets', async () => {
    const a = await nodeListeningOn('/ip4/127.0.0.1/tcp/0/ws')
    const b = await nodeListeningOn('/ip4/127.0.0.1/tcp/0/ws')
    const addr = b.getMultiaddrs()[0]
    expect(addr.toString()).toContain('/ws')
    const rtt = await a.services.ping.ping(addr)
    expect(rtt).toBeGreaterThanOrEqual(0)
    const conns = a.getConnections(b.peerId)
    expect(conns.length).toBe(1)
    expect(conns[0].remoteAddr.toString()).toContain('/ws')
  })

  it('a dial to a port nobody listens on fails', async () => {
    const a = await nodeListeningOn('/ip4/127.0.0.1/tcp/0')
    const b = await nodeListeningOn('/ip4/127.0.0.1/tcp/0')
    const port = Number(b.getMultiaddrs()[0].toString().split('/')[4])
    await b.stop()
    await expect(a.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${b.peerId.toString()}`), { signal: AbortSignal.timeout(5000) }))
      .rejects.toThrow()
  })

  it('the record signer and verifier agree, and reject tampering', async () => {
    const key = await loadOrCreateIdentity(await mesh.tempDir())
    const { signer, verifier } = createNodeRecordCrypto(key)
    const data = new TextEncoder().encode('truth')
    const sig = await signer.sign(data)
    expect(await verifier.verify(signer.publicKey, data, sig)).toBe(true)
    expect(await verifier.verify(signer.publicKey, new TextEncoder().encode('truti'), sig)).toBe(false)
    // and the libp2p key verifies node:crypto's signature: same Ed25519, same key
    expect(await key.publicKey.verify(data, sig)).toBe(true)
  })
})
