// The fixes in patches/ (applied by `postinstall`): each test fails when its patch is not
// applied, e.g. after an install that skipped scripts.
//
// `@libp2p/yamux`: a receiver grants more window once half of it is used (as go-yamux and
// rust-yamux do), not after every data frame. Unpatched, every small gossip message costs
// a second frame on the wire, encrypted and decoded on both ends: about half the mesh's
// CPU per delivery in `npm run bench -- truth`.
//
// `@libp2p/utils`: the length-prefixed decoder (noise frames) stops when its buffer is
// empty instead of asking the length decoder, which throws a RangeError (and captures a
// stack trace) for every chunk received.
import { LengthPrefixedDecoder } from '@libp2p/utils'
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
          if (received >= WRITES * SIZE) {
            resolve()
          }
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

describe('length-prefixed decoding', () => {
  it('whole frames decode without asking for a length past the end', () => {
    const lengthsAskedAt: number[] = []
    const decoder = new LengthPrefixedDecoder({
      // lengths below 128: a one-byte varint; like varint.decode, throws when short
      lengthDecoder: (buf) => {
        lengthsAskedAt.push(buf.byteLength)
        if (buf.byteLength < 1) {
          throw new RangeError('no length yet')
        }
        return buf instanceof Uint8Array ? buf[0] : buf.get(0)
      }
    })
    const frame = (n: number): Uint8Array => Uint8Array.from([n, ...new Uint8Array(n).fill(7)])
    const chunk = Uint8Array.from([...frame(3), ...frame(5)])
    const frames = [...decoder.decode(chunk)].map(f => f.subarray())
    expect(frames.map(f => f.length)).toEqual([3, 5])
    // a frame split across chunks still decodes
    const whole = frame(100)
    expect([...decoder.decode(whole.subarray(0, 40))]).toEqual([])
    expect([...decoder.decode(whole.subarray(40))].map(f => f.byteLength)).toEqual([100])
    // unpatched, the decoder asks once more with nothing buffered after each chunk
    expect(lengthsAskedAt.filter(n => n === 0)).toEqual([])
  })
})
