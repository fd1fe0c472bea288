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
 * refused, so every node reads an entry the same way. It reads the canonical encoding
 * directly (`readCanonical`) rather than decoding and re-encoding to compare: every
 * received entry goes through it.
 */
import { toHex } from '../crypto/index.ts'
import { formatCents, parseCanonicalAmount } from './money.ts'
import { ProtoReader, textOf } from './proto-reader.ts'
import { ProtoWriter } from './proto-writer.ts'
import { isIsoWeek } from './week.ts'
import type { ReadProblem } from './proto-reader.ts'

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

/** EntryKind wire values */
const KIND_HUMAN = 0
const KIND_STATUS = 1
const KIND_PAYMENT = 2

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

const writer = new ProtoWriter()

/** The canonical encoding of an entry: what the generated `Entry.encode` writes (fields in order, defaults left out). */
export function encodeEntry (entry: LedgerEntry): Uint8Array {
  const w = writer.reset()
  switch (entry.kind) {
    case 'human':
      if (entry.humanId !== '') { w.string(0x12, entry.humanId) }
      if (entry.at !== 0) { w.varint(0x18).varint(entry.at) }
      if (entry.status === 'inactive') { w.varint(0x20).varint(1) }
      w.string(0x2a, formatCents(entry.weeklyFlow))
      w.string(0x32, formatCents(entry.housingCredit))
      w.string(0x3a, formatCents(entry.investmentPool))
      break
    case 'status':
      w.varint(0x08).varint(KIND_STATUS)
      if (entry.humanId !== '') { w.string(0x12, entry.humanId) }
      if (entry.at !== 0) { w.varint(0x18).varint(entry.at) }
      if (entry.status === 'inactive') { w.varint(0x20).varint(1) }
      break
    case 'payment':
      w.varint(0x08).varint(KIND_PAYMENT)
      if (entry.humanId !== '') { w.string(0x12, entry.humanId) }
      if (entry.at !== 0) { w.varint(0x18).varint(entry.at) }
      if (entry.week !== '') { w.string(0x42, entry.week) }
      w.string(0x4a, formatCents(entry.amount))
      if (entry.registrar !== '') { w.hexBytes(0x5a, entry.registrar) }
      break
    default:
      throw new EntryError('unknown entry kind')
  }
  // a plain Uint8Array: Yjs stores a value as ContentBinary only when its constructor is exactly that
  return w.finish()
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

/** An Entry's fields as read off the wire: enum values as numbers, absent fields at their defaults. */
interface RawEntry {
  kind: number
  humanId: string
  at: number
  status: number
  weeklyFlow: string
  housingCredit: string
  investmentPool: string
  week: string
  amount: string
  type: number
  registrar: Uint8Array | undefined
}

/** field number → wire type (0 varint, 2 length-delimited) of the Entry message */
const ENTRY_WIRE_TYPES = [-1, 0, 2, 0, 0, 2, 2, 2, 2, 2, 0, 2]

/**
 * Read an Entry in its one canonical encoding (the one `encodeEntry` writes): fields in
 * ascending order, each at most once, none at its default value, minimal varints, no
 * unknown field, no trailing bytes. Anything else is refused, so for every encoding
 * accepted here, re-encoding what it says gives the same bytes: the canonical check
 * without a second encoding. Field checks (ids, amounts, kinds) are `decodeEntry`'s.
 */
function readCanonical (bytes: Uint8Array): RawEntry {
  const raw: RawEntry = { kind: KIND_HUMAN, humanId: '', at: 0, status: 0, weeklyFlow: '', housingCredit: '', investmentPool: '', week: '', amount: '', type: 0, registrar: undefined }
  const r = new ProtoReader(bytes, entryProblem)
  let last = 0
  while (!r.done) {
    const tag = r.byte()
    const field = tag >>> 3
    // every Entry field has a one-byte tag
    if (tag >= 0x80) { throw new EntryError('undecodable entry: bad field tag') }
    if (field <= last || field >= ENTRY_WIRE_TYPES.length || (tag & 7) !== ENTRY_WIRE_TYPES[field]) { throw new EntryError('entry bytes are not canonical') }
    last = field
    const v = r.varint()
    // a field at its default value is never written
    if (v === 0) { throw new EntryError('entry bytes are not canonical') }
    if ((tag & 7) === 0) {
      switch (field) {
        case 1: raw.kind = v; break
        case 3: raw.at = v; break
        case 4: raw.status = v; break
        default: raw.type = v
      }
      continue
    }
    const value = r.view(v)
    if (field === 11) {
      raw.registrar = value
      continue
    }
    const text = textOf(value)
    switch (field) {
      case 2: raw.humanId = text; break
      case 5: raw.weeklyFlow = text; break
      case 6: raw.housingCredit = text; break
      case 7: raw.investmentPool = text; break
      case 8: raw.week = text; break
      default: raw.amount = text
    }
  }
  return raw
}

function entryProblem (problem: ReadProblem): EntryError {
  // a longer varint than needed is another encoding of the same value
  if (problem === 'non-minimal') { return new EntryError('entry bytes are not canonical') }
  return new EntryError(problem === 'truncated' ? 'undecodable entry: truncated' : 'undecodable entry: varint too long')
}

function statusOf (s: number): HumanStatus {
  if (s === 0) { return 'active' }
  if (s === 1) { return 'inactive' }
  throw new EntryError('unknown status')
}

/**
 * Decode and check one entry: only its canonical encoding is accepted (`readCanonical`).
 * `trusted` skips the field checks (for what this node already checked before storing it).
 */
export function decodeEntry (bytes: Uint8Array, trusted = false): LedgerEntry {
  const pb = readCanonical(bytes)
  if (trusted) { return fromTrusted(pb) }
  if (!HUMAN_ID.test(pb.humanId)) { throw new EntryError(`bad human id ${JSON.stringify(pb.humanId.slice(0, 40))}`) }
  if (!Number.isSafeInteger(pb.at) || pb.at <= 0) { throw new EntryError('bad timestamp') }
  // the only payment type is the default one, never written
  if (pb.type !== 0) { throw new EntryError('unknown payment type') }
  switch (pb.kind) {
    case KIND_HUMAN:
      if (pb.week !== '' || pb.amount !== '' || pb.registrar !== undefined) { throw new EntryError('registration with payment fields') }
      return {
        kind: 'human',
        humanId: pb.humanId,
        at: pb.at,
        status: statusOf(pb.status),
        weeklyFlow: amount(pb.weeklyFlow, 'weekly_flow', true),
        housingCredit: amount(pb.housingCredit, 'housing_credit', true),
        investmentPool: amount(pb.investmentPool, 'investment_pool', true)
      }
    case KIND_STATUS:
      if (pb.week !== '' || pb.amount !== '' || pb.registrar !== undefined || pb.weeklyFlow !== '' || pb.housingCredit !== '' || pb.investmentPool !== '') {
        throw new EntryError('status change with other fields')
      }
      return { kind: 'status', humanId: pb.humanId, at: pb.at, status: statusOf(pb.status) }
    case KIND_PAYMENT: {
      if (!isIsoWeek(pb.week)) { throw new EntryError(`bad week ${JSON.stringify(pb.week.slice(0, 20))}`) }
      if (pb.weeklyFlow !== '' || pb.housingCredit !== '' || pb.investmentPool !== '' || pb.status !== 0) {
        throw new EntryError('payment with registration fields')
      }
      const cents = amount(pb.amount, 'amount', false)
      if (pb.registrar?.byteLength !== 32) { throw new EntryError('a payment must name the 32-byte key of the human\'s registrar') }
      return { kind: 'payment', humanId: pb.humanId, at: pb.at, week: pb.week, amount: cents, type: 'weekly_flow', registrar: toHex(pb.registrar) }
    }
    default:
      throw new EntryError('unknown entry kind')
  }
}

/** Cents of a canonical amount this node checked before storing it. */
function trustedCents (s: string): number {
  return Number(s.slice(0, -3)) * 100 + Number(s.slice(-2))
}

/** An entry this node checked before storing it: no checks again (start-up reads all of them). */
function fromTrusted (pb: RawEntry): LedgerEntry {
  switch (pb.kind) {
    case KIND_HUMAN:
      return {
        kind: 'human',
        humanId: pb.humanId,
        at: pb.at,
        status: statusOf(pb.status),
        weeklyFlow: trustedCents(pb.weeklyFlow),
        housingCredit: trustedCents(pb.housingCredit),
        investmentPool: trustedCents(pb.investmentPool)
      }
    case KIND_STATUS:
      return { kind: 'status', humanId: pb.humanId, at: pb.at, status: statusOf(pb.status) }
    default:
      return { kind: 'payment', humanId: pb.humanId, at: pb.at, week: pb.week, amount: trustedCents(pb.amount), type: 'weekly_flow', registrar: toHex(pb.registrar as Uint8Array) }
  }
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) { return false }
  for (let i = 0; i < a.byteLength; i++) { if (a[i] !== b[i]) { return false } }
  return true
}
