import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFrames } from '../../protocol/routing/channel.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { waitFor } from '../utils/wait.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { Stream } from '@libp2p/interface'

const PROTOCOL = '/liberation/test-frames/1.0.0'
const FRAME_BYTES = 256 * 1024
/** 10 MiB: more than a stream buffers for a reader that does not keep up (4 MiB) */
const FRAMES = 40

function frame (i: number): Uint8Array {
  const f = new Uint8Array(FRAME_BYTES)
  f[0] = i
  return f
}

/** frames this test lets wait behind the one in hand */
const QUEUED = 4

describe('reading frames from a neighbour that sends faster than this node handles them', () => {
  let sender: MeshLibp2p, receiver: MeshLibp2p
  let inbound: Stream | undefined
  let release: () => void = () => {}
  const held = new Promise<void>(resolve => { release = resolve })
  const received: number[] = []
  const dropped: number[] = []
  const faults: string[] = []

  beforeAll(async () => {
    sender = await createMemoryLibp2p({ name: `frames-sender-${process.pid}` })
    receiver = await createMemoryLibp2p({ name: `frames-receiver-${process.pid}` })
    await sender.start()
    await receiver.start()
    await receiver.handle(PROTOCOL, async (stream) => {
      inbound = stream
      await serveFrames(stream, {
        maxFrameBytes: FRAME_BYTES + 16,
        maxQueuedBytes: QUEUED * FRAME_BYTES,
        // the first frame is held until the test lets it go: a node busy with a frame
        onFrame: async (f) => {
          if (received.length === 0) { await held }
          received.push(f.get(0))
        },
        dropped: (f) => { dropped.push(f.get(0)) },
        malformed: (err) => { faults.push(err.message) }
      })
    })
    await sender.dial(receiver.getMultiaddrs()[0])
  })
  afterAll(async () => {
    await sender?.stop()
    await receiver?.stop()
  })

  it('keeps reading, holds a bounded queue and drops (and counts) the rest, without resetting the stream', async () => {
    const stream = await sender.dialProtocol(receiver.peerId, PROTOCOL)
    const lp = lpStream(stream)
    for (let i = 0; i < FRAMES; i++) { await lp.write(frame(i)) }

    // while the first frame is in hand, QUEUED wait and every other one is read and dropped
    await waitFor(() => dropped.length === FRAMES - 1 - QUEUED || inbound?.status !== 'open', 'the frames past the queue to be dropped')
    expect(inbound?.status).toBe('open')
    expect(received).toEqual([])
    expect(dropped).toEqual(Array.from({ length: FRAMES - 1 - QUEUED }, (_, i) => i + 1 + QUEUED))

    release()
    await waitFor(() => received.length === 1 + QUEUED || inbound?.status !== 'open', 'the queued frames')
    expect(received).toEqual(Array.from({ length: 1 + QUEUED }, (_, i) => i))
    expect(faults).toEqual([])

    // the stream still works: a frame sent now is handled
    await lp.write(frame(FRAMES))
    await waitFor(() => received.length === 2 + QUEUED, 'a frame after the flood')
    expect(received.at(-1)).toBe(FRAMES)
    await stream.close()
  })
})
