/**
 * Replication acceptance: partitions that heal, late joiners, restarts. Real libp2p nodes
 * over the memory transport, each with its own LevelDB.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { LEDGER_EVENTS } from '../../protocol/ledger/index.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { ownBatch, registration } from './forge.ts'
import type { DistributionResult, LedgerService } from '../../protocol/ledger/index.ts'
import type { SyncResult } from '../../protocol/ledger/sync.ts'
import type { TestNode, TestNodeOptions } from '../utils/mesh.ts'

const LEDGER = { sync: { intervalMs: 1000 }, compactIntervalMs: 0 }

let mesh: TestMesh
afterEach(async () => { await mesh?.cleanup() })

async function addNode (opts: TestNodeOptions = {}): Promise<TestNode> {
  return mesh.add({ ...opts, init: { ...opts.init, ledger: { ...LEDGER, ...opts.init?.ledger } } })
}

async function converged (nodes: TestNode[], what: string, ms = 20_000): Promise<string> {
  await waitFor(() => {
    const s = nodes[0].node.ledger.derivedState()
    return nodes.every(n => n.node.ledger.derivedState() === s)
  }, what, ms, 100)
  return nodes[0].node.ledger.derivedState()
}

function cents (s: string): bigint {
  const [i, f] = s.split('.')
  return BigInt(i) * 100n + BigInt(f)
}

async function allHumans (ledger: LedgerService): Promise<Map<string, Awaited<ReturnType<LedgerService['listHumans']>>['items'][number]>> {
  const out = new Map()
  let cursor: string | undefined
  do {
    const page = await ledger.listHumans({ cursor, limit: 17 })
    for (const h of page.items) { out.set(`${h.id}@${h.registeredBy}`, h) }
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}

describe('ledger replication', () => {
  it('6 nodes in two partitions distribute the same week; after healing every human record is paid exactly once and the totals add up', async () => {
    mesh = new TestMesh()
    const n = await Promise.all(Array.from({ length: 6 }, async () => addNode()))
    // side A: 0-1-2 (triangle), side B: 3-4-5 (triangle)
    for (const [a, b] of [[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5]]) { await connect(n[a].node, n[b].node) }
    const sideA = n.slice(0, 3)
    const sideB = n.slice(3)

    const ids = (p: string, k: number): string[] => Array.from({ length: k }, (_, i) => `${p}-${String(i).padStart(3, '0')}`)
    const onlyA = ids('a', 30)
    const onlyB = ids('b', 30)
    const shared = ids('shared', 20)
    // registrations on several nodes of each side; shared ids registered on both sides are two humans each
    await Promise.all([
      ...onlyA.slice(0, 15).map(async id => n[0].node.ledger.registerHuman({ id })),
      ...onlyA.slice(15).map(async id => n[2].node.ledger.registerHuman({ id })),
      ...shared.map(async id => n[1].node.ledger.registerHuman({ id })),
      ...onlyB.slice(0, 15).map(async id => n[3].node.ledger.registerHuman({ id })),
      ...onlyB.slice(15).map(async id => n[5].node.ledger.registerHuman({ id, weeklyFlow: '712.34' })),
      ...shared.map(async id => n[4].node.ledger.registerHuman({ id }))
    ])
    await converged(sideA, 'side A to converge')
    await converged(sideB, 'side B to converge')
    expect((await n[0].node.ledger.stats()).totalHumans).toBe(50)
    expect((await n[3].node.ledger.stats()).totalHumans).toBe(50)

    // both sides distribute the same week, two nodes at once on side B
    const results: DistributionResult[] = await Promise.all([
      n[1].node.ledger.distributeWeekly(),
      n[4].node.ledger.distributeWeekly(),
      n[5].node.ledger.distributeWeekly({ humanIds: shared })
    ])
    expect(results[0].paid).toBe(50)
    const week = results[0].week
    expect(results.every(r => r.week === week)).toBe(true)
    await converged(sideA, 'side A after distribution')
    await converged(sideB, 'side B after distribution')

    // heal
    await connect(n[2].node, n[3].node)
    await connect(n[0].node, n[5].node)
    const state = await converged(n, 'all 6 nodes to converge after healing')
    for (const node of n) { expect(node.node.ledger.derivedState()).toBe(state) }

    // expected: per human record, its flow, whichever node paid it
    const best = new Map<string, bigint>()
    for (const r of results) {
      for (const p of r.payments) {
        const key = `${p.humanId}@${p.registrar}`
        if (best.has(key)) { expect(best.get(key)).toBe(cents(p.amount)) }
        best.set(key, cents(p.amount))
      }
    }
    expect(best.size).toBe(100)
    const expectedTotal = [...best.values()].reduce((a, b) => a + b, 0n)
    for (const node of n) {
      const humans = await allHumans(node.node.ledger)
      expect(humans.size).toBe(100)
      let sum = 0n
      for (const [id, h] of humans) {
        expect(h.payments, `${id} paid once`).toBe(1)
        expect(h.lastDistributionWeek).toBe(week)
        expect(cents(h.totalReceived), id).toBe(best.get(id))
        sum += cents(h.totalReceived)
      }
      const stats = await node.node.ledger.stats()
      expect(cents(stats.totalDistributed)).toBe(expectedTotal)
      expect(sum).toBe(expectedTotal)
      expect(cents(stats.distributedThisWeek)).toBe(expectedTotal)
      expect(cents(stats.remainingWealth)).toBe(cents(stats.poolTotal) - expectedTotal)
      expect(stats.paymentsThisWeek).toBe(100)
      expect(stats.totalHumans).toBe(100)
      expect(stats.activeHumans).toBe(100)
      // one completed transaction per human record, the rest superseded
      let completed = 0
      let superseded = 0
      let cursor: string | undefined
      do {
        const page = await node.node.ledger.history({ week, cursor, limit: 33, includeSuperseded: true })
        for (const t of page.items) {
          if (t.status === 'completed') { completed++ } else { superseded++ }
        }
        cursor = page.nextCursor
      } while (cursor !== undefined)
      expect(completed).toBe(100)
      // a record paid by two nodes at once keeps both payments; the extra ones do not count
      expect(superseded).toBe(results.reduce((a, r) => a + r.paid, 0) - 100)
      expect((await node.node.ledger.verifyIntegrity()).ok).toBe(true)
    }
    // a second run anywhere pays nobody again
    const again = await n[2].node.ledger.distributeWeekly()
    expect(again.paid).toBe(0)
    expect(again.skipped.alreadyPaid).toBe(100)
  })

  it('a late joiner converges from a peer after the author is gone', async () => {
    mesh = new TestMesh()
    const author = await addNode()
    const relay = await addNode()
    await Promise.all(Array.from({ length: 40 }, async (_, i) => author.node.ledger.registerHuman({ id: `late-${i}` })))
    await author.node.ledger.distributeWeekly()
    await connect(author.node, relay.node)
    const state = await converged([author, relay], 'relay to catch up')
    await author.stop()

    const late = await addNode()
    expect(late.node.ledger.derivedState()).not.toBe(state)
    await connect(late.node, relay.node)
    await converged([relay, late], 'late joiner to catch up')
    expect(late.node.ledger.derivedState()).toBe(state)
    expect((await late.node.ledger.stats()).totalDistributed).toBe('32000.00')
    expect((await late.node.ledger.verifyIntegrity()).ok).toBe(true)
  })

  it('a restarted node keeps its state, catches up from a non-author, and keeps writing without contradicting itself', async () => {
    mesh = new TestMesh()
    const a = await addNode()
    const b = await addNode()
    const c = await addNode()
    await connect(a.node, b.node)
    await connect(b.node, c.node)
    await Promise.all(Array.from({ length: 10 }, async (_, i) => a.node.ledger.registerHuman({ id: `r-${i}` })))
    await Promise.all(Array.from({ length: 5 }, async (_, i) => b.node.ledger.registerHuman({ id: `rb-${i}` })))
    const before = await converged([a, b, c], 'initial convergence')
    const dir = a.dataDir
    await a.stop()

    // b writes while a is down, c hears it, then b leaves too
    await Promise.all(Array.from({ length: 5 }, async (_, i) => b.node.ledger.registerHuman({ id: `missed-${i}` })))
    await b.node.ledger.distributeWeekly()
    const later = await converged([b, c], 'c to hear what a missed')
    await b.stop()

    const a2 = await addNode({ dataDir: dir })
    expect(a2.node.ledger.derivedState()).toBe(before)
    expect((await a2.node.ledger.verifyIntegrity()).ok).toBe(true)
    await connect(a2.node, c.node)
    await converged([a2, c], 'restarted node to converge from c')
    expect(a2.node.ledger.derivedState()).toBe(later)
    // its own document continues where it stopped: c accepts the new write
    await a2.node.ledger.registerHuman({ id: 'after-restart' })
    await converged([a2, c], 'c to get the write made after the restart')
    const stats = await c.node.ledger.stats()
    expect(stats.totalHumans).toBe(21)
    expect(stats.excludedAuthors).toBe(0)
    expect((await a2.node.ledger.getHuman('missed-3'))?.totalReceived).toBe('800.00')
    expect(await a2.node.ledger.equivocations()).toEqual([])
    expect(await c.node.ledger.equivocations()).toEqual([])
  })

  it('a fresh node catches up on many documents over bounded messages and chunked requests', async () => {
    mesh = new TestMesh()
    // small bounds, so 600 documents take many reconciliation answers and transfer requests
    const bounds = { ledger: { ...LEDGER, sync: { intervalMs: 0, idsPerMessage: 50, transferChunk: 80 } } }
    const holder = await addNode({ init: bounds })
    const docs = 600
    for (let a = 0; a < docs / 50; a++) {
      const signer = createNodeSigner(await generateKeyPair('Ed25519'))
      for (let w = 1; w <= 50; w++) {
        const week = `2025-W${String(w).padStart(2, '0')}`
        const batch = await ownBatch(signer, week, 0, [{ key: `h:a${a}w${w}`, value: registration(`a${a}w${w}`) }])
        expect((await holder.node.ledger.receiveBatch(batch)).status).toBe('applied')
      }
    }
    expect((await holder.node.ledger.stats()).documents).toBe(docs)
    const fresh = await addNode({ init: bounds })
    await connect(fresh.node, holder.node)
    const state = await converged([holder, fresh], 'the fresh node to catch up', 60_000)
    expect(state).toContain('a11w50')
    const pulls = fresh.node.events.history({ type: LEDGER_EVENTS.synced }).map(e => e.data as SyncResult).filter(r => r.need > 0)
    expect(pulls).toHaveLength(1)
    const pull = pulls[0]
    expect(pull.need).toBe(docs)
    expect(pull.messages).toBe(docs)
    // 600 ids at most 50 an answer: a dozen rounds or more, none of them large
    expect(pull.rounds).toBeGreaterThanOrEqual(docs / 50)
    expect(pull.bytesReceived / pull.rounds).toBeLessThan(400_000)
    expect((await fresh.node.ledger.verifyIntegrity()).ok).toBe(true)
  })
})
