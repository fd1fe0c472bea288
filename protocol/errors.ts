/**
 * One error type for everything the core refuses: a stable `code` a program can switch on,
 * the `field` of the input at fault when there is one, and a message for people. The HTTP
 * API maps codes to statuses in one table (node/api/errors.ts), the CLI maps them to exit
 * codes (node/cli/errors.ts); nothing in the core knows about either.
 */

export const ERROR_CODES = [
  /** the input is malformed or out of range */
  'invalid_input',
  /** the thing named does not exist here */
  'not_found',
  /** a short id matches more than one thing */
  'ambiguous_id',
  /** it exists already, or the state does not allow it now */
  'conflict',
  /** the pool cannot cover a distribution */
  'insufficient_pool',
  /** this node may not do that */
  'forbidden',
  /** no or a wrong credential (the API's bearer token) */
  'unauthorized',
  /** too fast: try again shortly */
  'rate_limited',
  /** a service is not running, or storage failed */
  'unavailable',
  /** no known path to a peer */
  'no_route',
  /** a path was tried and failed */
  'route_failed',
  /** no answer in time */
  'timeout',
  /** a bug: nothing the caller did */
  'internal'
] as const

export type ErrorCode = typeof ERROR_CODES[number]

export interface MeshErrorOptions {
  /** the input field at fault (API field name, e.g. `human_ids`, or a core option name) */
  field?: string
  /** machine-readable details (amounts, candidates, ...) */
  details?: Record<string, unknown>
  cause?: unknown
}

export class MeshError extends Error {
  override name = 'MeshError'
  readonly code: ErrorCode
  readonly field?: string
  readonly details?: Record<string, unknown>

  constructor (code: ErrorCode, message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause != null ? { cause: options.cause } : undefined)
    this.code = code
    if (options.field != null) { this.field = options.field }
    if (options.details != null) { this.details = options.details }
  }
}

export function isMeshError (err: unknown): err is MeshError {
  return err instanceof MeshError
}

export const invalidInput = (message: string, field?: string): MeshError => new MeshError('invalid_input', message, { field })
export const notFound = (message: string, field?: string): MeshError => new MeshError('not_found', message, { field })

/**
 * The one item whose id starts with `prefix` (ids are shown shortened: 12 hex of a
 * message id, the tail of a peer id). No match → not_found; several → ambiguous_id
 * naming a few of them.
 */
export function resolveIdPrefix (prefix: string, ids: Iterable<string>, what: string, field = 'id'): string {
  const matches: string[] = []
  for (const id of ids) {
    if (id === prefix) { return id }
    if (id.startsWith(prefix)) { matches.push(id) }
  }
  if (matches.length === 1) { return matches[0] }
  if (matches.length === 0) { throw new MeshError('not_found', `no ${what} ${prefix}`, { field }) }
  const shown = matches.slice(0, 3).join(', ')
  throw new MeshError('ambiguous_id', `${prefix} matches ${matches.length} ${what}s (${shown}${matches.length > 3 ? ', …' : ''}): give more characters`, { field, details: { matches: matches.length } })
}
