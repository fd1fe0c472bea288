/**
 * Derived views: what the entries add up to under the rules of `rules.ts`. Nothing here
 * is stored; it is rebuilt from the entry index at start (and after an author is
 * excluded) and updated as entries arrive. Every figure is a function of the set of
 * entries, so two nodes holding the same entries show the same numbers whatever order
 * they arrived in.
 *
 * - A row is one human record, (registrar, id). Its registration is its registrar's one
 * registration entry for the id; status entries count only from the registrar. The
 * status shown is the latest (by document, then clock); the status that decides a
 * payment of week W is the one in effect for W (`statusForWeek`): a change written in
 * the registrar's document of week V governs the weeks after V.
 * - Payments count only when valid for their record (`isValidPayment`, and the record
 * active for the payment's week); a payment that arrives before the registration it
 * names waits as an orphan and counts once the registration arrives. A status entry
 * arriving later (a partition healing) can change which payments of the weeks after it
 * are valid: the record is re-counted from the index at the next `settle`.
 * - Per week, the counted payment of a record is the valid one of the preferred payer.
 * Week totals, per-row totals and `validTotal` sum counted payments; `settle` then
 * decides which of them the pool funds, and the unfunded ones are subtracted
 * everywhere a figure is shown.
 * - Entries of an author with an equivocation proof against it count for nothing.
 *
 * Memory: per human a row in typed-array columns (about 100 bytes with its id), plus
 * the payment winners of the `hotWeeks` most recent weeks touched (8 bytes per human
 * each); older weeks stay in LevelDB and are loaded on demand.
 *
 * The rows and their columns are in view-rows.ts, the per-week counting and the loaded
 * weeks in view-weeks.ts; this module decides what counts, re-counts and funds.
 */
import { decodeEntry } from './entries.ts'
import { addMoney, formatCents } from './money.ts'
import { admissionKey, compareAdmission, fundingBoundary, isPreferredPayer, isValidPayment } from './rules.ts'
import { bulkRange, decodeIndexed, prefixRange } from './store.ts'
import { INACTIVE, NONE, WeekWinners } from './view-rows.ts'
import { PaymentWeeks } from './view-weeks.ts'
import type { HumanEntry, HumanStatus, PaymentEntry, StatusEntry } from './entries.ts'
import type { Money } from './money.ts'
import type { StatusMark } from './rules.ts'
import type { LedgerStore } from './store.ts'

export type { WeekTotal, Winner } from './view-weeks.ts'

export interface Registration {
  author: string
  at: number
  status: HumanStatus
  weeklyFlow: number
  housingCredit: number
  investmentPool: number
}

/** A read-only snapshot of one human record (registrar, id). */
export interface HumanView {
  id: string
  /** registrar's key (hex) */
  registrar: string
  registered: boolean
  /** the registration (when registered) */
  registration: Registration | undefined
  /** how many registrars registered this id (records side by side) */
  registrars: number
  active: boolean
  /** cents received over all weeks (funded payments) */
  total: Money
  paidWeeks: number
  /** counted payments the pool could not fund: cents, and how many */
  unfundedTotal: Money
  unfundedWeeks: number
  lastWeek: string | undefined
  lastAt: number
}

function compareMarks (a: StatusMark, b: StatusMark): number {
  return a.doc < b.doc ? -1 : a.doc > b.doc ? 1 : a.clock - b.clock
}

interface Orphan { week: string, author: number, at: number, amount: number }

export class DerivedViews extends PaymentWeeks {
  registered = 0
  active = 0
  /** payments the pool does not fund, by week then row: cents */
  private unfunded = new Map<string, Map<number, number>>()
  private unfundedTotal = 0n
  private unfundedCount = 0
  private readonly pool: bigint
  /** payments before their registration, by row */
  private readonly orphans = new Map<number, Orphan[]>()

  constructor (excluded: Set<string>, pool: bigint, hotWeeks = 4) {
    super(excluded, hotWeeks)
    this.pool = pool
  }

