/**
 * Attacks on the ledger's rules (not its signatures): a raw libp2p peer signs valid
 * batches with its own key and gossips them. Each case took a node over before the
 * ownership, amount, charter and pool rules.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { isoWeek } from '../../protocol/ledger/index.ts'
import { HumanStatusPb } from '../../protocol/ledger/pb/ledger.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { createForgerPool, entryBytes, ownBatch, payment, paymentKey } from './forge.ts'
import type { Forger } from './forge.ts'
import type { LedgerInit } from '../../protocol/ledger/index.ts'
import type { TestNode } from '../utils/mesh.ts'

let mesh: TestMesh
const forgers = createForgerPool()
afterEach(async () => {
  await forgers.stopAll()
  await mesh?.cleanup()
})

async function addNode (ledger: LedgerInit = {}): Promise<TestNode> {
  return mesh.add({ init: { ledger: { sync: { intervalMs: 0 }, compactIntervalMs: 0, ...ledger } } })
}

/** A forger dialled to `n` on `n`'s ledger topic, subscriptions exchanged both ways. */
async function forgerOn (n: TestNode): Promise<Forger> {
  const topic = n.node.ledger.topic
  const f = await forgers.create({ topic })
  await f.libp2p.dial(n.node.libp2p.getMultiaddrs()[0])
  const id = f.libp2p.peerId.toString()
  await waitFor(() => n.node.libp2p.services.pubsub.getSubscribers(topic).some(p => p.toString() === id) &&
    f.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(n.node.libp2p.peerId)), 'topic subscriptions to be exchanged')
  return f
}

function human (humanId: string, flows: { weeklyFlow?: string, housingCredit?: string, investmentPool?: string }, at = Date.now(), status = HumanStatusPb.ACTIVE): { key: string, value: Uint8Array } {
  return { key: `h:${humanId}`, value: entryBytes({ humanId, at, status, weeklyFlow: '800.00', housingCredit: '104000.00', investmentPool: '104000.00', ...flows }) }
}

async function storedBatches (n: TestNode): Promise<number> {
  let count = 0
  const it = n.node.ledger.batches()
  while (!(await it.next()).done) { count++ }
  return count
}

/** Gossip `bytes` and wait until the node has stored or rejected it. */
async function gossip (f: Forger, n: TestNode, bytes: Uint8Array, expect: 'applied' | 'rejected'): Promise<void> {
  const rejected = (await n.node.ledger.stats()).batchesRejected
  const stored = await storedBatches(n)
  await f.publish(bytes)
  await waitFor(async () => expect === 'rejected'
    ? (await n.node.ledger.stats()).batchesRejected > rejected
    : await storedBatches(n) > stored, `the gossiped batch to be ${expect}`)
}

