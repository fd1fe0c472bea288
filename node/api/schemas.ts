/**
 * JSON schemas shared by the route groups (inlined, not `$ref`ed, so that each route's
 * validator and its OpenAPI entry are self-contained), and cursor pagination helpers.
 */
import { badRequest } from './validation.ts'

/** every error reply (errors.ts): `code` is stable, `message` is for people */
export const errorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', description: 'the HTTP status again' },
    code: { type: 'string', description: 'stable error code (docs/api.md): invalid_input, not_found, ambiguous_id, conflict, insufficient_pool, forbidden, unauthorized, rate_limited, unavailable, no_route, route_failed, timeout, internal, payload_too_large, unsupported_media_type' },
    error: { type: 'string', description: 'the HTTP status name' },
    message: { type: 'string', description: 'what went wrong, for people; may change between versions' },
    field: { type: 'string', description: 'the input field at fault, when there is one' }
  },
  example: { statusCode: 400, code: 'invalid_input', error: 'Bad Request', message: 'body field "weekly_flow" must match pattern', field: 'weekly_flow' }
} as const

export const errorResponses = {
  400: { description: 'invalid input; `field` names the offending field', ...errorSchema },
  401: { description: 'missing or wrong bearer token', ...errorSchema },
  429: { description: 'rate limit exceeded', ...errorSchema }
} as const

export const notFoundResponse = { 404: { description: 'no such item', ...errorSchema } } as const

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 500

/** `?cursor=&limit=`: cursor is the opaque `next_cursor` of the previous page */
export const pageQuerySchema = {
  cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'next_cursor of the previous page' },
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
} as const

export function pageSchema (item: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: item },
      next_cursor: { type: ['string', 'null'], description: 'pass as ?cursor= for the next page; null on the last page' }
    },
    // a page of one, the last
    ...(item.example !== undefined ? { example: { items: [item.example], next_cursor: null } } : {})
  }
}

/** `{ items: [...] }` (a list that is not paged), its example made of the item's */
export function listSchema (item: Record<string, unknown>, extra: Record<string, unknown> = {}, extraExample: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    properties: { items: { type: 'array', items: item }, ...extra },
    ...(item.example !== undefined ? { example: { items: [item.example], ...extraExample } } : {})
  }
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** an object whose fields are not described (event data, notification data) */
export const freeObject = { type: 'object', additionalProperties: true } as const

export function encodeCursor (value: string | number): string {
  return Buffer.from(String(value), 'utf8').toString('base64url')
}

export function decodeCursor (cursor: string | undefined): string | undefined {
  if (cursor == null) { return undefined }
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) { throw badRequest('query field "cursor" is not a cursor from this API', 'cursor') }
  return Buffer.from(cursor, 'base64url').toString('utf8')
}

export function decodeNumericCursor (cursor: string | undefined): number | undefined {
  const s = decodeCursor(cursor)
  if (s == null) { return undefined }
  if (!/^\d{1,15}$/.test(s)) { throw badRequest('query field "cursor" is not a cursor from this API', 'cursor') }
  return Number(s)
}

/** pages over an in-memory list sorted by `key`, ascending; cursor = last key served */
export function pageByKey<T> (sorted: T[], key: (item: T) => string, cursor: string | undefined, limit: number): Page<T> {
  const after = decodeCursor(cursor)
  let start = 0
  if (after != null) {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (key(sorted[mid]) <= after) { lo = mid + 1 } else { hi = mid }
    }
    start = lo
  }
  const items = sorted.slice(start, start + limit)
  const more = start + limit < sorted.length
  return { items, next_cursor: more && items.length > 0 ? encodeCursor(key(items[items.length - 1])) : null }
}
