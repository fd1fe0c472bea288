/**
 * Event history: the bounded, searchable log of typed events from every service, with
 * correlation ids (an API write's `x-correlation-id` finds the events it caused).
 */
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, decodeNumericCursor, encodeCursor, errorResponses, pageSchema } from '../schemas.ts'
import { eventView } from '../wire.ts'
import type { MeshEventCategory } from '../../../protocol/events/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

export const EVENT_CATEGORIES: MeshEventCategory[] = ['mesh', 'truth', 'resources', 'routes', 'notifications', 'metrics', 'system']

export const eventSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string' },
    category: { type: 'string' },
    correlation_id: { type: 'string', description: 'the API write (x-correlation-id) or operation that caused it' },
    timestamp: { type: 'integer', description: 'epoch ms' },
    data: { type: 'object', additionalProperties: true, description: 'the event\'s fields, snake_case' }
  },
  example: { seq: 42, type: 'human:registered', category: 'resources', correlation_id: 'a1b2c3d41', timestamp: 1764633600000, data: { humans: [{ id: 'alice', status: 'active' }], count: 1, local: true } }
} as const

interface EventsQuery {
  category?: MeshEventCategory
  type?: string
  correlation_id?: string
  cursor?: string
  limit: number
}

export function registerEventRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const schema = {
    tags: ['events'],
    summary: 'event history, oldest first; filter by category, type, correlation id',
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        category: { type: 'string', enum: EVENT_CATEGORIES },
        type: { type: 'string', minLength: 1, maxLength: 100 },
        correlation_id: { type: 'string', minLength: 1, maxLength: 100 },
        cursor: { type: 'string', minLength: 1, maxLength: 64 },
        limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
      }
    },
    response: { 200: pageSchema(eventSchema), ...errorResponses }
  }
  const handler = async (request: { query: EventsQuery }): Promise<unknown> => {
    const q = request.query
    const after = decodeNumericCursor(q.cursor)
    // one more than asked tells whether there is a next page
    const items = ctx.node.events.history({
      category: q.category,
      type: q.type,
      correlationId: q.correlation_id,
      after,
      limit: q.limit + 1
    })
    const more = items.length > q.limit
    const page = items.slice(0, q.limit)
    return {
      items: page.map(eventView),
      next_cursor: more ? encodeCursor(page[page.length - 1].seq) : null
    }
  }
  app.get<{ Querystring: EventsQuery }>('/events', { schema }, handler)
  // the same list under the realtime prefix, where clients of the live feed look for it
  app.get<{ Querystring: EventsQuery }>('/realtime/events/history', { schema: { ...schema, summary: 'alias of GET /api/v1/events' } }, handler)
}
