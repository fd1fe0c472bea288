/**
 * Notifications: list (newest first, for a recipient or all), get, mark read, dismiss,
 * send (targeted with `recipient`, or broadcast), stats, cleanup of expired ones.
 */
import { NOTIFICATION_MAX_MESSAGE, NOTIFICATION_MAX_RECIPIENT, NOTIFICATION_MAX_TITLE, NOTIFICATION_PRIORITIES, NOTIFICATION_TYPES } from '../../../protocol/notifications/index.ts'
import { notificationBodyExample, notificationStatsExample, removedExample } from '../examples.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodeCursor, encodeCursor, errorResponses, freeObject, notFoundResponse, pageSchema } from '../schemas.ts'
import { notFound } from '../validation.ts'
import { notificationView } from '../wire.ts'
import type { NotificationPriority, NotificationType } from '../../../protocol/notifications/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

export const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: NOTIFICATION_TYPES },
    priority: { type: 'string', enum: NOTIFICATION_PRIORITIES },
    title: { type: 'string' },
    message: { type: 'string' },
    data: freeObject,
    recipient: { type: ['string', 'null'] },
    created_at: { type: 'integer', description: 'epoch ms' },
    expires_at: { type: ['integer', 'null'], description: 'epoch ms; null = never' },
    read: { type: 'boolean' },
    dismissed: { type: 'boolean' },
    correlation_id: { type: ['string', 'null'] }
  },
  example: {
    id: '019ae0c4b6000001a1b2c3d4e5',
    type: 'resource_distribution',
    priority: 'medium',
    title: 'Weekly distribution paid',
    message: '3 humans paid 2400.00 for 2026-W49',
    data: { week: '2026-W49', paid: 3, already_paid: 0 },
    recipient: null,
    created_at: 1764633600000,
    expires_at: 1765238400000,
    read: false,
    dismissed: false,
    correlation_id: 'a1b2c3d41'
  }
} as const

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{26}$' } }
} as const

interface ListQuery {
  recipient?: string
  type?: NotificationType
  min_priority?: NotificationPriority
  unread?: boolean
  include_dismissed?: boolean
  cursor?: string
  limit: number
}

interface SendBody {
  type: NotificationType
  priority?: NotificationPriority
  title: string
  message?: string
  data?: Record<string, unknown>
  recipient?: string | null
  ttl_seconds?: number
}

const MAX_TTL_SECONDS = 365 * 24 * 3600

export function registerNotificationRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { notifications } = ctx.node
  const tags = ['notifications']

  app.get<{ Querystring: ListQuery }>('/notifications', {
    schema: {
      tags,
      summary: 'notifications, newest first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          recipient: { type: 'string', minLength: 1, maxLength: NOTIFICATION_MAX_RECIPIENT, description: 'only this recipient\'s and broadcasts' },
          type: { type: 'string', enum: NOTIFICATION_TYPES },
          min_priority: { type: 'string', enum: NOTIFICATION_PRIORITIES },
          unread: { type: 'boolean' },
          include_dismissed: { type: 'boolean' },
          cursor: { type: 'string', minLength: 1, maxLength: 64 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(notificationSchema), ...errorResponses }
    }
  }, async request => {
    const q = request.query
    const page = notifications.list({
      recipient: q.recipient,
      type: q.type,
      minPriority: q.min_priority,
      unreadOnly: q.unread,
      includeDismissed: q.include_dismissed,
      cursor: decodeCursor(q.cursor),
      limit: q.limit
    })
    return { items: page.items.map(notificationView), next_cursor: page.next_cursor == null ? null : encodeCursor(page.next_cursor) }
  })

  app.get('/notifications/stats', {
    schema: {
      tags,
      summary: 'counts of live notifications',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { recipient: { type: 'string', minLength: 1, maxLength: NOTIFICATION_MAX_RECIPIENT } }
      },
      response: {
        200: {
          type: 'object',
          properties: {
            total: { type: 'integer' },
            unread: { type: 'integer' },
            by_priority: { type: 'object', additionalProperties: { type: 'integer' } },
            by_type: { type: 'object', additionalProperties: { type: 'integer' } }
          },
          example: notificationStatsExample
        },
        ...errorResponses
      }
    }
  }, async request => notifications.stats((request.query as { recipient?: string }).recipient))

  app.get<{ Params: { id: string } }>('/notifications/:id', {
    schema: { tags, summary: 'one notification', params: idParams, response: { 200: notificationSchema, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    const n = notifications.get(request.params.id)
    if (n == null) { throw notFound(`notification ${request.params.id}`, 'id') }
    return notificationView(n)
  })

  app.post<{ Body: SendBody }>('/notifications', {
    schema: {
      tags,
      summary: 'send a notification: to one recipient, or broadcast (no recipient)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'title'],
        properties: {
          type: { type: 'string', enum: NOTIFICATION_TYPES },
          priority: { type: 'string', enum: NOTIFICATION_PRIORITIES, default: 'medium' },
          title: { type: 'string', minLength: 1, maxLength: NOTIFICATION_MAX_TITLE },
          message: { type: 'string', maxLength: NOTIFICATION_MAX_MESSAGE },
          data: { type: 'object', additionalProperties: true, maxProperties: 50 },
          recipient: { type: ['string', 'null'], minLength: 1, maxLength: NOTIFICATION_MAX_RECIPIENT },
          ttl_seconds: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS }
        },
        example: notificationBodyExample
      },
      response: { 201: notificationSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const b = request.body
    const n = await notifications.send({
      type: b.type,
      priority: b.priority,
      title: b.title,
      message: b.message,
      data: b.data,
      recipient: b.recipient,
      ttlMs: b.ttl_seconds != null ? b.ttl_seconds * 1000 : undefined,
      correlationId: request.id
    })
    return reply.code(201).send(notificationView(n))
  })

  app.post<{ Params: { id: string } }>('/notifications/:id/read', {
    schema: { tags, summary: 'mark read', params: idParams, response: { 200: notificationSchema, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    const n = await notifications.markRead(request.params.id)
    if (n == null) { throw notFound(`notification ${request.params.id}`, 'id') }
    return notificationView(n)
  })

  app.delete<{ Params: { id: string } }>('/notifications/:id', {
    schema: { tags, summary: 'dismiss', params: idParams, response: { 200: notificationSchema, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    const n = await notifications.dismiss(request.params.id)
    if (n == null) { throw notFound(`notification ${request.params.id}`, 'id') }
    return notificationView(n)
  })

  app.post('/notifications/cleanup', {
    schema: {
      tags,
      summary: 'remove expired notifications now (also done periodically)',
      response: { 200: { type: 'object', properties: { removed: { type: 'integer' } }, example: removedExample }, ...errorResponses }
    }
  }, async () => ({ removed: await notifications.cleanup() }))
}
