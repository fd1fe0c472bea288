/**
 * Ledger entries: what one author claims. They live as values of the author's Yjs map,
 * encoded as canonical protobuf (`Entry` in pb/ledger.proto), under a key derived from
 * the content, so a key can never mean two things:
 *
 * - `h:<humanId>`: the author registers a human (one slot per author and human)
 * - `s:<humanId>:<clock>`: the author sets a human's status (clock = the item's Yjs clock)
 * - `p:<week>:<humanId>:<registrar hex>`: the author pays the human `humanId` registered
 * by `registrar` for an ISO week (one slot per author, week and human record)
 *
 * Decoding is strict: unknown kinds, non-canonical bytes, bad ids, weeks or amounts are
 * refused, so every node reads an entry the same way.
 */
import { fromHex, toHex } from '../crypto/index.ts'
import { formatCents, parseCanonicalAmount } from './money.ts'
import { Entry, EntryKind, HumanStatusPb, PaymentType } from './pb/ledger.ts'
import { isIsoWeek } from './week.ts'

export type HumanStatus = 'active' | 'inactive'

export const HUMAN_STATUSES: readonly HumanStatus[] = ['active', 'inactive']

/** Human ids: 1..128 of A-Z a-z 0-9 _ . @ - (they appear inside storage keys). */
export const HUMAN_ID = /^[A-Za-z0-9_.@-]{1,128}$/

export interface HumanEntry {
  kind: 'human'
  humanId: string
  /** author's clock, ms */
  at: number
  status: HumanStatus
  /** cents */
  weeklyFlow: number
  housingCredit: number
  investmentPool: number
}

export interface StatusEntry {
  kind: 'status'
  humanId: string
  at: number
  status: HumanStatus
}

export type PaymentKind = 'weekly_flow'

export interface PaymentEntry {
  kind: 'payment'
  humanId: string
  at: number
  /** ISO week paid for, "2025-W23" */
  week: string
  /** cents, > 0 */
  amount: number
  type: PaymentKind
  /** 64-hex public key of the human's registrar: a human is (registrar, humanId) */
  registrar: string
}

export type LedgerEntry = HumanEntry | StatusEntry | PaymentEntry

export class EntryError extends Error {
  override name = 'EntryError'
}

const STATUS_TO_PB: Record<HumanStatus, HumanStatusPb> = { active: HumanStatusPb.ACTIVE, inactive: HumanStatusPb.INACTIVE }

function statusFromPb (s: HumanStatusPb): HumanStatus {
  if (s === HumanStatusPb.ACTIVE) { return 'active' }
  if (s === HumanStatusPb.INACTIVE) { return 'inactive' }
  throw new EntryError('unknown status')
}

/** The map key of an entry; status entries need the Yjs clock of their item. */
export function entryKey (entry: LedgerEntry, clock: number): string {
  switch (entry.kind) {
    case 'human': return `h:${entry.humanId}`
    case 'status': return `s:${entry.humanId}:${clock}`
    case 'payment': return `p:${entry.week}:${entry.humanId}:${entry.registrar}`
    default: throw new EntryError('unknown entry kind')
  }
}

/** True for entries of which an author may write only one (registrations, payments). */
export function isSlotEntry (entry: LedgerEntry): entry is HumanEntry | PaymentEntry {
  return entry.kind !== 'status'
}

export function encodeEntry (entry: LedgerEntry): Uint8Array {
  const pb: Partial<Entry> = { humanId: entry.humanId, at: entry.at }
  switch (entry.kind) {
    case 'human':
      pb.kind = EntryKind.HUMAN
      pb.status = STATUS_TO_PB[entry.status]
      pb.weeklyFlow = formatCents(entry.weeklyFlow)
      pb.housingCredit = formatCents(entry.housingCredit)
      pb.investmentPool = formatCents(entry.investmentPool)
      break
    case 'status':
      pb.kind = EntryKind.STATUS
      pb.status = STATUS_TO_PB[entry.status]
      break
    case 'payment':
      pb.kind = EntryKind.PAYMENT
      pb.week = entry.week
      pb.amount = formatCents(entry.amount)
      pb.type = PaymentType.WEEKLY_FLOW
      pb.registrar = fromHex(entry.registrar) as Entry['registrar']
      break
    default:
      throw new EntryError('unknown entry kind')
  }
  // Yjs stores a value as ContentBinary only when its constructor is exactly Uint8Array
  return plainBytes(Entry.encode(pb as Entry))
}

