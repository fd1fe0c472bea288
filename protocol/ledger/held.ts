/**
 * What the ledger holds, shared by its parts (writer, receiver, sync host, compaction,
 * queries): the store, the derived views, the per-document state vector with its
 * reconciliation index, the excluded authors, and one serial queue so that store and
 * views have a single writer. Storing a checked batch (`plan`, then `commit`) and
 * excluding an equivocating author live here, because both the writer and the receiver
 * do them.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromRawKey, toHex, fromHex } from '../crypto/index.ts'
import { ID_BYTES, SortedIds } from '../reconcile/index.ts'
import { openStore } from '../storage/index.ts'
import { openTrustedBatch } from './batch.ts'
import { createCharter, ledgerTopic } from './charter.ts'
import { GOSSIPED_CAPACITY, LEDGER_EVENTS } from './constants.ts'
import { addRun, compareBytes, findConflict, overlaps } from './doc-state.ts'
import { bytesEqual, isSlotEntry } from './entries.ts'
import { LedgerError } from './errors.ts'
import { formatCents } from './money.ts'
import { EquivocationProof, LedgerGossip, SignedBatch } from './pb/ledger.ts'
import { batchFingerprint, batchKey, decodeIndexed, indexKey, indexValue, LedgerStore, proofKey, xorHexInto } from './store.ts'
import { DerivedViews } from './views.ts'
import type { BatchItem, OpenedBatch } from './batch.ts'
import type { Charter } from './charter.ts'
import type { DocState } from './doc-state.ts'
import type { HumanStatus } from './entries.ts'
import type { LedgerComponents, LedgerInit, LedgerLibp2p, ReceiveResult } from './index.ts'
import type { StoreOp } from './store.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { Logger } from '@libp2p/interface'

/** What storing one batch takes. */
export interface Plan {
  batch: OpenedBatch
  /** items not already held */
  items: BatchItem[]
  indexKeys: string[]
  /** stored batches it replaces */
  deletes: Array<{ key: string, fp: string }>
  fp: string
  ops: StoreOp[]
}

/** A batch that will not be stored, and why; `proof` when it contradicts a stored one. */
export interface Verdict {
  result: ReceiveResult
  proof?: OpenedBatch
}

export interface LedgerHeld {
  readonly charter: Charter
  readonly topic: string
  readonly libp2p: LedgerLibp2p
  readonly crypto: RecordCrypto
  readonly events: EventLog
  readonly log: Logger
  readonly store: LedgerStore
  /** replaced whole when an exclusion rebuilds them */
  views: DerivedViews
  /** authors with an equivocation proof against them (hex keys) */
  readonly excluded: Set<string>
  /** per document (author!doc): held clock runs, fingerprint, reconciliation id */
  readonly docs: Map<string, DocState>
  /** document key by reconciliation id (hex) */
  readonly docById: Map<string, string>
  /** authors with at least one stored batch */
  readonly authorsHeld: Set<string>
  /** this node's public key, hex */
  readonly selfHex: string
  readonly maxBatchEntries: number
  now(): number
  /** the sorted id set of the held documents (excluded authors left out), updated per change */
  readonly index: SortedIds
  readonly running: boolean
  readonly startedAt: number
  /** counters since start */
  rejected: number
  throttled: number
  /** called inside serial when an author is excluded (the writer drops its own queued writes) */
  onExcluded?(authorHex: string): void
  /** Read the state vector, exclusions and views from the store. */
  load(): Promise<void>
  setRunning(running: boolean): void
  requireRunning(): void
  /** Run `fn` after every job queued before it: one writer for store and views. */
  serial<T>(fn: () => Promise<T>): Promise<T>
  docState(authorHex: string, doc: string, create: true): DocState
  docState(authorHex: string, doc: string, create?: boolean): DocState | undefined
  peerIdOf(authorHex: string): string
  /** Decide what storing a checked batch means, reading the store but writing nothing. Inside serial. */
  plan(batch: OpenedBatch, local: boolean): Promise<Plan | Verdict>
  /** After a plan's durable write: state vector, reconciliation index, views and events. Call `views.settle` after. */
  applyStored(plan: Plan, local: boolean, correlationId?: string): void
  /** Write plans in one durable LevelDB batch, then apply them. Inside serial. */
  commit(plans: Plan[], local: boolean, correlationIds: Array<string | undefined>): Promise<void>
  /** A document's batches changed: its reconciliation id follows. */
  refreshDocId(ds: DocState): void
  /** Record a proof, drop the author from the views, spread the proof. Inside serial. */
  exclude(a: OpenedBatch, b: OpenedBatch, reason: string, correlationId?: string): Promise<void>
  publish(msg: LedgerGossip): void
  /** Remember a batch signature as seen on gossip; false if it was already. */
  markGossiped(signature: Uint8Array): boolean
  isGossiped(signature: Uint8Array): boolean
}

