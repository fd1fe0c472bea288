/**
 * The ledger service behind `createLedger`: lifecycle, the writer (group commit of this
 * node's entries), the receiver (checks, quotas, group commit of received batches,
 * equivocation), the sync host, queries and compaction. See `index.ts` for the design.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromRawKey, toHex, fromHex } from '../crypto/index.ts'
import { newCorrelationId } from '../events/index.ts'
import { WindowBudget } from '../limits/window-budget.ts'
import { registerTopicScore } from '../pubsub/gossip.ts'
import { ID_BYTES, Reconciler, SortedIds } from '../reconcile/index.ts'
import { openStore } from '../storage/index.ts'
import { BatchRejected, docFromBatches, MAX_BATCH_ENTRIES, openBatch, openTrustedBatch, signBatch } from './batch.ts'
import { charterViolation, createCharter, ledgerSyncProtocol, ledgerTopic, requireWithinCharter } from './charter.ts'
import { DEFAULT_HOUSING_CREDIT, DEFAULT_INVESTMENT_POOL, DEFAULT_WEEKLY_FLOW, GOSSIPED_CAPACITY, KEY_END_CHAR, LEDGER_EVENTS, REGOSSIP_BYTES_PER_10S, REGOSSIP_PER_10S, REGOSSIP_WINDOW_MS } from './constants.ts'
import { addRun, claimedAuthor, compareBytes, contiguous, covers, embedBatch, findConflict, heldWithin, maxEnd, overlaps } from './doc-state.ts'
import { bytesEqual, decodeEntry, encodeEntry, entryKey, HUMAN_ID, HUMAN_STATUSES, isSlotEntry } from './entries.ts'
import { LedgerError, invalidInput } from './errors.ts'
import { formatCents, parseAmount } from './money.ts'
import { BatchBody, EquivocationProof, LedgerGossip, SignedBatch, SyncResponse } from './pb/ledger.ts'
import { AuthorQuota, PeerQuota } from './quota.ts'
import { isPreferredPayer, isValidPayment } from './rules.ts'
import { batchFingerprint, batchKey, decodeIndexed, docPrefix, indexKey, indexValue, LedgerStore, parseBatchKey, proofKey, xorHexInto } from './store.ts'
import { createLedgerSync, SESSION_STATES } from './sync.ts'
import { DerivedViews } from './views.ts'
import { isIsoWeek, isoWeek } from './week.ts'
import type { BatchItem, Bytes, OpenedBatch } from './batch.ts'
import type { Charter } from './charter.ts'
import type { DocState } from './doc-state.ts'
import type { HumanEntry, HumanStatus, LedgerEntry, PaymentEntry, StatusEntry } from './entries.ts'
import type { DistributeInput, DistributionResult, EquivocationRecord, HistoryQuery, Human, LedgerComponents, LedgerInit, LedgerLibp2p, LedgerService, LedgerTransaction, ListHumansQuery, OperationOptions, Page, ReceiveOptions, ReceiveResult, ReceiveVia, RegisterHumanInput, SystemStats } from './index.ts'
import type { SyncRequest } from './pb/ledger.ts'
import type { StoreOp, StoredBatch } from './store.ts'
import type { LedgerSync, SyncResult, SyncSession } from './sync.ts'
import type { HumanView, Winner } from './views.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { Logger, PeerId } from '@libp2p/interface'
import type * as Y from 'yjs'

interface PendingWrite {
  entry: LedgerEntry
  slot?: string
  correlationId?: string
  resolve(): void
  reject(err: Error): void
}

interface Incoming {
  batch: OpenedBatch
  via: ReceiveVia
  /** peer it came from */
  from?: string
  correlationId?: string
  resolve(r: ReceiveResult): void
  reject(err: Error): void
}

/** What storing one batch takes. */
interface Plan {
  batch: OpenedBatch
  /** items not already held */
  items: BatchItem[]
  indexKeys: string[]
  /** stored batches it replaces */
  deletes: Array<{ key: string, fp: string }>
  fp: string
  ops: StoreOp[]
}

/** What one serve session remembers across the peer's transfer requests. */
interface ServeState {
  /** the peer's state of documents it holds (author!doc) */
  theirs: Map<string, { clock: number, fingerprint: Uint8Array }>
  theirExcluded: Set<string>
  /** documents already sent in this session */
  served: Set<string>
  first: boolean
}

/** A batch that will not be stored, and why; `proof` when it contradicts a stored one. */
interface Verdict {
  result: ReceiveResult
  proof?: OpenedBatch
}

