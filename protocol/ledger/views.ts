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
 * Memory: per human a row in typed-array columns (about 100 bytes with its id), plus
 * the payment winners of the `hotWeeks` most recent weeks touched (12 bytes per human
 * each); older weeks stay in LevelDB and are loaded on demand. Columns live outside the
 * young generation, so building 100k rows at start-up does not make V8 grow it.
 */
import { decodeEntry } from './entries.ts'
import { addMoney, formatCents } from './money.ts'
import { decodeIndexed, prefixRange } from './store.ts'
import type { HumanEntry, HumanStatus, PaymentEntry, StatusEntry } from './entries.ts'
import type { Money } from './money.ts'
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

/** A read-only snapshot of one human's derived record. */
export interface HumanView {
  id: string
  registered: boolean
  /** every (not excluded) registration, one per author */
  registrations: Registration[]
  active: boolean
  /** cents received over all weeks (winning payments) */
  total: Money
  paidWeeks: number
  lastWeek: string | undefined
  lastAt: number
}

export interface Winner {
  author: string
  amount: number
}

export interface WeekTotal {
  count: number
  total: Money
}

export function isBetterPayment (a: Winner, b: Winner): boolean {
  return a.amount > b.amount || (a.amount === b.amount && a.author < b.author)
}

function isLaterMark (a: StatusMark, b: StatusMark): boolean {
  return a.doc > b.doc || (a.doc === b.doc && a.clock > b.clock)
}

const NONE = -1
const INACTIVE = 1

/** Interned strings with a stable small index each (authors, weeks). */
class StringTable {
  readonly values: string[] = []
  private readonly index = new Map<string, number>()

  id (s: string): number {
    let i = this.index.get(s)
    if (i === undefined) {
      i = this.values.length
      this.values.push(s)
      this.index.set(s, i)
    }
    return i
  }

