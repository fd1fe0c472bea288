/**
 * Derived views: what the entries add up to. Nothing here is stored; it is rebuilt from
 * the entry index at start (and after an author is excluded) and updated as entries
 * arrive, and every rule is a pure function of the set of entries, so two nodes holding
 * the same entries show the same numbers whatever order they arrived in.
 *
 * Rules (no peer can make another peer's claims count for less):
 * - A human exists once any author registered it. Several authors may register one id
 *   (partitions, or plain openness); the record is the join of their registrations in
 *   the human's favour: the highest weekly flow, housing credit and investment pool, the
 *   earliest `createdAt`; `registeredBy` is the author of the earliest registration
 *   (ties: lowest author key).
 * - Each registrar has its own view of the status: its latest status entry for the
 *   human (by document, then clock), else the status it registered with. Status entries
 *   of authors that did not register the human do not count. The human is active when
 *   any of its registrars says so: nobody can deactivate a human someone else keeps.
 * - A (week, human) is paid once: of all payments for it, the largest amount counts
 *   (ties: lowest author key); the others are "superseded". Totals, per-human received,
 *   last distribution and the weekly figures are sums over these winners.
 * - Entries of an author with an equivocation proof against it count for nothing.
 *
 * Memory holds one small record per human plus the payment winners of the `hotWeeks`
 * most recent weeks touched; older weeks stay in LevelDB and are loaded on demand.
 */
import { decodeEntry } from './entries.ts'
import { formatCents } from './money.ts'
import { decodeIndexed, prefixRange } from './store.ts'
import type { HumanEntry, HumanStatus, PaymentEntry, StatusEntry } from './entries.ts'
import type { LedgerStore } from './store.ts'

export interface Registration {
  author: string
  at: number
  status: HumanStatus
  weeklyFlow: number
  housingCredit: number
  investmentPool: number
}

interface StatusMark {
  doc: string
  clock: number
  status: HumanStatus
}

export interface HumanView {
  id: string
  /** non-excluded registrations, one per author */
  regs: Registration[] | undefined
  /** latest status entry per author */
  marks: Map<string, StatusMark> | undefined
  active: boolean
  /** cents received over all weeks (winning payments) */
  total: bigint
  paidWeeks: number
  lastWeek: string | undefined
  lastAt: number
}

export interface Winner {
  author: string
  amount: number
  at: number
}

export interface WeekTotal {
  count: number
  total: bigint
}

export function isBetterPayment (a: Winner, b: Winner): boolean {
  return a.amount > b.amount || (a.amount === b.amount && a.author < b.author)
}

function isLaterMark (a: StatusMark, b: StatusMark): boolean {
  return a.doc > b.doc || (a.doc === b.doc && a.clock > b.clock)
}

export class DerivedViews {
  readonly humans = new Map<string, HumanView>()
  readonly weeks = new Map<string, WeekTotal>()
  /** payment winners of loaded weeks; Map order = least recently used first */
  private readonly hot = new Map<string, Map<string, Winner>>()
  private readonly hotWeeks: number
  readonly excluded: Set<string>
  registered = 0
  active = 0
  distributed = 0n

  constructor (excluded: Set<string>, hotWeeks = 4) {
    this.excluded = excluded
    this.hotWeeks = Math.max(1, hotWeeks)
  }

  private human (id: string): HumanView {
    let h = this.humans.get(id)
    if (h === undefined) {
      h = { id, regs: undefined, marks: undefined, active: false, total: 0n, paidWeeks: 0, lastWeek: undefined, lastAt: 0 }
      this.humans.set(id, h)
    }
    return h
  }

  private refreshActive (h: HumanView): void {
    const active = h.regs?.some(r => (h.marks?.get(r.author)?.status ?? r.status) === 'active') ?? false
    if (h.regs !== undefined && active !== h.active) { this.active += active ? 1 : -1 }
    h.active = active
  }

  applyRegistration (author: string, e: HumanEntry): void {
    const h = this.human(e.humanId)
    const reg: Registration = { author, at: e.at, status: e.status, weeklyFlow: e.weeklyFlow, housingCredit: e.housingCredit, investmentPool: e.investmentPool }
    if (h.regs === undefined) {
      h.regs = [reg]
      this.registered++
      h.active = false
    } else {
      if (h.regs.some(r => r.author === author)) { return }
      h.regs.push(reg)
    }
    this.refreshActive(h)
  }

  applyStatus (author: string, doc: string, clock: number, e: StatusEntry): void {
    const h = this.human(e.humanId)
    const mark: StatusMark = { doc, clock, status: e.status }
    const cur = h.marks?.get(author)
    if (cur !== undefined && !isLaterMark(mark, cur)) { return }
    h.marks ??= new Map()
    h.marks.set(author, mark)
    this.refreshActive(h)
  }

  /** The week's winners must be loaded (`loadWeek`) before its payments are applied. */
  applyPayment (author: string, e: PaymentEntry): void {
    const winners = this.hot.get(e.week)
    if (winners === undefined) { throw new Error(`week ${e.week} is not loaded`) }
    this.applyWinner(winners, author, e)
  }

