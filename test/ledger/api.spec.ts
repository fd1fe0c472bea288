/**
 * The ledger's core API on real nodes (memory libp2p + LevelDB): validation and error
 * codes, exact money, the pool, pagination, events, restart, compaction.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LEDGER_EVENTS, LedgerError, isoWeek } from '../../protocol/ledger/index.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import type { MeshEvent } from '../../protocol/events/index.ts'
import type { TestNode } from '../utils/mesh.ts'

let mesh: TestMesh
afterEach(async () => { await mesh?.cleanup() })

async function addNode (ledger: Record<string, unknown> = {}, dataDir?: string): Promise<TestNode> {
  return mesh.add({ dataDir, init: { ledger: { compactIntervalMs: 0, sync: { intervalMs: 1000 }, ...ledger } } })
}

async function rejects (p: Promise<unknown>, code: string, field?: string): Promise<LedgerError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(LedgerError)
  const le = err as LedgerError
  expect(le.code).toBe(code)
  if (field !== undefined) { expect(le.details?.field).toBe(field) }
  return le
}

describe('ledger API', () => {
  it('registers humans with the domain defaults (docs/domain.md) and exact money, and refuses bad input with typed errors', async () => {
    mesh = new TestMesh()
    const { node } = await addNode()
    const before = node.ledger.derivedState()
    const h = await node.ledger.registerHuman({ id: 'human_001' })
    expect(h).toMatchObject({
      id: 'human_001',
      weeklyFlow: '800.00',
      housingCredit: '104000.00',
      investmentPool: '104000.00',
      status: 'active',
      registeredBy: node.libp2p.peerId.toString(),
      registrars: 1,
      lastDistribution: null,
      totalReceived: '0.00',
      payments: 0
    })
    expect(Date.parse(h.createdAt)).toBeGreaterThan(0)
    expect(await node.ledger.registerHuman({ id: 'h2', weeklyFlow: '0.10', housingCredit: 5, investmentPool: 800.5 })).toMatchObject({ weeklyFlow: '0.10', housingCredit: '5.00', investmentPool: '800.50' })
    expect(before).not.toBe(node.ledger.derivedState())

    const state = node.ledger.derivedState()
    await rejects(node.ledger.registerHuman({ id: 'human_001' }), 'conflict')
    await rejects(node.ledger.registerHuman({ id: '' }), 'invalid_input', 'id')
    await rejects(node.ledger.registerHuman({ id: 'has space' }), 'invalid_input', 'id')
    await rejects(node.ledger.registerHuman({ id: 'x'.repeat(129) }), 'invalid_input', 'id')
    await rejects(node.ledger.registerHuman({ id: 'a!b' }), 'invalid_input', 'id')
    await rejects(node.ledger.registerHuman({ id: 'n1', weeklyFlow: '-1.00' }), 'invalid_input', 'weeklyFlow')
    await rejects(node.ledger.registerHuman({ id: 'n2', weeklyFlow: 'abc' }), 'invalid_input', 'weeklyFlow')
    await rejects(node.ledger.registerHuman({ id: 'n3', weeklyFlow: '1.001' }), 'invalid_input', 'weeklyFlow')
    await rejects(node.ledger.registerHuman({ id: 'n4', weeklyFlow: 0.1 + 0.2 }), 'invalid_input', 'weeklyFlow')
    await rejects(node.ledger.registerHuman({ id: 'n5', housingCredit: Number.NaN }), 'invalid_input', 'housingCredit')
    await rejects(node.ledger.registerHuman({ id: 'n6', investmentPool: '99999999999999.00' }), 'invalid_input', 'investmentPool')
    await rejects(node.ledger.registerHuman({ id: 'n7', status: 'gone' as any }), 'invalid_input', 'status')
    await rejects(node.ledger.registerHuman(null as any), 'invalid_input')
    await rejects(node.ledger.getHuman('bad id'), 'invalid_input')
    // nothing stored by any of them
    expect(node.ledger.derivedState()).toBe(state)
    expect(await node.ledger.getHuman('n1')).toBeUndefined()
    const err = await rejects(node.ledger.registerHuman({ id: 'human_001' }), 'conflict')
    expect(err.field).toBeUndefined()
  })

  it('status changes: only registrars may, unknown ids are not found, inactive humans are not paid', async () => {
    mesh = new TestMesh()
    const a = await addNode()
    const b = await addNode()
    await connect(a.node, b.node)
    await a.node.ledger.registerHuman({ id: 'alice' })
    await waitFor(async () => (await b.node.ledger.getHuman('alice')) !== undefined, 'b to learn alice')
    await rejects(b.node.ledger.setStatus('alice', 'inactive'), 'forbidden')
    await rejects(a.node.ledger.setStatus('nobody', 'inactive'), 'not_found')
    await rejects(a.node.ledger.setStatus('alice', 'asleep' as any), 'invalid_input', 'status')
    expect(await a.node.ledger.setStatus('alice', 'inactive')).toMatchObject({ status: 'inactive' })
    await waitFor(async () => (await b.node.ledger.getHuman('alice'))?.status === 'inactive', 'b to see alice inactive')
    expect((await b.node.ledger.stats()).activeHumans).toBe(0)
    expect(await a.node.ledger.setStatus('alice', 'active')).toMatchObject({ status: 'active' })
    expect(await a.node.ledger.setStatus('alice', 'inactive')).toMatchObject({ status: 'inactive' })
    // inactive humans are not paid
    const r = await a.node.ledger.distributeWeekly()
    expect(r).toMatchObject({ paid: 0, skipped: { inactive: 1 } })
  })

  it('distributes once per week at each human\'s flow, honours lists, refuses overrides and what the pool cannot cover', async () => {
    mesh = new TestMesh()
    const { node } = await addNode({ poolTotal: '4000.00' })
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p6']) { await node.ledger.registerHuman({ id }) }
    await node.ledger.registerHuman({ id: 'p5', weeklyFlow: '734.56' })
    await rejects(node.ledger.registerHuman({ id: 'p7', weeklyFlow: '800.01' }), 'invalid_input', 'weeklyFlow')
    await rejects(node.ledger.distributeWeekly({ humanIds: ['p1', 'ghost'] }), 'not_found')
    await rejects(node.ledger.distributeWeekly({ humanIds: 'p1' as any }), 'invalid_input', 'humanIds')
    await rejects(node.ledger.distributeWeekly({ humanIds: ['bad id'] }), 'invalid_input', 'humanIds')
    // a payment's amount is the human's flow, whoever records it
    await rejects(node.ledger.distributeWeekly({ amountOverride: '5.00' }), 'invalid_input', 'amountOverride')
    // 5 x 800 + 734.56 = 4734.56 does not fit in 4000.00
    const state = node.ledger.derivedState()
    const tooMuch = await rejects(node.ledger.distributeWeekly(), 'insufficient_pool')
    expect(tooMuch.details).toMatchObject({ remaining: '4000.00', needed: '4734.56' })
    expect(node.ledger.derivedState()).toBe(state)
    await node.ledger.setStatus('p6', 'inactive')

    const first = await node.ledger.distributeWeekly({ humanIds: ['p1', 'p2'] })
    expect(first).toMatchObject({ week: isoWeek(Date.now()), paid: 2, total: '1600.00', remainingWealth: '2400.00' })
    const rest = await node.ledger.distributeWeekly()
    expect(rest).toMatchObject({ paid: 3, total: '2334.56', skipped: { alreadyPaid: 2, inactive: 1 } })
    expect(await node.ledger.getHuman('p5')).toMatchObject({ totalReceived: '734.56', payments: 1, lastDistributionWeek: isoWeek(Date.now()) })
    expect((await node.ledger.distributeWeekly()).paid).toBe(0)
    const stats = await node.ledger.stats()
    expect(stats).toMatchObject({
      totalHumans: 6,
      activeHumans: 5,
      totalDistributed: '3934.56',
      distributedThisWeek: '3934.56',
      remainingWealth: '65.44',
      averagePerHuman: '655.76',
      poolTotal: '4000.00',
      paymentsThisWeek: 5,
      unfundedPayments: 0
    })
    expect(stats.uptime).toBeGreaterThanOrEqual(0)

    // history: one completed payment per human, cursor pagination
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await node.ledger.history({ cursor, limit: 2 })
      seen.push(...page.items.map(t => `${t.humanId}=${t.amount}:${t.status}`))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    expect(seen).toEqual(['p1=800.00:completed', 'p2=800.00:completed', 'p3=800.00:completed', 'p4=800.00:completed', 'p5=734.56:completed'])
    const mine = await node.ledger.history({ humanId: 'p5' })
    expect(mine.items).toHaveLength(1)
    expect(mine.items[0]).toMatchObject({ type: 'weekly_flow', author: node.libp2p.peerId.toString(), week: isoWeek(Date.now()) })
    await rejects(node.ledger.history({ limit: 0 }), 'invalid_input', 'limit')
    await rejects(node.ledger.history({ week: '2025-W99' }), 'invalid_input', 'week')
    await rejects(node.ledger.history({ cursor: 'nope' }), 'invalid_input', 'cursor')
  })

  it('lists humans in id order with cursors and a status filter', async () => {
    mesh = new TestMesh()
    const { node } = await addNode()
    const ids = Array.from({ length: 25 }, (_, i) => `z-${String(i).padStart(2, '0')}`)
    await Promise.all(ids.map(async id => node.ledger.registerHuman({ id, status: Number(id.slice(2)) % 5 === 0 ? 'inactive' : 'active' })))
    const all: string[] = []
    let cursor: string | undefined
    do {
      const page = await node.ledger.listHumans({ cursor, limit: 7 })
      expect(page.items.length).toBeLessThanOrEqual(7)
      all.push(...page.items.map(h => h.id))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    expect(all).toEqual(ids)
    const inactive = await node.ledger.listHumans({ status: 'inactive', limit: 100 })
    expect(inactive.items.map(h => h.id)).toEqual(['z-00', 'z-05', 'z-10', 'z-15', 'z-20'])
    expect(inactive.nextCursor).toBeUndefined()
    await rejects(node.ledger.listHumans({ limit: 1001 }), 'invalid_input', 'limit')
    await rejects(node.ledger.listHumans({ cursor: '!!' }), 'invalid_input', 'cursor')
  })

  it('emits resources events with the caller\'s correlation id', async () => {
    mesh = new TestMesh()
    const { node } = await addNode()
    const seen: MeshEvent[] = []
    node.events.addEventListener('event', evt => { if (evt.detail.category === 'resources') { seen.push(evt.detail) } })
    await node.ledger.registerHuman({ id: 'ev1' }, { correlationId: 'req-1' })
    await node.ledger.setStatus('ev1', 'inactive', { correlationId: 'req-2' })
    await node.ledger.setStatus('ev1', 'active')
    await node.ledger.distributeWeekly({}, { correlationId: 'req-3' })
    expect(seen.find(e => e.type === LEDGER_EVENTS.humansRegistered)).toMatchObject({ correlationId: 'req-1', data: { count: 1, humans: [{ id: 'ev1', status: 'active' }], local: true } })
    expect(seen.find(e => e.type === LEDGER_EVENTS.statusChanged)).toMatchObject({ correlationId: 'req-2', data: { changes: [{ humanId: 'ev1', status: 'inactive' }] } })
    expect(seen.find(e => e.type === LEDGER_EVENTS.paymentsRecorded)).toMatchObject({ correlationId: 'req-3', data: { count: 1, total: '800.00' } })
    expect(seen.find(e => e.type === LEDGER_EVENTS.distributionCompleted)).toMatchObject({ correlationId: 'req-3', data: { paid: 1, total: '800.00' } })
    expect(node.events.history({ category: 'resources', correlationId: 'req-3' }).length).toBeGreaterThanOrEqual(2)
  })

  it('a restart rebuilds the same state from disk, and the batch log agrees with the index', async () => {
    mesh = new TestMesh()
    const n = await addNode()
    await Promise.all(Array.from({ length: 300 }, async (_, i) => n.node.ledger.registerHuman({ id: `d-${i}` })))
    await n.node.ledger.setStatus('d-7', 'inactive')
    await n.node.ledger.distributeWeekly()
    const state = n.node.ledger.derivedState()
    const stats = await n.node.ledger.stats()
    expect(await n.node.ledger.verifyIntegrity()).toMatchObject({ ok: true, entries: 300 + 1 + 299 })
    await n.stop()
    const again = await addNode({}, n.dataDir)
    expect(again.node.ledger.derivedState()).toBe(state)
    expect(await again.node.ledger.stats()).toMatchObject({ ...stats, uptime: expect.any(Number) })
    expect((await again.node.ledger.verifyIntegrity()).ok).toBe(true)
    // the Yjs document the batches make holds every entry of this node
    const doc = await again.node.ledger.document(Buffer.from(again.node.crypto.signer.publicKey).toString('hex'), isoWeek(Date.now()))
    expect(doc.getMap('e').size).toBe(600)
  })

  it('compacts its own small batches into one signed batch that peers swap in', async () => {
    mesh = new TestMesh()
    const a = await addNode({ compactBelow: 16 })
    const b = await addNode()
    await connect(a.node, b.node)
    for (let i = 0; i < 30; i++) { await a.node.ledger.registerHuman({ id: `c-${i}` }) }
    const state = a.node.ledger.derivedState()
    await waitFor(() => b.node.ledger.derivedState() === state, 'b to get the small batches')
    const count = async (n: TestNode): Promise<number> => { let k = 0; for await (const b of n.node.ledger.batches()) { k += b.byteLength > 0 ? 1 : 0 } return k }
    expect(await count(a)).toBe(30)
    expect(await a.node.ledger.compact()).toEqual({ batches: 30, into: 1 })
    expect(await count(a)).toBe(1)
    expect(a.node.ledger.derivedState()).toBe(state)
    expect((await a.node.ledger.verifyIntegrity()).ok).toBe(true)
    // b replaces its 30 small batches by the compacted one; nothing changes in its views
    await waitFor(async () => (await count(b)) === 1, 'b to swap in the compacted batch')
    expect(b.node.ledger.derivedState()).toBe(state)
    expect((await b.node.ledger.verifyIntegrity()).ok).toBe(true)
    // a fresh node gets the single batch, and the old small ones are now redundant
    const c = await addNode()
    await connect(c.node, b.node)
    await waitFor(() => c.node.ledger.derivedState() === state, 'c to catch up')
    expect(await count(c)).toBe(1)
    // writing continues after the compacted range
    await a.node.ledger.registerHuman({ id: 'c-after' })
    await waitFor(async () => (await c.node.ledger.getHuman('c-after')) !== undefined, 'c to get the write after compaction')
    expect((await c.node.ledger.stats()).excludedAuthors).toBe(0)
  })
})
