import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../utils/mesh.ts'
import { api, connectApiNodes, peerIdOf, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('mesh routes', () => {
  let a: ApiNode
  let b: ApiNode
  let c: ApiNode
  beforeAll(async () => {
    [a, b, c] = await Promise.all([startApiNode(), startApiNode(), startApiNode()])
    await connectApiNodes(a, b)
    await connectApiNodes(a, c)
    await waitFor(() => a.runtime.node.libp2p.getPeers().length === 2, 'a connected to b and c')
  })
  afterAll(async () => { await stopAll() })

  it('lists connected peers with their connections, paginated by peer id', async () => {
    const ids = [b, c].map(peerIdOf).sort()
    const first = await api(a.url, 'GET', '/api/v1/mesh/peers?limit=1')
    expect(first.status).toBe(200)
    expect(first.body.items.map((p: any) => p.peer_id)).toEqual([ids[0]])
    expect(first.body.next_cursor).not.toBeNull()
    const second = await api(a.url, 'GET', `/api/v1/mesh/peers?limit=1&cursor=${first.body.next_cursor as string}`)
    expect(second.body.items.map((p: any) => p.peer_id)).toEqual([ids[1]])
    expect(second.body.next_cursor).toBeNull()

    const peer = first.body.items[0]
    expect(peer).toMatchObject({ status: 'connected', connection_count: 1 })
    expect(peer.connections[0].remote_addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(peer.connections[0].direction).toBe('outbound')
    expect(typeof peer.gossip_score).toBe('number')

    const stats = await api(a.url, 'GET', '/api/v1/stats')
    expect(stats.body).toMatchObject({ peers: 2 })
  })

  it('gets one peer; an unknown peer is 404, a malformed id 400', async () => {
    const id = peerIdOf(b)
    const r = await api(a.url, 'GET', `/api/v1/mesh/peers/${id}`)
    expect(r.status).toBe(200)
    expect(r.body.peer_id).toBe(id)
    expect(r.body.protocols.length).toBeGreaterThan(0)

    const stranger = await startApiNode()
    const unknown = await api(a.url, 'GET', `/api/v1/mesh/peers/${peerIdOf(stranger)}`)
    expect(unknown.status).toBe(404)
    const bad = await api(a.url, 'GET', '/api/v1/mesh/peers/not-a-peer-id')
    expect(bad.status).toBe(400)
    expect(bad.body.field).toBe('peer_id')
  })

  it('a peer that disconnects is still listed as known with include_known', async () => {
    await a.runtime.node.libp2p.hangUp(c.runtime.node.libp2p.peerId)
    await waitFor(() => a.runtime.node.libp2p.getPeers().length === 1, 'c disconnected')
    const connected = await api(a.url, 'GET', '/api/v1/mesh/peers')
    expect(connected.body.items).toHaveLength(1)
    const known = await api(a.url, 'GET', '/api/v1/mesh/peers?include_known=true')
    const cId = peerIdOf(c)
    expect(known.body.items.find((p: any) => p.peer_id === cId)).toMatchObject({ status: 'known', connection_count: 0 })
  })
})
