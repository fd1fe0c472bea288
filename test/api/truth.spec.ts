import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { truthTopic } from '../../protocol/truth/index.ts'
import { waitFor } from '../utils/mesh.ts'
import { api, openFeed, peerIdOf, startApiLine, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('truth routes', () => {
  let a: ApiNode
  let b: ApiNode
  beforeAll(async () => {
    [a, b] = await startApiLine(2)
    await waitFor(() => a.runtime.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).some(p => p.toString() === peerIdOf(b)), 'b subscribed to social, seen by a')
  })
  afterAll(async () => { await stopAll() })

  const count = async (n: ApiNode): Promise<number> => (await api(n.url, 'GET', '/api/v1/stats')).body.truth_messages

  it('a WS client subscribed to truth on one node receives a message posted on another', async () => {
    const feed = await openFeed(`${b.url}/api/v1/realtime/ws`)
    feed.send({ type: 'subscribe', channel: 'truth' })
    await feed.next(m => m.type === 'subscribed')

    const posted = await api(a.url, 'POST', '/api/v1/truth/messages', { content: 'water is free at the square', priority: 4, channels: ['social', 'billboard'], source: 'neighbours' })
    expect(posted.status).toBe(201)
    expect(posted.body).toMatchObject({ content: 'water is free at the square', priority: 4, channels: ['social', 'billboard'], source: 'neighbours', author: peerIdOf(a) })
    expect(posted.body.id).toMatch(/^[0-9a-f]{64}$/)

    const got = await feed.next(m => m.type === 'event' && m.data.type === 'message' && m.data.data.id === posted.body.id)
    expect(got.channel).toBe('truth')
    expect(got.data.data).toMatchObject({ content: 'water is free at the square', author: peerIdOf(a) })
    expect(['gossip', 'sync']).toContain(got.data.data.origin)
    await feed.close()

    // and B serves it
    const onB = await api(b.url, 'GET', `/api/v1/truth/messages/${posted.body.id as string}`)
    expect(onB.status).toBe(200)
    expect(onB.body.signature).toBe(posted.body.signature)
  })

  it('lists newest first with channel filter and cursor pagination; gets by id', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const r = await api(a.url, 'POST', '/api/v1/truth/messages', { content: `media note ${i}`, channels: ['media'] })
      expect(r.status).toBe(201)
      ids.push(r.body.id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: any = await api(a.url, 'GET', `/api/v1/truth/messages?channel=media&limit=2${cursor != null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(r.status).toBe(200)
      seen.push(...r.body.items.map((m: any) => m.id))
      cursor = r.body.next_cursor
      pages++
    } while (cursor != null && pages < 10)
    expect(seen).toEqual([...ids].reverse())
    const asc = await api(a.url, 'GET', '/api/v1/truth/messages?channel=media&order=asc&limit=500')
    expect(asc.body.items.map((m: any) => m.id)).toEqual(ids)

    const one = await api(a.url, 'GET', `/api/v1/truth/messages/${ids[2]}`)
    expect(one.body.content).toBe('media note 2')
    expect(typeof one.body.spread).toBe('number')
  })

  it('channels show subscription, reach and counts; subscribe and leave', async () => {
    const ch = await api(a.url, 'GET', '/api/v1/truth/channels')
    const social = ch.body.items.find((c: any) => c.channel === 'social')
    expect(social).toMatchObject({ subscribed: true, topic: truthTopic('social') })
    expect(social.reach).toBeGreaterThanOrEqual(2)
    expect(ch.body.items.find((c: any) => c.channel === 'media').messages).toBe(5)

    const sub = await api(a.url, 'POST', '/api/v1/truth/channels/local-news/subscribe')
    expect(sub.status).toBe(200)
    expect(sub.body).toMatchObject({ channel: 'local-news', subscribed: true })
    const left = await api(a.url, 'DELETE', '/api/v1/truth/channels/local-news/subscribe')
    expect(left.body).toEqual({ channel: 'local-news', subscribed: false })
    expect((await api(a.url, 'DELETE', '/api/v1/truth/channels/local-news/subscribe')).status).toBe(404)
    expect((await api(a.url, 'POST', '/api/v1/truth/channels/Bad_Name/subscribe')).status).toBe(400)
  })

  it('bad posts are 400 naming the field and store nothing', async () => {
    const before = await count(a)
    const cases: Array<[unknown, string]> = [
      [{}, 'content'],
      [{ content: '' }, 'content'],
      [{ content: 42 }, 'content'],
      [{ content: 'x'.repeat(8193) }, 'content'],
      // within the character limit but over the byte limit: refused by the service
      [{ content: 'é'.repeat(5000) }, 'content'],
      [{ content: 'x', priority: 0 }, 'priority'],
      [{ content: 'x', priority: 6 }, 'priority'],
      [{ content: 'x', priority: -1 }, 'priority'],
      [{ content: 'x', priority: '3' }, 'priority'],
      [{ content: 'x', priority: 2.5 }, 'priority'],
      [{ content: 'x', channels: 'social' }, 'channels'],
      [{ content: 'x', channels: [] }, 'channels'],
      [{ content: 'x', channels: ['Not Valid'] }, 'channels[0]'],
      [{ content: 'x', channels: ['a', 'a'] }, 'channels'],
      [{ content: 'x', source: 's'.repeat(257) }, 'source'],
      [{ content: 'x', author: 'someone else' }, 'author']
    ]
    for (const [body, field] of cases) {
      const r = await api(a.url, 'POST', '/api/v1/truth/messages', body)
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(r.body.field, JSON.stringify(body).slice(0, 80)).toBe(field)
    }
    expect(await count(a)).toBe(before)
    // bad list queries
    for (const q of ['limit=0', 'limit=501', 'since=-1', 'order=sideways', 'channel=NO', 'cursor=%20']) {
      expect((await api(a.url, 'GET', `/api/v1/truth/messages?${q}`)).status, q).toBe(400)
    }
  })

  it('unknown id is 404, malformed id 400', async () => {
    expect((await api(a.url, 'GET', `/api/v1/truth/messages/${'0'.repeat(64)}`)).status).toBe(404)
    const bad = await api(a.url, 'GET', '/api/v1/truth/messages/xyz')
    expect(bad.status).toBe(400)
    expect(bad.body.field).toBe('id')
  })

  it('stats and metrics count truth messages', async () => {
    const stats = await api(a.url, 'GET', '/api/v1/stats')
    expect(stats.body.truth_messages).toBe(6)
    const text = await (await fetch(a.url + '/metrics')).text()
    expect(text).toMatch(/^liberation_truth_messages 6$/m)
    expect(text).toMatch(/^liberation_truth_channel_messages\{channel="media"\} 5$/m)
  })
})
