/**
 * Exact money. Inside the ledger amounts are integer cents (`number` for one entry,
 * bounded so it stays a safe integer; `bigint` for sums, which have no bound); on the
 * wire and at the API edge they are canonical decimal strings with two decimals
 * ("800.00"). Floats never touch an amount.
 */
import { invalidInput } from './errors.ts'

/** A sum of cents: a number while it is a safe integer, a bigint beyond. */
export type Money = number | bigint

/** Exact sum of two amounts of cents. */
export function addMoney (a: Money, b: Money): Money {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b
    if (Number.isSafeInteger(sum)) { return sum }
  }
  const big = BigInt(a) + BigInt(b)
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
}

/** the largest single amount: 9,999,999,999,999.99 (13 integer digits), a safe integer in cents */
export const MAX_ENTRY_CENTS = 999_999_999_999_999

/** what the API accepts: up to two decimals, no sign */
const LENIENT = /^(\d{1,13})(?:\.(\d{1,2}))?$/
/** pool totals may exceed one entry's bound */
const LENIENT_BIG = /^(\d{1,30})(?:\.(\d{1,2}))?$/

/** Cents of a canonical wire amount ("800.00"), or undefined when it is not canonical. */
export function parseCanonicalAmount (s: string): number | undefined {
  // no sign, no leading zero, exactly two decimals; by hand, as it runs for every amount received
  if (typeof s !== 'string') { return undefined }
  const n = s.length
  if (n < 4 || n > 16 || s.charCodeAt(n - 3) !== 46) { return undefined }
  if (s.charCodeAt(0) === 48 && n !== 4) { return undefined }
  let cents = 0
  for (let i = 0; i < n; i++) {
    if (i === n - 3) { continue }
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) { return undefined }
    cents = cents * 10 + c
  }
  return cents <= MAX_ENTRY_CENTS ? cents : undefined
}

/**
 * Cents of an amount from the API: a decimal string ("800", "800.5", "800.00") or a
 * number that is exactly a two-decimal amount (800.5 yes, 0.1 + 0.2 no). Throws a
 * LedgerError('invalid_input') naming `field` otherwise.
 */
export function parseAmount (input: unknown, field: string, opts: { allowZero?: boolean } = {}): number {
  let s: string
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) { throw invalidInput(`${field} must be a non-negative amount`, field) }
    s = input.toFixed(2)
    if (Number(s) !== input) { throw invalidInput(`${field} must have at most two decimals (got ${input})`, field) }
  } else if (typeof input === 'string') {
    s = input.trim()
  } else {
    throw invalidInput(`${field} must be a decimal string like "800.00"`, field)
  }
  const m = LENIENT.exec(s)
  if (m == null) { throw invalidInput(`${field} must be a decimal string like "800.00" with at most 13 integer digits (got ${JSON.stringify(input)})`, field) }
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  if (cents > MAX_ENTRY_CENTS) { throw invalidInput(`${field} is too large`, field) }
  if (cents === 0 && opts.allowZero !== true) { throw invalidInput(`${field} must be greater than zero`, field) }
  return cents
}

/** Cents of a pool total ("19000000000000.00"), unbounded. */
export function parseBigAmount (input: string | number | bigint, field: string): bigint {
  if (typeof input === 'bigint') {
    if (input < 0n) { throw invalidInput(`${field} must not be negative`, field) }
    return input * 100n
  }
  const s = typeof input === 'number' ? input.toFixed(2) : String(input).trim()
  const m = LENIENT_BIG.exec(s)
  if (m == null) { throw invalidInput(`${field} must be a decimal string like "19000000000000.00"`, field) }
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))
}

/** "800.00" from cents. */
export function formatCents (cents: number | bigint): string {
  if (typeof cents === 'number' && Number.isSafeInteger(cents) && cents >= 0) {
    const frac = cents % 100
    return `${(cents - frac) / 100}.${frac < 10 ? '0' : ''}${frac}`
  }
  const neg = cents < 0
  const abs = neg ? -BigInt(cents) : BigInt(cents)
  const s = abs.toString().padStart(3, '0')
  return (neg ? '-' : '') + s.slice(0, -2) + '.' + s.slice(-2)
}
