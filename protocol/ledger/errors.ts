/**
 * Errors the ledger's core API throws. Each carries a stable `code` the HTTP API maps to
 * a status (`httpStatus` is the suggested one), and nothing is written when one is thrown.
 */

export type LedgerErrorCode =
  /** the input is malformed or out of range (HTTP 400) */
  | 'invalid_input'
  /** the human does not exist (HTTP 404) */
  | 'not_found'
  /** the human is already registered (HTTP 409) */
  | 'conflict'
  /** the pool cannot cover the distribution (HTTP 409) */
  | 'insufficient_pool'
  /** this node may not do that: it did not register the human (HTTP 403) */
  | 'forbidden'
  /** the ledger is not running, or storage failed (HTTP 503) */
  | 'unavailable'

const HTTP_STATUS: Record<LedgerErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  insufficient_pool: 409,
  forbidden: 403,
  unavailable: 503
}

export class LedgerError extends Error {
  override name = 'LedgerError'
  readonly code: LedgerErrorCode
  /** suggested HTTP status for the API */
  readonly httpStatus: number
  /** machine-readable details (the field at fault, amounts, ...) */
  readonly details?: Record<string, unknown>

  constructor (code: LedgerErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.code = code
    this.httpStatus = HTTP_STATUS[code]
    this.details = details
  }
}

export function isLedgerError (err: unknown): err is LedgerError {
  return err instanceof LedgerError
}

export function invalidInput (message: string, field?: string): LedgerError {
  return new LedgerError('invalid_input', message, field == null ? undefined : { field })
}
