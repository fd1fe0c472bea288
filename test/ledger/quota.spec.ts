/**
 * Per-author write quota: a flooding author is throttled on gossip and on sync, others'
 * batches still flow, nothing over quota is stored, and the flood still converges later;
 * an honest bulk writer stays inside the defaults.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { toHex } from '../../protocol/crypto/index.ts'
import { LEDGER_EVENTS, LEDGER_TOPIC, isoWeek } from '../../protocol/ledger/index.ts'
import { BatchBody, SignedBatch } from '../../protocol/ledger/pb/ledger.ts'
import { AuthorQuota } from '../../protocol/ledger/quota.ts'
import { gossipScore } from '../../protocol/pubsub/gossip.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { createForgerPool, ownBatch, registration, signBody } from './forge.ts'
import type { AuthorQuotaInit } from '../../protocol/ledger/index.ts'
import type { TestNode } from '../utils/mesh.ts'

let mesh: TestMesh
const forgers = createForgerPool()
afterEach(async () => {
  await forgers.stopAll()
  await mesh?.cleanup()
})

/** no periodic sync: each catch-up in these tests is asked for */
async function addNode (authorQuota?: AuthorQuotaInit): Promise<TestNode> {
  return mesh.add({ init: { ledger: { sync: { intervalMs: 0 }, compactIntervalMs: 0, authorQuota } } })
}

async function subscribed (n: TestNode, peer: { equals(other: any): boolean }, libp2p = n.node.libp2p): Promise<void> {
  await waitFor(() => libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => peer.equals(p)), 'ledger topic subscription to be seen')
}