  /** funded payments, cents */
  get distributed (): Money {
    return this.unfundedTotal === 0n ? this.validTotal : addMoney(this.validTotal, -this.unfundedTotal)
  }

  /** the pool minus what is funded: never below zero */
  get remaining (): bigint {
    return this.pool - BigInt(this.distributed)
  }

  private unfundedOf (r: number): { total: bigint, weeks: number } {
    let total = 0n
    let weeks = 0
    for (const m of this.unfunded.values()) {
      const a = m.get(r)
      if (a !== undefined) {
        total += BigInt(a)
        weeks++
      }
    }
    return { total, weeks }
  }

  private viewOf (r: number): HumanView {
    const lw = this.lastWeekCol[r]
    const registered = this.isReg[r] === 1
    const u = this.unfundedCount === 0 ? { total: 0n, weeks: 0 } : this.unfundedOf(r)
    const total = this.bigTotals.get(r) ?? this.totalCol[r]
    return {
      id: this.ids[r],
      registrar: this.registrarOf(r),
      registered,
      registration: registered
        ? {
            author: this.registrarOf(r),
            at: this.regAt[r],
            status: this.regStatus[r] === INACTIVE ? 'inactive' : 'active',
            weeklyFlow: this.weeklyFlow[r],
            housingCredit: this.housingCredit[r],
            investmentPool: this.investmentPool[r]
          }
        : undefined,
      registrars: this.registrarCount(this.ids[r]),
      active: this.activeCol[r] === 1,
      total: u.total === 0n ? total : addMoney(total, -u.total),
      paidWeeks: this.paidWeeksCol[r] - u.weeks,
      unfundedTotal: u.total,
      unfundedWeeks: u.weeks,
      lastWeek: lw === NONE ? undefined : this.weekNames.values[lw],
      lastAt: this.lastAtCol[r]
    }
  }

  /**
   * A snapshot of the record (registrar, id); without a registrar, of the id's primary
   * record (the registered one of the smallest registrar key). Undefined if none.
   */
  human (id: string, registrar?: string): HumanView | undefined {
    const reg = registrar ?? this.registrarsOf(id)[0]
    if (reg === undefined) { return undefined }
    const r = this.findRow(id, reg)
    return r === undefined ? undefined : this.viewOf(r)
  }

  private refreshActive (r: number): void {
    const marks = this.marks.get(r)
    const latest = marks === undefined ? undefined : marks[marks.length - 1]
    const active = this.isReg[r] === 1 && (latest?.status ?? this.initialStatus(r)) === 'active'
    const was = this.activeCol[r] === 1
    if (active !== was) { this.active += active ? 1 : -1 }
    this.activeCol[r] = active ? 1 : 0
  }

  applyRegistration (author: string, e: HumanEntry): void {
    const r = this.row(e.humanId, author)
    if (this.isReg[r] === 1) { return }
    this.isReg[r] = 1
    this.regAt[r] = e.at
    this.regStatus[r] = e.status === 'inactive' ? INACTIVE : 0
    this.weeklyFlow[r] = e.weeklyFlow
    this.housingCredit[r] = e.housingCredit
    this.investmentPool[r] = e.investmentPool
    this.registered++
    this.refreshActive(r)
    const orphans = this.orphans.get(r)
    if (orphans === undefined) { return }
    this.orphans.delete(r)
    // the payments that came first: the first valid one of each week counts (amounts are equal)
    const best = new Map<string, Orphan>()
    for (const o of orphans) {
      if (!isValidPayment({ weeklyFlow: e.weeklyFlow }, o.amount) || !this.activeForWeek(r, o.week)) { continue }
      const cur = best.get(o.week)
      if (cur === undefined || isPreferredPayer(this.authors.values[o.author], this.authors.values[cur.author])) { best.set(o.week, o) }
    }
    for (const o of best.values()) {
      const winners = this.hot.get(o.week)
      if (winners !== undefined) {
        this.applyWinner(winners, r, o.author, o.week, o.at)
      } else {
        // a week not in memory: nobody else can have counted for this record before its registration
        this.count(r, o.week, o.at)
      }
    }
  }

