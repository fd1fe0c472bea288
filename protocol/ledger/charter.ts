/**
 * The mesh charter: the parameters every node of one ledger mesh must share, because the
 * derived views depend on them. The pool total decides which payments are funded; the
 * record bounds decide which registrations are valid. Two nodes with different charters
 * would read the same entries differently and never converge, so the charter's id (a
 * hash of its canonical text) is part of the gossip topic and the sync protocol id:
 * nodes with different charters do not exchange ledger data at all, and a node that
 * sees a peer announce the ledger protocols under another charter id logs it.
 *
 * The record bounds are maxima, not fixed values: a registrar may give a human less
 * (a part-time flow, no housing credit) but never more, so no record can claim more of
 * the pool than the charter allows whoever wrote it.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../crypto/index.ts'
import { invalidInput } from './errors.ts'
import { formatCents, parseAmount, parseBigAmount } from './money.ts'
import type { HumanEntry } from './entries.ts'

export interface CharterInit {
  /** the resource pool, decimal string (default "19000000000000.00") */
  poolTotal?: string
  /** the largest weekly flow a record may have (default "800.00") */
  maxWeeklyFlow?: string
  /** the largest housing credit (default "104000.00") */
  maxHousingCredit?: string
  /** the largest investment pool (default "104000.00") */
  maxInvestmentPool?: string
}

export interface Charter {
  /** cents */
  readonly poolTotal: bigint
  readonly maxWeeklyFlow: number
  readonly maxHousingCredit: number
  readonly maxInvestmentPool: number
  /** 16 hex digits of SHA-256 of `text` */
  readonly id: string
  /** canonical text the id is a hash of */
  readonly text: string
}

export const DEFAULT_CHARTER: Required<CharterInit> = {
  poolTotal: '19000000000000.00',
  maxWeeklyFlow: '800.00',
  maxHousingCredit: '104000.00',
  maxInvestmentPool: '104000.00'
}

/** version of the entry rules; part of the charter text, so a rule change is a new mesh */
export const LEDGER_RULES_VERSION = 2

export function createCharter (init: CharterInit = {}): Charter {
  const c = { ...DEFAULT_CHARTER, ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) }
  const poolTotal = parseBigAmount(c.poolTotal, 'poolTotal')
  const maxWeeklyFlow = parseAmount(c.maxWeeklyFlow, 'maxWeeklyFlow', { allowZero: true })
  const maxHousingCredit = parseAmount(c.maxHousingCredit, 'maxHousingCredit', { allowZero: true })
  const maxInvestmentPool = parseAmount(c.maxInvestmentPool, 'maxInvestmentPool', { allowZero: true })
  const text = [
    `liberation-ledger-charter/${LEDGER_RULES_VERSION}`,
    `pool_total=${formatCents(poolTotal)}`,
    `max_weekly_flow=${formatCents(maxWeeklyFlow)}`,
    `max_housing_credit=${formatCents(maxHousingCredit)}`,
    `max_investment_pool=${formatCents(maxInvestmentPool)}`
  ].join('\n')
  const id = toHex(sha256(new TextEncoder().encode(text))).slice(0, 16)
  return { poolTotal, maxWeeklyFlow, maxHousingCredit, maxInvestmentPool, id, text }
}

/** Why a registration breaks the charter, or undefined when it keeps to it. */
export function charterViolation (charter: Charter, e: HumanEntry): string | undefined {
  if (e.weeklyFlow > charter.maxWeeklyFlow) { return `weekly_flow ${formatCents(e.weeklyFlow)} is above the charter's ${formatCents(charter.maxWeeklyFlow)}` }
  if (e.housingCredit > charter.maxHousingCredit) { return `housing_credit ${formatCents(e.housingCredit)} is above the charter's ${formatCents(charter.maxHousingCredit)}` }
  if (e.investmentPool > charter.maxInvestmentPool) { return `investment_pool ${formatCents(e.investmentPool)} is above the charter's ${formatCents(charter.maxInvestmentPool)}` }
  return undefined
}

/** Throw invalid_input for a local registration that breaks the charter. */
export function requireWithinCharter (charter: Charter, e: HumanEntry): void {
  const v = charterViolation(charter, e)
  if (v !== undefined) { throw invalidInput(v, v.slice(0, v.indexOf(' ')).replace(/_(\w)/g, (_, x: string) => x.toUpperCase())) }
}

export function ledgerTopic (charter: Charter): string {
  return `/liberation/ledger/${LEDGER_RULES_VERSION}.0.0/${charter.id}`
}

export function ledgerSyncProtocol (charter: Charter): string {
  return `/liberation/ledger-sync/${LEDGER_RULES_VERSION}.0.0/${charter.id}`
}

/** prefix of every charter's sync protocol id: a peer announcing another one runs another charter */
export const LEDGER_SYNC_PROTOCOL_PREFIX = `/liberation/ledger-sync/${LEDGER_RULES_VERSION}.0.0/`