  private applyWinner (winners: Map<string, Winner>, author: string, e: PaymentEntry): void {
    const w: Winner = { author, amount: e.amount, at: e.at }
    const cur = winners.get(e.humanId)
    if (cur !== undefined && !isBetterPayment(w, cur)) { return }
    winners.set(e.humanId, w)
    const delta = BigInt(e.amount - (cur?.amount ?? 0))
    let wt = this.weeks.get(e.week)
    if (wt === undefined) {
      wt = { count: 0, total: 0n }
      this.weeks.set(e.week, wt)
    }
    wt.total += delta
    this.distributed += delta
    const h = this.human(e.humanId)
    h.total += delta
    if (cur === undefined) {
      wt.count++
      h.paidWeeks++
    }
    if (h.lastWeek === undefined || e.week > h.lastWeek) {
      h.lastWeek = e.week
      h.lastAt = w.at
    } else if (e.week === h.lastWeek) {
      h.lastAt = w.at
    }
  }

  /** Start an empty in-memory week (for rebuilding from the batch log, where nothing is indexed). */
  ensureEmptyWeek (week: string): void {
    if (!this.hot.has(week)) { this.hot.set(week, new Map()) }
  }

  winner (week: string, humanId: string): Winner | undefined {
    return this.hot.get(week)?.get(humanId)
  }

  isWeekLoaded (week: string): boolean {
    return this.hot.has(week)
  }

  /** Make a week's payment winners available in memory (from the index if needed). */
  async loadWeek (store: LedgerStore, week: string, pinned: ReadonlySet<string> = new Set()): Promise<void> {
    const winners = this.hot.get(week)
    if (winners !== undefined) {
      this.hot.delete(week)
      this.hot.set(week, winners)
      return
    }
    const loaded = new Map<string, Winner>()
    for await (const [key, value] of store.db.iterator(prefixRange(`p!${week}!`))) {
      const parts = key.split('!')
      const author = parts[3]
      if (this.excluded.has(author)) { continue }
      const e = decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry
      const w: Winner = { author, amount: e.amount, at: e.at }
      const cur = loaded.get(e.humanId)
      if (cur === undefined || isBetterPayment(w, cur)) { loaded.set(e.humanId, w) }
    }
    this.hot.set(week, loaded)
    this.evict(pinned)
  }

  private evict (pinned: ReadonlySet<string>): void {
    for (const week of this.hot.keys()) {
      if (this.hot.size <= this.hotWeeks) { break }
      if (!pinned.has(week)) { this.hot.delete(week) }
    }
  }

  reset (): void {
    this.humans.clear()
    this.weeks.clear()
    this.hot.clear()
    this.registered = 0
    this.active = 0
    this.distributed = 0n
  }

  /** Recompute everything from the entry index (start-up, or after an exclusion). */
  async rebuild (store: LedgerStore): Promise<void> {
    this.reset()
    for await (const [key, value] of store.db.iterator(prefixRange('r!'))) {
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      this.applyRegistration(author, decodeEntry(decodeIndexed(value).entry, true) as HumanEntry)
    }
    for await (const [key, value] of store.db.iterator(prefixRange('s!'))) {
      const author = key.split('!')[2]
      if (this.excluded.has(author)) { continue }
      const ix = decodeIndexed(value)
      this.applyStatus(author, ix.doc, ix.clock, decodeEntry(ix.entry, true) as StatusEntry)
    }
    // weeks come in ascending order: keep the newest `hotWeeks` of them loaded
    let week: string | undefined
    let winners = new Map<string, Winner>()
    const finish = (): void => {
      if (week === undefined) { return }
      this.hot.set(week, winners)
      this.evict(new Set())
    }
    for await (const [key, value] of store.db.iterator(prefixRange('p!'))) {
      const parts = key.split('!')
      if (parts[1] !== week) {
        finish()
        week = parts[1]
        winners = new Map()
      }
      const author = parts[3]
      if (this.excluded.has(author)) { continue }
      this.applyWinner(winners, author, decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry)
    }
    finish()
  }

  /**
   * Every derived figure in one canonical string: two nodes with the same entries give
   * byte-identical output. Humans sorted by id, weeks by name.
   */
  canonical (): string {
    const ids = [...this.humans.keys()].sort()
    const out: string[] = []
    for (const id of ids) {
      const h = this.humans.get(id) as HumanView
      const r = h.regs === undefined ? null : summarize(h)
      out.push(JSON.stringify([id, r, h.active, formatCents(h.total), h.paidWeeks, h.lastWeek ?? null, h.lastWeek === undefined ? null : h.lastAt]))
    }
    const weeks = [...this.weeks.keys()].sort().map(w => {
      const t = this.weeks.get(w) as WeekTotal
      return [w, t.count, formatCents(t.total)]
    })
    return JSON.stringify({ registered: this.registered, active: this.active, distributed: formatCents(this.distributed), weeks }) + '\n' + out.join('\n')
  }
}

export interface HumanSummary {
  weeklyFlow: number
  housingCredit: number
  investmentPool: number
  createdAt: number
  registeredBy: string
  registrars: number
}

/** The joined registration of a registered human (see the module rules). */
export function summarize (h: HumanView): HumanSummary {
  const regs = h.regs as Registration[]
  let first = regs[0]
  let weeklyFlow = 0
  let housingCredit = 0
  let investmentPool = 0
  for (const r of regs) {
    if (r.at < first.at || (r.at === first.at && r.author < first.author)) { first = r }
    if (r.weeklyFlow > weeklyFlow) { weeklyFlow = r.weeklyFlow }
    if (r.housingCredit > housingCredit) { housingCredit = r.housingCredit }
    if (r.investmentPool > investmentPool) { investmentPool = r.investmentPool }
  }
  return { weeklyFlow, housingCredit, investmentPool, createdAt: first.at, registeredBy: first.author, registrars: regs.length }
}
