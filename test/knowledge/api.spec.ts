/**
 * The knowledge routes over real HTTP on two real nodes: write, get, versions, list with
 * filters, search with snippets, related, rate, edit and retract (the author only), the
 * `knowledge` WebSocket channel, stats and Prometheus series; bad input gets a clear
 * error and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KNOWLEDGE_TOPIC } from '../../protocol/knowledge/index.ts'
import { api, openFeed, startApiNode, stopAll } from '../api/utils.ts'
import { waitFor } from '../utils/mesh.ts'
import type { ApiNode } from '../api/utils.ts'

describe('knowledge routes', () => {
  let a: ApiNode
  let b: ApiNode
  beforeAll(async () => {
    [a, b] = await Promise.all([startApiNode(), startApiNode()])
    await a.runtime.node.libp2p.dial(b.runtime.node.libp2p.getMultiaddrs()[0])
    const bId = b.runtime.node.libp2p.peerId.toString()
    await waitFor(() => a.runtime.node.libp2p.services.pubsub.getSubscribers(KNOWLEDGE_TOPIC).some(p => p.toString() === bId), 'b subscribed, seen by a')
  }, 30_000)
  afterAll(async () => { await stopAll() })

  it('writes, reads, searches, rates, edits and retracts across two nodes', async () => {
    const feed = await openFeed(`${b.url}/api/v1/realtime/ws`)
    feed.send({ type: 'subscribe', channel: 'knowledge' })
    await feed.next(m => m.type === 'subscribed')

    const posted = await api(a.url, 'POST', '/api/v1/knowledge', { title: 'Healing a partitioned relay', content: '## Steps\n1. Restart the **relay**\n2. Re-dial peers <script>x</script>', type: 'technical', tags: ['relay', 'mesh'], confidence: 0.9 })
    expect(posted.status).toBe(201)
    const id = posted.body.id as string
    expect(posted.body).toMatchObject({ title: 'Healing a partitioned relay', type: 'technical', tags: ['relay', 'mesh'], confidence: 0.9, version: 1, versions: 1, retracted: false, rating: { mean: null, count: 0 }, author: a.runtime.node.libp2p.peerId.toString() })
    const ev = await feed.next(m => m.type === 'event' && m.data.type === 'entry' && m.data.data.id === id)
    expect(ev.channel).toBe('knowledge')
    await api(a.url, 'POST', '/api/v1/knowledge', { title: 'Weekly flow batching', content: 'Batch the ledger writes per week.', type: 'optimization', tags: ['ledger'] })

    await waitFor(async () => (await api(b.url, 'GET', `/api/v1/knowledge/${id}`)).status === 200, 'entry on b')
    const search = await api(b.url, 'GET', '/api/v1/knowledge/search?q=relay')
    expect(search.status).toBe(200)
    expect(search.body.items[0].entry.id).toBe(id)
    expect(search.body.items[0].snippet).toContain('<mark>relay</mark>')
    // the content's markup comes back escaped in the snippet
    const scriptHit = await api(b.url, 'GET', '/api/v1/knowledge/search?q=peers')
    expect(scriptHit.body.items[0].snippet).toContain('&lt;script&gt;')
    expect((await api(b.url, 'GET', '/api/v1/knowledge/search?q=relay&type=optimization')).body.total).toBe(0)
    expect((await api(b.url, 'GET', '/api/v1/knowledge?tag=ledger')).body.items.map((e: any) => e.title)).toEqual(['Weekly flow batching'])
    expect((await api(b.url, 'GET', `/api/v1/knowledge?author=${a.runtime.node.libp2p.peerId.toString()}`)).body.total).toBe(2)

    // ratings: b rates twice, its latest counts; a rates once
    expect((await api(b.url, 'POST', `/api/v1/knowledge/${id}/rating`, { score: 2 })).body.rating).toEqual({ mean: 2, count: 1 })
    expect((await api(b.url, 'POST', `/api/v1/knowledge/${id}/rating`, { score: 5 })).body.rating).toEqual({ mean: 5, count: 1 })
    await api(a.url, 'POST', `/api/v1/knowledge/${id}/rating`, { score: 4 })
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/knowledge/${id}`)).body.rating.count === 2, 'both ratings on a')
    expect((await api(a.url, 'GET', `/api/v1/knowledge/${id}`)).body.rating).toEqual({ mean: 4.5, count: 2 })

    // only the author edits or retracts
    const foreignEdit = await api(b.url, 'PATCH', `/api/v1/knowledge/${id}`, { content: 'hijack' })
    expect(foreignEdit.status).toBe(403)
    expect(foreignEdit.body.message).toMatch(/only the author/)
    expect((await api(b.url, 'POST', `/api/v1/knowledge/${id}/retract`)).status).toBe(403)
    const edited = await api(a.url, 'PATCH', `/api/v1/knowledge/${id}`, { content: 'Restart the relay, then re-dial.' })
    expect(edited.body).toMatchObject({ version: 2, versions: 2, title: 'Healing a partitioned relay', type: 'technical', tags: ['relay', 'mesh'] })
    await waitFor(async () => (await api(b.url, 'GET', `/api/v1/knowledge/${id}/versions`)).body.items?.length === 2, 'both versions on b')
    const versions = (await api(b.url, 'GET', `/api/v1/knowledge/${id}/versions`)).body.items
    expect(versions.map((v: any) => v.version)).toEqual([1, 2])
    expect(versions[0].content).toContain('Re-dial peers')
    const related = await api(a.url, 'GET', `/api/v1/knowledge/${id}/related`)
    expect(related.status).toBe(200)
    expect(related.body.items.every((h: any) => h.entry.id !== id)).toBe(true)

    const retracted = await api(a.url, 'POST', `/api/v1/knowledge/${id}/retract`)
    expect(retracted.body.retracted).toBe(true)
    await waitFor(async () => (await api(b.url, 'GET', `/api/v1/knowledge/${id}`)).body.retracted === true, 'retraction on b')
    expect((await api(b.url, 'GET', '/api/v1/knowledge/search?q=relay')).body.total).toBe(0)
    expect((await api(b.url, 'POST', `/api/v1/knowledge/${id}/rating`, { score: 1 })).status).toBe(409)

    const stats = (await api(b.url, 'GET', '/api/v1/stats')).body
    expect(stats).toMatchObject({ knowledge_entries: 1, knowledge_retracted: 1, knowledge_by_type: { optimization: 1 } })
    const metrics = await fetch(`${b.url}/metrics`).then(async r => r.text())
    expect(metrics).toMatch(/liberation_knowledge_entries\{type="optimization"\} 1/)
    expect(metrics).toMatch(/liberation_knowledge_records \d+/)
    await feed.close()
  }, 60_000)

  it('refuses bad input with a clear error and stores nothing', async () => {
    const before = a.runtime.node.knowledge.stats().records
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/v1/knowledge', { content: 'no title' }, 400, /title/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'y', type: 'gossip' }, 400, /type/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'y', tags: ['Bad Tag'] }, 400, /tags/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'y', confidence: 2 }, 400, /confidence/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'z'.repeat(40_000) }, 400, /content/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'é'.repeat(17_000) }, 400, /content is 34000 bytes/],
      ['POST', '/api/v1/knowledge', { title: 'x', content: 'y', extra: 1 }, 400, /extra|additional/],
      ['POST', `/api/v1/knowledge/${'0'.repeat(64)}/rating`, { score: 3 }, 404, /no knowledge entry/],
      ['POST', `/api/v1/knowledge/${'0'.repeat(64)}/rating`, { score: 6 }, 400, /score/],
      ['GET', '/api/v1/knowledge/nothex', undefined, 400, /id/],
      ['GET', '/api/v1/knowledge/search', undefined, 400, /q/],
      ['GET', '/api/v1/knowledge?limit=0', undefined, 400, /limit/],
      ['GET', `/api/v1/knowledge/${'0'.repeat(64)}`, undefined, 404, /knowledge entry/]
    ]
    for (const [method, path, body, status, message] of cases) {
      const r = await api(a.url, method, path, body)
      expect(r.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}`).toBe(status)
      expect(r.body.message, `${method} ${path}`).toMatch(message)
    }
    expect(a.runtime.node.knowledge.stats().records).toBe(before)
  })
})
