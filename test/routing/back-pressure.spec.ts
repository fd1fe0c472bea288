/**
 * serveFrames under a sender that writes faster than the reader handles (or budgets) its
 * frames: reading pauses, so the sender's writes wait on its side; nothing is dropped and
 * the stream is not reset. Two real libp2p nodes over the memory transport with the mesh's
 * muxer (noise, yamux with the capped window); the byte budget runs on a fake clock.
 */
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { lpStream } from '@libp2p/utils'
import { createClock } from '@sinonjs/fake-timers'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokenBuckets } from '../../protocol/limits/token-buckets.ts'
import { MAX_STREAM_WINDOW_BYTES, meshMuxer } from '../../protocol/muxer.ts'
import { serveFrames } from '../../protocol/routing/channel.ts'
import { waitFor } from '../utils/wait.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const FRAME_BYTES = 256 * 1024
/** 10 MiB: more than a stream buffers for a reader that does not keep up (4 MiB) */
const FRAMES = 40
/** frames this test lets wait behind the one in hand before reading pauses */
const QUEUED = 4

function frame (i: number): Uint8Array {
  const f = new Uint8Array(FRAME_BYTES)
  f[0] = i
  return f
}

async function node (name: string): Promise<Libp2p> {
  const n = await createLibp2p({
    addresses: { listen: [`/memory/${name}-${process.pid}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    connectionMonitor: { enabled: false }
  })
  await n.start()
  return n
}

interface Served {
  inbound?: Stream
  received: number[]
  dropped: number[]
  faults: string[]
  throttled: number[]
}

describe('reading frames from a neighbour that sends faster than this node takes them', () => {
  let sender: Libp2p, receiver: Libp2p

  beforeAll(async () => {
    sender = await node('frames-sender')
    receiver = await node('frames-receiver')
    await sender.dial(receiver.getMultiaddrs()[0])
  })
  afterAll(async () => {
    await sender?.stop()
    await receiver?.stop()
  })

  /** serves `protocol` on the receiver with serveFrames and `opts`, recording what happens */
  async function serve (protocol: string, opts: { hold?: Promise<void>, pace?(bytes: number): number, clock?: Clock }): Promise<Served> {
    const served: Served = { received: [], dropped: [], faults: [], throttled: [] }
    await receiver.handle(protocol, async (stream) => {
      served.inbound = stream
      await serveFrames(stream, {
        maxFrameBytes: FRAME_BYTES + 16,
        maxQueuedBytes: 16 * FRAME_BYTES,
        pauseQueuedBytes: QUEUED * FRAME_BYTES,
        pace: opts.pace,
        clock: opts.clock,
        throttled: (ms) => { served.throttled.push(ms) },
        // the first frame is held until the test lets it go: a node busy with a frame
        onFrame: async (f) => {
          if (served.received.length === 0 && opts.hold != null) { await opts.hold }
          served.received.push(f.get(0))
        },
        dropped: (f) => { served.dropped.push(f.get(0)) },
        malformed: (err) => { served.faults.push(err.message) }
      })
    })
    return served
  }

  /** writes FRAMES frames without waiting for them; resolves when the last one was taken */
  async function flood (protocol: string): Promise<{ stream: Stream, written(): number, done: Promise<void> }> {
    const stream = await sender.dialProtocol(receiver.peerId, protocol)
    const lp = lpStream(stream)
    let written = 0
    const done = (async () => {
      for (let i = 0; i < FRAMES; i++) {
        await lp.write(frame(i))
        written++
      }
    })()
    return { stream, written: () => written, done }
  }

  it('pauses while its handler is behind: the sender\'s writes wait, nothing is dropped or reset', async () => {
    let release: () => void = () => {}
    const hold = new Promise<void>(resolve => { release = resolve })
    const served = await serve('/liberation/test-frames/1.0.0', { hold })
    const { stream, written, done } = await flood('/liberation/test-frames/1.0.0')

    // the receiver stopped granting window: the sender's bytes back up on the sender's side
    await waitFor(() => stream.writeBufferLength > 0, 'the sender to back up')
    expect(served.received).toEqual([])
    expect(written()).toBeLessThan(FRAMES)
    // what the receiver holds: the queue it pauses at, plus at most one window in flight
    expect(served.inbound?.readBufferLength ?? 0).toBeLessThanOrEqual(MAX_STREAM_WINDOW_BYTES)
    expect(served.dropped).toEqual([])

    release()
    await done
    await waitFor(() => served.received.length === FRAMES || served.inbound?.status !== 'open', 'every frame')
    expect(served.received).toEqual(Array.from({ length: FRAMES }, (_, i) => i))
    expect(served.dropped).toEqual([])
    expect(served.faults).toEqual([])
    expect(served.inbound?.status).toBe('open')
    await stream.close()
  })

  it('reads no faster than the sender\'s byte budget, on the clock it is given', async () => {
    const fake = createClock(0)
    const clock: Clock = { now: () => fake.now, setTimeout: (fn, ms) => fake.setTimeout(fn, ms), clearTimeout: h => { fake.clearTimeout(h as any) } }
    // 1 MiB a second, a burst of 1 MiB
    const budget = new TokenBuckets(4 * FRAME_BYTES, 4 * FRAME_BYTES, 1)
    const served = await serve('/liberation/test-paced/1.0.0', { pace: bytes => budget.debit('sender', bytes, fake.now), clock })
    const { stream, done } = await flood('/liberation/test-paced/1.0.0')

    await waitFor(() => served.throttled.length > 0 && stream.writeBufferLength > 0, 'the budget to pause the reading')
    // the burst and what was in flight when it paused, no more: the clock has not moved
    const first = served.received.length
    expect(first).toBeLessThan(FRAMES)
    expect(first * FRAME_BYTES).toBeLessThanOrEqual(4 * FRAME_BYTES + 2 * MAX_STREAM_WINDOW_BYTES)

    // each second of the clock lets about a second's budget through, until every frame came
    let seconds = 0
    while (served.received.length < FRAMES && seconds < 60) {
      const before = served.received.length
      await fake.tickAsync(1000)
      seconds++
      await waitFor(() => served.received.length > before || served.inbound?.status !== 'open', 'more frames after the clock moved')
    }
    await done
    expect(served.received).toEqual(Array.from({ length: FRAMES }, (_, i) => i))
    // 10 MiB at 1 MiB/s after a 1 MiB burst: about 9 s of the clock, and never much faster
    expect(seconds).toBeGreaterThanOrEqual(Math.floor((FRAMES - 4) * FRAME_BYTES / (4 * FRAME_BYTES)) - 2)
    expect(served.dropped).toEqual([])
    expect(served.faults).toEqual([])
    expect(served.inbound?.status).toBe('open')
    await stream.close()
  })
})
