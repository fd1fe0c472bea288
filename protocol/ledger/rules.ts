/**
 * The ledger's rules, as pure functions of entries: what counts, for whom, in what order.
 * Every one depends only on the converged set of entries (never on arrival order, never
 * on a time or amount an author claims beyond its own records), so every node holding
 * the same entries derives the same figures, and no author can change the effective
 * state of records it does not own.
 *
 * - **Ownership.** A human is the pair (registrar, id): the registrar is the author of
 * its registration entry, which fixes weekly flow, housing credit, investment pool,
 * initial status and created-at once and for all (an author has one registration slot
 * per id and cannot rewrite it). Only the registrar's status entries change its
 * status. Another author registering the same id creates another human beside it;
 * nothing of the first changes. For display by bare id the record of the smallest
 * registrar key is shown first ("primary"); that choice changes no figure.
 * - **Amounts.** A payment for (registrar, id, week) is valid only when the record
 * exists, the amount equals its weekly flow, and the record is active for that week.
 * Any other payment is invalid and counts nowhere; it cannot pre-empt the week either.
 * - **Status by week.** A status entry sits in one of its registrar's weekly documents;
 * the change governs the weeks after that document's week (`statusForWeek`), never the
 * week it was written in: within a week, the order of a payment and a status change
 * cannot be told without trusting a claimed time. So deactivating a human in week V
 * makes every payment for a week after V invalid, on every node that holds the entry,
 * whenever and in whatever order the entries arrive; reactivating it in V makes
 * payments valid again from V + 1. The registrar chooses its document's week (it is
 * its own record); nobody else's entries change the status.
 * - **One per week.** Of the valid payments for one (registrar, id, week) one counts;
 * they all carry the same amount, so which one is cosmetic: the lowest author key
 * (the history shows who recorded each).
 * - **The pool.** Counted payments are admitted in the order (week, admission key)
 * while the pool covers them; the first that does not fit and every later one are
 * unfunded: shown, never counted. So remaining wealth is never below zero and, after
 * any merge, every node admits the same payments.
 */
import type { HumanStatus } from './entries.ts'
import type { Money } from './money.ts'

/** A status entry of a record's registrar: its document (ISO week) and clock. */
export interface StatusMark {
  doc: string
  clock: number
  status: HumanStatus
}

/**
 * The status in effect for payments of `week`: the last of the registrar's changes (in
 * (document, clock) order, `marks` sorted so) written in a week before `week`; the
 * registration's status when there is none.
 */
export function statusForWeek (initial: HumanStatus, marks: readonly StatusMark[] | undefined, week: string): HumanStatus {
  let status = initial
  for (const m of marks ?? []) {
    if (m.doc >= week) { break }
    status = m.status
  }
  return status
}

/** A candidate for the pool: the counted payment of one human for one week. */
export interface Candidate {
  week: string
  registrar: string
  humanId: string
  /** cents */
  amount: number
}

/** Whether a payment of `amount` to a record counts: the record exists and the amount is its flow. */
export function isValidPayment (record: { weeklyFlow: number } | undefined, amount: number): boolean {
  return record !== undefined && amount > 0 && amount === record.weeklyFlow
}

/** Of two valid payments of one (record, week), whether the one by `a` counts instead of the one by `b`. */
export function isPreferredPayer (a: string, b: string): boolean {
  return a < b
}

/**
 * A payment's place within its week: FNV-1a (32 bit) of "registrar:id", then the string.
 * It does not depend on who recorded the payment or when, so partitions agree.
 */
export function admissionKey (registrar: string, humanId: string): number {
  let h = 0x811c9dc5
  const s = registrar + ':' + humanId
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

export function compareAdmission (a: { registrar: string, humanId: string, key?: number }, b: { registrar: string, humanId: string, key?: number }): number {
  const ka = a.key ?? admissionKey(a.registrar, a.humanId)
  const kb = b.key ?? admissionKey(b.registrar, b.humanId)
  if (ka !== kb) { return ka - kb }
  const sa = a.registrar + ':' + a.humanId
  const sb = b.registrar + ':' + b.humanId
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

/**
 * The reference admission: every candidate in (week, admission key) order, admitted
 * while the pool covers it; from the first that does not fit on, unfunded.
 */
export function admit (candidates: Candidate[], pool: bigint): { admitted: Candidate[], unfunded: Candidate[], remaining: bigint } {
  const sorted = [...candidates].sort((a, b) => a.week < b.week ? -1 : a.week > b.week ? 1 : compareAdmission(a, b))
  const admitted: Candidate[] = []
  const unfunded: Candidate[] = []
  let remaining = pool
  for (const c of sorted) {
    if (unfunded.length === 0 && BigInt(c.amount) <= remaining) {
      remaining -= BigInt(c.amount)
      admitted.push(c)
    } else {
      unfunded.push(c)
    }
  }
  return { admitted, unfunded, remaining }
}

/**
 * Which weeks the pool covers whole, from per-week totals: weeks before the boundary are
 * all admitted; the boundary week is admitted in part (decided per payment, see
 * `admit`); later weeks are unfunded. Undefined boundary: everything fits.
 */
export function fundingBoundary (weeks: Iterable<[string, Money]>, pool: bigint): { boundary?: string, before: bigint } {
  const sorted = [...weeks].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  let cum = 0n
  for (const [week, total] of sorted) {
    const t = BigInt(total)
    if (cum + t > pool) { return { boundary: week, before: cum } }
    cum += t
  }
  return { before: cum }
}