describe('rules no peer can game', () => {
  it('re-registering someone else\'s human changes nothing of it: flow, created-at, registrar, status, payments', async () => {
    mesh = new TestMesh()
    const victim = await addNode()
    const created = await victim.node.ledger.registerHuman({ id: 'v', weeklyFlow: '500.00' })
    await victim.node.ledger.setStatus('v', 'inactive')
    await victim.node.ledger.registerHuman({ id: 'w', weeklyFlow: '600.00' })
    const f = await forgerOn(victim)
    const week = isoWeek(Date.now())

    // over the charter: refused outright
    await gossip(f, victim, await ownBatch(f.signer, week, 0, [human('w', { weeklyFlow: '9999999999999.99' }, 1)]), 'rejected')
    // within the charter, claiming an earlier time and the opposite status
    await gossip(f, victim, await ownBatch(f.signer, week, 0, [
      human('v', { weeklyFlow: '800.00' }, 1, HumanStatusPb.ACTIVE),
      human('w', { weeklyFlow: '800.00' }, 1, HumanStatusPb.INACTIVE)
    ]), 'applied')
    await waitFor(async () => (await victim.node.ledger.stats()).totalHumans === 4, 'the attacker\'s records to be stored')

    const self = victim.node.libp2p.peerId.toString()
    const v = await victim.node.ledger.getHuman('v', self)
    expect(v).toMatchObject({ weeklyFlow: '500.00', status: 'inactive', registeredBy: self, createdAt: created.createdAt, registrars: 2 })
    expect(await victim.node.ledger.getHuman('w', self)).toMatchObject({ weeklyFlow: '600.00', status: 'active', registeredBy: self })
    // the attacker's records exist beside them, as its own humans
    expect(await victim.node.ledger.getHuman('v', f.libp2p.peerId.toString())).toMatchObject({ weeklyFlow: '800.00', registeredBy: f.libp2p.peerId.toString() })

    // the victim's distribution pays its records their own flows, and nothing to its inactive one
    const r = await victim.node.ledger.distributeWeekly({ humanIds: ['w'] })
    const mine = r.payments.filter(p => p.registrar === self)
    expect(mine).toEqual([{ humanId: 'w', registrar: self, amount: '600.00' }])
    expect(await victim.node.ledger.getHuman('w', self)).toMatchObject({ totalReceived: '600.00', payments: 1 })
    expect(await victim.node.ledger.getHuman('v', self)).toMatchObject({ totalReceived: '0.00' })
  })

  it('a payment with a wrong amount does not pre-empt the week, and shows as invalid', async () => {
    mesh = new TestMesh()
    const victim = await addNode()
    await victim.node.ledger.registerHuman({ id: 'v' })
    const f = await forgerOn(victim)
    const week = isoWeek(Date.now())
    const key = victim.node.crypto.signer.publicKey
    await gossip(f, victim, await ownBatch(f.signer, week, 0, [{ key: paymentKey('v', week, key), value: payment('v', week, '0.01', key) }]), 'applied')
    await waitFor(async () => (await victim.node.ledger.history({ includeSuperseded: true })).items.length === 1, 'the payment to be stored')

    const r = await victim.node.ledger.distributeWeekly()
    expect(r).toMatchObject({ paid: 1, total: '800.00', skipped: { alreadyPaid: 0 } })
    expect(await victim.node.ledger.getHuman('v')).toMatchObject({ totalReceived: '800.00', payments: 1 })
    const all = (await victim.node.ledger.history({ includeSuperseded: true })).items
    expect(all.map(t => [t.amount, t.status, t.author]).sort()).toEqual([
      ['0.01', 'invalid', f.libp2p.peerId.toString()],
      ['800.00', 'completed', victim.node.libp2p.peerId.toString()]
    ].sort())
    expect((await victim.node.ledger.history()).items).toHaveLength(1)
  })

  it('huge payments count nowhere and payments past the pool are unfunded: remaining never below zero', async () => {
    mesh = new TestMesh()
    const victim = await addNode({ poolTotal: '2000.00' })
    await victim.node.ledger.registerHuman({ id: 'v' })
    const f = await forgerOn(victim)
    const week = isoWeek(Date.now())
    const key = victim.node.crypto.signer.publicKey
    const fkey = f.signer.publicKey
    // six payments of the largest amount there is, to the victim's human and to its own
    const huge = [
      { key: paymentKey('v', week, key), value: payment('v', week, '9999999999999.99', key) },
      ...Array.from({ length: 5 }, (_, i) => human(`m${i}`, {})),
      ...Array.from({ length: 5 }, (_, i) => ({ key: paymentKey(`m${i}`, week, fkey), value: payment(`m${i}`, week, '9999999999999.99', fkey) }))
    ]
    await gossip(f, victim, await ownBatch(f.signer, week, 0, huge), 'applied')
    await waitFor(async () => (await victim.node.ledger.stats()).totalHumans === 6, 'the batch to be stored')
    let s = await victim.node.ledger.stats()
    expect(s).toMatchObject({ totalDistributed: '0.00', remainingWealth: '2000.00', unfundedPayments: 0 })

    // now valid amounts for its five humans: 4,000.00 against a pool of 2,000.00
    const last = isoWeek(Date.now() - 7 * 86400_000)
    const valid = Array.from({ length: 5 }, (_, i) => ({ key: paymentKey(`m${i}`, last, fkey), value: payment(`m${i}`, last, '800.00', fkey) }))
    await gossip(f, victim, await ownBatch(f.signer, week, huge.length, valid), 'applied')
    await waitFor(async () => (await victim.node.ledger.stats()).unfundedPayments === 3, 'three payments to be unfunded')
    s = await victim.node.ledger.stats()
    expect(s).toMatchObject({ totalDistributed: '1600.00', remainingWealth: '400.00', unfundedTotal: '2400.00' })
    const statuses = (await victim.node.ledger.history()).items.map(t => t.status).sort()
    expect(statuses).toEqual(['completed', 'completed', 'unfunded', 'unfunded', 'unfunded'])
    // an honest distribution still works while the pool covers it
    await expect(victim.node.ledger.distributeWeekly()).rejects.toMatchObject({ code: 'insufficient_pool' })
    expect((await victim.node.ledger.stats()).remainingWealth).toBe('400.00')
    expect((await victim.node.ledger.verifyIntegrity()).ok).toBe(true)
  })

  it('two partitions each distribute what the pool covers on their side; after the heal every node funds the same payments', async () => {
    mesh = new TestMesh()
    const init = { poolTotal: '4000.00' }
    const a = await addNode(init)
    const b = await addNode(init)
    for (let i = 0; i < 3; i++) {
      await a.node.ledger.registerHuman({ id: `a${i}` })
      await b.node.ledger.registerHuman({ id: `b${i}` })
    }
    expect((await a.node.ledger.distributeWeekly()).paid).toBe(3)
    expect((await b.node.ledger.distributeWeekly()).paid).toBe(3)
    await connect(a.node, b.node)
    await waitFor(async () => (await a.node.ledger.stats()).totalHumans === 6 && (await b.node.ledger.stats()).totalHumans === 6 &&
      a.node.ledger.derivedState() === b.node.ledger.derivedState(), 'a and b to converge')
    for (const n of [a, b]) {
      const s = await n.node.ledger.stats()
      expect(s).toMatchObject({ totalDistributed: '4000.00', remainingWealth: '0.00', unfundedPayments: 1, unfundedTotal: '800.00', paymentsThisWeek: 5 })
    }
    const unfundedA = (await a.node.ledger.history()).items.filter(t => t.status === 'unfunded').map(t => t.id)
    const unfundedB = (await b.node.ledger.history()).items.filter(t => t.status === 'unfunded').map(t => t.id)
    expect(unfundedA).toHaveLength(1)
    expect(unfundedB).toEqual(unfundedA)
    const h = await a.node.ledger.getHuman(unfundedA[0].split(':')[1])
    expect(h).toMatchObject({ totalReceived: '0.00', unfunded: '800.00', unfundedPayments: 1 })
  })

  it('nodes with different charters do not merge and say so', async () => {
    mesh = new TestMesh()
    const a = await addNode({ poolTotal: '4000.00' })
    const b = await addNode()
    expect(a.node.ledger.topic).not.toBe(b.node.ledger.topic)
    const seen: unknown[] = []
    a.node.events.addEventListener('event', (e: any) => { if (e.detail?.type === 'ledger:charter-mismatch') { seen.push(e.detail.data) } })
    await a.node.ledger.registerHuman({ id: 'only-a' })
    await connect(a.node, b.node)
    await waitFor(() => seen.length > 0, 'a to report the charter mismatch')
    expect(seen[0]).toMatchObject({ peer: b.node.libp2p.peerId.toString(), charter: a.node.ledger.charter.id })
    expect(await b.node.ledger.getHuman('only-a')).toBeUndefined()
  })
})