  clear (): void {
    this.values.length = 0
    this.index.clear()
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array> (a: T, size: number, fill?: number): T {
  const b = new (a.constructor as new (n: number) => T)(size)
  b.set(a)
  if (fill !== undefined) { b.fill(fill, a.length) }
  return b
}

/** Payment winners of one week, by human row. */
class WeekWinners {
  author: Int32Array
  amount: Float64Array

  constructor (size: number) {
    this.author = new Int32Array(Math.max(size, 16)).fill(NONE)
    this.amount = new Float64Array(Math.max(size, 16))
  }

  ensure (size: number): void {
    if (size <= this.author.length) { return }
    const n = Math.max(size, this.author.length * 2)
    this.author = grow(this.author, n, NONE)
    this.amount = grow(this.amount, n)
  }
}

export class DerivedViews {
  readonly excluded: Set<string>
  registered = 0
  active = 0
  distributed: Money = 0
  readonly weeks = new Map<string, WeekTotal>()
  private readonly hotWeeks: number
  /** loaded weeks; Map order = least recently used first */
  private readonly hot = new Map<string, WeekWinners>()
  private readonly authors = new StringTable()
  private readonly weekNames = new StringTable()
  // one row per human id seen (registered or only paid)
  private readonly rows = new Map<string, number>()
  private ids: string[] = []
  private cap = 0
  private regAuthor = new Int32Array(0)
  private regAt = new Float64Array(0)
  private regStatus = new Uint8Array(0)
  private weeklyFlow = new Float64Array(0)
  private housingCredit = new Float64Array(0)
  private investmentPool = new Float64Array(0)
  private activeCol = new Uint8Array(0)
  private totalCol = new Float64Array(0)
  private paidWeeksCol = new Int32Array(0)
  private lastWeekCol = new Int32Array(0)
  private lastAtCol = new Float64Array(0)
  /** rare cases, by row: further registrations, status marks, totals past 2^53 cents */
  private readonly more = new Map<number, Registration[]>()
  private readonly marks = new Map<number, Map<string, StatusMark>>()
  private readonly bigTotals = new Map<number, bigint>()

  constructor (excluded: Set<string>, hotWeeks = 4) {
    this.excluded = excluded
    this.hotWeeks = Math.max(1, hotWeeks)
  }

  get size (): number {
    return this.ids.length
  }

  private row (id: string): number {
    let r = this.rows.get(id)
    if (r !== undefined) { return r }
    r = this.ids.length
    if (r >= this.cap) {
      const n = Math.max(1024, this.cap * 2)
      this.regAuthor = grow(this.regAuthor, n, NONE)
      this.regAt = grow(this.regAt, n)
      this.regStatus = grow(this.regStatus, n)
      this.weeklyFlow = grow(this.weeklyFlow, n)
      this.housingCredit = grow(this.housingCredit, n)
      this.investmentPool = grow(this.investmentPool, n)
      this.activeCol = grow(this.activeCol, n)
      this.totalCol = grow(this.totalCol, n)
      this.paidWeeksCol = grow(this.paidWeeksCol, n)
      this.lastWeekCol = grow(this.lastWeekCol, n, NONE)
      this.lastAtCol = grow(this.lastAtCol, n)
      this.cap = n
    }
    this.ids.push(id)
    this.rows.set(id, r)
    return r
  }

  isRegistered (id: string): boolean {
    const r = this.rows.get(id)
    return r !== undefined && this.regAuthor[r] !== NONE
  }

  hasRegistrar (id: string, author: string): boolean {
    const r = this.rows.get(id)
    if (r === undefined || this.regAuthor[r] === NONE) { return false }
    return this.authors.values[this.regAuthor[r]] === author || (this.more.get(r)?.some(x => x.author === author) ?? false)
  }

  private registrationsOf (r: number): Registration[] {
    if (this.regAuthor[r] === NONE) { return [] }
    const first: Registration = {
      author: this.authors.values[this.regAuthor[r]],
      at: this.regAt[r],
      status: this.regStatus[r] === INACTIVE ? 'inactive' : 'active',
      weeklyFlow: this.weeklyFlow[r],
      housingCredit: this.housingCredit[r],
      investmentPool: this.investmentPool[r]
    }
    const more = this.more.get(r)
    return more === undefined ? [first] : [first, ...more]
  }

  private totalOf (r: number): Money {
    return this.bigTotals.get(r) ?? this.totalCol[r]
  }

  /** A snapshot of one human's record, or undefined if the id was never seen. */
  human (id: string): HumanView | undefined {
    const r = this.rows.get(id)
    if (r === undefined) { return undefined }
    const lw = this.lastWeekCol[r]
    return {
      id: this.ids[r],
      registered: this.regAuthor[r] !== NONE,
      registrations: this.registrationsOf(r),
      active: this.activeCol[r] === 1,
      total: this.totalOf(r),
      paidWeeks: this.paidWeeksCol[r],
      lastWeek: lw === NONE ? undefined : this.weekNames.values[lw],
      lastAt: this.lastAtCol[r]
    }
  }

  /** Ids of registered humans, in no particular order. */
  * registeredIds (): Generator<string> {
    for (let r = 0; r < this.ids.length; r++) {
      if (this.regAuthor[r] !== NONE) { yield this.ids[r] }
    }
  }

  isActive (id: string): boolean {
    const r = this.rows.get(id)
    return r !== undefined && this.activeCol[r] === 1
  }

  private refreshActive (r: number): void {
    if (this.regAuthor[r] === NONE) {
      this.activeCol[r] = 0
      return
    }
    const marks = this.marks.get(r)
    const first = this.authors.values[this.regAuthor[r]]
    let active = (marks?.get(first)?.status ?? (this.regStatus[r] === INACTIVE ? 'inactive' : 'active')) === 'active'
    if (!active) {
      active = this.more.get(r)?.some(x => (marks?.get(x.author)?.status ?? x.status) === 'active') ?? false
    }
    const was = this.activeCol[r] === 1
    if (active !== was) { this.active += active ? 1 : -1 }
    this.activeCol[r] = active ? 1 : 0
  }

  applyRegistration (author: string, e: HumanEntry): void {
    const r = this.row(e.humanId)
    if (this.regAuthor[r] === NONE) {
      this.regAuthor[r] = this.authors.id(author)
      this.regAt[r] = e.at
      this.regStatus[r] = e.status === 'inactive' ? INACTIVE : 0
      this.weeklyFlow[r] = e.weeklyFlow
      this.housingCredit[r] = e.housingCredit
      this.investmentPool[r] = e.investmentPool
      this.registered++
      this.activeCol[r] = 0
    } else {
      if (this.hasRegistrar(e.humanId, author)) { return }
      const list = this.more.get(r) ?? []
      list.push({ author: this.authors.values[this.authors.id(author)], at: e.at, status: e.status, weeklyFlow: e.weeklyFlow, housingCredit: e.housingCredit, investmentPool: e.investmentPool })
      this.more.set(r, list)
    }
    this.refreshActive(r)
  }

  applyStatus (author: string, doc: string, clock: number, e: StatusEntry): void {
    const r = this.row(e.humanId)
    const mark: StatusMark = { doc, clock, status: e.status }
    let marks = this.marks.get(r)
    const cur = marks?.get(author)
    if (cur !== undefined && !isLaterMark(mark, cur)) { return }
    if (marks === undefined) {
      marks = new Map()
      this.marks.set(r, marks)
    }
    marks.set(this.authors.values[this.authors.id(author)], mark)
    this.refreshActive(r)
  }

  /** The week's winners must be loaded (`loadWeek`) before its payments are applied. */
  applyPayment (author: string, e: PaymentEntry): void {
    const winners = this.hot.get(e.week)
    if (winners === undefined) { throw new Error(`week ${e.week} is not loaded`) }
    this.applyWinner(winners, author, e)
  }

  private applyWinner (winners: WeekWinners, author: string, e: PaymentEntry): void {
    const r = this.row(e.humanId)
    winners.ensure(this.cap)
    const a = this.authors.id(author)
    const curAuthor = winners.author[r]
    const curAmount = winners.amount[r]
    if (curAuthor !== NONE && !isBetterPayment({ author, amount: e.amount }, { author: this.authors.values[curAuthor], amount: curAmount })) { return }
    winners.author[r] = a
    winners.amount[r] = e.amount
    const delta = e.amount - (curAuthor === NONE ? 0 : curAmount)
    const w = this.weekNames.id(e.week)
    const week = this.weekNames.values[w]
    let wt = this.weeks.get(week)
    if (wt === undefined) {
      wt = { count: 0, total: 0 }
      this.weeks.set(week, wt)
    }
    wt.total = addMoney(wt.total, delta)
    this.distributed = addMoney(this.distributed, delta)
    const total = addMoney(this.totalOf(r), delta)
    if (typeof total === 'number') {
      this.totalCol[r] = total
      this.bigTotals.delete(r)
    } else {
      this.bigTotals.set(r, total)
    }
    if (curAuthor === NONE) {
      wt.count++
      this.paidWeeksCol[r]++
    }
    const lw = this.lastWeekCol[r]
    if (lw === NONE || week > this.weekNames.values[lw]) {
      this.lastWeekCol[r] = w
      this.lastAtCol[r] = e.at
    } else if (lw === w) {
      this.lastAtCol[r] = e.at
    }
  }

  /** Start an empty in-memory week (for rebuilding from the batch log, where nothing is indexed). */
  ensureEmptyWeek (week: string): void {
    if (!this.hot.has(week)) { this.hot.set(week, new WeekWinners(this.cap)) }
  }

  winner (week: string, humanId: string): Winner | undefined {
    const winners = this.hot.get(week)
    const r = this.rows.get(humanId)
    if (winners === undefined || r === undefined || r >= winners.author.length || winners.author[r] === NONE) { return undefined }
    return { author: this.authors.values[winners.author[r]], amount: winners.amount[r] }
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
    const loaded = new WeekWinners(this.cap)
    for await (const [key, value] of store.db.iterator(prefixRange(`p!${week}!`))) {
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      const e = decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry
      const r = this.row(e.humanId)
      loaded.ensure(this.cap)
      const cur = loaded.author[r]
      if (cur === NONE || isBetterPayment({ author, amount: e.amount }, { author: this.authors.values[cur], amount: loaded.amount[r] })) {
        loaded.author[r] = this.authors.id(author)
        loaded.amount[r] = e.amount
      }
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
    this.weeks.clear()
    this.hot.clear()
    this.rows.clear()
    this.ids = []
    this.cap = 0
    this.regAuthor = new Int32Array(0)
    this.regAt = new Float64Array(0)
    this.regStatus = new Uint8Array(0)
    this.weeklyFlow = new Float64Array(0)
    this.housingCredit = new Float64Array(0)
    this.investmentPool = new Float64Array(0)
    this.activeCol = new Uint8Array(0)
    this.totalCol = new Float64Array(0)
    this.paidWeeksCol = new Int32Array(0)
    this.lastWeekCol = new Int32Array(0)
    this.lastAtCol = new Float64Array(0)
    this.more.clear()
    this.marks.clear()
    this.bigTotals.clear()
    this.authors.clear()
    this.weekNames.clear()
    this.registered = 0
    this.active = 0
    this.distributed = 0
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
      const from = key.indexOf('!', 2) + 1
      const author = key.slice(from, key.indexOf('!', from))
      if (this.excluded.has(author)) { continue }
      const ix = decodeIndexed(value)
      this.applyStatus(author, ix.doc, ix.clock, decodeEntry(ix.entry, true) as StatusEntry)
    }
    // weeks come in ascending order: keep the newest `hotWeeks` of them loaded
    let week: string | undefined
    let winners = new WeekWinners(this.cap)
    const finish = (): void => {
      if (week === undefined) { return }
      this.hot.set(week, winners)
      this.evict(new Set())
    }
    for await (const [key, value] of store.db.iterator(prefixRange('p!'))) {
      const keyWeek = key.slice(2, key.indexOf('!', 2))
      if (keyWeek !== week) {
        finish()
        week = keyWeek
        winners = new WeekWinners(this.cap)
      }
      const author = key.slice(key.lastIndexOf('!') + 1)
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
    const ids = [...this.ids].sort()
    const out: string[] = []
    for (const id of ids) {
      const h = this.human(id) as HumanView
      const r = h.registered ? summarize(h) : null
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
  const regs = h.registrations
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
