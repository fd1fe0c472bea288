/**
 * The simulator's CPU savings must not change what it simulates: the shared verifier
 * answers exactly as a verifier of its own would (a tampered record still fails), and the
 * delivery calendar delivers every pipe at its millisecond, in the order they asked, with
 * one timer per millisecond; a simulated node's store keeps only the bytes it stores, and
 * its event history stays in memory. And `--attach` refuses what the node API cannot do.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import FakeTimers from '@sinonjs/fake-timers'
import { describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../../node/crypto.ts'
import { createEventLog } from '../../../protocol/events/index.ts'
import { openStore } from '../../../protocol/storage/index.ts'
import { runAttached } from '../../../simulations/multi-process.ts'
import { DeliveryCalendar } from '../../../simulations/network/sim-network.ts'
import { createCompactMemoryLevel, createKeyInterner, createValueArena } from '../../../simulations/nodes/compact-memory-level.ts'
import { createSharedVerifier } from '../../../simulations/nodes/shared-verifier.ts'
import { ScenarioError, validateScenario } from '../../../simulations/scenario.ts'

describe('shared verifier', () => {
  it('answers from its cache only for the same key, bytes and signature', async () => {
    const alice = createNodeSigner(await generateKeyPair('Ed25519'))
    const mallory = createNodeSigner(await generateKeyPair('Ed25519'))
    const verifier = createSharedVerifier()
    const data = new TextEncoder().encode('a truth message')
    const signature = await alice.sign(data)

    expect(await verifier.verify(alice.publicKey, data, signature)).toBe(true)
    expect(await verifier.verify(alice.publicKey, data, signature)).toBe(true)
    expect(verifier.stats()).toEqual({ hits: 1, verified: 1 })

    // same signature, other bytes or other key: verified afresh, and refused
    const altered = data.slice()
    altered[0] ^= 1
    expect(await verifier.verify(alice.publicKey, altered, signature)).toBe(false)
    expect(await verifier.verify(mallory.publicKey, data, signature)).toBe(false)
    expect(verifier.stats()).toEqual({ hits: 1, verified: 3 })

    // the caller reusing its buffer cannot change a remembered answer
    const reused = data.slice()
    expect(await verifier.verify(alice.publicKey, reused, signature)).toBe(true)
    reused[1] ^= 1
    expect(await verifier.verify(alice.publicKey, reused, signature)).toBe(false)

    // a remembered refusal stays a refusal
    const forged = signature.slice()
    forged[10] ^= 1
    expect(await verifier.verify(alice.publicKey, data, forged)).toBe(false)
    expect(await verifier.verify(alice.publicKey, data, forged)).toBe(false)
  })

  it('keeps at most its bound of answers', async () => {
    const alice = createNodeSigner(await generateKeyPair('Ed25519'))
    const verifier = createSharedVerifier(2)
    const records = ['a', 'b', 'c'].map(s => new TextEncoder().encode(s))
    const signatures = await Promise.all(records.map(async r => alice.sign(r)))
    for (let i = 0; i < 3; i++) { expect(await verifier.verify(alice.publicKey, records[i], signatures[i])).toBe(true) }
    // 'a' was evicted: verified again
    expect(await verifier.verify(alice.publicKey, records[0], signatures[0])).toBe(true)
    expect(verifier.stats()).toEqual({ hits: 0, verified: 4 })
  })
})

describe('delivery calendar', () => {
  it('delivers each pipe at its millisecond, in the order asked, one timer per millisecond', () => {
    const clock = FakeTimers.install({ now: 0, toFake: ['setTimeout', 'performance'] })
    try {
      const calendar = new DeliveryCalendar()
      const log: string[] = []
      const pipe = (name: string): { deliver(): void } => ({ deliver: () => { log.push(`${name}@${performance.now()}`) } })
      calendar.wake(pipe('b'), 20)
      calendar.wake(pipe('a'), 20)
      calendar.wake(pipe('c'), 19)
      calendar.wake(pipe('d'), 20)
      expect(clock.countTimers()).toBe(2)
      clock.tick(19)
      expect(log).toEqual(['c@19'])
      clock.tick(1)
      expect(log).toEqual(['c@19', 'b@20', 'a@20', 'd@20'])
      expect(clock.countTimers()).toBe(0)
    } finally {
      clock.uninstall()
    }
  })
})

describe('--attach', () => {
  it('refuses partitions, saying the node API cannot cut links, before reaching any node', async () => {
    const scenario = validateScenario({ nodes: 3, clock: 'real', topology: { kind: 'line' }, partitions: [{ at: 0, duration: 100, side: [0] }] })
    // nothing listens on these: a refusal must come before any request
    const nodes = { api: ['http://127.0.0.1:9/', 'http://127.0.0.1:9/', 'http://127.0.0.1:9/'], peerIds: ['a', 'b', 'c'] }
    const err = await runAttached(scenario, nodes, { readyTimeoutMs: 100 }).catch(e => e)
    expect(err).toBeInstanceOf(ScenarioError)
    expect(err.message).toMatch(/partitions: the node API cannot cut links/)
  })
})

describe('compact memory store', () => {
  it('stores a slice of a larger buffer as its own bytes, through sublevels and batches too', async () => {
    const db = createCompactMemoryLevel()
    await db.open()
    const slab = new Uint8Array(8192).fill(7)
    const value = slab.subarray(100, 140)
    await db.put('a', value)
    const sub = openStore(db as any, 'sub')
    await sub.batch([{ type: 'put', key: 'b', value: slab.subarray(200, 210) }, { type: 'put', key: 'c', value: new Uint8Array([1, 2]) }])
    await sub.put('d', slab.subarray(0, 3))

    for (const [get, length] of [[await db.get('a'), 40], [await sub.get('b'), 10], [await sub.get('c'), 2], [await sub.get('d'), 3]] as const) {
      expect(get?.byteLength).toBe(length)
      // held alone: the 8 KiB slab is not kept alive by what was stored
      expect(get?.buffer.byteLength).toBe(length)
    }
    expect([...(await db.get('a')) ?? []]).toEqual(new Array(40).fill(7))
    // a later change to the slab does not reach what was stored from a slice of it
    slab.fill(9)
    expect((await sub.get('b'))?.[0]).toBe(7)
    // keys still sort and range as strings
    expect(await sub.keys({ gte: 'b', lt: 'd' }).all()).toEqual(['b', 'c'])
    await db.close()
  })
})

describe('keys shared between the stores of a run', () => {
  it('keeps one copy of a key every node stores, and each store still reads its own values', async () => {
    const keys = createKeyInterner()
    const [a, b, alone] = [createCompactMemoryLevel({ keys }), createCompactMemoryLevel({ keys }), createCompactMemoryLevel()]
    for (const db of [a, b, alone]) { await db.open() }
    const stores = [a, b, alone].map(db => openStore(db as any, 'truth'))
    await stores[0].batch([{ type: 'put', key: 'm!1', value: new Uint8Array([1]) }, { type: 'put', key: 't!1', value: new Uint8Array(0) }])
    await stores[1].put('m!1', new Uint8Array([2]))
    await stores[2].put('m!1', new Uint8Array([3]))
    expect(keys.size).toBe(2)

    const stored = async (db: typeof a): Promise<Uint8Array> => (await db.keys<Uint8Array>({ keyEncoding: 'view' }).all())[0]
    // the same bytes object under both stores; the store without the interner holds its own
    expect(await stored(a)).toBe(await stored(b))
    expect(await stored(alone)).not.toBe(await stored(a))
    expect(new TextDecoder().decode(await stored(a))).toBe('!truth!m!1')
    expect([...(await stores[0].get('m!1')) ?? []]).toEqual([1])
    expect([...(await stores[1].get('m!1')) ?? []]).toEqual([2])
    expect(await stores[1].get('t!1')).toBeUndefined()
    for (const db of [a, b, alone]) { await db.close() }
  })
})

describe('values packed into slabs shared by the stores of a run', () => {
  it('stores small values as views into one buffer, large ones alone, and reads back exactly what was written', async () => {
    const values = createValueArena({ slabBytes: 64, maxPackedBytes: 16 })
    const [a, b] = [createCompactMemoryLevel({ values }), createCompactMemoryLevel({ values })]
    for (const db of [a, b]) { await db.open() }
    const source = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])
    await a.put('x', source)
    await openStore(b as any, 'sub').batch([{ type: 'put', key: 'y', value: new Uint8Array(10).fill(2) }, { type: 'put', key: 'big', value: new Uint8Array(17).fill(3) }])
    await b.put('empty', new Uint8Array(0))
    source.fill(0)

    const x = await a.get('x') as Uint8Array
    const y = await openStore(b as any, 'sub').get('y') as Uint8Array
    const big = await openStore(b as any, 'sub').get('big') as Uint8Array
    // written bytes, not the caller's buffer (changed after the put)
    expect([...x]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect([...y]).toEqual(new Array(10).fill(2))
    // both small values, from two stores, share one 64-byte slab
    expect(x.buffer).toBe(y.buffer)
    expect(x.buffer.byteLength).toBe(64)
    // a value over maxPackedBytes keeps a buffer of its own
    expect(big.buffer.byteLength).toBe(17)
    expect([...big]).toEqual(new Array(17).fill(3))
    expect((await b.get('empty'))?.byteLength).toBe(0)
    expect(values.slabs).toBe(1)

    // a value that does not fit the rest of the slab starts a new one; the old views stay intact
    for (let i = 0; i < 4; i++) { await a.put(`fill${i}`, new Uint8Array(16).fill(10 + i)) }
    expect(values.slabs).toBe(2)
    expect([...(await a.get('x') as Uint8Array)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect([...(await a.get('fill3') as Uint8Array)]).toEqual(new Array(16).fill(13))
    // an overwrite stores the new bytes; the other store's value is untouched
    await a.put('x', new Uint8Array([9]))
    expect([...(await a.get('x') as Uint8Array)]).toEqual([9])
    expect([...y]).toEqual(new Array(10).fill(2))
    for (const db of [a, b]) { await db.close() }
  })
})

describe('event log without persistence', () => {
  it('keeps its history in memory and writes nothing to the store', async () => {
    const db = createCompactMemoryLevel()
    await db.open()
    const store = openStore(db as any, 'events')
    const events = createEventLog({ store }, { historySize: 4, persist: false })
    await events.open()
    for (let i = 0; i < 6; i++) { events.emitEvent('truth', 'truth:received', { i }) }
    await events.close()
    expect(events.history({ limit: 10 }).map(e => (e.data as { i: number }).i)).toEqual([2, 3, 4, 5])
    expect(await store.keys().all()).toEqual([])

    // the same log with persistence (the default) does write: the check above can fail
    const stored = createEventLog({ store }, { historySize: 4 })
    await stored.open()
    stored.emitEvent('truth', 'truth:received', { i: 0 })
    await stored.close()
    expect((await store.keys().all()).length).toBe(1)
    await db.close()
  })
})
