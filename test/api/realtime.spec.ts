import { afterAll, describe, expect, it } from 'vitest'
import { createApiServer } from '../../node/api/server.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { api, openFeed } from './utils.ts'
import type { ApiServer } from '../../node/api/server.ts'

describe('WebSocket live feed', () => {
  const mesh = new TestMesh()
  const servers: ApiServer[] = []
  afterAll(async () => {
    await Promise.allSettled(servers.map(async s => { await s.stop() }))
    await mesh.cleanup()
  })

  async function serve (init: Partial<Parameters<typeof createApiServer>[1]> = {}): Promise<{ server: ApiServer, node: Awaited<ReturnType<TestMesh['add']>>['node'] }> {
    const { node, dataDir } = await mesh.add()
    const server = createApiServer(node, { host: '127.0.0.1', port: 0, dataDir, ...init })
    await server.start()
    servers.push(server)
    return { server, node }
  }

  it('subscribes and unsubscribes to channels, answers pings, and reports errors on bad messages', async () => {
    const { server, node } = await serve()
    const feed = await openFeed(`${server.url}/api/v1/realtime/ws`)
    const welcome = await feed.next(m => m.type === 'welcome')
    expect(welcome.available_channels).toEqual(['resources', 'truth', 'mesh', 'notifications', 'metrics', 'events', 'knowledge'])
    expect(welcome.channels).toEqual([])

    feed.send({ type: 'subscribe', channel: 'truth' })
    expect((await feed.next(m => m.type === 'subscribed')).channels).toEqual(['truth'])
    node.events.emitEvent('mesh', 'peer:connected', { peerId: 'x' })
    node.events.emitEvent('truth', 'message', { id: 'abc', content: 'hello' }, 'corr-truth')
    const got = await feed.next(m => m.type === 'event')
    expect(got).toMatchObject({ channel: 'truth', data: { type: 'message', category: 'truth', correlation_id: 'corr-truth', data: { id: 'abc' } } })
    // the mesh event was not for this client
    expect(feed.messages.filter(m => m.type === 'event')).toHaveLength(1)

    feed.send({ type: 'ping' })
    expect((await feed.next(m => m.type === 'pong')).timestamp).toBeGreaterThan(0)

    feed.send({ type: 'subscribe', channel: 'gossip' })
    expect((await feed.next(m => m.type === 'error')).message).toMatch(/field "channel": unknown channel "gossip"/)
    feed.send({ nope: 1 })
    await feed.next(m => m.type === 'error' && /"type"/.test(m.message))
    feed.ws.send('not json')
    await feed.next(m => m.type === 'error' && /not JSON/.test(m.message))

    feed.send({ type: 'unsubscribe', channel: 'truth' })
    expect((await feed.next(m => m.type === 'unsubscribed')).channels).toEqual([])
    node.events.emitEvent('truth', 'message', { id: 'def' })
    feed.send({ type: 'ping' })
    await waitFor(() => feed.messages.filter(m => m.type === 'pong').length === 2, 'second pong')
    expect(feed.messages.filter(m => m.type === 'event')).toHaveLength(1)

    const stats = await api(server.url, 'GET', '/api/v1/realtime/ws/stats')
    expect(stats.body.clients).toBe(1)
    await feed.close()
    await waitFor(async () => (await api(server.url, 'GET', '/api/v1/realtime/ws/stats')).body.clients === 0, 'client gone')

    // a bad channel list in the URL refuses the upgrade with 400
    await expect(openFeed(`${server.url}/api/v1/realtime/ws?channels=truth,bogus`)).rejects.toThrow(/400/)
  })

  it('the events channel gets everything; notifications honour their recipient; metrics tick', async () => {
    const { server, node } = await serve({ realtime: { metricsIntervalMs: 100 } })
    const all = await openFeed(`${server.url}/api/v1/realtime/ws?channels=events`)
    const alice = await openFeed(`${server.url}/api/v1/realtime/ws?channels=notifications&recipient=alice`)
    const bob = await openFeed(`${server.url}/api/v1/realtime/ws?channels=notifications&recipient=bob`)
    const metrics = await openFeed(`${server.url}/api/v1/realtime/ws?channels=metrics`)

    node.events.emitEvent('system', 'custom:thing', { a: 1 })
    expect((await all.next(m => m.type === 'event' && m.data.type === 'custom:thing')).channel).toBe('events')

    await api(server.url, 'POST', '/api/v1/notifications', { type: 'user_action', title: 'only alice', recipient: 'alice' })
    await api(server.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'everyone', priority: 'critical' })
    expect((await alice.next(m => m.type === 'notification' && m.data.title === 'only alice')).data.recipient).toBe('alice')
    await alice.next(m => m.type === 'notification' && m.data.title === 'everyone')
    await bob.next(m => m.type === 'notification' && m.data.title === 'everyone')
    expect(bob.messages.some(m => m.data?.title === 'only alice')).toBe(false)

    const tick = await metrics.next(m => m.type === 'metrics_update')
    expect(tick.data).toMatchObject({ peers: 0, connections: 0, ws_clients: 4 })
    for (const f of [all, alice, bob, metrics]) {
      await f.close()
    }
  })

  it('heartbeat: pings every client and closes the ones that stop answering', async () => {
    // rounds are run by hand, so no timing of this machine decides the outcome
    const { server } = await serve({ realtime: { heartbeatIntervalMs: 3_600_000 } })
    const alive = await openFeed(`${server.url}/api/v1/realtime/ws`)
    const dead = await openFeed(`${server.url}/api/v1/realtime/ws`)
    await Promise.all([alive.next(m => m.type === 'welcome'), dead.next(m => m.type === 'welcome')])
    // a frozen client: it reads nothing, so it answers no ping
    ;(dead.ws as any)._socket.pause()
    // an application round trip after a ping: frames are ordered, so once the server has
    // answered it, it has also read the client's pong to that ping
    const isPong = (m: any): boolean => m.type === 'pong'
    const pingAnswered = async (): Promise<void> => {
      const before = alive.messages.filter(isPong).length
      alive.send({ type: 'ping' })
      await waitFor(() => alive.messages.filter(isPong).length > before, 'the pong of a ping round trip', 10_000)
    }
    const clientsAfterRound: number[] = []
    for (let round = 0; round < 3; round++) {
      server.hub.heartbeat()
      clientsAfterRound.push(server.hub.stats().clients)
      await pingAnswered()
    }
    // round 1 closed the client that did not answer round 0; the answering one stays
    expect(clientsAfterRound).toEqual([2, 1, 1])
    expect(server.hub.stats()).toMatchObject({ clients: 1, slow_disconnects: 0 })
    await alive.close()
  })

  it('bounds a client that does not read: drops its messages, then disconnects it; others get everything', async () => {
    const maxBufferedBytes = 64 * 1024
    const { server, node } = await serve({ realtime: { maxBufferedBytes, slowClientTimeoutMs: 200, heartbeatIntervalMs: 60_000 } })
    const slow = await openFeed(`${server.url}/api/v1/realtime/ws?channels=events`)
    const fast = await openFeed(`${server.url}/api/v1/realtime/ws?channels=events`)
    await slow.next(m => m.type === 'welcome')
    // stop reading: the server's send buffer for this client fills up
    ;(slow.ws as any)._socket.pause()

    const payload = 'x'.repeat(16 * 1024)
    const n = 400 // 6.4 MB in total, far above what loopback socket buffers hold
    let maxBuffered = 0
    for (let i = 0; i < n; i++) {
      node.events.emitEvent('system', 'flood', { i, payload })
      maxBuffered = Math.max(maxBuffered, ...server.hub.bufferedAmounts())
      // let the fast client (same process) read
      await new Promise(resolve => setImmediate(resolve))
    }
    // memory held for the slow client never exceeds the bound plus one message
    expect(maxBuffered).toBeLessThanOrEqual(maxBufferedBytes + payload.length + 1024)
    const afterFlood = server.hub.stats()
    expect(afterFlood.messages_dropped).toBeGreaterThan(0)

    // still over the limit after slowClientTimeoutMs: the next message disconnects it
    await new Promise(resolve => setTimeout(resolve, 300))
    node.events.emitEvent('system', 'flood', { i: n, payload })
    await waitFor(() => server.hub.stats().slow_disconnects === 1, 'slow client disconnected')
    await waitFor(() => fast.messages.filter(m => m.data?.type === 'flood').length === n + 1, 'fast client got every message', 20_000)
    expect(server.hub.stats().clients).toBe(1)
    await fast.close()
  })
})
