/**
 * Counted payments of derived views (views.ts), per week: the week totals, each row's
 * total, paid weeks and last payment, and the counted payment of each row in the
 * `hotWeeks` most recently used weeks (WeekWinners), loaded from the entry index on
 * demand. Which payment counts, and funding, stay in views.ts.
 */
import { decodeEntry } from './entries.ts'
import { addMoney } from './money.ts'
import { isPreferredPayer, isValidPayment } from './rules.ts'
import { bulkRange, decodeIndexed } from './store.ts'
import { HumanRows, NONE, WeekWinners } from './view-rows.ts'
import type { PaymentEntry } from './entries.ts'
import type { Money } from './money.ts'
import type { StatusMark } from './rules.ts'
import type { LedgerStore } from './store.ts'

export interface WeekTotal {
  /** counted payments, funded or not */
  count: number
  total: Money
}

/** the counted payment of a record for a week: who recorded it, and its amount */
export interface Winner {
  author: string
  amount: number
}

export class PaymentWeeks extends HumanRows {
  readonly excluded: Set<string>
  /** sum of every counted payment, funded or not */
  validTotal: Money = 0
  readonly weeks = new Map<string, WeekTotal>()
  protected readonly hotWeeks: number
  /** loaded weeks; Map order = least recently used first */
  protected readonly hot = new Map<string, WeekWinners>()
  /** registered rows whose status changes changed since the last settle, with their changes before */
  protected readonly restatus = new Map<number, StatusMark[]>()
  /** every week with a stored payment (of an author not excluded) */
  protected readonly paymentWeeks = new Set<string>()
  /** row totals past 2^53 cents */
  protected readonly bigTotals = new Map<number, bigint>()
  protected dirty = true

  constructor (excluded: Set<string>, hotWeeks: number) {
    super()
    this.excluded = excluded
    this.hotWeeks = Math.max(1, hotWeeks)
  }

  protected applyWinner (winners: WeekWinners, r: number, a: number, week: string, at: number): void {
    winners.ensure(this.cap)
    const cur = winners.author[r]
    if (cur !== NONE && !isPreferredPayer(this.authors.values[a], this.authors.values[cur])) { return }
    winners.author[r] = a
    winners.at[r] = at
    if (cur === NONE) {
      this.count(r, week, at)
    } else if (this.lastWeekCol[r] === this.weekNames.id(week)) {
      this.lastAtCol[r] = at
    }
  }

  /** A new counted payment of row `r` for `week` (its amount is the row's flow). */
  protected count (r: number, week: string, at: number): void {
    const amount = this.weeklyFlow[r]
    const w = this.weekNames.id(week)
    let wt = this.weeks.get(week)
    if (wt === undefined) {
      wt = { count: 0, total: 0 }
      this.weeks.set(week, wt)
    }
    wt.total = addMoney(wt.total, amount)
    wt.count++
    this.validTotal = addMoney(this.validTotal, amount)
    const total = addMoney(this.bigTotals.get(r) ?? this.totalCol[r], amount)
    if (typeof total === 'number') {
      this.totalCol[r] = total
      this.bigTotals.delete(r)
    } else {
      this.bigTotals.set(r, total)
    }
    this.paidWeeksCol[r]++
    const lw = this.lastWeekCol[r]
    if (lw === NONE || week > this.weekNames.values[lw]) {
      this.lastWeekCol[r] = w
      this.lastAtCol[r] = at
    }
    this.dirty = true
  }

  /** Undo a counted payment of row `r` for `week` (a status change made it invalid). */
  protected uncount (r: number, week: string): void {
    const amount = this.weeklyFlow[r]
    const wt = this.weeks.get(week)
    if (wt !== undefined) {
      wt.total = addMoney(wt.total, -amount)
      wt.count--
      // a week nobody is paid for is no week at all: as on a node that never counted it
      if (wt.count === 0) { this.weeks.delete(week) }
    }
    this.validTotal = addMoney(this.validTotal, -amount)
    const total = addMoney(this.bigTotals.get(r) ?? this.totalCol[r], -amount)
    if (typeof total === 'number') {
      this.totalCol[r] = total
      this.bigTotals.delete(r)
    } else {
      this.bigTotals.set(r, total)
    }
    this.paidWeeksCol[r]--
    this.dirty = true
  }

  /** Start an empty in-memory week (for rebuilding from the batch log, where nothing is indexed). */
  ensureEmptyWeek (week: string): void {
    if (!this.hot.has(week)) { this.hot.set(week, new WeekWinners(this.cap)) }
  }

  /** The counted payment of (registrar, id) for a loaded week. */
  winner (week: string, humanId: string, registrar: string): Winner | undefined {
    const winners = this.hot.get(week)
    const r = this.findRow(humanId, registrar)
    if (winners === undefined || r === undefined || r >= winners.author.length || winners.author[r] === NONE) { return undefined }
    return { author: this.authors.values[winners.author[r]], amount: this.weeklyFlow[r] }
  }

  /** every week with a stored payment, counted or not, in order */
  paymentWeekList (): string[] {
    return [...this.paymentWeeks].sort()
  }

  isWeekLoaded (week: string): boolean {
    return this.hot.has(week)
  }

  /** Make a week's payment winners available in memory (from the index if needed). */
  async loadWeek (store: LedgerStore | undefined, week: string, pinned: ReadonlySet<string> = new Set()): Promise<void> {
    const winners = this.hot.get(week)
    if (winners !== undefined) {
      this.hot.delete(week)
      this.hot.set(week, winners)
      return
    }
    if (store === undefined) { throw new Error(`week ${week} is not loaded and there is no store to load it from`) }
    const loaded = new WeekWinners(this.cap)
    for await (const [key, value] of store.db.iterator(bulkRange(`p!${week}!`))) {
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      const e = decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry
      const r = this.findRow(e.humanId, e.registrar)
      // under the status changes as they were when the week was counted (see recount)
      if (r === undefined || this.isReg[r] !== 1 || !isValidPayment({ weeklyFlow: this.weeklyFlow[r] }, e.amount) || !this.activeForWeek(r, week, this.restatus.get(r) ?? this.marks.get(r))) { continue }
      loaded.ensure(this.cap)
      const cur = loaded.author[r]
      if (cur === NONE || isPreferredPayer(author, this.authors.values[cur])) {
        loaded.author[r] = this.authors.id(author)
        loaded.at[r] = e.at
      }
    }
    this.hot.set(week, loaded)
    this.evict(pinned)
  }

  protected evict (pinned: ReadonlySet<string>): void {
    for (const week of this.hot.keys()) {
      if (this.hot.size <= this.hotWeeks) { break }
      if (!pinned.has(week)) { this.hot.delete(week) }
    }
  }
}
