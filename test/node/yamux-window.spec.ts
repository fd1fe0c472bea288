/**
 * patches/@libp2p+yamux+*.patch: a yamux receiver grants more window once half of it is
 * used (as go-yamux and rust-yamux do), not after every data frame. Unpatched, every small
 * gossip message costs a second frame on the wire (noise-encrypted and decoded on both
 * ends): half the mesh's CPU per delivery in `npm run bench -- truth`. This test fails when
 * the patch is not applied (e.g. an install that skipped `postinstall`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../protocol/crypto/index.ts'
import { SimNetwork } from '../../simulations/network/sim-network.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { createRandom } from '../../simulations/random.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'

const PROTOCOL = '/liberation/test/sink/1.0.0'
const WRITES = 200
const SIZE = 100

describe('yamux flow control', () => {
  const nodes: MeshLibp2p[] = []

  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map(async n => { await n.stop() }))
  })

  it('small writes on one stream cost one frame each, with no window update per frame', async () => {
    const network = new SimNetwork({ linkOf: () => ({ latency: 1, jitter: 0, loss: 0 }), random: createRandom(1, 'links'), name: `yamux-window-${process.pid}` })
    for (let i = 0; i < 2; i++) {
      const node = await createMemoryLibp2p({ privateKey: await generateIdentity(), name: network.address(i).slice('/memory/'.length), transport: network.transport(i) })
      await node.start()
      nodes.push(node)
    }
    const [a, b] = nodes
    let received = 0
    const allReceived = new Promise<void>(resolve => {
      void b.handle(PROTOCOL, async (stream) => {
        for await (const chunk of stream) {
          received += chunk.byteLength
          if (received >= WRITES * SIZE) resolve()
        }
      })
    })
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL)
    // let identify and the other start-up exchanges finish before counting
    await new Promise(resolve => setTimeout(resolve, 500))
    const chunks0 = network.stats.chunks
    for (let i = 0; i < WRITES; i++) {
      stream.send(new Uint8Array(SIZE).fill(i % 256))
      // one frame per write: let each go out on its own
      await new Promise(resolve => setTimeout(resolve, 2))
    }
    await allReceived
    await new Promise(resolve => setTimeout(resolve, 50))
    const chunks = network.stats.chunks - chunks0
    expect(received).toBe(WRITES * SIZE)
    // unpatched: WRITES data frames + WRITES window updates
    expect(chunks).toBeGreaterThanOrEqual(WRITES)
    expect(chunks).toBeLessThan(WRITES * 1.25)
  })
})
