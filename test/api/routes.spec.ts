import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../utils/mesh.ts'
import { api, openFeed, peerIdOf as id, startApiLine, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('mesh health, topology, routes and routed send (line A - B - C)', () => {
  let a: ApiNode
  let b: ApiNode
  let c: ApiNode

  beforeAll(async () => {
    [a, b, c] = await startApiLine(3)
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/mesh/routes/${id(c)}`)).status === 200, 'a route from A to C', 20_000, 200)
  })
  afterAll(async () => { await stopAll() })

  it('routes: A reaches C through B; listed with hop count, latency and reliability', async () => {
    const r = await api(a.url, 'GET', `/api/v1/mesh/routes/${id(c)}`)
    expect(r.body).toMatchObject({ target: id(c), next_hop: id(b), hop_count: 2, path: [id(a), id(b), id(c)], complete: true })
    expect(r.body.reliability).toBeGreaterThan(0)
    expect(r.body.reliability).toBeLessThanOrEqual(1)
    expect(r.body.total_latency_ms).toBeGreaterThanOrEqual(0)

    // on a loaded machine a late probe can withdraw a route for a moment: wait for both
    let all = await api(a.url, 'GET', '/api/v1/mesh/routes')
    await waitFor(async () => {
      all = await api(a.url, 'GET', '/api/v1/mesh/routes')
      return all.body.items.length === 2
    }, 'routes to B and C', 10_000, 100)
    expect(all.body.items.map((x: any) => x.target).sort()).toEqual([id(b), id(c)].sort())
    const paged = await api(a.url, 'GET', '/api/v1/mesh/routes?limit=1')
    expect(paged.body.items).toHaveLength(1)
    const rest = await api(a.url, 'GET', `/api/v1/mesh/routes?limit=1&cursor=${paged.body.next_cursor as string}`)
    expect(rest.body.items[0].target).not.toBe(paged.body.items[0].target)
    expect(rest.body.next_cursor).toBeNull()
  })

  it('topology lists the three nodes and the two links', async () => {
    const t = await api(a.url, 'GET', '/api/v1/mesh/topology')
    expect(t.status).toBe(200)
    expect(t.body.self).toBe(id(a))
    const zones = Object.fromEntries(t.body.nodes.map((n: any) => [n.peer_id, n.zone]))
    expect(zones).toMatchObject({ [id(a)]: 'self', [id(b)]: 'neighbour', [id(c)]: 'near' })
    const links = t.body.links.map((l: any) => [l.from, l.to].sort().join('|'))
    expect(links).toEqual(expect.arrayContaining([[id(a), id(b)].sort().join('|'), [id(b), id(c)].sort().join('|')]))
  })

  it('health of direct peers; peers carry link measurements', async () => {
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/mesh/health/${id(b)}`)).body.rtt_ms != null, 'a first probe of B', 20_000, 200)
    const h = await api(a.url, 'GET', `/api/v1/mesh/health/${id(b)}`)
    expect(h.body).toMatchObject({ peer_id: id(b), status: 'connected' })
    expect(h.body.health).toBeGreaterThan(0)
    expect(h.body.health).toBeLessThanOrEqual(1)
    expect(Object.keys(h.body.components).length).toBeGreaterThan(0)
    const list = await api(a.url, 'GET', '/api/v1/mesh/health')
    expect(list.body.items.map((x: any) => x.peer_id)).toEqual([id(b)])
    // C is not a direct peer of A
    expect((await api(a.url, 'GET', `/api/v1/mesh/health/${id(c)}`)).status).toBe(404)

    const peers = await api(a.url, 'GET', '/api/v1/mesh/peers')
    expect(peers.body.items[0].link).toMatchObject({ health: expect.any(Number), loss: expect.any(Number) })
    expect(peers.body.items[0].link.bytes_out).toBeGreaterThan(0)
  })

  it('POST /mesh/send delivers to C over B, acknowledged; C shows it in its inbox and live feed', async () => {
    const feed = await openFeed(`${c.url}/api/v1/realtime/ws?channels=mesh`)
    const sent = await api(a.url, 'POST', '/api/v1/mesh/send', { target: id(c), payload: 'hello over two hops' })
    expect(sent.status).toBe(200)
    expect(sent.body).toMatchObject({ target: id(c), path: [id(a), id(b), id(c)], hops: 2, direct: false, attempts: 1 })
    const inbox = await api(c.url, 'GET', `/api/v1/mesh/messages?from=${id(a)}`)
    expect(inbox.body.items).toHaveLength(1)
    expect(inbox.body.items[0]).toMatchObject({ id: sent.body.id, from: id(a), payload: 'hello over two hops', encoding: 'utf8', hops: 2 })
    const live = await feed.next(m => m.type === 'event' && m.data.type === 'message')
    expect(live.data.data.payload).toBe('hello over two hops')
    await feed.close()
  })

  it('bad sends are 400 naming the field; an unreachable target is 404', async () => {
    const cases: Array<[unknown, string]> = [
      [{ payload: 'x' }, 'target'],
      [{ target: id(c) }, 'payload'],
      [{ target: 'not-a-peer', payload: 'x' }, 'target'],
      [{ target: id(a), payload: 'to myself' }, 'target'],
      [{ target: id(c), payload: 7 }, 'payload'],
      [{ target: id(c), payload: 'x'.repeat(64 * 1024 + 1) }, 'payload'],
      [{ target: id(c), payload: 'é'.repeat(40_000) }, 'payload'],
      [{ target: id(c), payload: 'x', via: id(b) }, 'via']
    ]
    const before = (await api(c.url, 'GET', '/api/v1/mesh/messages')).body.items.length
    for (const [body, field] of cases) {
      const r = await api(a.url, 'POST', '/api/v1/mesh/send', body)
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(r.body.field, JSON.stringify(body).slice(0, 80)).toBe(field)
    }
    expect((await api(c.url, 'GET', '/api/v1/mesh/messages')).body.items.length).toBe(before)

    const stranger = await startApiNode()
    const r = await api(a.url, 'POST', '/api/v1/mesh/send', { target: id(stranger), payload: 'anyone?', timeout_ms: 2000 })
    expect(r.status).toBe(404)
    expect(r.body.message).toMatch(/no route/)
    expect((await api(a.url, 'GET', `/api/v1/mesh/routes/${id(stranger)}`)).status).toBe(404)
  })

  it('metrics include routes and peer health series', async () => {
    const text = await (await fetch(a.url + '/metrics')).text()
    expect(text).toMatch(/^liberation_routes 2$/m)
    expect(text).toMatch(new RegExp(`^liberation_peer_health\\{peer="${id(b)}"\\} (0|1|0\\.\\d+)$`, 'm'))
    expect(text).toMatch(/^liberation_routing_messages\{outcome="sent"\} [1-9]/m)
  })
})
