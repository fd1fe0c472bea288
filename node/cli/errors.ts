/**
 * How the CLI fails: one line on stderr, `liberation: <message>`, and an exit code per
 * kind of failure (the table is in docs/api.md and `liberation --help`). Errors from the
 * node's API carry the core's error code; the CLI's own input errors are `invalid_input`.
 */
import { MeshError } from '../../protocol/errors.ts'
import type { ErrorCode, MeshErrorOptions } from '../../protocol/errors.ts'

export const EXIT = {
  ok: 0,
  /** unexpected: a bug, or the node failed internally */
  internal: 1,
  /** bad usage: unknown flag, bad value, bad config, input the node refused */
  usage: 2,
  /** the node API cannot be reached, or a service is unavailable */
  unreachable: 3,
  /** what was named does not exist */
  notFound: 4,
  /** refused: conflict, already registered, not allowed, pool too small, rate limited */
  refused: 5,
  /** the API wants a (different) bearer token */
  unauthorized: 6,
  /** a direct message could not be delivered: no route, failed, timed out */
  undelivered: 7
} as const

const EXIT_OF_CODE: Record<string, number> = {
  invalid_input: EXIT.usage,
  ambiguous_id: EXIT.usage,
  not_found: EXIT.notFound,
  conflict: EXIT.refused,
  insufficient_pool: EXIT.refused,
  forbidden: EXIT.refused,
  rate_limited: EXIT.refused,
  unauthorized: EXIT.unauthorized,
  unavailable: EXIT.unreachable,
  no_route: EXIT.undelivered,
  route_failed: EXIT.undelivered,
  timeout: EXIT.undelivered,
  internal: EXIT.internal,
  // Fastify's own refusals of a request the CLI built
  payload_too_large: EXIT.usage,
  unsupported_media_type: EXIT.internal
}

export function exitCodeOf (code: string): number {
  return EXIT_OF_CODE[code] ?? EXIT.internal
}

/** a failure of a CLI command: the code says which exit code */
export class CliError extends MeshError {
  override name = 'CliError'
  readonly exitCode: number
  constructor (code: ErrorCode | 'cannot_reach', message: string, options: MeshErrorOptions = {}) {
    super(code === 'cannot_reach' ? 'unavailable' : code, message, options)
    this.exitCode = code === 'cannot_reach' ? EXIT.unreachable : exitCodeOf(code)
  }
}

/** the one line printed for any error */
export function errorLine (err: unknown): string {
  const message = String((err as Error)?.message ?? err).split('\n')[0]
    .replace(/^(error|liberation): /, '')
    // commander's wrapper around a flag parser's own message, which names the flag already
    .replace(/^option '[^']+' argument '[^']*' is invalid\. /, '')
  return `liberation: ${message}`
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  unexpected failure (a bug, or the node failed internally)
  2  bad usage or input (flag, value, config file, or input the node refused)
  3  the node API cannot be reached, or a service is unavailable
  4  not found
  5  refused (already exists, not allowed, pool too small, rate limited)
  6  the API needs a valid token (--token, LIBERATION_API_TOKEN)
  7  a direct message could not be delivered (no route, failed, timed out)
`