export class Ledger implements LedgerService {
  readonly topic: string
  readonly charter: Charter
  private readonly libp2p: LedgerLibp2p
  private readonly crypto: RecordCrypto
  private readonly events: EventLog
  private readonly log: Logger
  private readonly store: LedgerStore
  private readonly views: DerivedViews
  private readonly excluded = new Set<string>()
  private readonly docs = new Map<string, DocState>()
  private readonly selfHex: string
  private readonly defaults: { weeklyFlow: number, housingCredit: number, investmentPool: number }
  private readonly maxBatchEntries: number
  private readonly compactIntervalMs: number
  private readonly compactBelow: number
  private readonly now: () => number
  private readonly sync_: LedgerSync
  private readonly peerIds = new Map<string, string>()
  private pending: PendingWrite[] = []
  /** next clock of this node's current document, ahead of the store while writes are in flight */
  private ownClock: { doc: string, next: number } | undefined
  private readonly incoming: Incoming[] = []
  private incomingScheduled = false
  private readonly pendingSlots = new Set<string>()
  private flushScheduled = false
  private tail: Promise<unknown> = Promise.resolve()
  private running = false
  private startedAt = 0
  private rejected = 0
  private throttled = 0
  private readonly quota: AuthorQuota
  private readonly peerQuota: PeerQuota
  /** authors with at least one stored batch */
  private readonly authorsHeld = new Set<string>()
  /** document key by reconciliation id (hex) */
  private readonly docById = new Map<string, string>()
  /** the sorted id set of the held documents (excluded authors left out), updated per change */
  private index = new SortedIds()
  /** throttled since the last `throttled` event */
  private throttleReport: { at: number, batches: number, authors: Set<string>, peers: Set<string> } = { at: 0, batches: 0, authors: new Set(), peers: new Set() }
  /** signatures (first 16 bytes, hex) of batches seen on gossip or published: never gossiped on again */
  private readonly gossiped = new Set<string>()
  private readonly regossipBudget = new WindowBudget(10_000, REGOSSIP_PER_10S, REGOSSIP_BYTES_PER_10S)
  private compactTimer: ReturnType<typeof setInterval> | undefined
  private readonly validator = async (peer: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => this.validate(peer, msg.data)

  constructor (components: LedgerComponents, init: LedgerInit) {
    this.libp2p = components.libp2p
    this.crypto = components.crypto
    this.events = components.events
    this.log = components.libp2p.logger.forComponent('liberation:ledger')
    this.store = new LedgerStore(openStore(components.db, 'ledger'))
    this.charter = createCharter({ poolTotal: init.poolTotal, maxWeeklyFlow: init.maxWeeklyFlow, maxHousingCredit: init.maxHousingCredit, maxInvestmentPool: init.maxInvestmentPool })
    this.topic = init.topic ?? ledgerTopic(this.charter)
    this.views = new DerivedViews(this.excluded, this.charter.poolTotal, init.hotWeeks)
    this.selfHex = toHex(components.crypto.signer.publicKey)
    this.defaults = {
      // the domain's defaults, or the charter's maxima when a charter sets them lower
      weeklyFlow: Math.min(parseAmount(init.weeklyFlow ?? DEFAULT_WEEKLY_FLOW, 'weeklyFlow', { allowZero: true }), init.weeklyFlow === undefined ? this.charter.maxWeeklyFlow : Infinity),
      housingCredit: Math.min(parseAmount(init.housingCredit ?? DEFAULT_HOUSING_CREDIT, 'housingCredit', { allowZero: true }), init.housingCredit === undefined ? this.charter.maxHousingCredit : Infinity),
      investmentPool: Math.min(parseAmount(init.investmentPool ?? DEFAULT_INVESTMENT_POOL, 'investmentPool', { allowZero: true }), init.investmentPool === undefined ? this.charter.maxInvestmentPool : Infinity)
    }
    requireWithinCharter(this.charter, { kind: 'human', humanId: 'defaults', at: 1, status: 'active', ...this.defaults })
    this.maxBatchEntries = Math.min(Math.max(1, init.maxBatchEntries ?? 1000), 4096)
    this.compactIntervalMs = init.compactIntervalMs ?? 60_000
    this.compactBelow = init.compactBelow ?? 64
    this.now = init.now ?? Date.now
    this.quota = new AuthorQuota(init.authorQuota)
    this.peerQuota = new PeerQuota(init.peerQuota)
    this.sync_ = createLedgerSync(components.libp2p, {
      reconciler: (initiator) => new Reconciler(this.index, initiator, { idsPerMessage: init.sync?.idsPerMessage }),
      request: (have, need) => this.syncRequest(have, need),
      responder: () => {
        const state: ServeState = { theirs: new Map(), theirExcluded: new Set(), served: new Set(), first: true }
        return (req) => this.syncResponses(req, state)
      },
      receive: async (msg, session) => this.syncReceive(msg, session),
      onSynced: (result, correlationId) => {
        this.events.emitEvent('resources', LEDGER_EVENTS.synced, result, correlationId)
      },
      onCharterMismatch: (peer, protocol) => {
        this.log.error('peer %p runs the ledger under another charter (%s, ours %s): no ledger data is exchanged with it; check pool_total and the record bounds', peer, protocol, ledgerSyncProtocol(this.charter))
        this.events.emitEvent('resources', LEDGER_EVENTS.charterMismatch, { peer: peer.toString(), protocol, charter: this.charter.id })
      },
      log: this.log
    }, { ...init.sync, protocol: ledgerSyncProtocol(this.charter) })
  }

  // ---------------------------------------------------------------- lifecycle

  async start (): Promise<void> {
    if (this.running) { return }
    this.docs.clear()
    this.docById.clear()
    this.excluded.clear()
    this.ownClock = undefined
    for await (const key of this.store.keys('x!')) {
      this.excluded.add(key.slice(2))
    }
    for await (const k of this.store.batchKeys()) {
      const ds = this.docState(k.authorHex, k.doc, true)
      this.authorsHeld.add(k.authorHex)
      ds.runs.push([k.start, k.end])
      xorHexInto(ds.fp, k.fp)
    }
    for (const ds of this.docs.values()) {
      const runs = ds.runs
      ds.runs = []
      for (const [s, e] of runs) { addRun(ds, s, e) }
      ds.id = docId(ds)
      this.docById.set(ds.id, ds.authorHex + '!' + ds.doc)
    }
    this.index = SortedIds.from([...this.docs.values()].filter(ds => !this.excluded.has(ds.authorHex)).map(ds => fromHex(ds.id)))
    await this.views.rebuild(this.store)
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validator)
    registerTopicScore(pubsub, this.topic)
    pubsub.subscribe(this.topic)
    this.running = true
    this.startedAt = this.now()
    await this.sync_.start()
    if (this.compactIntervalMs > 0) {
      this.compactTimer = setInterval(() => {
        this.compact().catch(err => { this.log.error('compaction failed: %s', err.message) })
      }, this.compactIntervalMs)
    }
  }

  async stop (): Promise<void> {
    if (!this.running) { return }
    this.running = false
    if (this.compactTimer !== undefined) { clearInterval(this.compactTimer) }
    this.compactTimer = undefined
    await this.sync_.stop()
    const pubsub = this.libp2p.services.pubsub
    try {
      pubsub.unsubscribe(this.topic)
    } catch {
      // gossipsub already stopped
    }
    if (pubsub.topicValidators.get(this.topic) === this.validator) { pubsub.topicValidators.delete(this.topic) }
    // let queued writes finish: every acknowledged entry is on disk before the db closes
    await this.serial(async () => { await this.flush() }).catch(() => {})
  }