export function plainBytes (b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function amount (s: string, field: string, allowZero: boolean): number {
  const cents = parseCanonicalAmount(s)
  if (cents === undefined) { throw new EntryError(`${field} is not a canonical amount: ${JSON.stringify(s.slice(0, 40))}`) }
  if (cents === 0 && !allowZero) { throw new EntryError(`${field} must be greater than zero`) }
  return cents
}

/**
 * Decode and check one entry. `trusted` skips the canonical-bytes check (for what this
 * node already checked before storing it).
 */
export function decodeEntry (bytes: Uint8Array, trusted = false): LedgerEntry {
  let pb: Entry
  try {
    pb = Entry.decode(bytes)
  } catch (err: any) {
    throw new EntryError(`undecodable entry: ${err.message}`)
  }
  if (trusted) { return fromTrusted(pb) }
  if (!HUMAN_ID.test(pb.humanId)) { throw new EntryError(`bad human id ${JSON.stringify(pb.humanId.slice(0, 40))}`) }
  if (!Number.isSafeInteger(pb.at) || pb.at <= 0) { throw new EntryError('bad timestamp') }
  let entry: LedgerEntry
  switch (pb.kind) {
    case EntryKind.HUMAN:
      if (pb.week !== '' || pb.amount !== '' || pb.registrar.byteLength !== 0) { throw new EntryError('registration with payment fields') }
      entry = {
        kind: 'human',
        humanId: pb.humanId,
        at: pb.at,
        status: statusFromPb(pb.status),
        weeklyFlow: amount(pb.weeklyFlow, 'weekly_flow', true),
        housingCredit: amount(pb.housingCredit, 'housing_credit', true),
        investmentPool: amount(pb.investmentPool, 'investment_pool', true)
      }
      break
    case EntryKind.STATUS:
      if (pb.week !== '' || pb.amount !== '' || pb.registrar.byteLength !== 0 || pb.weeklyFlow !== '' || pb.housingCredit !== '' || pb.investmentPool !== '') {
        throw new EntryError('status change with other fields')
      }
      entry = { kind: 'status', humanId: pb.humanId, at: pb.at, status: statusFromPb(pb.status) }
      break
    case EntryKind.PAYMENT:
      if (!isIsoWeek(pb.week)) { throw new EntryError(`bad week ${JSON.stringify(pb.week.slice(0, 20))}`) }
      if (pb.type !== PaymentType.WEEKLY_FLOW) { throw new EntryError('unknown payment type') }
      if (pb.weeklyFlow !== '' || pb.housingCredit !== '' || pb.investmentPool !== '' || pb.status !== HumanStatusPb.ACTIVE) {
        throw new EntryError('payment with registration fields')
      }
      {
        const cents = amount(pb.amount, 'amount', false)
        if (pb.registrar.byteLength !== 32) { throw new EntryError('a payment must name the 32-byte key of the human\'s registrar') }
        entry = { kind: 'payment', humanId: pb.humanId, at: pb.at, week: pb.week, amount: cents, type: 'weekly_flow', registrar: toHex(pb.registrar) }
      }
      break
    default:
      throw new EntryError('unknown entry kind')
  }
  if (!bytesEqual(encodeEntry(entry), bytes)) { throw new EntryError('entry bytes are not canonical') }
  return entry
}

/** Cents of a canonical amount this node checked before storing it. */
function trustedCents (s: string): number {
  return Number(s.slice(0, -3)) * 100 + Number(s.slice(-2))
}

/** An entry this node checked before storing it: no checks again (start-up reads all of them). */
function fromTrusted (pb: Entry): LedgerEntry {
  switch (pb.kind) {
    case EntryKind.HUMAN:
      return {
        kind: 'human',
        humanId: pb.humanId,
        at: pb.at,
        status: statusFromPb(pb.status),
        weeklyFlow: trustedCents(pb.weeklyFlow),
        housingCredit: trustedCents(pb.housingCredit),
        investmentPool: trustedCents(pb.investmentPool)
      }
    case EntryKind.STATUS:
      return { kind: 'status', humanId: pb.humanId, at: pb.at, status: statusFromPb(pb.status) }
    default:
      return { kind: 'payment', humanId: pb.humanId, at: pb.at, week: pb.week, amount: trustedCents(pb.amount), type: 'weekly_flow', registrar: toHex(pb.registrar) }
  }
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) { return false }
  for (let i = 0; i < a.byteLength; i++) { if (a[i] !== b[i]) { return false } }
  return true
}
