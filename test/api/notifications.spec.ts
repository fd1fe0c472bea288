import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { api, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('notifications over the API', () => {
  let n: ApiNode
  beforeAll(async () => { n = await startApiNode() })
  afterAll(async () => { await stopAll() })

  const count = async (): Promise<number> => (await api(n.url, 'GET', '/api/v1/notifications?include_dismissed=true&limit=500')).body.items.length

  it('send (broadcast and targeted), list newest first, get, read, dismiss, stats', async () => {
    const a = await api(n.url, 'POST', '/api/v1/notifications', { type: 'system_alert', priority: 'emergency', title: 'Flood', message: 'move to high ground' })
    expect(a.status).toBe(201)
    expect(a.body).toMatchObject({ type: 'system_alert', priority: 'emergency', title: 'Flood', recipient: null, read: false, dismissed: false, expires_at: null })
    const b = await api(n.url, 'POST', '/api/v1/notifications', { type: 'user_action', title: 'for alice', recipient: 'alice', ttl_seconds: 3600, data: { k: 1 } })
    expect(b.status).toBe(201)
    expect(b.body.expires_at - b.body.created_at).toBe(3_600_000)
    const c = await api(n.url, 'POST', '/api/v1/notifications', { type: 'user_action', title: 'for bob', recipient: 'bob', priority: 'low' })
    expect(c.body.priority).toBe('low')

    const all = await api(n.url, 'GET', '/api/v1/notifications')
    expect(all.body.items.map((x: any) => x.title)).toEqual(['for bob', 'for alice', 'Flood'])
    const alice = await api(n.url, 'GET', '/api/v1/notifications?recipient=alice')
    expect(alice.body.items.map((x: any) => x.title)).toEqual(['for alice', 'Flood'])
    const urgent = await api(n.url, 'GET', '/api/v1/notifications?min_priority=high')
    expect(urgent.body.items.map((x: any) => x.title)).toEqual(['Flood'])

    const got = await api(n.url, 'GET', `/api/v1/notifications/${b.body.id as string}`)
    expect(got.body).toEqual(b.body)

    const read = await api(n.url, 'POST', `/api/v1/notifications/${b.body.id as string}/read`)
    expect(read.status).toBe(200)
    expect(read.body.read).toBe(true)
    const unread = await api(n.url, 'GET', '/api/v1/notifications?unread=true')
    expect(unread.body.items.map((x: any) => x.title)).toEqual(['for bob', 'Flood'])

    const dismissed = await api(n.url, 'DELETE', `/api/v1/notifications/${c.body.id as string}`)
    expect(dismissed.body.dismissed).toBe(true)
    const after = await api(n.url, 'GET', '/api/v1/notifications')
    expect(after.body.items.map((x: any) => x.title)).toEqual(['for alice', 'Flood'])

    const stats = await api(n.url, 'GET', '/api/v1/notifications/stats')
    expect(stats.body).toMatchObject({ total: 2, unread: 1 })
    expect(stats.body.by_priority.emergency).toBe(1)
  })

  it('paginates with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await api(n.url, 'POST', '/api/v1/notifications', { type: 'mesh_change', title: `page ${i}` })
    }
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: any = await api(n.url, 'GET', `/api/v1/notifications?type=mesh_change&limit=2${cursor != null ? `&cursor=${cursor}` : ''}`)
      seen.push(...r.body.items.map((x: any) => x.title))
      cursor = r.body.next_cursor
      pages++
    } while (cursor != null && pages < 10)
    expect(seen).toEqual(['page 4', 'page 3', 'page 2', 'page 1', 'page 0'])
    expect(pages).toBe(3)
  })

  it('bad input is 400 naming the field and stores nothing', async () => {
    const before = await count()
    const cases: Array<[unknown, string]> = [
      [{ title: 'no type' }, 'type'],
      [{ type: 'system_alert' }, 'title'],
      [{ type: 'nonsense', title: 'x' }, 'type'],
      [{ type: 'system_alert', title: 42 }, 'title'],
      [{ type: 'system_alert', title: 'x', priority: 'urgent' }, 'priority'],
      [{ type: 'system_alert', title: 'x'.repeat(201) }, 'title'],
      [{ type: 'system_alert', title: 'x', message: 'm'.repeat(2001) }, 'message'],
      [{ type: 'system_alert', title: 'x', ttl_seconds: -5 }, 'ttl_seconds'],
      [{ type: 'system_alert', title: 'x', ttl_seconds: '60' }, 'ttl_seconds'],
      [{ type: 'system_alert', title: 'x', admin: true }, 'admin'],
      [[1, 2], 'body']
    ]
    for (const [body, field] of cases) {
      const r = await api(n.url, 'POST', '/api/v1/notifications', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.field, JSON.stringify(body)).toBe(field)
      expect(r.body.message).toContain(field)
    }
    const notJson = await api(n.url, 'POST', '/api/v1/notifications', '{"type": ')
    expect(notJson.status).toBe(400)
    expect(await count()).toBe(before)
  })

  it('unknown ids are 404, malformed ids 400', async () => {
    const unknown = 'f'.repeat(26)
    expect((await api(n.url, 'GET', `/api/v1/notifications/${unknown}`)).status).toBe(404)
    expect((await api(n.url, 'POST', `/api/v1/notifications/${unknown}/read`)).status).toBe(404)
    expect((await api(n.url, 'DELETE', `/api/v1/notifications/${unknown}`)).status).toBe(404)
    const bad = await api(n.url, 'GET', '/api/v1/notifications/not-an-id')
    expect(bad.status).toBe(400)
    expect(bad.body.field).toBe('id')
  })
})