/** clocks of `authorHex` a node stores, and every stored batch's bytes */
async function heldOf (n: TestNode, authorHex: string): Promise<{ clocks: number, batches: Uint8Array[] }> {
  let clocks = 0
  const batches: Uint8Array[] = []
  for await (const b of n.node.ledger.batches()) {
    const body = BatchBody.decode(SignedBatch.decode(b).body)
    if (toHex(body.author) !== authorHex) { continue }
    clocks += body.clockEnd - body.clockStart
    batches.push(b)
  }
  return { clocks, batches }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

describe('per-author write quota', () => {
  it('throttles a flooding author on gossip and sync, lets others through, stores nothing over quota, and the flood still converges', async () => {
    mesh = new TestMesh()
    const quota = { batchesPerSecond: 10, batchBurst: 5 }
    const x = await addNode(quota)
    const y = await addNode(quota)
    await connect(x.node, y.node)
    await subscribed(x, y.node.libp2p.peerId)
    await subscribed(y, x.node.libp2p.peerId)

    const f = await forgers.create()
    const fHex = toHex(f.signer.publicKey)
    const week = isoWeek(Date.now())
    // 40 well-formed, correctly signed one-entry batches of the flooder's own document
    const flood: Uint8Array[] = []
    for (let i = 0; i < 40; i++) { flood.push(await ownBatch(f.signer, week, i, [{ key: `h:flood-${i}`, value: registration(`flood-${i}`) }])) }
    f.served.push(...flood)
    await f.libp2p.dial(x.node.libp2p.getMultiaddrs()[0])
    await subscribed(x, f.libp2p.peerId)
    await waitFor(() => f.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.equals(x.node.libp2p.peerId)), 'the flooder to see X subscribed')
    // the sync on connect served the whole flood: X took what the quota allows and skipped the rest
    await waitFor(async () => (await x.node.ledger.stats()).batchesThrottled > 0, 'the sync on connect to hit the quota')
    const started = Date.now()
    /** the most X may hold of the flooder by now: what it held at `started`, a full burst, and rate × time */
    const bound = (clocksBefore: number): number => clocksBefore + 5 + Math.ceil(10 * (Date.now() - started) / 1000)
    const before = (await heldOf(x, fHex)).clocks
    expect(before).toBeLessThanOrEqual(6)

    // the flood over gossip, while an honest author writes three batches
    await Promise.all(flood.map(async b => f.publish(b)))
    for (let i = 0; i < 3; i++) { await y.node.ledger.registerHuman({ id: `honest-${i}` }) }
    await waitFor(async () => (await x.node.ledger.getHuman('honest-2')) !== undefined, 'the honest batches to reach X by gossip')
    const held = await heldOf(x, fHex)
    expect(held.clocks).toBeLessThanOrEqual(bound(before))
    expect(held.clocks).toBeLessThan(40)
    // whatever X stored of the flooder is byte for byte one of its signed batches; nothing else
    for (const b of held.batches) { expect(flood.some(s => sameBytes(s, b))).toBe(true) }
    const xs = await x.node.ledger.stats()
    expect(xs.batchesThrottled).toBeGreaterThan(0)
    expect(xs.batchesRejected).toBe(0)
    expect(xs.totalHumans).toBe(3 + held.clocks)
    // one event per 10 s at most, naming the author
    const events = x.node.events.history({ type: LEDGER_EVENTS.throttled })
    expect(events.length).toBeGreaterThanOrEqual(1)
    expect(events.length).toBeLessThanOrEqual(1 + Math.floor((Date.now() - events[0].timestamp) / 10_000))
    expect(events[0].data).toMatchObject({ authors: [f.libp2p.peerId.toString()], batches: 1, since: null })
    expect((await x.node.ledger.verifyIntegrity()).ok).toBe(true)
    // ignored, not rejected: the flooder's gossip score is not lowered by its throttled copies
    expect(gossipScore(x.node.libp2p.services.pubsub, f.libp2p.peerId.toString())).toBeGreaterThanOrEqual(0)

    // sync pays the same quota: each pull takes what refilled, then skips the author
    const first = await x.node.ledger.sync(f.libp2p.peerId)
    expect(first.messages).toBe(40)
    expect((await heldOf(x, fHex)).clocks).toBeLessThanOrEqual(bound(before))
    // ... and the flood converges at the quota rate, on X and (through X) on Y
    await waitFor(async () => {
      await x.node.ledger.sync(f.libp2p.peerId)
      await y.node.ledger.sync(x.node.libp2p.peerId)
      const [hx, hy] = [await heldOf(x, fHex), await heldOf(y, fHex)]
      expect(hx.clocks).toBeLessThanOrEqual(bound(before))
      return hx.clocks === 40 && hy.clocks === 40
    }, 'the flood to converge at the quota rate', 20_000, 200)
    expect(x.node.ledger.derivedState()).toBe(y.node.ledger.derivedState())
    expect((await y.node.ledger.stats()).totalHumans).toBe(43)
    expect((await y.node.ledger.stats()).batchesRejected).toBe(0)
    expect((await x.node.ledger.verifyIntegrity()).ok).toBe(true)
  })

  it('a batch claiming an author but not signed by it spends none of that author\'s quota', async () => {
    mesh = new TestMesh()
    const x = await addNode({ batchesPerSecond: 0.001, batchBurst: 3 })
    const victim = await forgers.create()
    const attacker = await forgers.create()
    const week = isoWeek(Date.now())
    const update = SignedBatch.decode(await ownBatch(victim.signer, week, 0, [{ key: 'h:v-0', value: registration('v-0') }]))
    const claimed = BatchBody.decode(update.body)
    for (let i = 0; i < 10; i++) {
      const forged = await signBody(attacker.signer, { ...claimed, signedAt: Date.now() + i })
      expect((await x.node.ledger.receiveBatch(forged, { via: 'gossip' })).status).toBe('rejected')
    }
    const items = Array.from({ length: 4 }, (_, i) => ({ key: `h:v-${i}`, value: registration(`v-${i}`) }))
    const real: Uint8Array[] = []
    for (let i = 0; i < 3; i++) {
      real.push(await ownBatch(victim.signer, week, i, [items[i]]))
      expect((await x.node.ledger.receiveBatch(real[i], { via: 'gossip' })).status).toBe('applied')
    }
    // the fourth is over the burst: set aside, stored nothing
    const fourth = await ownBatch(victim.signer, week, 3, [items[3]])
    const state = x.node.ledger.derivedState()
    const storedBefore = (await heldOf(x, toHex(victim.signer.publicKey))).batches
    expect((await x.node.ledger.receiveBatch(fourth, { via: 'sync' }))).toEqual({ status: 'throttled', reason: 'author over its quota' })
    // a re-signed range replacing held batches (a compaction) pays a batch too
    const compaction = await ownBatch(victim.signer, week, 0, items.slice(0, 3))
    expect((await x.node.ledger.receiveBatch(compaction, { via: 'gossip' })).status).toBe('throttled')
    // replaying a held batch costs the author nothing: it is a duplicate, not throttled
    expect((await x.node.ledger.receiveBatch(real[1], { via: 'sync' })).status).toBe('duplicate')
    expect(x.node.ledger.derivedState()).toBe(state)
    expect((await heldOf(x, toHex(victim.signer.publicKey))).batches).toEqual(storedBefore)
    expect(await x.node.ledger.getHuman('v-3')).toBeUndefined()
    // a direct call (this node's own code, e.g. an import) is not a peer: no quota
    expect((await x.node.ledger.receiveBatch(fourth)).status).toBe('applied')
    const stats = await x.node.ledger.stats()
    expect(stats.totalHumans).toBe(4)
    expect(stats.batchesRejected).toBe(10)
    expect(stats.batchesThrottled).toBe(2)
  })

  it('with the defaults, an honest bulk writer is never throttled: 300 one-entry batches and 20,000 entries at once reach a peer by gossip alone', async () => {
    mesh = new TestMesh()
    const x = await addNode()
    const y = await addNode()
    await connect(x.node, y.node)
    await subscribed(x, y.node.libp2p.peerId)
    await subscribed(y, x.node.libp2p.peerId)
    for (let i = 0; i < 300; i++) { await y.node.ledger.registerHuman({ id: `one-by-one-${i}` }) }
    await Promise.all(Array.from({ length: 20_000 }, async (_, i) => y.node.ledger.registerHuman({ id: `bulk-${i}` })))
    await waitFor(async () => (await x.node.ledger.stats()).totalHumans === 20_300, 'X to get every entry by gossip', 30_000, 100)
    expect(x.node.ledger.derivedState()).toBe(y.node.ledger.derivedState())
    const stats = await x.node.ledger.stats()
    expect(stats.batchesThrottled).toBe(0)
    expect(stats.batchesRejected).toBe(0)
  })
})

