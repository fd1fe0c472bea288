/**
 * Errors the ledger's core API throws: MeshErrors (protocol/errors.ts) with the ledger's
 * codes; nothing is written when one is thrown.
 */
import { MeshError } from '../errors.ts'

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

export class LedgerError extends MeshError {
  override name = 'LedgerError'
  declare readonly code: LedgerErrorCode

  /** `details.field` names the field at fault */
  constructor (code: LedgerErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details, field: typeof details?.field === 'string' ? details.field : undefined })
  }
}

export function isLedgerError (err: unknown): err is LedgerError {
  return err instanceof LedgerError
}

export function invalidInput (message: string, field?: string): LedgerError {
  return new LedgerError('invalid_input', message, field == null ? undefined : { field })
}
