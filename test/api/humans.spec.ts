import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../utils/mesh.ts'
import { api, openFeed, peerIdOf, startApiLine, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('humans and distribution routes (the ledger)', () => {
  let a: ApiNode
  let b: ApiNode
  beforeAll(async () => {
    [a, b] = await startApiLine(2)
  })
  afterAll(async () => { await stopAll() })

  const stats = async (n: ApiNode): Promise<any> => (await api(n.url, 'GET', '/api/v1/stats')).body

  it('registers humans (HumanCreate), gets and lists them with cursor pagination', async () => {
    const alice = await api(a.url, 'POST', '/api/v1/humans', { id: 'alice' })
    expect(alice.status).toBe(201)
    expect(alice.body).toMatchObject({
      id: 'alice',
      weekly_flow: '800.00',
      housing_credit: '104000.00',
      investment_pool: '104000.00',
      status: 'active',
      registered_by: peerIdOf(a),
      total_received: '0.00',
      last_distribution: null
    })
    const bob = await api(a.url, 'POST', '/api/v1/humans', { id: 'bob', weekly_flow: '650.5', housing_credit: 1000, investment_pool: '0' })
    expect(bob.status).toBe(201)
    expect(bob.body).toMatchObject({ weekly_flow: '650.50', housing_credit: '1000.00', investment_pool: '0.00' })
    expect((await api(a.url, 'POST', '/api/v1/humans', { id: 'carol', status: 'inactive' })).body.status).toBe('inactive')

    const got = await api(a.url, 'GET', '/api/v1/humans/bob')
    expect(got.body).toEqual(bob.body)
    const page1 = await api(a.url, 'GET', '/api/v1/humans?limit=2')
    expect(page1.body.items.map((h: any) => h.id)).toEqual(['alice', 'bob'])
    const page2 = await api(a.url, 'GET', `/api/v1/humans?limit=2&cursor=${page1.body.next_cursor as string}`)
    expect(page2.body.items.map((h: any) => h.id)).toEqual(['carol'])
    expect(page2.body.next_cursor).toBeNull()
    expect((await api(a.url, 'GET', '/api/v1/humans?status=inactive')).body.items.map((h: any) => h.id)).toEqual(['carol'])

    expect(await stats(a)).toMatchObject({ total_humans: 3, active_humans: 2, total_distributed: '0.00' })
    // registering twice is a conflict
    expect((await api(a.url, 'POST', '/api/v1/humans', { id: 'alice' })).status).toBe(409)
  })

  it('distributes once per week (DistributionRequest), exact to the cent, and lists the history', async () => {
    const feed = await openFeed(`${a.url}/api/v1/realtime/ws?channels=resources`)
    const r = await api(a.url, 'POST', '/api/v1/distribute', {})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ paid: 2, total: '1450.50', skipped: { already_paid: 0, inactive: 1, zero_flow: 0 }, remaining_wealth: '18999999998549.50' })
    expect(r.body.payments.map((p: any) => [p.human_id, p.amount])).toEqual([['alice', '800.00'], ['bob', '650.50']])
    await feed.next(m => m.type === 'event' && m.data.type === 'ledger:distribution-completed')
    await feed.close()

    const again = await api(a.url, 'POST', '/api/v1/distribute', {})
    expect(again.body).toMatchObject({ paid: 0, total: '0.00', skipped: { already_paid: 2 } })
    // an empty request body is a distribution to everyone too
    const noBody = await fetch(a.url + '/api/v1/distribute', { method: 'POST' })
    expect(noBody.status).toBe(200)

    const s = await stats(a)
    expect(s).toMatchObject({ total_distributed: '1450.50', distributed_this_week: '1450.50', payments_this_week: 2, remaining_wealth: '18999999998549.50', average_per_human: '483.50' })
    const hist = await api(a.url, 'GET', '/api/v1/distribution/history')
    expect(hist.body.items.map((t: any) => [t.human_id, t.amount, t.type, t.status])).toEqual([
      ['alice', '800.00', 'weekly_flow', 'completed'], ['bob', '650.50', 'weekly_flow', 'completed']
    ])
    expect(hist.body.items[0].week).toBe(s.week)
    const aliceOnly = await api(a.url, 'GET', '/api/v1/distribution/history?human_id=alice&limit=1')
    expect(aliceOnly.body.items).toHaveLength(1)
    expect((await api(a.url, 'GET', '/api/v1/humans/alice')).body).toMatchObject({ total_received: '800.00', payments: 1, last_distribution_week: s.week })
  })

  it('another node of the mesh converges to the same humans and figures', async () => {
    await waitFor(async () => (await stats(b)).total_distributed === '1450.50', 'b converged', 20_000, 100)
    expect((await api(b.url, 'GET', '/api/v1/humans?limit=1000')).body.items.map((h: any) => h.id)).toEqual(['alice', 'bob', 'carol'])
    // only a registrar may change a human's status
    const denied = await api(b.url, 'DELETE', '/api/v1/humans/alice')
    expect(denied.status).toBe(403)
    expect((await api(b.url, 'GET', '/api/v1/humans/alice')).body.status).toBe('active')
  })

  it('the average per human is rounded to the cent, not cut (#10)', async () => {
    const n = await startApiNode()
    for (const id of ['r1', 'r2', 'r3']) { expect((await api(n.url, 'POST', '/api/v1/humans', { id })).status).toBe(201) }
    for (const id of ['r2', 'r3']) { expect((await api(n.url, 'DELETE', `/api/v1/humans/${id}`)).status).toBe(200) }
    expect((await api(n.url, 'POST', '/api/v1/distribute', {})).body).toMatchObject({ paid: 1, total: '800.00' })
    // 800.00 over 3 humans is 266.666…: 266.67, where cutting gave 266.66
    expect((await stats(n)).average_per_human).toBe('266.67')
  })

  it('deactivates and activates again; unknown ids are 404', async () => {
    const off = await api(a.url, 'DELETE', '/api/v1/humans/bob')
    expect(off.status).toBe(200)
    expect(off.body.status).toBe('inactive')
    expect((await api(a.url, 'POST', '/api/v1/humans/bob/activate')).body.status).toBe('active')
    expect((await api(a.url, 'GET', '/api/v1/humans/nobody')).status).toBe(404)
    expect((await api(a.url, 'DELETE', '/api/v1/humans/nobody')).status).toBe(404)
    expect((await api(a.url, 'POST', '/api/v1/humans/nobody/activate')).status).toBe(404)
    expect((await api(a.url, 'GET', '/api/v1/humans/bad%20id')).status).toBe(400)
  })

  it('bad registrations are 400 naming the field and change nothing', async () => {
    const before = JSON.stringify(await stats(a))
    const cases: Array<[unknown, string]> = [
      [{}, 'id'],
      [{ id: 42 }, 'id'],
      [{ id: '' }, 'id'],
      [{ id: 'has space' }, 'id'],
      [{ id: 'x'.repeat(129) }, 'id'],
      [{ id: 'dave', weekly_flow: -800 }, 'weekly_flow'],
      [{ id: 'dave', weekly_flow: '-800.00' }, 'weekly_flow'],
      [{ id: 'dave', weekly_flow: 'lots' }, 'weekly_flow'],
      [{ id: 'dave', weekly_flow: 800.125 }, 'weekly_flow'],
      [{ id: 'dave', weekly_flow: '800.125' }, 'weekly_flow'],
      [{ id: 'dave', housing_credit: '99999999999999.00' }, 'housing_credit'],
      [{ id: 'dave', investment_pool: true }, 'investment_pool'],
      [{ id: 'dave', status: 'retired' }, 'status'],
      [{ id: 'dave', verified: true }, 'verified']
    ]
    for (const [body, field] of cases) {
      const r = await api(a.url, 'POST', '/api/v1/humans', body)
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(r.body.field, JSON.stringify(body).slice(0, 80)).toBe(field)
      expect(r.body.message).toContain(field)
    }
    // a body over the API's size limit is refused before it is even parsed
    const huge = await api(a.url, 'POST', '/api/v1/humans', { id: 'dave', note: 'x'.repeat(300 * 1024) })
    expect(huge.status).toBe(413)
    expect(huge.body.message).toMatch(/too large/i)
    expect((await api(a.url, 'GET', '/api/v1/humans/dave')).status).toBe(404)
    const after = await stats(a)
    expect(JSON.stringify({ ...after, uptime: 0, ws_clients: 0 })).toBe(JSON.stringify({ ...JSON.parse(before), uptime: 0, ws_clients: 0 }))
  })

  it('bad distributions are refused whole: 400 for bad input or an amount override, 404 for an unknown human', async () => {
    await api(a.url, 'POST', '/api/v1/humans', { id: 'erin' })
    await api(a.url, 'POST', '/api/v1/humans', { id: 'frank' })
    const before = await stats(a)
    const cases: Array<[unknown, string]> = [
      [{ human_ids: 'erin' }, 'human_ids'],
      [{ human_ids: [] }, 'human_ids'],
      [{ human_ids: ['erin', 'erin'] }, 'human_ids'],
      [{ human_ids: ['bad id'] }, 'human_ids[0]'],
      [{ amount_override: -1 }, 'amount_override'],
      [{ amount_override: '-1.00' }, 'amount_override'],
      [{ amount_override: 'free money' }, 'amount_override'],
      [{ amount_override: 0 }, 'amount_override'],
      // a payment's amount is the human's weekly flow: no override, however well-formed
      [{ amount_override: '12.50' }, 'amount_override'],
      [{ everyone: true }, 'everyone']
    ]
    for (const [body, field] of cases) {
      const r = await api(a.url, 'POST', '/api/v1/distribute', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.field, JSON.stringify(body)).toBe(field)
    }
    const unknown = await api(a.url, 'POST', '/api/v1/distribute', { human_ids: ['erin', 'nobody'] })
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toMatch(/nobody/)
    const override = await api(a.url, 'POST', '/api/v1/distribute', { human_ids: ['erin', 'frank'], amount_override: '9999999999999.99' })
    expect(override.status).toBe(400)
    expect(override.body.message).toMatch(/weekly flow/)
    expect(await stats(a)).toMatchObject({ total_distributed: before.total_distributed, payments_this_week: before.payments_this_week })
    expect((await api(a.url, 'GET', '/api/v1/humans/erin')).body.payments).toBe(0)
    expect((await api(a.url, 'GET', '/api/v1/humans/frank')).body.payments).toBe(0)

    // a list pays just those, at their flow
    const ok = await api(a.url, 'POST', '/api/v1/distribute', { human_ids: ['erin'] })
    expect(ok.body).toMatchObject({ paid: 1, total: '800.00', payments: [{ human_id: 'erin', registrar: peerIdOf(a), amount: '800.00' }] })
    for (const q of ['week=2026-47', 'limit=0', 'limit=1001', 'human_id=bad%20id']) {
      expect((await api(a.url, 'GET', `/api/v1/distribution/history?${q}`)).status, q).toBe(400)
    }
  })
})