/** A document's reconciliation id: it changes with every change of its held batches. */
export function docId (ds: DocState): string {
  const author = fromHex(ds.authorHex)
  const doc = new TextEncoder().encode(ds.doc)
  const input = new Uint8Array(author.byteLength + doc.byteLength + ds.fp.byteLength)
  input.set(author)
  input.set(doc, author.byteLength)
  input.set(ds.fp, author.byteLength + doc.byteLength)
  return toHex(sha256(input).subarray(0, ID_BYTES))
}

export function createLedgerHeld (components: LedgerComponents, init: LedgerInit): LedgerHeld {
  const charter = createCharter({ poolTotal: init.poolTotal, maxWeeklyFlow: init.maxWeeklyFlow, maxHousingCredit: init.maxHousingCredit, maxInvestmentPool: init.maxInvestmentPool })
  const excluded = new Set<string>()
  const docs = new Map<string, DocState>()
  const docById = new Map<string, string>()
  const peerIds = new Map<string, string>()
  /** signatures (first 16 bytes, hex) of batches seen on gossip or published: never gossiped on again */
  const gossiped = new Set<string>()
  let tail: Promise<unknown> = Promise.resolve()

  const held: LedgerHeld = {
    charter,
    topic: init.topic ?? ledgerTopic(charter),
    libp2p: components.libp2p,
    crypto: components.crypto,
    events: components.events,
    log: components.libp2p.logger.forComponent('liberation:ledger'),
    store: new LedgerStore(openStore(components.db, 'ledger')),
    views: new DerivedViews(excluded, charter.poolTotal, init.hotWeeks),
    excluded,
    docs,
    docById,
    authorsHeld: new Set(),
    selfHex: toHex(components.crypto.signer.publicKey),
    maxBatchEntries: Math.min(Math.max(1, init.maxBatchEntries ?? 1000), 4096),
    now: init.now ?? Date.now,
    index: new SortedIds(),
    running: false,
    startedAt: 0,
    rejected: 0,
    throttled: 0,

    async load () {
      docs.clear()
      docById.clear()
      excluded.clear()
      for await (const key of held.store.keys('x!')) {
        excluded.add(key.slice(2))
      }
      for await (const k of held.store.batchKeys()) {
        const ds = held.docState(k.authorHex, k.doc, true)
        held.authorsHeld.add(k.authorHex)
        ds.runs.push([k.start, k.end])
        xorHexInto(ds.fp, k.fp)
      }
      for (const ds of docs.values()) {
        const runs = ds.runs
        ds.runs = []
        for (const [s, e] of runs) { addRun(ds, s, e) }
        ds.id = docId(ds)
        docById.set(ds.id, ds.authorHex + '!' + ds.doc)
      }
      (held as { index: SortedIds }).index = SortedIds.from([...docs.values()].filter(ds => !excluded.has(ds.authorHex)).map(ds => fromHex(ds.id)))
      await held.views.rebuild(held.store)
    },

    setRunning (running) {
      const h = held as { running: boolean, startedAt: number }
      h.running = running
      if (running) { h.startedAt = held.now() }
    },

    requireRunning () {
      if (!held.running) { throw new LedgerError('unavailable', 'the ledger is not running') }
    },

    async serial<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn)
      tail = run.catch(() => {})
      return run
    },

    docState (authorHex: string, doc: string, create = false): any {
      const key = authorHex + '!' + doc
      let ds = docs.get(key)
      if (ds === undefined && create) {
        ds = { authorHex, doc, runs: [], fp: new Uint8Array(16), id: '' }
        docs.set(key, ds)
      }
      return ds
    },

    peerIdOf (authorHex) {
      let id = peerIds.get(authorHex)
      if (id === undefined) {
        id = peerIdFromRawKey(fromHex(authorHex)).toString()
        if (peerIds.size > 10_000) { peerIds.clear() }
        peerIds.set(authorHex, id)
      }
      return id
    },

    /**
     * For remote batches: refuse excluded authors, skip what is already held, and find
     * any contradiction with stored batches (same clock, or the same slot elsewhere).
     */
    async plan (batch, local) {
      const { authorHex, doc, clockStart, clockEnd } = batch
      if (excluded.has(authorHex)) { return { result: { status: 'excluded' } } }
      const ds = held.docState(authorHex, doc)
      let items = batch.items
      const deletes: Array<{ key: string, fp: string }> = []
      if (!local && ds !== undefined && overlaps(ds, clockStart, clockEnd)) {
        const stored = await held.store.overlapping(authorHex, doc, clockStart, clockEnd)
        if (stored.some(s => s.start === clockStart && s.end === clockEnd && bytesEqual(s.bytes, batch.bytes))) { return { result: { status: 'duplicate' } } }
        const known = new Set<number>()
        for (const s of stored) {
          const old = openTrustedBatch(s.bytes)
          const conflict = findConflict(old, batch)
          if (conflict !== undefined) { return { result: { status: 'equivocation', reason: conflict }, proof: old } }
          // the same items signed twice (e.g. re-signed): keep one, the same one everywhere
          if (s.start === clockStart && s.end === clockEnd && compareBytes(old.signature, batch.signature) <= 0) { return { result: { status: 'duplicate' } } }
          for (let c = Math.max(s.start, clockStart); c < Math.min(s.end, clockEnd); c++) { known.add(c) }
          // a batch covering stored ones (a compaction) replaces them
          if (s.start >= clockStart && s.end <= clockEnd) { deletes.push({ key: s.key, fp: s.fp }) }
        }
        // a sub-range of what is held (e.g. a small batch after its compacted version)
        if (deletes.length === 0 && known.size === clockEnd - clockStart) { return { result: { status: 'duplicate' } } }
        items = items.filter(it => !known.has(it.clock))
      }
      const indexKeys = items.map(it => indexKey(it.entry, authorHex, doc, it.clock))
      if (!local) {
        const slotAt: number[] = []
        for (let i = 0; i < items.length; i++) { if (isSlotEntry(items[i].entry)) { slotAt.push(i) } }
        const existing = await held.store.getMany(slotAt.map(i => indexKeys[i]))
        for (let j = 0; j < slotAt.length; j++) {
          const v = existing[j]
          if (v === undefined) { continue }
          const it = items[slotAt[j]]
          const ix = decodeIndexed(v)
          if (ix.doc === doc && ix.clock === it.clock) { continue }
          const other = await held.store.batchAt(authorHex, ix.doc, ix.clock)
          if (other === undefined) { continue }
          const old = openTrustedBatch(other.bytes)
          return { result: { status: 'equivocation', reason: findConflict(old, batch) ?? `slot ${it.key} written twice` }, proof: old }
        }
      }
      const fp = await batchFingerprint(batch.signature)
      const ops: StoreOp[] = []
      for (const d of deletes) { ops.push({ type: 'del', key: d.key }) }
      ops.push({ type: 'put', key: batchKey(authorHex, doc, clockStart, clockEnd, fp), value: batch.bytes })
      for (let i = 0; i < items.length; i++) { ops.push({ type: 'put', key: indexKeys[i], value: indexValue(doc, items[i]) }) }
      return { batch, items, indexKeys, deletes, fp, ops }
    },

    applyStored (p, local, correlationId) {
      held.authorsHeld.add(p.batch.authorHex)
      const ds = held.docState(p.batch.authorHex, p.batch.doc, true)
      addRun(ds, p.batch.clockStart, p.batch.clockEnd)
      for (const d of p.deletes) { xorHexInto(ds.fp, d.fp) }
      xorHexInto(ds.fp, p.fp)
      held.refreshDocId(ds)
      applyItems(p.batch, p.items, local, correlationId)
    },

    async commit (plans, local, correlationIds) {
      if (plans.length === 0) { return }
      const weeks = new Set<string>()
      for (const p of plans) { for (const it of p.items) { if (it.entry.kind === 'payment') { weeks.add(it.entry.week) } } }
      for (const week of weeks) { await held.views.loadWeek(held.store, week, weeks) }
      await held.store.commit(plans.length === 1 ? plans[0].ops : plans.flatMap(p => p.ops))
      plans.forEach((p, i) => { held.applyStored(p, local, correlationIds[i]) })
      await held.views.settle(held.store)
    },

    refreshDocId (ds) {
      if (ds.id !== '') {
        docById.delete(ds.id)
        held.index.delete(fromHex(ds.id))
      }
      ds.id = docId(ds)
      docById.set(ds.id, ds.authorHex + '!' + ds.doc)
      if (!excluded.has(ds.authorHex)) { held.index.add(fromHex(ds.id)) }
    },

    async exclude (a, b, reason, correlationId) {
      const proof: EquivocationProof = { a: SignedBatch.decode(a.bytes), b: SignedBatch.decode(b.bytes) }
      await held.store.commit([{ type: 'put', key: proofKey(a.authorHex), value: EquivocationProof.encode(proof) }])
      excluded.add(a.authorHex)
      for (const ds of docs.values()) {
        if (ds.authorHex === a.authorHex && ds.id !== '') { held.index.delete(fromHex(ds.id)) }
      }
      held.onExcluded?.(a.authorHex)
      // rebuilt aside and swapped in whole: queries never see half-built views
      const views = new DerivedViews(excluded, charter.poolTotal, init.hotWeeks)
      await views.rebuild(held.store)
      held.views = views
      held.log.error('author %s equivocated: %s', a.authorHex, reason)
      held.events.emitEvent('resources', LEDGER_EVENTS.equivocation, { author: held.peerIdOf(a.authorHex), reason }, correlationId)
      held.publish({ proof })
    },

    publish (msg) {
      if (!held.running) { return }
      if (msg.batch != null) { held.markGossiped(msg.batch.signature) }
      held.libp2p.services.pubsub.publish(held.topic, LedgerGossip.encode(msg)).catch((err: any) => {
        held.log('publish failed: %s', err.message)
      })
    },

    markGossiped (signature) {
      const key = toHex(signature.subarray(0, 16))
      if (gossiped.has(key)) { return false }
      if (gossiped.size >= GOSSIPED_CAPACITY) { gossiped.delete(gossiped.keys().next().value as string) }
      gossiped.add(key)
      return true
    },

    isGossiped (signature) {
      return gossiped.has(toHex(signature.subarray(0, 16)))
    }
  }

  /** Apply stored items to the views and announce them as events. */
  function applyItems (batch: OpenedBatch, items: BatchItem[], local: boolean, correlationId?: string): void {
    const { authorHex, doc } = batch
    const humans: Array<{ id: string, status: HumanStatus }> = []
    const changes: Array<{ humanId: string, status: HumanStatus }> = []
    const weeks = new Set<string>()
    let registered = 0
    let statusCount = 0
    let paidCount = 0
    let paid = 0n
    for (const it of items) {
      const e = it.entry
      if (e.kind === 'human') {
        held.views.applyRegistration(authorHex, e)
        registered++
        if (humans.length < 100) { humans.push({ id: e.humanId, status: e.status }) }
      } else if (e.kind === 'status') {
        held.views.applyStatus(authorHex, doc, it.clock, e)
        statusCount++
        if (changes.length < 100) { changes.push({ humanId: e.humanId, status: e.status }) }
      } else {
        held.views.applyPayment(authorHex, e)
        paidCount++
        paid += BigInt(e.amount)
        weeks.add(e.week)
      }
    }
    if (items.length === 0) { return }
    const author = held.peerIdOf(authorHex)
    const events = held.events
    if (registered > 0) { events.emitEvent('resources', LEDGER_EVENTS.humansRegistered, { humans, count: registered, author, local }, correlationId) }
    if (statusCount > 0) { events.emitEvent('resources', LEDGER_EVENTS.statusChanged, { changes, count: statusCount, author, local }, correlationId) }
    if (paidCount > 0) { events.emitEvent('resources', LEDGER_EVENTS.paymentsRecorded, { weeks: [...weeks].sort(), count: paidCount, total: formatCents(paid), author, local }, correlationId) }
  }

  return held
}