  applyStatus (author: string, doc: string, clock: number, e: StatusEntry): void {
    // only the registrar's status entries count (the row of (author, id)); the
    // registration may come later (it is in an earlier document of the same author)
    const r = this.row(e.humanId, author)
    const mark: StatusMark = { doc, clock, status: e.status }
    const marks = this.marks.get(r) ?? []
    let at = marks.length
    while (at > 0 && compareMarks(marks[at - 1], mark) > 0) { at-- }
    if (at > 0 && compareMarks(marks[at - 1], mark) === 0) { return }
    // payments already counted for this record may change validity: re-count it at settle
    if (this.isReg[r] === 1 && !this.restatus.has(r)) {
      this.restatus.set(r, [...marks])
      this.dirty = true
    }
    marks.splice(at, 0, mark)
    this.marks.set(r, marks)
    this.refreshActive(r)
  }

  /** The week's winners must be loaded (`loadWeek`) before its payments are applied. */
  applyPayment (author: string, e: PaymentEntry): void {
    const winners = this.hot.get(e.week)
    if (winners === undefined) { throw new Error(`week ${e.week} is not loaded`) }
    const r = this.row(e.humanId, e.registrar)
    const a = this.authors.id(author)
    this.paymentWeeks.add(e.week)
    if (this.isReg[r] !== 1) {
      const list = this.orphans.get(r) ?? []
      list.push({ week: e.week, author: a, at: e.at, amount: e.amount })
      this.orphans.set(r, list)
      return
    }
    if (!isValidPayment({ weeklyFlow: this.weeklyFlow[r] }, e.amount) || !this.activeForWeek(r, e.week)) { return }
    this.applyWinner(winners, r, a, e.week, e.at)
  }

  /** The payments of one record for one week in the index. */
  private async paymentsOf (store: LedgerStore, week: string, humanId: string, registrar: string): Promise<Array<{ author: string, amount: number, at: number }>> {
    const out = []
    for await (const [key, value] of store.db.iterator(prefixRange(`p!${week}!${humanId}!${registrar}!`))) {
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      const e = decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry
      out.push({ author, amount: e.amount, at: e.at })
    }
    return out
  }

  /** The payment that counts for row `r` in `week` under `marks`, from the index. */
  private countedOf (payments: Array<{ author: string, amount: number, at: number }>, r: number, week: string, marks: StatusMark[] | undefined): { author: string, at: number } | undefined {
    if (!this.activeForWeek(r, week, marks)) { return undefined }
    let best: { author: string, at: number } | undefined
    for (const p of payments) {
      if (!isValidPayment({ weeklyFlow: this.weeklyFlow[r] }, p.amount)) { continue }
      if (best === undefined || isPreferredPayer(p.author, best.author)) { best = p }
    }
    return best
  }

  /**
   * Re-count the records whose status changes changed: per week with payments, what
   * counted before (the loaded winners, or the index under the changes as they were)
   * against what counts now; payments that stopped or started counting are undone or
   * counted. Then every figure is as if the changes had been there all along.
   */
  private async recount (store: LedgerStore): Promise<void> {
    const rows = [...this.restatus]
    this.restatus.clear()
    const weeks = [...this.paymentWeeks].sort()
    for (const [r, before] of rows) {
      const id = this.ids[r]
      const registrar = this.registrarOf(r)
      let last: { week: string, at: number } | undefined
      for (const week of weeks) {
        const payments = await this.paymentsOf(store, week, id, registrar)
        if (payments.length === 0) { continue }
        const winners = this.hot.get(week)
        let counted: boolean
        if (winners !== undefined) {
          winners.ensure(this.cap)
          counted = winners.author[r] !== NONE
        } else {
          counted = this.countedOf(payments, r, week, before) !== undefined
        }
        const now = this.countedOf(payments, r, week, this.marks.get(r))
        if (counted && now === undefined) { this.uncount(r, week) } else if (!counted && now !== undefined) { this.count(r, week, now.at) }
        if (winners !== undefined) {
          winners.author[r] = now === undefined ? NONE : this.authors.id(now.author)
          winners.at[r] = now?.at ?? 0
        }
        if (now !== undefined) { last = { week, at: now.at } }
      }
      this.lastWeekCol[r] = last === undefined ? NONE : this.weekNames.id(last.week)
      this.lastAtCol[r] = last?.at ?? 0
    }
  }

