/**
 * Seeded property test, in the style of Yjs's fuzz tests: replicas receive random
 * interleavings of honest and malicious (validly signed) batches, distribute while
 * partitioned, then heal. After everything is delivered every replica shows the same
 * views, remaining wealth is never below zero, at most one payment counts per (human,
 * week), every counted amount is the owner's flow and every honest owner's record is
 * what its owner wrote. `SEED=<n>` explores another interleaving; `FUZZ_ROUNDS=<n>` more.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { toHex } from '../../protocol/crypto/index.ts'
import { isoWeek } from '../../protocol/ledger/index.ts'
import { HumanStatusPb } from '../../protocol/ledger/pb/ledger.ts'
import { createRandom } from '../../simulations/random.ts'
import { TestMesh } from '../utils/mesh.ts'
import { entryBytes, ownBatch, payment, paymentKey } from './forge.ts'
import type { Signer } from '../../protocol/crypto/index.ts'
import type { LedgerService } from '../../protocol/ledger/index.ts'
import type { TestNode } from '../utils/mesh.ts'

const SEED = Number(process.env.SEED ?? 20251)
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1)

const rng = (seed: number): () => number => createRandom(seed).next

interface Author { signer: Signer, hex: string, honest: boolean, clocks: Map<string, number>, slots: Set<string> }
interface Written { weeklyFlow: string, status: 'active' | 'inactive' }

let mesh: TestMesh
afterEach(async () => { await mesh?.cleanup() })

function shuffle<T> (xs: T[], rand: () => number): T[] {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

async function all<T> (page: (cursor?: string) => Promise<{ items: T[], nextCursor?: string }>): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  do {
    const p = await page(cursor)
    out.push(...p.items)
    cursor = p.nextCursor
  } while (cursor !== undefined)
  return out
}

async function checkInvariants (ledger: LedgerService, honest: Map<string, Written>): Promise<void> {
  const stats = await ledger.stats()
  expect(stats.remainingWealth.startsWith('-')).toBe(false)
  const txs = await all(async cursor => ledger.history({ cursor, limit: 1000, includeSuperseded: true }))
  const counted = new Set<string>()
  for (const t of txs) {
    if (t.status !== 'completed' && t.status !== 'unfunded') { continue }
    const key = `${t.week}!${t.humanId}!${t.metadata.registrarKey}`
    expect(counted.has(key), `one counted payment for ${key}`).toBe(false)
    counted.add(key)
    const h = await ledger.getHuman(t.humanId, t.metadata.registrarKey)
    expect(t.amount, `counted amount of ${key}`).toBe(h?.weeklyFlow)
  }
  for (const [key, w] of honest) {
    const [id, registrar] = key.split('@')
    const h = await ledger.getHuman(id, registrar)
    if (h !== undefined) { expect({ weeklyFlow: h.weeklyFlow, status: h.status }, key).toEqual(w) }
  }
}

async function round (seed: number): Promise<void> {
  const rand = rng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]
  const now = Date.now()
  const weeks = [isoWeek(now - 7 * 86400_000), isoWeek(now)]
  const authors: Author[] = []
  for (let i = 0; i < 5; i++) {
    const signer = createNodeSigner(await generateKeyPair('Ed25519'))
    authors.push({ signer, hex: toHex(signer.publicKey), honest: i < 3, clocks: new Map(), slots: new Set() })
  }
  const ids = Array.from({ length: 8 }, (_, i) => `h${i}`)
  const registered = new Map<string, string>() // id@registrar -> flow
  const honest = new Map<string, Written>()
  const batches: Uint8Array[] = []
  const flows = ['800.00', '500.00', '0.00', '123.45']

  async function write (a: Author, items: Array<{ key: string, value: Uint8Array }>): Promise<void> {
    if (items.length === 0) { return }
    const doc = pick(weeks)
    const start = a.clocks.get(doc) ?? 0
    a.clocks.set(doc, start + items.length)
    batches.push(await ownBatch(a.signer, doc, start, items))
  }

  for (let step = 0; step < 30; step++) {
    const a = pick(authors)
    const items: Array<{ key: string, value: Uint8Array }> = []
    const used = new Set<string>()
    for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
      const id = pick(ids)
      const action = rand()
      if (action < 0.35) {
        // a registration: honest authors only once per id; malicious ones with any flow or claimed time
        const key = `${id}@${a.hex}`
        if (registered.has(key) || used.has(`h:${id}`)) { continue }
        const weeklyFlow = pick(flows)
        const status = rand() < 0.8 ? 'active' : 'inactive'
        items.push({ key: `h:${id}`, value: entryBytes({ humanId: id, at: a.honest ? now : 1 + Math.floor(rand() * 1e12), weeklyFlow, housingCredit: '0.00', investmentPool: '0.00', status: status === 'active' ? HumanStatusPb.ACTIVE : HumanStatusPb.INACTIVE }) })
        used.add(`h:${id}`)
        registered.set(key, weeklyFlow)
        if (a.honest) { honest.set(key, { weeklyFlow, status }) }
      } else {
        // a payment: honest authors pay a known record its flow; malicious ones any amount to anyone
        const known = [...registered.keys()]
        const target = known.length > 0 && rand() < 0.85 ? pick(known) : `${id}@${pick(authors).hex}`
        const [hid, reg] = target.split('@')
        const week = pick(weeks)
        const regKey = Uint8Array.from(Buffer.from(reg, 'hex'))
        const key = paymentKey(hid, week, regKey)
        // honest authors never write a slot twice; a malicious one may, and is excluded for it
        if (used.has(key) || (a.honest && a.slots.has(key))) { continue }
        const flow = registered.get(target) ?? '800.00'
        const amount = a.honest ? flow : pick([flow, '0.01', '9999999999999.99', '800.00'])
        if (amount === '0.00') { continue }
        used.add(key)
        a.slots.add(key)
        items.push({ key, value: payment(hid, week, amount, regKey) })
      }
    }
    await write(a, items)
  }

  mesh = new TestMesh()
  // a pool of about ten payments: admission order matters
  const init = { ledger: { poolTotal: '8000.00', sync: { intervalMs: 0 }, compactIntervalMs: 0 } }
  const replicas: TestNode[] = []
  for (let i = 0; i < 3; i++) { replicas.push(await mesh.add({ init })) }

  // partitioned: each replica gets a random part in a random order, and distributes
  for (const r of replicas) {
    const part = shuffle(batches, rand).filter(() => rand() < 0.5)
    for (const b of part) { await r.node.ledger.receiveBatch(b) }
    await r.node.ledger.distributeWeekly().catch((err: any) => { expect(err.code).toBe('insufficient_pool') })
    await checkInvariants(r.node.ledger, honest)
  }
  // heal: everything, the replicas' own batches included, in another random order each
  const everything = [...batches]
  for (const r of replicas) { for await (const b of r.node.ledger.batches()) { everything.push(b) } }
  for (const r of replicas) {
    for (const b of shuffle(everything, rand)) { await r.node.ledger.receiveBatch(b) }
  }
  const state = replicas[0].node.ledger.derivedState()
  for (const r of replicas) {
    expect(r.node.ledger.derivedState(), `seed ${seed}: replicas converge`).toBe(state)
    await checkInvariants(r.node.ledger, honest)
    expect((await r.node.ledger.verifyIntegrity()).ok).toBe(true)
  }
  await mesh.cleanup()
}

describe('ledger fuzz', () => {
  it(`random interleavings of honest and malicious batches converge to the same honest views (SEED=${SEED})`, async () => {
    for (let i = 0; i < ROUNDS; i++) { await round(SEED + i) }
  }, 120_000)
})
