/**
 * Problem #6 of the operator's node: a local error blamed on a peer, health without
 * reasons, connect/disconnect flicker. Real nodes over TCP on 127.0.0.1, read over HTTP and
 * through the built CLI.
 */
import { TooManyOutboundProtocolStreamsError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { PING_PROTOCOL } from '../../protocol/routing/link-monitor.ts'
import { TOPOLOGY_PROTOCOL } from '../../protocol/routing/routing.ts'
import { runCli } from '../utils/process.ts'
import { advanceUntil, waitFor } from '../utils/wait.ts'
import { api, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'
import type { Connection } from '@libp2p/interface'

const idOf = (n: ApiNode): string => n.runtime.node.libp2p.peerId.toString()
const addrOf = (n: ApiNode): string => n.runtime.node.libp2p.getMultiaddrs()[0].toString()

async function events (n: ApiNode, type: string): Promise<any[]> {
  const res = await api(n.url, 'GET', `/api/v1/events?type=${encodeURIComponent(type)}&limit=500`)
  expect(res.status).toBe(200)
  return res.body.items
}

async function connected (a: ApiNode, b: ApiNode): Promise<Connection> {
  await a.runtime.node.libp2p.dial(b.runtime.node.libp2p.getMultiaddrs()[0])
  let conn: Connection | undefined
  await waitFor(() => {
    conn = a.runtime.node.libp2p.getConnections(b.runtime.node.libp2p.peerId).find(c => c.status === 'open')
    return conn != null && a.runtime.node.routing.peers().some(p => p.peerId === idOf(b) && p.status === 'connected')
  }, 'connected')
  return conn as Connection
}

describe('peer health at start-up (#6)', () => {
  afterAll(stopAll)

  it('a connection this node aborts for a local error is not held against the peer', async () => {
    const a = await startApiNode()
    const b = await startApiNode({ bootstrap: [`${addrOf(a)}`] })
    const conn = await connected(a, b)
    // b's topology stream to a is open: a reads it
    await waitFor(() => conn.streams.some(s => s.direction === 'inbound' && s.protocol === TOPOLOGY_PROTOCOL), 'b sends topology')
    // what libp2p's connection monitor did on a ping over the stream limit: abort the connection
    conn.abort(new TooManyOutboundProtocolStreamsError(`Too many outbound protocol streams for protocol "${PING_PROTOCOL}" - 2/1`))
    await waitFor(() => conn.status !== 'open', 'connection aborted')
    // the read on b's stream failed with a's own error: nothing is counted against b
    await connected(a, b)
    expect(await events(a, 'peer:invalid-message')).toEqual([])
    const health = await api(a.url, 'GET', `/api/v1/mesh/health/${idOf(b)}`)
    expect(health.status).toBe(200)
    expect(health.body.invalid_messages).toBe(0)
    expect(health.body.last_invalid_reason).toBeNull()
    expect(health.body.reasons.join(' ')).not.toMatch(/invalid/)
  })

  it('peers give the reasons for each health score (API and CLI)', async () => {
    const a = await startApiNode()
    const b = await startApiNode()
    await connected(b, a)
    // b speaks the topology protocol and sends a frame that is no update
    const stream = await b.runtime.node.libp2p.dialProtocol(a.runtime.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]))
    await waitFor(async () => (await events(a, 'peer:invalid-message')).length > 0, 'invalid message counted')
    await stream.close().catch(() => {})

    const health = (await api(a.url, 'GET', `/api/v1/mesh/health/${idOf(b)}`)).body
    expect(health.invalid_messages).toBeGreaterThan(0)
    expect(health.last_invalid_reason).toMatch(/malformed topology update/)
    expect(health.reasons.some((r: string) => /^invalid messages: [\d.]+ .*last: malformed topology update/.test(r))).toBe(true)
    // worst first: a link up for seconds has almost no uptime credit yet (below validity 0.5)
    expect(health.reasons[0]).toMatch(/^uptime: connected \d+ s$/)

    const peers = (await api(a.url, 'GET', '/api/v1/mesh/peers')).body.items
    const row = peers.find((p: any) => p.peer_id === idOf(b))
    expect(row.link.health).toBeLessThan(0.6)
    expect(row.link.health_reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^invalid messages: [\d.]+ .*malformed topology update/)]))

    const cli = await runCli(['peers', '--api', a.url], { COLUMNS: '400' })
    expect(cli.code, cli.stderr).toBe(0)
    const line = cli.stdout.split('\n').find(l => l.startsWith(idOf(b)))
    expect(cli.stdout).toMatch(/\bWHY\b/)
    expect(line).toMatch(/uptime: connected \d+ s$/)
    const why = cli.stdout.split('\n').find(l => l.startsWith(`  ${idOf(b)}: `))
    expect(why).toMatch(/^ {2}\S+: uptime: connected \d+ s; .*invalid messages: [\d.]+ \(decaying\), last: malformed topology update/)
  })

  it('a ping in flight does not cut the connection: one connect event per peer, no disconnect', async () => {
    // the nodes' periodic work (libp2p's connection monitor, the link monitor's probe
    // rounds) runs on intervals: those are faked, so 11 s of them pass without waiting;
    // timeouts stay real, so probes and dials run as they would
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const a = await startApiNode()
      const b = await startApiNode()
      // both dial at once, as mDNS and bootstrap make them do
      await Promise.all([connected(a, b), connected(b, a)])
      const conn = a.runtime.node.libp2p.getConnections(b.runtime.node.libp2p.peerId).find(c => c.status === 'open') as Connection
      // a ping of a's own is in flight on the connection (the protocol allows one)
      const held = await conn.newStream(PING_PROTOCOL)
      const probes = (n: ApiNode, other: ApiNode): number => n.runtime.node.routing.peers().find(p => p.peerId === idOf(other))?.probesSent ?? 0
      const before = [probes(a, b), probes(b, a)]
      // libp2p's connection monitor pinged every 10 s: its second ping broke the limit and
      // aborted the connection. The link monitor probes every 5 s: two rounds pass too
      // (advanced a second at a time): once both rounds of probes were answered over the
      // connection, a local failure (the stream limit, found before anything is sent) would
      // have cut it long before
      await advanceUntil(ms => { vi.advanceTimersByTime(ms) }, () => conn.status !== 'open' || (probes(a, b) >= before[0] + 2 && probes(b, a) >= before[1] + 2), 'two probe rounds answered', { minMs: 11_000 })
      expect(conn.status).toBe('open')
      await held.close()
      for (const [n, other] of [[a, b], [b, a]] as const) {
        const ups = (await events(n, 'peer:connected')).filter(e => e.data.peer_id === idOf(other))
        const downs = (await events(n, 'peer:disconnected')).filter(e => e.data.peer_id === idOf(other))
        expect(ups).toHaveLength(1)
        expect(downs).toHaveLength(0)
      }
      expect(await events(a, 'peer:invalid-message')).toEqual([])
      await Promise.all([a.stop(), b.stop()])
    } finally {
      vi.useRealTimers()
    }
  })
})