  /** Whether the counted payment of (registrar, id) for `week` is unfunded. */
  isUnfunded (week: string, humanId: string, registrar: string): boolean {
    const r = this.findRow(humanId, registrar)
    return r !== undefined && this.unfunded.get(week)?.has(r) === true
  }

  /** Figures of one week: counted payments, and how many of them the pool funds. */
  weekFigures (week: string): { count: number, total: Money, unfundedCount: number, unfundedTotal: bigint } {
    const wt = this.weeks.get(week) ?? { count: 0, total: 0 }
    const u = this.unfunded.get(week)
    let unfundedTotal = 0n
    for (const a of u?.values() ?? []) { unfundedTotal += BigInt(a) }
    return { count: wt.count - (u?.size ?? 0), total: addMoney(wt.total, -unfundedTotal), unfundedCount: u?.size ?? 0, unfundedTotal }
  }

  get unfundedPayments (): { count: number, total: bigint } {
    return { count: this.unfundedCount, total: this.unfundedTotal }
  }

  /**
   * Decide which counted payments the pool funds (see `rules.ts`): cheap while the pool
   * covers everything; past that, it orders the boundary week's payments and marks
   * that week's tail and every later week unfunded, loading those weeks if needed.
   */
  async settle (store?: LedgerStore): Promise<void> {
    if (!this.dirty) { return }
    if (this.restatus.size > 0 && this.paymentWeeks.size === 0) {
      // no payment anywhere: nothing a status change could re-count
      this.restatus.clear()
    } else if (this.restatus.size > 0) {
      if (store === undefined) { throw new Error('status changes to re-count and no store to read payments from') }
      await this.recount(store)
    }
    this.dirty = false
    if (BigInt(this.validTotal) <= this.pool) {
      this.unfunded = new Map()
      this.unfundedTotal = 0n
      this.unfundedCount = 0
      return
    }
    const { boundary, before } = fundingBoundary([...this.weeks].map(([w, t]) => [w, t.total]), this.pool)
    const unfunded = new Map<string, Map<number, number>>()
    let total = 0n
    let count = 0
    let left = this.pool - before
    let exhausted = false
    const later = [...this.weeks.keys()].filter(w => boundary !== undefined && w >= boundary).sort()
    for (const week of later) {
      await this.loadWeek(store, week, new Set([week]))
      const winners = this.hot.get(week) as WeekWinners
      const rows: Array<{ r: number, registrar: string, humanId: string, key: number }> = []
      for (let r = 0; r < winners.author.length && r < this.ids.length; r++) {
        if (winners.author[r] === NONE) { continue }
        const registrar = this.registrarOf(r)
        rows.push({ r, registrar, humanId: this.ids[r], key: admissionKey(registrar, this.ids[r]) })
      }
      rows.sort(compareAdmission)
      const m = new Map<number, number>()
      for (const x of rows) {
        const amount = this.weeklyFlow[x.r]
        if (!exhausted && BigInt(amount) <= left) {
          left -= BigInt(amount)
          continue
        }
        exhausted = true
        m.set(x.r, amount)
        total += BigInt(amount)
        count++
      }
      if (m.size > 0) { unfunded.set(week, m) }
    }
    this.unfunded = unfunded
    this.unfundedTotal = total
    this.unfundedCount = count
  }

  reset (): void {
    this.weeks.clear()
    this.hot.clear()
    this.resetRows()
    this.restatus.clear()
    this.paymentWeeks.clear()
    this.bigTotals.clear()
    this.orphans.clear()
    this.unfunded = new Map()
    this.unfundedTotal = 0n
    this.unfundedCount = 0
    this.registered = 0
    this.active = 0
    this.validTotal = 0
    this.dirty = true
  }

