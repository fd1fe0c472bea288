/**
 * The writer: this node's own entries (registrations, status changes, distributions).
 * Writes are queued and group-committed: every pending write goes out in as few signed
 * batches as possible, each stored durably (one LevelDB `sync: true` batch) before the
 * call resolves, then applied to the views and gossiped.
 */
import { signBatch } from './batch.ts'
import { requireWithinCharter } from './charter.ts'
import { DEFAULT_HOUSING_CREDIT, DEFAULT_INVESTMENT_POOL, DEFAULT_WEEKLY_FLOW, LEDGER_EVENTS } from './constants.ts'
import { maxEnd } from './doc-state.ts'
import { encodeEntry, entryKey, HUMAN_ID, HUMAN_STATUSES } from './entries.ts'
import { LedgerError, invalidInput } from './errors.ts'
import { formatCents, parseAmount } from './money.ts'
import { SignedBatch } from './pb/ledger.ts'
import { isoWeek } from './week.ts'
import type { BatchItem } from './batch.ts'
import type { HumanEntry, HumanStatus, LedgerEntry, PaymentEntry, StatusEntry } from './entries.ts'
import type { LedgerHeld, Plan } from './held.ts'
import type { DistributeInput, DistributionResult, Human, LedgerInit, OperationOptions, RegisterHumanInput } from './index.ts'
import type { HumanView } from './views.ts'

export interface LedgerWriterInit extends Pick<LedgerInit, 'weeklyFlow' | 'housingCredit' | 'investmentPool'> {
  /** how a record is shown to callers (the queries' view) */
  humanOf(h: HumanView): Human
}

export interface LedgerWriter {
  start(): void
  /** Store every queued write (before the database closes). */
  stop(): Promise<void>
  registerHuman(input: RegisterHumanInput, opts?: OperationOptions): Promise<Human>
  setStatus(humanId: string, status: HumanStatus, opts?: OperationOptions): Promise<Human>
  distributeWeekly(input?: DistributeInput, opts?: OperationOptions): Promise<DistributionResult>
}

interface PendingWrite {
  entry: LedgerEntry
  slot?: string
  correlationId?: string
  resolve(): void
  reject(err: Error): void
}