describe('notification service', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('expires notifications, survives a restart, and evicts the oldest beyond its bound', async () => {
    let now = 1_000_000
    const first = await mesh.add({ init: { notifications: { now: () => now, maxStored: 3 } } })
    const svc = first.node.notifications
    const short = await svc.send({ type: 'system_alert', title: 'short', ttlMs: 1000 })
    await svc.send({ type: 'system_alert', title: 'long', ttlMs: 60_000 })
    now += 2000
    expect(svc.get(short.id)).toBeUndefined()
    expect(svc.list().items.map(x => x.title)).toEqual(['long'])
    expect(await svc.cleanup()).toBe(1)

    await svc.send({ type: 'user_action', title: 'a' })
    await svc.send({ type: 'user_action', title: 'b' })
    await svc.send({ type: 'user_action', title: 'c' })
    // bound of 3: 'long' (the oldest) is gone
    expect(svc.list().items.map(x => x.title)).toEqual(['c', 'b', 'a'])
    await svc.markRead(svc.list().items[0].id)
    await first.stop()

    const again = await mesh.add({ dataDir: first.dataDir, init: { notifications: { now: () => now, maxStored: 3 } } })
    const items = again.node.notifications.list().items
    expect(items.map(x => x.title)).toEqual(['c', 'b', 'a'])
    expect(items[0].read).toBe(true)
  })

  it('turns service events into notifications by rule, and emits its own events', async () => {
    const { node } = await mesh.add()
    node.events.emitEvent('resources', 'distribution:completed', { count: 3, amount: '2400.00' }, 'corr-rule')
    await waitFor(() => node.notifications.list().items.length === 1, 'rule notification')
    const [n] = node.notifications.list().items
    expect(n).toMatchObject({ type: 'resource_distribution', priority: 'medium', correlation_id: 'corr-rule' })
    expect(n.expires_at).not.toBeNull()
    expect(node.events.history({ category: 'notifications' }).map(e => e.type)).toEqual(['notification:created'])
    // an ordinary truth message is no notification, an urgent one is
    node.events.emitEvent('truth', 'message', { priority: 3, content: 'x' })
    node.events.emitEvent('truth', 'message', { priority: 5, content: 'urgent' })
    await waitFor(() => node.notifications.list().items.length === 2, 'urgent truth notification')
    expect(node.notifications.list().items[0]).toMatchObject({ type: 'truth_update', priority: 'high', message: 'urgent' })
  })

  it('refuses bad input with the field named', async () => {
    const { node } = await mesh.add()
    await expect(node.notifications.send({ type: 'bogus' as any, title: 'x' })).rejects.toThrow(/^type:/)
    await expect(node.notifications.send({ type: 'system_alert', title: '' })).rejects.toThrow(/^title:/)
    await expect(node.notifications.send({ type: 'system_alert', title: 'x', priority: 'meh' as any })).rejects.toThrow(/^priority:/)
    expect(node.notifications.list().items).toHaveLength(0)
  })
})