  /** Recompute everything from the entry index (start-up, or after an exclusion). */
  async rebuild (store: LedgerStore): Promise<void> {
    this.reset()
    for await (const [key, value] of store.db.iterator(bulkRange('r!'))) {
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      this.applyRegistration(author, decodeEntry(decodeIndexed(value).entry, true) as HumanEntry)
    }
    for await (const [key, value] of store.db.iterator(bulkRange('s!'))) {
      const from = key.indexOf('!', 2) + 1
      const author = key.slice(from, key.indexOf('!', from))
      if (this.excluded.has(author)) { continue }
      const ix = decodeIndexed(value)
      this.applyStatus(author, ix.doc, ix.clock, decodeEntry(ix.entry, true) as StatusEntry)
    }
    // no payment is counted yet: they are counted below under the final status changes
    this.restatus.clear()
    // weeks come in ascending order: keep the newest `hotWeeks` of them loaded
    let week: string | undefined
    let winners = new WeekWinners(this.cap)
    const finish = (): void => {
      if (week === undefined) { return }
      this.hot.set(week, winners)
      this.evict(new Set())
    }
    for await (const [key, value] of store.db.iterator(bulkRange('p!'))) {
      const keyWeek = key.slice(2, key.indexOf('!', 2))
      if (keyWeek !== week) {
        finish()
        week = keyWeek
        winners = new WeekWinners(this.cap)
      }
      const author = key.slice(key.lastIndexOf('!') + 1)
      if (this.excluded.has(author)) { continue }
      this.paymentWeeks.add(keyWeek)
      const e = decodeEntry(decodeIndexed(value).entry, true) as PaymentEntry
      const r = this.findRow(e.humanId, e.registrar)
      if (r === undefined || this.isReg[r] !== 1) {
        // stays an orphan: counted when its registration arrives
        const nr = this.row(e.humanId, e.registrar)
        const list = this.orphans.get(nr) ?? []
        list.push({ week: keyWeek, author: this.authors.id(author), at: e.at, amount: e.amount })
        this.orphans.set(nr, list)
        continue
      }
      if (!isValidPayment({ weeklyFlow: this.weeklyFlow[r] }, e.amount) || !this.activeForWeek(r, keyWeek)) { continue }
      this.applyWinner(winners, r, this.authors.id(author), keyWeek, e.at)
    }
    finish()
    await this.settle(store)
  }

  /**
   * Every derived figure in one canonical string: two nodes with the same entries give
   * byte-identical output. Records sorted by (id, registrar), weeks by name.
   */
  canonical (): string {
    // each row's sort key built once, not twice per comparison
    const keyed: Array<{ key: string, r: number }> = []
    for (let r = 0; r < this.ids.length; r++) {
      if (this.isReg[r] === 1 || this.paidWeeksCol[r] > 0) { keyed.push({ key: this.ids[r] + '!' + this.registrarOf(r), r }) }
    }
    keyed.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    const out: string[] = []
    for (const { r } of keyed) {
      const h = this.viewOf(r)
      const reg = h.registration === undefined ? null : [h.registration.at, h.registration.weeklyFlow, h.registration.housingCredit, h.registration.investmentPool]
      out.push(JSON.stringify([h.id, h.registrar, reg, h.active, formatCents(h.total), h.paidWeeks, formatCents(h.unfundedTotal), h.lastWeek ?? null, h.lastWeek === undefined ? null : h.lastAt]))
    }
    const weeks = [...this.weeks.keys()].sort().map(w => {
      const t = this.weekFigures(w)
      return [w, t.count, formatCents(t.total), t.unfundedCount, formatCents(t.unfundedTotal)]
    })
    return JSON.stringify({ registered: this.registered, active: this.active, distributed: formatCents(this.distributed), unfunded: formatCents(this.unfundedTotal), weeks }) + '\n' + out.join('\n')
  }
}