export function createLedgerWriter (held: LedgerHeld, init: LedgerWriterInit): LedgerWriter {
  const charter = held.charter
  const defaults = {
    // the domain's defaults, or the charter's maxima when a charter sets them lower
    weeklyFlow: Math.min(parseAmount(init.weeklyFlow ?? DEFAULT_WEEKLY_FLOW, 'weeklyFlow', { allowZero: true }), init.weeklyFlow === undefined ? charter.maxWeeklyFlow : Infinity),
    housingCredit: Math.min(parseAmount(init.housingCredit ?? DEFAULT_HOUSING_CREDIT, 'housingCredit', { allowZero: true }), init.housingCredit === undefined ? charter.maxHousingCredit : Infinity),
    investmentPool: Math.min(parseAmount(init.investmentPool ?? DEFAULT_INVESTMENT_POOL, 'investmentPool', { allowZero: true }), init.investmentPool === undefined ? charter.maxInvestmentPool : Infinity)
  }
  requireWithinCharter(charter, { kind: 'human', humanId: 'defaults', at: 1, status: 'active', ...defaults })
  const humanOf = init.humanOf
  let pending: PendingWrite[] = []
  const pendingSlots = new Set<string>()
  let flushScheduled = false
  /** next clock of this node's current document, ahead of the store while writes are in flight */
  let ownClock: { doc: string, next: number } | undefined

  held.onExcluded = (authorHex) => {
    if (authorHex !== held.selfHex) { return }
    const dropped = pending
    pending = []
    for (const w of dropped) { w.reject(new LedgerError('unavailable', 'this node was excluded for equivocation')) }
  }

  function enqueue (entry: LedgerEntry, slot: string | undefined, correlationId?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      pending.push({ entry, slot, correlationId, resolve, reject })
      if (slot !== undefined) { pendingSlots.add(slot) }
      if (!flushScheduled) {
        flushScheduled = true
        held.serial(async () => {
          flushScheduled = false
          await flush()
        }).catch(() => {})
      }
    })
  }

  /**
   * Group commit: every pending write goes out in as few signed batches as possible, and
   * the next batch is encoded and signed while the previous one is being synced to disk.
   * Writes reach LevelDB one after the other, in clock order. Inside serial.
   */
  async function flush (): Promise<void> {
    let prev: { chunk: PendingWrite[], plan: Plan, write: Promise<void> } | undefined
    while (pending.length > 0 || prev !== undefined) {
      let next: { chunk: PendingWrite[], plan: Plan } | undefined
      if (pending.length > 0) {
        const chunk = pending.splice(0, held.maxBatchEntries)
        try {
          next = { chunk, plan: await prepareOwn(chunk.map(w => w.entry)) }
        } catch (err: any) {
          settle(chunk, err)
        }
      }
      if (prev !== undefined) {
        try {
          await prev.write
          await finishOwn(prev.plan, prev.chunk[0].correlationId)
          settle(prev.chunk)
        } catch (err: any) {
          settle(prev.chunk, err)
          // nothing after a failed write may land: its clocks would leave a gap
          if (next !== undefined) { settle(next.chunk, err) }
          next = undefined
          ownClock = undefined
        }
      }
      prev = next === undefined ? undefined : { ...next, write: startWrite(next.plan) }
    }
  }

  function settle (chunk: PendingWrite[], err?: any): void {
    let e: LedgerError | undefined
    if (err !== undefined) { e = err instanceof LedgerError ? err : new LedgerError('unavailable', `could not store the entry: ${err.message}`) }
    for (const w of chunk) {
      if (w.slot !== undefined) { pendingSlots.delete(w.slot) }
      if (e === undefined) { w.resolve() } else { w.reject(e) }
    }
  }

  /** Clocks for this node's next batch of its current document. */
  function nextOwnClocks (doc: string, count: number): number {
    if (ownClock?.doc !== doc) { ownClock = { doc, next: maxEnd(held.docState(held.selfHex, doc, true)) } }
    const start = ownClock.next
    ownClock.next += count
    return start
  }

  /** Encode and sign one batch of this node's entries. */
  async function prepareOwn (entries: LedgerEntry[]): Promise<Plan> {
    const now = held.now()
    const doc = isoWeek(now)
    const clockStart = nextOwnClocks(doc, entries.length)
    const items: BatchItem[] = entries.map((entry, i) => {
      const clock = clockStart + i
      return { clock, key: entryKey(entry, clock), value: encodeEntry(entry), entry }
    })
    try {
      const batch = await signBatch(held.crypto.signer, doc, clockStart, items, now)
      const plan = await held.plan(batch, true)
      if (!('ops' in plan)) { throw new LedgerError('unavailable', `cannot store own batch: ${plan.result.status}`) }
      return plan
    } catch (err) {
      // give the clocks back (they were the last handed out), or the document gets a hole
      if (ownClock?.doc === doc && ownClock.next === clockStart + entries.length) { ownClock.next = clockStart }
      throw err
    }
  }

  async function startWrite (plan: Plan): Promise<void> {
    for (const it of plan.items) {
      if (it.entry.kind === 'payment' && !held.views.isWeekLoaded(it.entry.week)) { await held.views.loadWeek(held.store, it.entry.week) }
    }
    await held.store.commit(plan.ops)
  }

  /** After the durable write: state vector, views, events, gossip. */
  async function finishOwn (plan: Plan, correlationId?: string): Promise<void> {
    held.applyStored(plan, true, correlationId)
    await held.views.settle(held.store)
    held.publish({ batch: SignedBatch.decode(plan.batch.bytes) })
  }

  async function registerHuman (input: RegisterHumanInput, opts: OperationOptions = {}): Promise<Human> {
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
      at: held.now(),
      status,
      weeklyFlow: input.weeklyFlow === undefined ? defaults.weeklyFlow : parseAmount(input.weeklyFlow, 'weeklyFlow', { allowZero: true }),
      housingCredit: input.housingCredit === undefined ? defaults.housingCredit : parseAmount(input.housingCredit, 'housingCredit', { allowZero: true }),
      investmentPool: input.investmentPool === undefined ? defaults.investmentPool : parseAmount(input.investmentPool, 'investmentPool', { allowZero: true })
    }
    requireWithinCharter(held.charter, entry)
    held.requireRunning()
    const slot = 'h:' + id
    // another node's record of the same id may exist: this one is a separate human (registrar, id)
    if (held.views.isRegistered(id, held.selfHex) || pendingSlots.has(slot)) {
      throw new LedgerError('conflict', `human ${id} is already registered by this node`, { id })
    }
    await enqueue(entry, slot, opts.correlationId)
    return humanOf(held.views.human(id, held.selfHex) as HumanView)
  }

  async function setStatus (humanId: string, status: HumanStatus, opts: OperationOptions = {}): Promise<Human> {
    if (typeof humanId !== 'string' || !HUMAN_ID.test(humanId)) { throw invalidInput('bad human id', 'id') }
    if (!HUMAN_STATUSES.includes(status)) { throw invalidInput('status must be "active" or "inactive"', 'status') }
    held.requireRunning()
    if (!held.views.isRegistered(humanId)) { throw new LedgerError('not_found', `no human ${humanId}`, { id: humanId }) }
    if (!held.views.hasRegistrar(humanId, held.selfHex) && !pendingSlots.has('h:' + humanId)) {
      throw new LedgerError('forbidden', `this node did not register human ${humanId}; only its registrar may change its status`, { id: humanId })
    }
    const entry: StatusEntry = { kind: 'status', humanId, at: held.now(), status }
    await enqueue(entry, undefined, opts.correlationId)
    return humanOf(held.views.human(humanId, held.selfHex) as HumanView)
  }

  async function distributeWeekly (input: DistributeInput = {}, opts: OperationOptions = {}): Promise<DistributionResult> {
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
    held.requireRunning()
    return held.serial(async () => {
      await flush()
      const week = isoWeek(held.now())
      await held.views.loadWeek(held.store, week)
      let targets: Array<{ id: string, registrar: string }>
      if (ids === undefined) {
        targets = [...held.views.registeredRecords()]
      } else {
        targets = []
        for (const id of ids) {
          const regs = held.views.registrarsOf(id)
          if (regs.length === 0) { throw new LedgerError('not_found', `no human ${id}`, { id }) }
          for (const registrar of regs) { targets.push({ id, registrar }) }
        }
      }
      targets.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : a.registrar < b.registrar ? -1 : a.registrar > b.registrar ? 1 : 0)
      const skipped = { alreadyPaid: 0, inactive: 0, zeroFlow: 0 }
      const payments: PaymentEntry[] = []
      let total = 0n
      const at = held.now()
      for (const { id, registrar } of targets) {
        // inactive now, or for this week (reactivated this week: paid from next week on)
        if (!held.views.isActive(id, registrar) || !held.views.isActiveForWeek(id, registrar, week)) { skipped.inactive++; continue }
        if (held.views.winner(week, id, registrar) !== undefined) { skipped.alreadyPaid++; continue }
        const amount = held.views.weeklyFlowOf(id, registrar) as number
        if (amount === 0) { skipped.zeroFlow++; continue }
        payments.push({ kind: 'payment', humanId: id, at, week, amount, type: 'weekly_flow', registrar })
        total += BigInt(amount)
      }
      const remaining = held.views.remaining
      if (total > remaining) {
        throw new LedgerError('insufficient_pool', `the pool holds ${formatCents(remaining)}, the distribution needs ${formatCents(total)}`, {
          remaining: formatCents(remaining < 0n ? 0n : remaining),
          needed: formatCents(total)
        })
      }
      const stored = payments.map(async p => new Promise<void>((resolve, reject) => {
        pending.push({ entry: p, correlationId: opts.correlationId, resolve, reject })
      }))
      await flush()
      await Promise.all(stored)
      const result: DistributionResult = {
        week,
        paid: payments.length,
        total: formatCents(total),
        skipped,
        remainingWealth: formatCents(held.views.remaining),
        payments: payments.map(p => ({ humanId: p.humanId, registrar: held.peerIdOf(p.registrar), amount: formatCents(p.amount) }))
      }
      const { payments: _omit, ...summary } = result
      held.events.emitEvent('resources', LEDGER_EVENTS.distributionCompleted, summary, opts.correlationId)
      return result
    })
  }

  return {
    start () {
      ownClock = undefined
    },
    async stop () {
      // let queued writes finish: every acknowledged entry is on disk before the db closes
      await held.serial(async () => { await flush() }).catch(() => {})
    },
    registerHuman,
    setStatus,
    distributeWeekly
  }
}
