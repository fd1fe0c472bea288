/**
 * Problem #6 (part) of the operator's node: connected/disconnected/connected flickered at
 * start-up. Three real nodes over TCP on 127.0.0.1 start at once with every way of finding
 * each other racing: two bootstrap to each other and to a seed (libp2p's bootstrap module
 * and the bootstrap status tracker both dial), the DHT on, the connection keeper dialling
 * what they discover. Each node's event stream (its history over HTTP, and the seed's
 * WebSocket feed) must show exactly one connect per peer and no disconnect, also after
 * half a minute of the nodes' periodic work (advanced on a fake clock). The seed answers
 * only the standard ping, as a peer still starting does: with libp2p's connection monitor
 * on, its ping and a probe over the same protocol broke the one-stream limit and libp2p
 * aborted the connection (connect, disconnect, connect).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { PROBE_PROTOCOL } from '../../protocol/routing/link-monitor.ts'
import { advanceUntil, waitFor } from '../utils/wait.ts'
import { api, openFeed, startApiNode, stopAll } from './utils.ts'
import type { ApiNode, FeedClient } from './utils.ts'

const dirs: string[] = []

afterAll(async () => {
  vi.useRealTimers()
  await stopAll()
  await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
})

/** a free port: bound, then released */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>(resolve => server.close(() => { resolve() }))
  return port
}

/** a data dir holding its identity already, so others can be told its /p2p/ address before it starts */
async function prepared (): Promise<{ dataDir: string, port: number, address: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liberation-start-up-'))
  dirs.push(dataDir)
  const id = peerIdFromPrivateKey(await loadOrCreateIdentity(dataDir)).toString()
  const port = await freePort()
  return { dataDir, port, address: `/ip4/127.0.0.1/tcp/${port}/p2p/${id}` }
}

const idOf = (n: ApiNode): string => n.runtime.node.libp2p.peerId.toString()

async function events (n: ApiNode, type: string): Promise<any[]> {
  const res = await api(n.url, 'GET', `/api/v1/events?type=${encodeURIComponent(type)}&limit=500`)
  expect(res.status).toBe(200)
  return res.body.items
}

describe('start-up connections (#6)', () => {
  it('nodes started at once with bootstrap, DHT and keeper racing: one connect per peer, no disconnect', async () => {
    // the nodes' periodic work (keeper rounds, link probes, libp2p's connection monitor)
    // runs on intervals, faked here; timeouts stay real, so dials and probes run as usual
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const racing = { dht: true, minConnections: 4 }
    const seed = await startApiNode(racing)
    // the seed answers only the standard ping, as a node whose services are still starting
    // does: the others probe it over /ipfs/ping, the protocol libp2p's own monitor used too
    await seed.runtime.node.libp2p.unhandle(PROBE_PROTOCOL)
    const feed: FeedClient = await openFeed(`${seed.url}/api/v1/realtime/ws?channels=mesh`)
    const seedAddress = seed.runtime.node.libp2p.getMultiaddrs()[0].toString()
    const [a, b] = [await prepared(), await prepared()]
    const nodes = [seed, ...await Promise.all([
      startApiNode({ ...racing, dataDir: a.dataDir, listen: [`/ip4/127.0.0.1/tcp/${a.port}`], bootstrap: [seedAddress, b.address] }),
      startApiNode({ ...racing, dataDir: b.dataDir, listen: [`/ip4/127.0.0.1/tcp/${b.port}`], bootstrap: [seedAddress, a.address] })
    ])]

    const connectedTo = (n: ApiNode, other: ApiNode): boolean => n.runtime.node.routing.peers().some(p => p.peerId === idOf(other) && p.status === 'connected')
    await waitFor(() => nodes.every(n => nodes.every(o => o === n || connectedTo(n, o))), 'every node connected to the two others', 20_000)
    await waitFor(() => nodes.every(n => n.runtime.node.bootstrap.addresses().every(e => e.state === 'connected')), 'every bootstrap address connected', 20_000)

    // half a minute of keeper rounds, bootstrap follow-ups, probes and libp2p's monitor,
    // advanced a second at a time until that many probe rounds were answered on every link
    // (2 links a node, a round every 5 s): whatever the rounds set off has run
    const probes = (n: ApiNode): number => n.runtime.node.routing.peers().reduce((sum, p) => sum + p.probesSent, 0)
    const before = nodes.map(probes)
    await advanceUntil(ms => { vi.advanceTimersByTime(ms) }, () => nodes.every((n, i) => probes(n) >= before[i] + 12), 'half a minute of probe rounds answered', { minMs: 30_000 })

    for (const n of nodes) {
      const ups = await events(n, 'peer:connected')
      const downs = await events(n, 'peer:disconnected')
      const others = nodes.filter(o => o !== n).map(idOf).sort()
      expect(ups.map(e => e.data.peer_id).sort(), `connects seen by ${idOf(n)}`).toEqual(others)
      expect(downs, `disconnects seen by ${idOf(n)}`).toEqual([])
      // nor is anything of the nodes' own making blamed on a peer
      expect(await events(n, 'peer:invalid-message'), `invalid messages seen by ${idOf(n)}`).toEqual([])
    }
    // the seed's live feed says the same
    const live = feed.messages.filter(m => m.type === 'event' && (m.data.type === 'peer:connected' || m.data.type === 'peer:disconnected'))
    expect(live.map(m => `${m.data.type as string} ${m.data.data.peer_id as string}`).sort()).toEqual(nodes.slice(1).map(n => `peer:connected ${idOf(n)}`).sort())
    await feed.close()
    await stopAll()
    vi.useRealTimers()
  })
})
