/**
 * The link monitor is the node's one liveness check: it never opens a second ping stream
 * on a connection, does not count its own failures as the peer's loss, moves a peer that
 * was pinged while its services started to the mesh probe once identify lists it, and
 * closes a connection whose probes go unanswered. Real libp2p nodes over TCP on 127.0.0.1;
 * the probes' timeouts run on the clock the monitor is given (a fake one where a test
 * waits for a probe to go unanswered).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { byteStream } from '@libp2p/utils'
import { createClock } from '@sinonjs/fake-timers'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeLibp2p } from '../../node/libp2p.ts'
import { PING_PROTOCOL, PROBE_PROTOCOL, createLinkMonitor } from '../../protocol/routing/link-monitor.ts'
import { waitFor } from '../utils/wait.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { LinkMonitor, LinkMonitorInit } from '../../protocol/routing/link-monitor.ts'
import type { Stream } from '@libp2p/interface'

const nodes: MeshLibp2p[] = []
const monitors: LinkMonitor[] = []

async function tcpNode (): Promise<MeshLibp2p> {
  const node = await createNodeLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dht: false,
    relay: false
  })
  nodes.push(node)
  return node
}

/** a monitor that probes only when the test asks (no timer fires within a test) */
async function monitorOf (node: MeshLibp2p, init: LinkMonitorInit = {}, clock?: Clock): Promise<LinkMonitor> {
  const m = createLinkMonitor({ libp2p: node, logger: node.logger, gossipScore: () => 0, clock }, { probeIntervalMs: 600_000, probeTimeoutMs: 1000, ...init })
  await m.start()
  monitors.push(m)
  return m
}

afterEach(async () => {
  await Promise.allSettled(monitors.splice(0).map(async m => { await m.stop() }))
  await Promise.allSettled(nodes.splice(0).map(async n => { await n.stop() }))
})

describe('link monitor liveness', () => {
  it('never opens a second ping stream on a connection, and a stream limit of its own is not loss', async () => {
    const a = await tcpNode()
    const plain = await tcpNode()
    const monitor = await monitorOf(a)
    const conn = await a.dial(plain.getMultiaddrs()[0])
    const id = plain.peerId.toString()
    await waitFor(() => monitor.peer(id)?.status === 'connected', 'link up')
    // the plain peer has no mesh probe: the monitor pings it
    await waitFor(async () => (await monitor.probe(id)) != null, 'a ping answered')
    const before = monitor.peer(id)
    // another pinger holds the one outbound ping stream the protocol allows
    const held = await conn.newStream(PING_PROTOCOL)
    try {
      expect(await monitor.probe(id)).toBeUndefined()
      const after = monitor.peer(id)
      expect(after?.probesSent).toBe(before?.probesSent)
      expect(after?.probesLost).toBe(0)
      expect(after?.loss).toBe(0)
      expect(conn.streams.filter(s => s.direction === 'outbound' && s.protocol === PING_PROTOCOL)).toHaveLength(1)
      expect(conn.status).toBe('open')
    } finally {
      await held.close()
    }
    await waitFor(async () => (await monitor.probe(id)) != null, 'pinged again once the stream is free')
    expect(monitor.peer(id)?.probesLost).toBe(0)
  })

  it('a peer pinged while its services start is probed with the mesh probe once identify lists it', async () => {
    const a = await tcpNode()
    const b = await tcpNode()
    const monitor = await monitorOf(a)
    await a.dial(b.getMultiaddrs()[0])
    const id = b.peerId.toString()
    await waitFor(() => monitor.peer(id)?.status === 'connected', 'link up')
    // b's services are not up yet: the monitor falls back to the standard ping
    await waitFor(async () => (await monitor.probe(id)) != null, 'a ping answered')
    // b's routing starts: it handles the probe, and identify-push tells a
    let probed = 0
    await b.handle(PROBE_PROTOCOL, async (stream: Stream) => {
      probed++
      const bytes = byteStream(stream)
      await bytes.write(await bytes.read({ bytes: 32 }))
      await stream.close()
    })
    await waitFor(async () => { await monitor.probe(id); return probed > 0 }, 'probe used again', 10_000, 200)
    expect(monitor.peer(id)?.probesLost).toBe(0)
  })

  it('closes a connection whose probes go unanswered, and only then', async () => {
    const a = await tcpNode()
    const b = await tcpNode()
    const fake = createClock(Date.now())
    const clock: Clock = { now: () => fake.now, setTimeout: (fn, ms) => fake.setTimeout(fn, ms), clearTimeout: h => { fake.clearTimeout(h as any) } }
    // 100 ms timeouts: three of them pass before the warm-up probes are due (375 ms at the earliest)
    const monitor = await monitorOf(a, { probeTimeoutMs: 100, deadAfterLosses: 3 }, clock)
    /** a probe that times out when the clock reaches its timeout, not after a wait */
    const unanswered = async (): Promise<number | undefined> => {
      const probing = monitor.probe(id)
      await fake.tickAsync(100)
      return probing
    }
    // b takes the probe and never answers
    await b.handle(PROBE_PROTOCOL, async (stream: Stream) => { await byteStream(stream).read({ bytes: 64 }).catch(() => {}) })
    const conn = await a.dial(b.getMultiaddrs()[0])
    const id = b.peerId.toString()
    await waitFor(() => monitor.peer(id)?.status === 'connected', 'link up')
    expect(await unanswered()).toBeUndefined()
    expect(await unanswered()).toBeUndefined()
    expect(conn.status).toBe('open')
    expect(monitor.peer(id)?.probesLost).toBe(2)
    expect(await unanswered()).toBeUndefined()
    await waitFor(() => conn.status !== 'open', 'connection closed after 3 lost probes', 5000)
    expect(monitor.peer(id)?.probesLost).toBe(3)
  })
})
