/**
 * The human records derived views keep (views.ts): one row per (registrar, id) in
 * typed-array columns (registration, status, payment totals), interned author and week
 * names, the registrar's status changes of each row, and the lookups on them. Counting
 * payments and funding stay in views.ts.
 */
import { isValidPayment, statusForWeek } from './rules.ts'
import type { HumanStatus } from './entries.ts'
import type { StatusMark } from './rules.ts'

export const NONE = -1
export const INACTIVE = 1

/** Interned strings with a stable small index each (authors, weeks). */
export class StringTable {
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

export function grow<T extends Float64Array | Int32Array | Uint8Array> (a: T, size: number, fill?: number): T {
  const b = new (a.constructor as new (n: number) => T)(size)
  b.set(a)
  if (fill !== undefined) { b.fill(fill, a.length) }
  return b
}

/** Counted payment of one week, by row: who recorded it and when. */
export class WeekWinners {
  author: Int32Array
  at: Float64Array

  constructor (size: number) {
    this.author = new Int32Array(Math.max(size, 16)).fill(NONE)
    this.at = new Float64Array(Math.max(size, 16))
  }

  ensure (size: number): void {
    if (size <= this.author.length) { return }
    const n = Math.max(size, this.author.length * 2)
    this.author = grow(this.author, n, NONE)
    this.at = grow(this.at, n)
  }
}

export class HumanRows {
  protected readonly authors = new StringTable()
  protected readonly weekNames = new StringTable()
  /** first row of each id; further records of the same id in `sameId` */
  protected readonly rows = new Map<string, number>()
  protected readonly sameId = new Map<number, number[]>()
  protected ids: string[] = []
  protected cap = 0
  protected rowReg = new Int32Array(0)
  protected isReg = new Uint8Array(0)
  protected regAt = new Float64Array(0)
  protected regStatus = new Uint8Array(0)
  protected weeklyFlow = new Float64Array(0)
  protected housingCredit = new Float64Array(0)
  protected investmentPool = new Float64Array(0)
  protected activeCol = new Uint8Array(0)
  protected totalCol = new Float64Array(0)
  protected paidWeeksCol = new Int32Array(0)
  protected lastWeekCol = new Int32Array(0)
  protected lastAtCol = new Float64Array(0)
  /** the registrar's status changes of a row (sorted), for the rows that have any */
  protected readonly marks = new Map<number, StatusMark[]>()

  get size (): number {
    return this.ids.length
  }

  protected findRow (id: string, registrar: string): number | undefined {
    const r = this.rows.get(id)
    if (r === undefined) { return undefined }
    const reg = this.authors.id(registrar)
    if (this.rowReg[r] === reg) { return r }
    return this.sameId.get(r)?.find(x => this.rowReg[x] === reg)
  }

  protected row (id: string, registrar: string): number {
    const found = this.findRow(id, registrar)
    if (found !== undefined) { return found }
    const r = this.ids.length
    if (r >= this.cap) {
      const n = Math.max(1024, this.cap * 2)
      this.rowReg = grow(this.rowReg, n, NONE)
      this.isReg = grow(this.isReg, n)
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
    this.rowReg[r] = this.authors.id(registrar)
    const first = this.rows.get(id)
    if (first === undefined) {
      this.rows.set(id, r)
    } else {
      const list = this.sameId.get(first) ?? []
      list.push(r)
      this.sameId.set(first, list)
    }
    return r
  }

  /** every row of an id */
  protected rowsOf (id: string): number[] {
    const r = this.rows.get(id)
    if (r === undefined) { return [] }
    const more = this.sameId.get(r)
    return more === undefined ? [r] : [r, ...more]
  }

  protected registrarOf (r: number): string {
    return this.authors.values[this.rowReg[r]]
  }

  /** registrar keys of an id's registered records, smallest first */
  registrarsOf (id: string): string[] {
    return this.rowsOf(id).filter(r => this.isReg[r] === 1).map(r => this.registrarOf(r)).sort()
  }

  /** how many registrars registered `id` (its records side by side) */
  registrarCount (id: string): number {
    const r = this.rows.get(id)
    if (r === undefined) { return 0 }
    let n = this.isReg[r]
    for (const x of this.sameId.get(r) ?? []) { n += this.isReg[x] }
    return n
  }

  /** the weekly flow of the registered record (registrar, id), cents; undefined if there is none */
  weeklyFlowOf (id: string, registrar: string): number | undefined {
    const r = this.findRow(id, registrar)
    return r === undefined || this.isReg[r] !== 1 ? undefined : this.weeklyFlow[r]
  }

  isRegistered (id: string, registrar?: string): boolean {
    if (registrar !== undefined) {
      const r = this.findRow(id, registrar)
      return r !== undefined && this.isReg[r] === 1
    }
    return this.rowsOf(id).some(r => this.isReg[r] === 1)
  }

  hasRegistrar (id: string, author: string): boolean {
    return this.isRegistered(id, author)
  }

  /** Registered records as (id, registrar), in no particular order. */
  * registeredRecords (): Generator<{ id: string, registrar: string }> {
    for (let r = 0; r < this.ids.length; r++) {
      if (this.isReg[r] === 1) { yield { id: this.ids[r], registrar: this.registrarOf(r) } }
    }
  }

  isActive (id: string, registrar: string): boolean {
    const r = this.findRow(id, registrar)
    return r !== undefined && this.activeCol[r] === 1
  }

  protected initialStatus (r: number): HumanStatus {
    return this.regStatus[r] === INACTIVE ? 'inactive' : 'active'
  }

  /** whether the record's status in effect for `week` is active, under `marks` (default: the current ones) */
  protected activeForWeek (r: number, week: string, marks = this.marks.get(r)): boolean {
    return this.isReg[r] === 1 && statusForWeek(this.initialStatus(r), marks, week) === 'active'
  }

  /** Whether a payment of `amount` to (registrar, id) for `week` is valid (counts, or would but for the payer order). */
  isValidPaymentFor (week: string, humanId: string, registrar: string, amount: number): boolean {
    const r = this.findRow(humanId, registrar)
    return r !== undefined && this.isReg[r] === 1 && isValidPayment({ weeklyFlow: this.weeklyFlow[r] }, amount) && this.activeForWeek(r, week)
  }

  /** Whether (registrar, id) is active for payments of `week`. */
  isActiveForWeek (humanId: string, registrar: string, week: string): boolean {
    const r = this.findRow(humanId, registrar)
    return r !== undefined && this.activeForWeek(r, week)
  }

  /** forget every row */
  protected resetRows (): void {
    this.rows.clear()
    this.sameId.clear()
    this.ids = []
    this.cap = 0
    this.rowReg = new Int32Array(0)
    this.isReg = new Uint8Array(0)
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
    this.marks.clear()
    this.authors.clear()
    this.weekNames.clear()
  }
}
