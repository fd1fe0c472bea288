/**
 * A malicious peer against honest nodes: hand-made Yjs updates and forged entries over
 * gossip and sync, and an author that signs two different updates for the same clock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../protocol/crypto/index.ts'
import { buildUpdate, clientIdOf } from '../../protocol/ledger/batch.ts'
import { LEDGER_TOPIC, isoWeek } from '../../protocol/ledger/index.ts'
import { EquivocationProof, HumanStatusPb, SignedBatch } from '../../protocol/ledger/pb/ledger.ts'
import { gossipScore } from '../../protocol/pubsub/gossip.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { captureUpdate, createForgerPool, docAs, entryBytes, ownBatch, payment, registration, signBody, updatesOf, withoutDeletes } from './forge.ts'
import type { Forger } from './forge.ts'
import type { TestNode } from '../utils/mesh.ts'

let mesh: TestMesh
const forgers = createForgerPool()
afterEach(async () => {
  await forgers.stopAll()
  await mesh?.cleanup()
})

async function addNode (): Promise<TestNode> {
  return mesh.add({ init: { ledger: { sync: { intervalMs: 1000 }, compactIntervalMs: 0 } } })
}

async function forger (): Promise<Forger> {
  const f = await forgers.create()
  return f
}

async function dialForger (f: Forger, n: TestNode): Promise<void> {
  await f.libp2p.dial(n.node.libp2p.getMultiaddrs()[0])
  const id = f.libp2p.peerId.toString()
  await waitFor(() => n.node.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.toString() === id) &&
    f.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.equals(n.node.libp2p.peerId)), 'topic subscriptions to be exchanged')
}

async function stored (n: TestNode): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const b of n.node.ledger.batches()) { out.push(b) }
  return out
}

describe('malicious peer', () => {
  it('forged, foreign, overwriting, deleting and bad-amount batches are rejected by every honest node and change nothing', async () => {
    mesh = new TestMesh()
    const honest = [await addNode(), await addNode(), await addNode()]
    await connect(honest[0].node, honest[1].node)
    await connect(honest[1].node, honest[2].node)
    const victim = honest[0]
    await Promise.all(Array.from({ length: 5 }, async (_, i) => victim.node.ledger.registerHuman({ id: `victim-${i}` })))
    await victim.node.ledger.distributeWeekly()
    await waitFor(() => honest.every(n => n.node.ledger.derivedState() === victim.node.ledger.derivedState()), 'honest nodes to converge')
    const before = victim.node.ledger.derivedState()
    const documentsBefore = (await victim.node.ledger.stats()).documents

    const week = isoWeek(Date.now())
    const victimKey = victim.node.crypto.signer.publicKey
    const victimClient = clientIdOf(victimKey)
    const victimBatches = await stored(victim)
    const victimUpdates = updatesOf(victimBatches)
    const victimNext = 10 // 5 registrations + 5 payments

    const m = await forger()
    const mKey = m.signer.publicKey
    const mClient = clientIdOf(mKey)
    const attacks: Array<{ name: string, bytes: Uint8Array, reason: RegExp }> = []

    {
      const good = await ownBatch(m.signer, week, 0, [{ key: 'h:evil-1', value: registration('evil-1') }])
      const sb = SignedBatch.decode(good)
      sb.signature[5] ^= 1
      attacks.push({ name: 'forged signature', bytes: SignedBatch.encode(sb), reason: /bad signature/ })
    }
    {
      const update = buildUpdate(victimClient, victimNext, [{ key: 'h:evil-2', value: registration('evil-2') }])
      attacks.push({
        name: 'entry claiming the victim as author',
        bytes: await signBody(m.signer, { author: victimKey, doc: week, clockStart: victimNext, clockEnd: victimNext + 1, update }),
        reason: /bad signature/
      })
      attacks.push({
        name: 'items under the victim\'s Yjs client id, signed by the attacker',
        bytes: await signBody(m.signer, { author: mKey, doc: week, clockStart: victimNext, clockEnd: victimNext + 1, update }),
        reason: /foreign client/
      })
    }
    {
      const doc = docAs(victimUpdates, mClient)
      const update = captureUpdate(doc, map => { map.set('h:victim-0', entryBytes({ humanId: 'victim-0', weeklyFlow: '0.01', housingCredit: '0.00', investmentPool: '0.00' })) })
      attacks.push({
        name: 'overwrite of a victim entry',
        bytes: await signBody(m.signer, { author: mKey, doc: week, clockStart: 0, clockEnd: 1, update }),
        reason: /deletes items/
      })
      attacks.push({
        name: 'overwrite of a victim entry, delete set stripped',
        bytes: await signBody(m.signer, { author: mKey, doc: week, clockStart: 0, clockEnd: 1, update: withoutDeletes(update) }),
        reason: /has an origin/
      })
    }
    {
      const doc = docAs(victimUpdates, mClient)
      const update = captureUpdate(doc, map => {
        map.delete('h:victim-1')
        map.set('h:evil-5', registration('evil-5'))
      })
      attacks.push({
        name: 'delete of a victim entry (with an own insert)',
        bytes: await signBody(m.signer, { author: mKey, doc: week, clockStart: 0, clockEnd: 1, update }),
        reason: /deletes items/
      })
      const doc2 = docAs(victimUpdates, mClient)
      const pureDelete = captureUpdate(doc2, map => { map.delete('h:victim-2') })
      attacks.push({
        name: 'pure delete of a victim entry',
        bytes: await signBody(m.signer, { author: mKey, doc: week, clockStart: 0, clockEnd: 1, update: pureDelete }),
        reason: /deletes items|structs/
      })
    }
    attacks.push({
      name: 'negative amount',
      bytes: await ownBatch(m.signer, week, 0, [{ key: `p:${week}:victim-0`, value: payment('victim-0', week, '-800.00') }]),
      reason: /bad entry: amount/
    })
    attacks.push({
      name: 'non-numeric amount',
      bytes: await ownBatch(m.signer, week, 0, [{ key: `p:${week}:victim-0`, value: payment('victim-0', week, 'lots') }]),
      reason: /bad entry: amount/
    })
    attacks.push({
      name: 'non-canonical amount',
      bytes: await ownBatch(m.signer, week, 0, [{ key: `p:${week}:victim-0`, value: payment('victim-0', week, '800.5') }]),
      reason: /bad entry: amount/
    })

    // over gossip, to every honest node directly
    for (const n of honest) { await dialForger(m, n) }
    for (const a of attacks) { await m.publish(a.bytes) }
    await waitFor(async () => {
      const s = await Promise.all(honest.map(async n => n.node.ledger.stats()))
      return s.every(x => x.batchesRejected >= attacks.length)
    }, 'every honest node to reject every attack')
    for (const n of honest) {
      expect(n.node.ledger.derivedState()).toBe(before)
      const stats = await n.node.ledger.stats()
      expect(stats.batchesRejected).toBe(attacks.length)
      expect(stats.documents).toBe(documentsBefore)
      expect(await n.node.ledger.getHuman('victim-0')).toMatchObject({ weeklyFlow: '800.00', totalReceived: '800.00', status: 'active' })
      expect(await n.node.ledger.getHuman('evil-1')).toBeUndefined()
      expect(await n.node.ledger.getHuman('evil-5')).toBeUndefined()
    }
    // rejection costs the sender gossipsub score (scores are cached for a heartbeat)
    await waitFor(() => honest.every(n => gossipScore(n.node.libp2p.services.pubsub, m.libp2p.peerId.toString()) < 0), 'the attacker\'s score to fall on every honest node')

    // over sync: a new honest node catches up from the victim's side and pulls from the attacker
    m.served.push(...attacks.map(a => a.bytes))
    const late = await addNode()
    await connect(late.node, honest[2].node)
    await waitFor(() => late.node.ledger.derivedState() === before, 'late node to catch up')
    await late.node.libp2p.dial(m.libp2p.getMultiaddrs()[0])
    await waitFor(async () => (await late.node.ledger.stats()).batchesRejected >= attacks.length, 'late node to reject the served attacks')
    expect(late.node.ledger.derivedState()).toBe(before)
    expect((await late.node.ledger.stats()).documents).toBe(documentsBefore)

    // and each for the reason it should be
    for (const a of attacks) {
      const r = await honest[1].node.ledger.receiveBatch(a.bytes)
      expect(r.status, a.name).toBe('rejected')
      expect(r.reason, a.name).toMatch(a.reason)
    }
    expect(honest[1].node.ledger.derivedState()).toBe(before)
  })

  it('a co-registration by another node is a human of its own: it cannot lower the first one\'s flows or deactivate it', async () => {
    mesh = new TestMesh()
    const a = await addNode()
    await a.node.ledger.registerHuman({ id: 'someone' })
    const m = await forger()
    const week = isoWeek(Date.now())
    const r = await a.node.ledger.receiveBatch(await ownBatch(m.signer, week, 0, [
      { key: 'h:someone', value: entryBytes({ humanId: 'someone', weeklyFlow: '0.01', housingCredit: '0.00', investmentPool: '0.00', status: HumanStatusPb.INACTIVE }) }
    ]))
    expect(r.status).toBe('applied')
    // a separate record (registrar, id) beside the first, which keeps what its registrar wrote
    expect(await a.node.ledger.getHuman('someone', a.node.libp2p.peerId.toString())).toMatchObject({ weeklyFlow: '800.00', housingCredit: '104000.00', status: 'active', registrars: 2 })
    expect(await a.node.ledger.getHuman('someone', m.libp2p.peerId.toString())).toMatchObject({ weeklyFlow: '0.01', status: 'inactive' })
  })

  it('equivocation is detected, the proof kept and spread, the author refused afterwards, and honest nodes converge', async () => {
    mesh = new TestMesh()
    const x = await addNode()
    const z = await addNode()
    const y = await addNode()
    await x.node.ledger.registerHuman({ id: 'honest-x' })
    await z.node.ledger.registerHuman({ id: 'honest-z' })
    const m = await forger()
    const week = isoWeek(Date.now())
    // two different updates for the same document and clock range
    const b1 = await ownBatch(m.signer, week, 0, [{ key: 'h:m-one', value: registration('m-one') }])
    const b2 = await ownBatch(m.signer, week, 0, [{ key: 'h:m-two', value: registration('m-two') }])

    await dialForger(m, x)
    await m.publish(b1)
    await waitFor(async () => (await x.node.ledger.getHuman('m-one')) !== undefined, 'x to take the first version')
    await m.libp2p.hangUp(x.node.libp2p.peerId)
    await dialForger(m, z)
    await m.publish(b2)
    await waitFor(async () => (await z.node.ledger.getHuman('m-two')) !== undefined, 'z to take the second version')
    await m.libp2p.hangUp(z.node.libp2p.peerId)
    expect(x.node.ledger.derivedState()).not.toBe(z.node.ledger.derivedState())

    await connect(x.node, z.node)
    await waitFor(async () => (await x.node.ledger.stats()).excludedAuthors === 1 && (await z.node.ledger.stats()).excludedAuthors === 1, 'both to detect the equivocation')
    await waitFor(() => x.node.ledger.derivedState() === z.node.ledger.derivedState(), 'x and z to converge')
    for (const n of [x, z]) {
      expect(await n.node.ledger.getHuman('m-one')).toBeUndefined()
      expect(await n.node.ledger.getHuman('m-two')).toBeUndefined()
      expect(await n.node.ledger.getHuman('honest-x')).toBeDefined()
      expect(await n.node.ledger.getHuman('honest-z')).toBeDefined()
      const [record] = await n.node.ledger.equivocations()
      expect(record.author).toBe(m.libp2p.peerId.toString())
      expect(record.authorKey).toBe(toHex(m.signer.publicKey))
      const proof = EquivocationProof.decode(record.proof)
      expect(new Set([proof.a, proof.b].map(p => toHex(SignedBatch.encode(p as SignedBatch))))).toEqual(new Set([toHex(b1), toHex(b2)]))
    }

    // the author's later, otherwise valid updates are refused
    const b3 = await ownBatch(m.signer, week, 1, [{ key: 'h:m-three', value: registration('m-three') }])
    expect((await x.node.ledger.receiveBatch(b3)).status).toBe('excluded')
    await dialForger(m, x)
    await m.publish(b3)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(await x.node.ledger.getHuman('m-three')).toBeUndefined()

    // a node that never saw the author learns the proof on connecting and refuses its batches
    await connect(y.node, x.node)
    await waitFor(async () => (await y.node.ledger.stats()).excludedAuthors === 1, 'y to receive the proof')
    expect((await y.node.ledger.receiveBatch(b1)).status).toBe('excluded')
    await waitFor(() => y.node.ledger.derivedState() === x.node.ledger.derivedState(), 'y to converge')

    // a proof that is not one is rejected
    const fake = EquivocationProof.encode({ a: SignedBatch.decode(b1), b: SignedBatch.decode(b3) })
    const w = await addNode()
    expect((await w.node.ledger.receiveProof(fake)).status).toBe('rejected')
    const [real] = await x.node.ledger.equivocations()
    expect((await w.node.ledger.receiveProof(real.proof)).status).toBe('applied')
    expect((await w.node.ledger.stats()).excludedAuthors).toBe(1)
  })
})