  /** Run `fn` after every job queued before it: one writer for store and views. */
  private async serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn)
    this.tail = run.catch(() => {})
    return run
  }

  private docState (authorHex: string, doc: string, create: true): DocState
  private docState (authorHex: string, doc: string, create?: boolean): DocState | undefined
  private docState (authorHex: string, doc: string, create = false): DocState | undefined {
    const key = authorHex + '!' + doc
    let ds = this.docs.get(key)
    if (ds === undefined && create) {
      ds = { authorHex, doc, runs: [], fp: new Uint8Array(16), id: '' }
      this.docs.set(key, ds)
    }
    return ds
  }

  private peerIdOf (authorHex: string): string {
    let id = this.peerIds.get(authorHex)
    if (id === undefined) {
      id = peerIdFromRawKey(fromHex(authorHex)).toString()
      if (this.peerIds.size > 10_000) { this.peerIds.clear() }
      this.peerIds.set(authorHex, id)
    }
    return id
  }

  private requireRunning (): void {
    if (!this.running) { throw new LedgerError('unavailable', 'the ledger is not running') }
  }

  // ---------------------------------------------------------------- local writes

  private enqueue (entry: LedgerEntry, slot: string | undefined, correlationId?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entry, slot, correlationId, resolve, reject })
      if (slot !== undefined) { this.pendingSlots.add(slot) }
      if (!this.flushScheduled) {
        this.flushScheduled = true
        this.serial(async () => {
          this.flushScheduled = false
          await this.flush()
        }).catch(() => {})
      }
    })
  }

  /**
   * Group commit: every pending write goes out in as few signed batches as possible, and
   * the next batch is encoded and signed while the previous one is being synced to disk.
   * Writes reach LevelDB one after the other, in clock order. Inside serial.
   */
  private async flush (): Promise<void> {
    let prev: { chunk: PendingWrite[], plan: Plan, write: Promise<void> } | undefined
    while (this.pending.length > 0 || prev !== undefined) {
      let next: { chunk: PendingWrite[], plan: Plan } | undefined
      if (this.pending.length > 0) {
        const chunk = this.pending.splice(0, this.maxBatchEntries)
        try {
          next = { chunk, plan: await this.prepareOwn(chunk.map(w => w.entry)) }
        } catch (err: any) {
          this.settle(chunk, err)
        }
      }
      if (prev !== undefined) {
        try {
          await prev.write
          await this.finishOwn(prev.plan, prev.chunk[0].correlationId)
          this.settle(prev.chunk)
        } catch (err: any) {
          this.settle(prev.chunk, err)
          // nothing after a failed write may land: its clocks would leave a gap
          if (next !== undefined) { this.settle(next.chunk, err) }
          next = undefined
          this.ownClock = undefined
        }
      }
      prev = next === undefined ? undefined : { ...next, write: this.startWrite(next.plan) }
    }
  }

  private settle (chunk: PendingWrite[], err?: any): void {
    let e: LedgerError | undefined
    if (err !== undefined) { e = err instanceof LedgerError ? err : new LedgerError('unavailable', `could not store the entry: ${err.message}`) }
    for (const w of chunk) {
      if (w.slot !== undefined) { this.pendingSlots.delete(w.slot) }
      if (e === undefined) { w.resolve() } else { w.reject(e) }
    }
  }

  /** Clocks for this node's next batch of its current document. */
  private nextOwnClocks (doc: string, count: number): number {
    if (this.ownClock?.doc !== doc) { this.ownClock = { doc, next: maxEnd(this.docState(this.selfHex, doc, true)) } }
    const start = this.ownClock.next
    this.ownClock.next += count
    return start
  }

  /** Encode and sign one batch of this node's entries. */
  private async prepareOwn (entries: LedgerEntry[]): Promise<Plan> {
    const now = this.now()
    const doc = isoWeek(now)
    const clockStart = this.nextOwnClocks(doc, entries.length)
    const items: BatchItem[] = entries.map((entry, i) => {
      const clock = clockStart + i
      return { clock, key: entryKey(entry, clock), value: encodeEntry(entry), entry }
    })
    try {
      const batch = await signBatch(this.crypto.signer, doc, clockStart, items, now)
      const plan = await this.plan(batch, true)
      if (!('ops' in plan)) { throw new LedgerError('unavailable', `cannot store own batch: ${plan.result.status}`) }
      return plan
    } catch (err) {
      // give the clocks back (they were the last handed out), or the document gets a hole
      if (this.ownClock?.doc === doc && this.ownClock.next === clockStart + entries.length) { this.ownClock.next = clockStart }
      throw err
    }
  }

  private async startWrite (plan: Plan): Promise<void> {
    for (const it of plan.items) {
      if (it.entry.kind === 'payment' && !this.views.isWeekLoaded(it.entry.week)) { await this.views.loadWeek(this.store, it.entry.week) }
    }
    await this.store.commit(plan.ops)
  }

  /** After the durable write: state vector, views, events, gossip. */
  private async finishOwn (plan: Plan, correlationId?: string): Promise<void> {
    const held = this.docState(plan.batch.authorHex, plan.batch.doc, true)
    addRun(held, plan.batch.clockStart, plan.batch.clockEnd)
    xorHexInto(held.fp, plan.fp)
    this.refreshDocId(held)
    this.applyItems(plan.batch, plan.items, true, correlationId)
    await this.views.settle(this.store)
    this.publish({ batch: SignedBatch.decode(plan.batch.bytes) })
  }

  private publish (msg: LedgerGossip): void {
    if (!this.running) { return }
    if (msg.batch != null) { this.markGossiped(msg.batch.signature) }
    this.libp2p.services.pubsub.publish(this.topic, LedgerGossip.encode(msg)).catch((err: any) => {
      this.log('publish failed: %s', err.message)
    })
  }

  async registerHuman (input: RegisterHumanInput, opts: OperationOptions = {}): Promise<Human> {
    if (input == null || typeof input !== 'object') { throw invalidInput('a human needs at least an id', 'id') }
    const { id } = input
    if (typeof id !== 'string' || !HUMAN_ID.test(id)) {
      throw invalidInput('id must be 1-128 characters of A-Z a-z 0-9 _ . @ -', 'id')
    }
    const status = input.status ?? 'active'
    if (!HUMAN_STATUSES.includes(status)) { throw invalidInput('status must be "active" or "inactive"', 'status') }
    const entry: HumanEntry = {
      kind: 'human',
      humanId: id,
      at: this.now(),
      status,
      weeklyFlow: input.weeklyFlow === undefined ? this.defaults.weeklyFlow : parseAmount(input.weeklyFlow, 'weeklyFlow', { allowZero: true }),
      housingCredit: input.housingCredit === undefined ? this.defaults.housingCredit : parseAmount(input.housingCredit, 'housingCredit', { allowZero: true }),
      investmentPool: input.investmentPool === undefined ? this.defaults.investmentPool : parseAmount(input.investmentPool, 'investmentPool', { allowZero: true })
    }
    requireWithinCharter(this.charter, entry)
    this.requireRunning()
    const slot = 'h:' + id
    // another node's record of the same id may exist: this one is a separate human (registrar, id)
    if (this.views.isRegistered(id, this.selfHex) || this.pendingSlots.has(slot)) {
      throw new LedgerError('conflict', `human ${id} is already registered by this node`, { id })
    }
    await this.enqueue(entry, slot, opts.correlationId)
    return this.humanOf(this.views.human(id, this.selfHex) as HumanView)
  }

  async setStatus (humanId: string, status: HumanStatus, opts: OperationOptions = {}): Promise<Human> {
    if (typeof humanId !== 'string' || !HUMAN_ID.test(humanId)) { throw invalidInput('bad human id', 'id') }
    if (!HUMAN_STATUSES.includes(status)) { throw invalidInput('status must be "active" or "inactive"', 'status') }
    this.requireRunning()
    if (!this.views.isRegistered(humanId)) { throw new LedgerError('not_found', `no human ${humanId}`, { id: humanId }) }
    if (!this.views.hasRegistrar(humanId, this.selfHex) && !this.pendingSlots.has('h:' + humanId)) {
      throw new LedgerError('forbidden', `this node did not register human ${humanId}; only its registrar may change its status`, { id: humanId })
    }
    const entry: StatusEntry = { kind: 'status', humanId, at: this.now(), status }
    await this.enqueue(entry, undefined, opts.correlationId)
    return this.humanOf(this.views.human(humanId, this.selfHex) as HumanView)
  }

  async distributeWeekly (input: DistributeInput = {}, opts: OperationOptions = {}): Promise<DistributionResult> {
    if (input == null || typeof input !== 'object') { throw invalidInput('bad distribution request') }
    let ids: string[] | undefined
    if (input.humanIds !== undefined && input.humanIds !== null) {
      if (!Array.isArray(input.humanIds)) { throw invalidInput('humanIds must be an array of ids', 'humanIds') }
      for (const id of input.humanIds) {
        if (typeof id !== 'string' || !HUMAN_ID.test(id)) { throw invalidInput(`bad human id ${JSON.stringify(id)}`, 'humanIds') }
      }
      ids = [...new Set(input.humanIds)].sort()
    }
    if (input.amountOverride !== undefined && input.amountOverride !== null) {
      throw invalidInput('amountOverride is not accepted: a payment\'s amount is always the human\'s weekly flow (a payment with any other amount counts nowhere)', 'amountOverride')
    }
    this.requireRunning()
    return this.serial(async () => {
      await this.flush()
      const week = isoWeek(this.now())
      await this.views.loadWeek(this.store, week)
      let targets: Array<{ id: string, registrar: string }>
      if (ids === undefined) {
        targets = [...this.views.registeredRecords()]
      } else {
        targets = []
        for (const id of ids) {
          const regs = this.views.registrarsOf(id)
          if (regs.length === 0) { throw new LedgerError('not_found', `no human ${id}`, { id }) }
          for (const registrar of regs) { targets.push({ id, registrar }) }
        }
      }
      targets.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : a.registrar < b.registrar ? -1 : a.registrar > b.registrar ? 1 : 0)
      const skipped = { alreadyPaid: 0, inactive: 0, zeroFlow: 0 }
      const payments: PaymentEntry[] = []
      let total = 0n
      const at = this.now()
      for (const { id, registrar } of targets) {
        const h = this.views.human(id, registrar) as HumanView
        const reg = h.registration as NonNullable<HumanView['registration']>
        if (!h.active) { skipped.inactive++; continue }
        if (this.views.winner(week, id, registrar) !== undefined) { skipped.alreadyPaid++; continue }
        const amount = reg.weeklyFlow
        if (amount === 0) { skipped.zeroFlow++; continue }
        payments.push({ kind: 'payment', humanId: id, at, week, amount, type: 'weekly_flow', registrar })
        total += BigInt(amount)
      }
      const remaining = this.views.remaining
      if (total > remaining) {
        throw new LedgerError('insufficient_pool', `the pool holds ${formatCents(remaining)}, the distribution needs ${formatCents(total)}`, {
          remaining: formatCents(remaining < 0n ? 0n : remaining),
          needed: formatCents(total)
        })
      }
      const stored = payments.map(async p => new Promise<void>((resolve, reject) => {
        this.pending.push({ entry: p, correlationId: opts.correlationId, resolve, reject })
      }))
      await this.flush()
      await Promise.all(stored)
      const result: DistributionResult = {
        week,
        paid: payments.length,
        total: formatCents(total),
        skipped,
        remainingWealth: formatCents(this.views.remaining),
        payments: payments.map(p => ({ humanId: p.humanId, registrar: this.peerIdOf(p.registrar), amount: formatCents(p.amount) }))
      }
      const { payments: _omit, ...summary } = result
      this.events.emitEvent('resources', LEDGER_EVENTS.distributionCompleted, summary, opts.correlationId)
      return result
    })
  }

  // ---------------------------------------------------------------- receiving

  private async validate (peer: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    let msg: LedgerGossip
    try {
      msg = LedgerGossip.decode(data)
    } catch {
      this.noteRejected(peer.toString(), 'undecodable gossip message')
      return TopicValidatorResult.Reject
    }
    if ((msg.batch == null) === (msg.proof == null)) {
      this.noteRejected(peer.toString(), 'gossip message must carry exactly one of batch, proof')
      return TopicValidatorResult.Reject
    }
    const from = peer.toString()
    const r = msg.batch != null
      ? await this.receiveBatch(SignedBatch.encode(msg.batch), { from, via: 'gossip' })
      : await this.receiveProof(EquivocationProof.encode(msg.proof as EquivocationProof), { from })
    switch (r.status) {
      case 'applied': return TopicValidatorResult.Accept
      case 'rejected': return TopicValidatorResult.Reject
      // the relay may be honest: a contradiction, a known or an over-quota author is not its fault
      default: return TopicValidatorResult.Ignore
    }
  }

  private noteRejected (from: string | undefined, reason: string, correlationId?: string): void {
    this.rejected++
    this.log('rejected from %s: %s', from, reason)
    this.events.emitEvent('resources', LEDGER_EVENTS.rejected, { from: from ?? null, reason }, correlationId)
  }

  async receiveBatch (bytes: Uint8Array, opts: ReceiveOptions = {}): Promise<ReceiveResult> {
    const via = opts.via ?? 'direct'
    if (via !== 'direct' && opts.from !== undefined && !this.takePeerQuota(opts.from, bytes)) {
      this.noteThrottled(undefined, opts.correlationId, opts.from)
      return { status: 'throttled', reason: 'peer over its quota' }
    }
    let batch: OpenedBatch
    try {
      batch = await openBatch(bytes, this.crypto.verifier)
    } catch (err: any) {
      const reason = err instanceof BatchRejected ? err.message : `check failed: ${err.message}`
      this.noteRejected(opts.from, reason, opts.correlationId)
      return { status: 'rejected', reason }
    }
    for (const it of batch.items) {
      const v = it.entry.kind === 'human' ? charterViolation(this.charter, it.entry) : undefined
      if (v !== undefined) {
        const reason = `bad entry: ${v}`
        this.noteRejected(opts.from, reason, opts.correlationId)
        return { status: 'rejected', reason }
      }
    }
    const held = this.docState(batch.authorHex, batch.doc)
    if (batch.authorHex === this.selfHex && held !== undefined && covers(held, batch.clockStart, batch.clockEnd)) {
      // our own batch coming back
      return { status: 'duplicate' }
    }
    if (via === 'gossip') { this.markGossiped(batch.signature) }
    if (via !== 'direct' && batch.authorHex !== this.selfHex && !this.excluded.has(batch.authorHex)) {
      // only after the signature: nobody can spend another author's quota. Batches adding
      // nothing are paid for in drainIncoming, and only if they replace something
      const fresh = batch.clockEnd - batch.clockStart - heldWithin(held, batch.clockStart, batch.clockEnd)
      if (fresh > 0 && !this.quota.take(batch.authorHex, fresh, this.now())) {
        this.noteThrottled(batch.authorHex, opts.correlationId)
        return { status: 'throttled', reason: 'author over its quota' }
      }
    }
    return new Promise<ReceiveResult>((resolve, reject) => {
      this.incoming.push({ batch, via, from: opts.from, correlationId: opts.correlationId, resolve, reject })
      if (!this.incomingScheduled) {
        this.incomingScheduled = true
        this.serial(async () => {
          this.incomingScheduled = false
          await this.drainIncoming()
        }).catch(() => {})
      }
    })
  }

  /**
   * Charge the peer a batch brought by: one batch, its entries, and a new author when
   * this node holds nothing of the author it names. Before the signature check, on the
   * claimed fields: whatever they say, the peer pays for them.
   */
  private takePeerQuota (peer: string, bytes: Uint8Array): boolean {
    let author: string | undefined
    let entries = 0
    try {
      const body = BatchBody.decode(SignedBatch.decode(bytes).body)
      author = toHex(body.author)
      entries = Math.max(0, body.clockEnd - body.clockStart)
    } catch {
      // undecodable: rejected right after, and the peer pays one batch for it
    }
    if (author === this.selfHex) { return true }
    const fresh = author !== undefined && !this.authorsHeld.has(author) && !this.excluded.has(author)
    return this.peerQuota.take(peer, Math.min(entries, MAX_BATCH_ENTRIES), fresh, this.now())
  }

  private noteThrottled (authorHex: string | undefined, correlationId?: string, peer?: string): void {
    this.throttled++
    const r = this.throttleReport
    r.batches++
    if (authorHex !== undefined && r.authors.size < 20) { r.authors.add(authorHex) }
    if (peer !== undefined && r.peers.size < 20) { r.peers.add(peer) }
    const now = this.now()
    if (now - r.at < 10_000) { return }
    this.log('throttled %d batches of %d authors and %d peers', r.batches, r.authors.size, r.peers.size)
    this.events.emitEvent('resources', LEDGER_EVENTS.throttled, { authors: [...r.authors].map(a => this.peerIdOf(a)), peers: [...r.peers], batches: r.batches, since: r.at === 0 ? null : new Date(r.at).toISOString() }, correlationId)
    this.throttleReport = { at: now, batches: 0, authors: new Set(), peers: new Set() }
  }

  private markGossiped (signature: Uint8Array): boolean {
    const key = toHex(signature.subarray(0, 16))
    if (this.gossiped.has(key)) { return false }
    if (this.gossiped.size >= GOSSIPED_CAPACITY) { this.gossiped.delete(this.gossiped.keys().next().value as string) }
    this.gossiped.add(key)
    return true
  }

  /**
   * A recent batch learnt by sync (written offline, or on the other side of a healed
   * partition) is gossiped on, so the rest of the mesh has it within a gossip round
   * instead of one hop per periodic sync. Never our own, never one seen on gossip or
   * already published, never when the only subscriber is the peer it came from; old
   * ones (a fresh node's catch-up) are not: everyone else has them. Peers holding it
   * drop the copy by its content-addressed id, unpenalised.
   */
  private regossip (batch: OpenedBatch, from?: string): void {
    const now = this.now()
    if (!this.running || batch.authorHex === this.selfHex || Math.abs(now - batch.signedAt) > REGOSSIP_WINDOW_MS) { return }
    // nobody to tell but the peer it came from (a fresh node syncing from its one peer)
    if (!this.libp2p.services.pubsub.getSubscribers(this.topic).some(p => p.toString() !== from)) { return }
    if (this.gossiped.has(toHex(batch.signature.subarray(0, 16)))) { return }
    if (!this.regossipBudget.take(batch.bytes.byteLength, now)) { return }
    this.publish({ batch: SignedBatch.decode(batch.bytes) })
  }

  async receiveProof (bytes: Uint8Array, opts: { from?: string, correlationId?: string } = {}): Promise<ReceiveResult> {
    let a: OpenedBatch
    let b: OpenedBatch
    try {
      const proof = EquivocationProof.decode(bytes)
      if (proof.a == null || proof.b == null) { throw new BatchRejected('proof needs two batches') }
      a = await openBatch(SignedBatch.encode(proof.a), this.crypto.verifier)
      b = await openBatch(SignedBatch.encode(proof.b), this.crypto.verifier)
    } catch (err: any) {
      const reason = `bad proof: ${err.message}`
      this.noteRejected(opts.from, reason, opts.correlationId)
      return { status: 'rejected', reason }
    }
    if (this.excluded.has(a.authorHex)) { return { status: 'duplicate' } }
    const conflict = findConflict(a, b)
    if (conflict === undefined) {
      this.noteRejected(opts.from, 'proof batches do not contradict each other', opts.correlationId)
      return { status: 'rejected', reason: 'proof batches do not contradict each other' }
    }
    return this.serial(async () => {
      if (this.excluded.has(a.authorHex)) { return { status: 'duplicate' } as ReceiveResult }
      await this.exclude(a, b, conflict, opts.correlationId)
      return { status: 'applied', reason: conflict } as ReceiveResult
    })
  }

  /** Record a proof, drop the author from the views, spread the proof. Inside serial. */
  private async exclude (a: OpenedBatch, b: OpenedBatch, reason: string, correlationId?: string): Promise<void> {
    const proof: EquivocationProof = { a: SignedBatch.decode(a.bytes), b: SignedBatch.decode(b.bytes) }
    await this.store.commit([{ type: 'put', key: proofKey(a.authorHex), value: EquivocationProof.encode(proof) }])
    this.excluded.add(a.authorHex)
    for (const ds of this.docs.values()) {
      if (ds.authorHex === a.authorHex && ds.id !== '') { this.index.delete(fromHex(ds.id)) }
    }
    this.pending = this.pending.filter(w => {
      if (a.authorHex !== this.selfHex) { return true }
      w.reject(new LedgerError('unavailable', 'this node was excluded for equivocation'))
      return false
    })
    await this.views.rebuild(this.store)
    this.log.error('author %s equivocated: %s', a.authorHex, reason)
    this.events.emitEvent('resources', LEDGER_EVENTS.equivocation, { author: this.peerIdOf(a.authorHex), reason }, correlationId)
    this.publish({ proof })
  }

  /**
   * Decide what storing a checked batch means, reading the store but writing nothing.
   * Inside serial. For remote batches: refuse excluded authors, skip what is already
   * held, and find any contradiction with stored batches (same clock, or the same slot
   * elsewhere).
   */
  private async plan (batch: OpenedBatch, local: boolean): Promise<Plan | Verdict> {
    const { authorHex, doc, clockStart, clockEnd } = batch
    if (this.excluded.has(authorHex)) { return { result: { status: 'excluded' } } }
    const ds = this.docState(authorHex, doc)
    let items = batch.items
    const deletes: Array<{ key: string, fp: string }> = []
    if (!local && ds !== undefined && overlaps(ds, clockStart, clockEnd)) {
      const stored = await this.store.overlapping(authorHex, doc, clockStart, clockEnd)
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
      const existing = await this.store.getMany(slotAt.map(i => indexKeys[i]))
      for (let j = 0; j < slotAt.length; j++) {
        const v = existing[j]
        if (v === undefined) { continue }
        const it = items[slotAt[j]]
        const ix = decodeIndexed(v)
        if (ix.doc === doc && ix.clock === it.clock) { continue }
        const other = await this.store.batchAt(authorHex, ix.doc, ix.clock)
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
  }

  /** Write plans in one durable LevelDB batch, then apply them to the views. Inside serial. */
  private async writePlans (plans: Plan[], local: boolean, correlationIds: Array<string | undefined>): Promise<void> {
    if (plans.length === 0) { return }
    const weeks = new Set<string>()
    for (const p of plans) { for (const it of p.items) { if (it.entry.kind === 'payment') { weeks.add(it.entry.week) } } }
    for (const week of weeks) { await this.views.loadWeek(this.store, week, weeks) }
    await this.store.commit(plans.length === 1 ? plans[0].ops : plans.flatMap(p => p.ops))
    plans.forEach((p, i) => {
      this.authorsHeld.add(p.batch.authorHex)
      const held = this.docState(p.batch.authorHex, p.batch.doc, true)
      addRun(held, p.batch.clockStart, p.batch.clockEnd)
      for (const d of p.deletes) { xorHexInto(held.fp, d.fp) }
      xorHexInto(held.fp, p.fp)
      this.refreshDocId(held)
      this.applyItems(p.batch, p.items, local, correlationIds[i])
    })
    await this.views.settle(this.store)
  }

  /**
   * Group commit for received batches: every batch waiting is checked and the accepted
   * ones stored in one durable write (one fsync for many batches). A group never holds
   * two batches that could interact (same document ranges, or the same author's slot),
   * so each is checked against the store alone. Inside serial.
   */
  private async drainIncoming (): Promise<void> {
    while (this.incoming.length > 0) {
      const group: Incoming[] = []
      const ranges = new Map<string, Array<[number, number]>>()
      const slots = new Map<string, Set<string>>()
      let entries = 0
      while (this.incoming.length > 0 && group.length < 64 && entries < 32_768) {
        const next = this.incoming[0]
        const b = next.batch
        const dk = b.authorHex + '!' + b.doc
        if (ranges.get(dk)?.some(([s, e]) => s < b.clockEnd && e > b.clockStart) === true) { break }
        const taken = slots.get(b.authorHex)
        if (taken !== undefined && b.items.some(it => taken.has(it.key))) { break }
        this.incoming.shift()
        group.push(next)
        entries += b.items.length
        ranges.set(dk, [...(ranges.get(dk) ?? []), [b.clockStart, b.clockEnd]])
        const mine = taken ?? new Set<string>()
        for (const it of b.items) { if (isSlotEntry(it.entry)) { mine.add(it.key) } }
        slots.set(b.authorHex, mine)
      }
      const plans: Plan[] = []
      const planned: Incoming[] = []
      try {
        for (const g of group) {
          const p = await this.plan(g.batch, false)
          if ('ops' in p && p.items.length === 0 && g.via !== 'direct' && g.batch.authorHex !== this.selfHex && !this.quota.take(g.batch.authorHex, 0, this.now())) {
            // a re-signed range (a compaction) replaces stored batches: one batch of quota
            this.noteThrottled(g.batch.authorHex, g.correlationId)
            g.resolve({ status: 'throttled', reason: 'author over its quota' })
            continue
          }
          if ('ops' in p) {
            plans.push(p)
            planned.push(g)
            continue
          }
          if (p.proof !== undefined && !this.excluded.has(g.batch.authorHex)) {
            // store what came before in this group first: exclusion rebuilds from the store
            await this.writePlans(plans, false, planned.map(x => x.correlationId))
            this.settleStored(planned, plans)
            plans.length = 0
            planned.length = 0
            await this.exclude(p.proof, g.batch, p.result.reason ?? 'equivocation', g.correlationId)
          }
          g.resolve(p.result)
        }
        await this.writePlans(plans, false, planned.map(x => x.correlationId))
        this.settleStored(planned, plans)
      } catch (err) {
        for (const g of group) { g.reject(err as Error) }
      }
    }
  }

  /** Resolve received batches once stored; gossip on the recent ones that came by sync. */
  private settleStored (stored: Incoming[], plans: Plan[]): void {
    stored.forEach((x, i) => {
      x.resolve({ status: 'applied', entries: plans[i].items.length })
      if (x.via === 'sync') { this.regossip(x.batch, x.from) }
    })
  }

  private applyItems (batch: OpenedBatch, items: BatchItem[], local: boolean, correlationId?: string): void {
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
        this.views.applyRegistration(authorHex, e)
        registered++
        if (humans.length < 100) { humans.push({ id: e.humanId, status: e.status }) }
      } else if (e.kind === 'status') {
        this.views.applyStatus(authorHex, doc, it.clock, e)
        statusCount++
        if (changes.length < 100) { changes.push({ humanId: e.humanId, status: e.status }) }
      } else {
        this.views.applyPayment(authorHex, e)
        paidCount++
        paid += BigInt(e.amount)
        weeks.add(e.week)
      }
    }
    if (items.length === 0) { return }
    const author = this.peerIdOf(authorHex)
    if (registered > 0) { this.events.emitEvent('resources', LEDGER_EVENTS.humansRegistered, { humans, count: registered, author, local }, correlationId) }
    if (statusCount > 0) { this.events.emitEvent('resources', LEDGER_EVENTS.statusChanged, { changes, count: statusCount, author, local }, correlationId) }
    if (paidCount > 0) { this.events.emitEvent('resources', LEDGER_EVENTS.paymentsRecorded, { weeks: [...weeks].sort(), count: paidCount, total: formatCents(paid), author, local }, correlationId) }
  }

  // ---------------------------------------------------------------- sync host

  /** A document's reconciliation id changes with every change of its held batches. */
  private refreshDocId (ds: DocState): void {
    if (ds.id !== '') {
      this.docById.delete(ds.id)
      this.index.delete(fromHex(ds.id))
    }
    ds.id = docId(ds)
    this.docById.set(ds.id, ds.authorHex + '!' + ds.doc)
    if (!this.excluded.has(ds.authorHex)) { this.index.add(fromHex(ds.id)) }
  }

  /** The transfer: this node's state of the documents only it holds (so the peer sends only what lies past them), and the documents wanted. */
  private syncRequest (have: Uint8Array[], need: Uint8Array[]): Pick<SyncRequest, 'docs' | 'want' | 'excluded'> {
    const docs = []
    for (const id of have) {
      const key = this.docById.get(toHex(id))
      const ds = key === undefined ? undefined : this.docs.get(key)
      if (ds === undefined || this.excluded.has(ds.authorHex)) { continue }
      docs.push({ author: fromHex(ds.authorHex) as Bytes, doc: ds.doc, clock: contiguous(ds), fingerprint: ds.fp as Bytes })
    }
    return { docs, want: need as Bytes[], excluded: [...this.excluded].map(a => fromHex(a) as Bytes) }
  }

  /** Answer one transfer request of a serve session: proofs first (once), then the wanted documents. */
  private async * syncResponses (req: SyncRequest, state: ServeState): AsyncGenerator<Uint8Array> {
    const { theirs, theirExcluded, served } = state
    for (const a of req.excluded) { theirExcluded.add(toHex(a)) }
    if (state.first) {
      state.first = false
      for (const authorHex of this.excluded) {
        if (theirExcluded.has(authorHex)) { continue }
        const proof = await this.store.get(proofKey(authorHex))
        if (proof !== undefined) { yield SyncResponse.encode({ proof: EquivocationProof.decode(proof), done: false }) }
      }
    }
    for (const d of req.docs) {
      if (theirs.size >= SESSION_STATES) { break }
      theirs.set(toHex(d.author) + '!' + d.doc, d)
    }
    const wanted: DocState[] = []
    for (const id of req.want) {
      const key = id.byteLength === ID_BYTES ? this.docById.get(toHex(id)) : undefined
      const ds = key === undefined ? undefined : this.docs.get(key)
      // each document once per session, however often it is asked for
      if (ds === undefined || served.has(key as string)) { continue }
      served.add(key as string)
      wanted.push(ds)
    }
    for (const ds of wanted) {
      const key = ds.authorHex + '!' + ds.doc
      if (this.excluded.has(ds.authorHex) || theirExcluded.has(ds.authorHex)) { continue }
      const t = theirs.get(key)
      let have = t?.clock ?? 0
      if (maxEnd(ds) <= have) {
        // same clocks: send everything only if the batches held differ (a fork, or a compaction)
        if (t === undefined || bytesEqual(t.fingerprint, ds.fp)) { continue }
        have = 0
      }
      for await (const b of this.store.batchesOf(ds.authorHex, ds.doc, have)) {
        yield embedBatch(b.bytes)
      }
    }
  }

  private async syncReceive (msg: SyncResponse, session: SyncSession): Promise<'applied' | 'other'> {
    const opts: ReceiveOptions = { from: session.peer.toString(), correlationId: session.correlationId, via: 'sync' }
    let r: ReceiveResult
    if (msg.batch != null) {
      // once the peer is over its quota, the rest of this session waits for the next pull
      if (session.peerOverQuota === true) {
        this.throttled++
        return 'other'
      }
      const claimed = claimedAuthor(msg.batch)
      // once an author is over its quota, its other batches in this session are not even checked
      if (claimed !== undefined && session.skipAuthors.has(claimed)) {
        this.throttled++
        return 'other'
      }
      r = await this.receiveBatch(SignedBatch.encode(msg.batch), opts)
      if (r.status === 'throttled' && r.reason === 'peer over its quota') { session.peerOverQuota = true } else if (r.status === 'throttled' && claimed !== undefined) { session.skipAuthors.add(claimed) }
    } else if (msg.proof != null) { r = await this.receiveProof(EquivocationProof.encode(msg.proof), opts) } else { return 'other' }
    return r.status === 'applied' ? 'applied' : 'other'
  }

  async sync (peer: PeerId): Promise<SyncResult> {
    this.requireRunning()
    return this.sync_.syncWith(peer, newCorrelationId())
  }

  // ---------------------------------------------------------------- reads

  private humanOf (h: HumanView): Human {
    const reg = h.registration as NonNullable<HumanView['registration']>
    return {
      id: h.id,
      weeklyFlow: formatCents(reg.weeklyFlow),
      housingCredit: formatCents(reg.housingCredit),
      investmentPool: formatCents(reg.investmentPool),
      status: h.active ? 'active' : 'inactive',
      createdAt: new Date(reg.at).toISOString(),
      registeredBy: this.peerIdOf(h.registrar),
      registrarKey: h.registrar,
      registrars: h.registrars,
      lastDistribution: h.lastWeek === undefined ? null : new Date(h.lastAt).toISOString(),
      lastDistributionWeek: h.lastWeek ?? null,
      totalReceived: formatCents(h.total),
      payments: h.paidWeeks,
      unfunded: formatCents(h.unfundedTotal),
      unfundedPayments: h.unfundedWeeks
    }
  }

  /** A registrar given as a peer id or a 64-hex key, as a hex key. */
  private registrarHex (registrar: string): string {
    if (/^[0-9a-f]{64}$/.test(registrar)) { return registrar }
    try {
      const pk = peerIdFromString(registrar).publicKey
      if (pk?.type === 'Ed25519') { return toHex(pk.raw) }
    } catch {}
    throw invalidInput('registrar must be a peer id or a 64-hex public key', 'registrar')
  }

  async getHuman (id: string, registrar?: string): Promise<Human | undefined> {
    if (typeof id !== 'string' || !HUMAN_ID.test(id)) { throw invalidInput('bad human id', 'id') }
    const h = this.views.human(id, registrar === undefined ? undefined : this.registrarHex(registrar))
    return h?.registered === true ? this.humanOf(h) : undefined
  }

  async listHumans (query: ListHumansQuery = {}): Promise<Page<Human>> {
    const limit = pageLimit(query.limit)
    if (query.status !== undefined && !HUMAN_STATUSES.includes(query.status)) { throw invalidInput('status must be "active" or "inactive"', 'status') }
    if (query.cursor !== undefined && (typeof query.cursor !== 'string' || !/^[A-Za-z0-9_.@-]{1,128}(![0-9a-f]{64})?$/.test(query.cursor))) { throw invalidInput('bad cursor', 'cursor') }
    const items: Human[] = []
    // registration keys sort by (human id, registrar); '"' sorts right after '!', before any id character
    const gt = query.cursor === undefined ? undefined : query.cursor.includes('!') ? `r!${query.cursor}` : `r!${query.cursor}"`
    for await (const key of this.store.keys('r!', { gt })) {
      const sep = key.lastIndexOf('!')
      const id = key.slice(2, sep)
      const h = this.views.human(id, key.slice(sep + 1))
      if (h?.registered !== true) { continue }
      if (query.status !== undefined && (h.active ? 'active' : 'inactive') !== query.status) { continue }
      if (items.length === limit) {
        const last = items[items.length - 1]
        return { items, nextCursor: `${last.id}!${last.registrarKey}` }
      }
      items.push(this.humanOf(h))
    }
    return { items }
  }

  async history (query: HistoryQuery = {}): Promise<Page<LedgerTransaction>> {
    const limit = pageLimit(query.limit)
    if (query.humanId !== undefined && (typeof query.humanId !== 'string' || !HUMAN_ID.test(query.humanId))) { throw invalidInput('bad human id', 'humanId') }
    if (query.week !== undefined && (typeof query.week !== 'string' || !isIsoWeek(query.week))) { throw invalidInput('week must be an ISO week like "2025-W23"', 'week') }
    let after: string | undefined
    if (query.cursor !== undefined) {
      if (typeof query.cursor !== 'string' || !/^\d{4}-W\d{2}![A-Za-z0-9_.@-]{1,128}![0-9a-f]{64}![0-9a-f]{64}$/.test(query.cursor)) { throw invalidInput('bad cursor', 'cursor') }
      after = 'p!' + query.cursor
    }
    const items: LedgerTransaction[] = []
    const groups = new Map<string, Winner | undefined>()
    // the counted payment of (registrar, id, week): the preferred payer among the valid ones
    const winnerOf = async (week: string, humanId: string, registrar: string): Promise<Winner | undefined> => {
      if (this.views.isWeekLoaded(week)) { return this.views.winner(week, humanId, registrar) }
      const g = `${week}!${humanId}!${registrar}`
      if (groups.has(g)) { return groups.get(g) }
      const reg = this.views.human(humanId, registrar)?.registration
      let best: Winner | undefined
      for await (const [key, value] of this.store.entries(`p!${g}!`)) {
        const author = key.slice(key.lastIndexOf('!') + 1)
        if (this.excluded.has(author)) { continue }
        const p = openEntry(decodeIndexed(value).entry) as PaymentEntry
        if (!isValidPayment(reg, p.amount)) { continue }
        if (best === undefined || isPreferredPayer(author, best.author)) { best = { author, amount: p.amount } }
      }
      groups.set(g, best)
      return best
    }
    const prefixes = query.humanId === undefined
      ? [query.week === undefined ? 'p!' : `p!${query.week}!`]
      : (query.week === undefined ? [...this.views.weeks.keys()].sort() : [query.week]).map(w => `p!${w}!${query.humanId as string}!`)
    for (const prefix of prefixes) {
      if (after !== undefined && prefix + KEY_END_CHAR <= after) { continue }
      for await (const [key, value] of this.store.entries(prefix, { gt: after !== undefined && after >= prefix ? after : undefined })) {
        const [, week, humanId, registrar, author] = key.split('!')
        if (this.excluded.has(author)) { continue }
        const ix = decodeIndexed(value)
        const p = openEntry(ix.entry) as PaymentEntry
        const reg = this.views.human(humanId, registrar)?.registration
        let status: LedgerTransaction['status']
        if (!isValidPayment(reg, p.amount)) {
          status = 'invalid'
        } else if ((await winnerOf(week, humanId, registrar))?.author !== author) {
          status = 'superseded'
        } else {
          status = this.views.isUnfunded(week, humanId, registrar) ? 'unfunded' : 'completed'
        }
        if ((status === 'superseded' || status === 'invalid') && query.includeSuperseded !== true) { continue }
        if (items.length === limit) { return { items, nextCursor: cursorOf(items[items.length - 1]) } }
        items.push({
          id: `${week}:${humanId}:${registrar}:${this.peerIdOf(author)}`,
          humanId,
          registrar: this.peerIdOf(registrar),
          amount: formatCents(p.amount),
          type: p.type,
          week,
          timestamp: new Date(p.at).toISOString(),
          status,
          author: this.peerIdOf(author),
          metadata: { doc: ix.doc, clock: ix.clock, authorKey: author, registrarKey: registrar }
        })
      }
    }
    return { items }
  }

  async stats (): Promise<SystemStats> {
    const week = isoWeek(this.now())
    const wt = this.views.weekFigures(week)
    const distributed = BigInt(this.views.distributed)
    const unfunded = this.views.unfundedPayments
    const registered = this.views.registered
    const authors = new Set<string>()
    for (const ds of this.docs.values()) { authors.add(ds.authorHex) }
    return {
      totalHumans: registered,
      activeHumans: this.views.active,
      totalDistributed: formatCents(distributed),
      distributedThisWeek: formatCents(wt.total),
      remainingWealth: formatCents(this.views.remaining),
      averagePerHuman: formatCents(registered === 0 ? 0n : distributed / BigInt(registered)),
      uptime: this.running ? Math.max(0, (this.now() - this.startedAt) / 1000) : 0,
      poolTotal: formatCents(this.charter.poolTotal),
      week,
      paymentsThisWeek: wt.count,
      authors: authors.size,
      documents: this.docs.size,
      excludedAuthors: this.excluded.size,
      batchesRejected: this.rejected,
      batchesThrottled: this.throttled,
      unfundedPayments: unfunded.count,
      unfundedTotal: formatCents(unfunded.total),
      charter: this.charter.id
    }
  }

  async * batches (): AsyncGenerator<Uint8Array> {
    for await (const [, value] of this.store.entries('b!')) { yield value }
  }

  async equivocations (): Promise<EquivocationRecord[]> {
    const out: EquivocationRecord[] = []
    for await (const [key, value] of this.store.entries('x!')) {
      const authorHex = key.slice(2)
      out.push({ author: this.peerIdOf(authorHex), authorKey: authorHex, proof: value })
    }
    return out
  }

  derivedState (): string {
    return this.views.canonical()
  }

  async verifyIntegrity (): Promise<{ ok: boolean, batches: number, entries: number }> {
    return this.serial(async () => {
      const fresh = new DerivedViews(this.excluded, this.charter.poolTotal, Number.MAX_SAFE_INTEGER)
      let batches = 0
      let entries = 0
      for await (const [key, bytes] of this.store.entries('b!')) {
        const k = parseBatchKey(key)
        batches++
        if (this.excluded.has(k.authorHex)) { continue }
        const b = openTrustedBatch(bytes)
        if (b.clockStart !== k.start || b.clockEnd !== k.end || b.authorHex !== k.authorHex || b.doc !== k.doc) { return { ok: false, batches, entries } }
        for (const it of b.items) {
          entries++
          const e = it.entry
          if (e.kind === 'human') { fresh.applyRegistration(k.authorHex, e) } else if (e.kind === 'status') { fresh.applyStatus(k.authorHex, k.doc, it.clock, e) } else {
            fresh.ensureEmptyWeek(e.week)
            fresh.applyPayment(k.authorHex, e)
          }
        }
      }
      await fresh.settle(this.store)
      return { ok: fresh.canonical() === this.views.canonical(), batches, entries }
    })
  }

  async document (authorHex: string, doc: string): Promise<Y.Doc> {
    const out: Uint8Array[] = []
    for await (const [, bytes] of this.store.entries(docPrefix(authorHex, doc))) { out.push(bytes) }
    return docFromBatches(out)
  }

  async compact (): Promise<{ batches: number, into: number }> {
    if (!this.running) { return { batches: 0, into: 0 } }
    return this.serial(async () => {
      let batches = 0
      let into = 0
      // runs of consecutive small batches of this node's documents, each at most `limit` entries
      const limit = Math.min(this.maxBatchEntries * 4, 4096)
      for (const ds of [...this.docs.values()]) {
        if (ds.authorHex !== this.selfHex || this.excluded.has(ds.authorHex)) { continue }
        const runs: StoredBatch[][] = [[]]
        for await (const b of this.store.batchesOf(ds.authorHex, ds.doc)) {
          const run = runs[runs.length - 1]
          const last = run[run.length - 1]
          const small = b.end - b.start < this.compactBelow
          if (!small || (last !== undefined && (last.end !== b.start || b.end - run[0].start > limit))) { runs.push([]) }
          if (small) { runs[runs.length - 1].push(b) }
        }
        for (const run of runs) {
          if (run.length < 2) { continue }
          await this.compactRun(ds, run)
          batches += run.length
          into++
        }
      }
      if (into > 0) { this.events.emitEvent('resources', LEDGER_EVENTS.compacted, { batches, into }) }
      return { batches, into }
    })
  }

  /** Re-sign consecutive own batches as one, replace them, gossip it. Inside serial. */
  private async compactRun (ds: DocState, run: StoredBatch[]): Promise<void> {
    const items = run.flatMap(r => openTrustedBatch(r.bytes).items)
    const merged = await signBatch(this.crypto.signer, ds.doc, run[0].start, items, this.now())
    const fp = await batchFingerprint(merged.signature)
    const ops: StoreOp[] = run.map(r => ({ type: 'del', key: r.key }))
    ops.push({ type: 'put', key: batchKey(ds.authorHex, ds.doc, merged.clockStart, merged.clockEnd, fp), value: merged.bytes })
    await this.store.commit(ops)
    for (const r of run) { xorHexInto(ds.fp, r.fp) }
    xorHexInto(ds.fp, fp)
    this.refreshDocId(ds)
    this.publish({ batch: SignedBatch.decode(merged.bytes) })
  }
}

/** A document's reconciliation id: it changes with every change of its held batches. */
function docId (ds: DocState): string {
  const author = fromHex(ds.authorHex)
  const doc = new TextEncoder().encode(ds.doc)
  const input = new Uint8Array(author.byteLength + doc.byteLength + ds.fp.byteLength)
  input.set(author)
  input.set(doc, author.byteLength)
  input.set(ds.fp, author.byteLength + doc.byteLength)
  return toHex(sha256(input).subarray(0, ID_BYTES))
}

function openEntry (bytes: Uint8Array): LedgerEntry {
  return decodeEntry(bytes, true)
}

function cursorOf (t: LedgerTransaction): string {
  return `${t.week}!${t.humanId}!${t.metadata.registrarKey}!${t.metadata.authorKey}`
}

function pageLimit (limit: unknown): number {
  if (limit === undefined) { return 50 }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) { throw invalidInput('limit must be an integer from 1 to 1000', 'limit') }
  return limit
}