describe('AuthorQuota', () => {
  it('pays a batch from both buckets only when both can, refills with time, and ignores a clock stepping back', () => {
    const q = new AuthorQuota({ batchesPerSecond: 1, batchBurst: 3, entriesPerSecond: 1000, entryBurst: 10_000 })
    expect(q.take('a', 8000, 0)).toBe(true)
    // entries short (2,000 left), batches not: refused, and nothing taken
    expect(q.take('a', 5000, 0)).toBe(false)
    expect(q.take('a', 2000, 0)).toBe(true)
    // batches short (1 left after two) ... one more goes, then none
    expect(q.take('a', 0, 0)).toBe(true)
    expect(q.take('a', 0, 0)).toBe(false)
    // another author has its own buckets
    expect(q.take('b', 10_000, 0)).toBe(true)
    // a second refills one batch and 1,000 entries
    expect(q.take('a', 1001, 1000)).toBe(false)
    expect(q.take('a', 1000, 1000)).toBe(true)
    expect(q.take('a', 0, 500)).toBe(false)
    // refill is capped at the burst
    expect(q.take('a', 10_001, 1_000_000)).toBe(false)
    expect(q.take('a', 10_000, 1_000_000)).toBe(true)
  })

  it('refuses settings that could never pass a batch, or are not positive numbers', () => {
    expect(() => new AuthorQuota({ entryBurst: 8191 })).toThrow(/entryBurst must be at least 8192/)
    expect(() => new AuthorQuota({ batchBurst: 0.5 })).toThrow(/batchBurst must be at least 1/)
    for (const bad of [0, -1, Number.NaN, '10' as unknown as number]) {
      expect(() => new AuthorQuota({ batchesPerSecond: bad }), String(bad)).toThrow(/batchesPerSecond must be a positive number/)
    }
    expect(new AuthorQuota({ entriesPerSecond: Number.POSITIVE_INFINITY }).take('a', 8192, 0)).toBe(true)
  })
})

describe('per-peer quota', () => {
  it('slows a peer bringing many fresh authors like a peer bringing one, on gossip and sync; the flood is delayed, not lost', async () => {
    mesh = new TestMesh()
    let now = Date.now()
    const x = await mesh.add({ init: { ledger: { sync: { intervalMs: 0 }, compactIntervalMs: 0, now: () => now, peerQuota: { newAuthorsPerSecond: 1, newAuthorBurst: 5 } } } })
    const f = await forgers.create()
    const week = isoWeek(now)
    // 30 batches, each from a fresh key: the per-author quota alone lets every one in
    const flood: Uint8Array[] = []
    for (let i = 0; i < 30; i++) {
      const signer = createNodeSigner(await generateKeyPair('Ed25519'))
      flood.push(await ownBatch(signer, week, 0, [{ key: `h:fresh-${i}`, value: registration(`fresh-${i}`) }]))
    }
    f.served.push(...flood)
    await f.libp2p.dial(x.node.libp2p.getMultiaddrs()[0])
    await subscribed(x, f.libp2p.peerId)
    await waitFor(() => f.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.equals(x.node.libp2p.peerId)), 'the forger to see x subscribed')
    // the connection's own sync pulls from the forger too: wait until it is over
    await waitFor(async () => (await x.node.ledger.stats()).totalHumans === 5, 'the new-author burst to be taken')
    for (const b of flood) { await f.publish(b) }
    await waitFor(async () => (await x.node.ledger.stats()).batchesThrottled >= 25, 'the rest of the flood to be throttled')
    let s = await x.node.ledger.stats()
    expect(s.totalHumans).toBe(5)
    expect(s.batchesRejected).toBe(0)

    // time passes: each pull brings in what the peer's budget has refilled, until all is in
    const start = now
    for (let pulls = 0; pulls < 10 && s.totalHumans < 30; pulls++) {
      now += 5_000
      await x.node.ledger.sync(f.libp2p.peerId)
      s = await x.node.ledger.stats()
      expect(s.totalHumans).toBeLessThanOrEqual(5 + Math.floor((now - start) / 1000))
    }
    expect(s.totalHumans).toBe(30)
  })
})
