/**
 * A registrar's status change governs payments by rule: a deactivation written in week V
 * makes every payment for a week after V invalid, a reactivation makes them valid again
 * from the week after it, on every node, whatever order the entries arrive in. Peers
 * sign with their own keys; the registrar gossips from a raw libp2p peer.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { HumanStatusPb, EntryKind } from '../../protocol/ledger/pb/ledger.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { createForgerPool, entryBytes, ownBatch, payment, paymentKey } from './forge.ts'
import type { TestNode } from '../utils/mesh.ts'

let mesh: TestMesh
const forgers = createForgerPool()
afterEach(async () => {
  await forgers.stopAll()
  await mesh?.cleanup()
})

async function addNode (dataDir?: string): Promise<TestNode> {
  return mesh.add({ dataDir, init: { ledger: { sync: { intervalMs: 0 }, compactIntervalMs: 0 } } })
}

function status (humanId: string, s: HumanStatusPb): Uint8Array {
  return entryBytes({ kind: EntryKind.STATUS, humanId, status: s })
}

async function receiveAll (n: TestNode, batches: Uint8Array[]): Promise<void> {
  for (const b of batches) { expect((await n.node.ledger.receiveBatch(b)).status).toBe('applied') }
}

async function statuses (n: TestNode, registrar: string): Promise<Record<string, string>> {
  const page = await n.node.ledger.history({ humanId: 'alice', includeSuperseded: true, limit: 100 })
  return Object.fromEntries(page.items.filter(t => t.metadata.registrarKey === registrar).map(t => [t.week, t.status]))
}

describe('status changes govern payments by week', () => {
  it('a deactivation invalidates payments for the weeks after it on every node, whatever the order; a reactivation restores the later ones', async () => {
    mesh = new TestMesh()
    const x = await addNode()
    const y = await addNode()
    const registrar = await forgers.create({ topic: x.node.ledger.topic })
    await registrar.libp2p.dial(x.node.libp2p.getMultiaddrs()[0])
    const topic = x.node.ledger.topic
    await waitFor(() => registrar.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(x.node.libp2p.peerId)), 'the registrar to see the topic')
    const R = registrar.signer.publicKey
    const rHex = Buffer.from(R).toString('hex')
    const payer1 = createNodeSigner(await generateKeyPair('Ed25519'))
    const payer2 = createNodeSigner(await generateKeyPair('Ed25519'))
    const hostile = createNodeSigner(await generateKeyPair('Ed25519'))

    const reg = await ownBatch(registrar.signer, '2025-W10', 0, [{ key: 'h:alice', value: entryBytes({ humanId: 'alice', at: 1, status: HumanStatusPb.ACTIVE, weeklyFlow: '800.00', housingCredit: '0.00', investmentPool: '0.00' }) }])
    const pay1 = await ownBatch(payer1, '2025-W10', 0, ['2025-W10', '2025-W11'].map(w => ({ key: paymentKey('alice', w, R), value: payment('alice', w, '800.00', R) })))
    const pay2 = await ownBatch(payer2, '2025-W12', 0, ['2025-W12', '2025-W13'].map(w => ({ key: paymentKey('alice', w, R), value: payment('alice', w, '800.00', R) })))
    const deactivate = await ownBatch(registrar.signer, '2025-W11', 0, [{ key: 's:alice:0', value: status('alice', HumanStatusPb.INACTIVE) }])
    const reactivate = await ownBatch(registrar.signer, '2025-W12', 0, [{ key: 's:alice:0', value: status('alice', HumanStatusPb.ACTIVE) }])
    // someone else "reactivating" alice in the week of the deactivation: not its record
    const foreign = await ownBatch(hostile, '2025-W11', 0, [{ key: 's:alice:0', value: status('alice', HumanStatusPb.ACTIVE) }])

    // x: the registration by gossip, then the payments, then the deactivation by gossip
    await registrar.publish(reg)
    await waitFor(async () => (await x.node.ledger.stats()).totalHumans === 1, 'the registration to arrive by gossip')
    await receiveAll(x, [pay1, pay2])
    expect((await x.node.ledger.stats()).totalDistributed).toBe('3200.00')
    await registrar.publish(deactivate)
    await waitFor(async () => (await x.node.ledger.stats()).activeHumans === 0, 'the deactivation to arrive by gossip')
    await receiveAll(x, [foreign])
    // y: everything the other way round, the registration last (payments wait as orphans)
    await receiveAll(y, [foreign, deactivate, pay2, pay1, reg])

    for (const n of [x, y]) {
      const stats = await n.node.ledger.stats()
      expect(stats.totalDistributed).toBe('1600.00')
      expect(stats.remainingWealth).toBe('18999999998400.00')
      expect(stats.activeHumans).toBe(0)
      expect(await statuses(n, rHex)).toEqual({ '2025-W10': 'completed', '2025-W11': 'completed', '2025-W12': 'invalid', '2025-W13': 'invalid' })
      expect((await n.node.ledger.getHuman('alice', rHex))).toMatchObject({ status: 'inactive', totalReceived: '1600.00', payments: 2, lastDistributionWeek: '2025-W11' })
    }
    expect(y.node.ledger.derivedState()).toBe(x.node.ledger.derivedState())

    // the reactivation of week 12 makes week 13 count again; week 12 stays invalid
    await registrar.publish(reactivate)
    await waitFor(async () => (await x.node.ledger.stats()).activeHumans === 1, 'the reactivation to arrive by gossip')
    await receiveAll(y, [reactivate])
    for (const n of [x, y]) {
      expect((await n.node.ledger.stats()).totalDistributed).toBe('2400.00')
      expect(await statuses(n, rHex)).toEqual({ '2025-W10': 'completed', '2025-W11': 'completed', '2025-W12': 'invalid', '2025-W13': 'completed' })
      expect((await n.node.ledger.verifyIntegrity()).ok).toBe(true)
    }
    const state = x.node.ledger.derivedState()
    expect(y.node.ledger.derivedState()).toBe(state)

    // a fresh node by sync, and y rebuilt from disk, read the same
    const z = await addNode()
    await connect(z.node, x.node)
    await waitFor(() => z.node.ledger.derivedState() === state, 'the fresh node to converge by sync')
    await y.stop()
    const y2 = await addNode(y.dataDir)
    expect(y2.node.ledger.derivedState()).toBe(state)
  })
})
