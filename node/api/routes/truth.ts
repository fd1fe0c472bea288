/**
 * Truth messages: post (signed by this node and gossiped), list (newest first, by channel
 * and time, cursor-paginated), get by id, and the channels with their reach and
 * conversion rate; subscribe to or leave a channel.
 */
import { MeshError } from '../../../protocol/errors.ts'
import { TRUTH_LIMITS } from '../../../protocol/truth/index.ts'
import { channelExample, truthBodyExample, unsubscribedExample } from '../examples.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errorResponses, listSchema, notFoundResponse, pageSchema } from '../schemas.ts'
import { notFound } from '../validation.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const CHANNEL = '^[a-z0-9][a-z0-9-]{0,31}$'
/** each subscription is a gossipsub topic mesh to keep up */
const MAX_SUBSCRIPTIONS = 64

export const truthMessageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'hex SHA-256 of the signed body' },
    content: { type: 'string' },
    source: { type: 'string' },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    channels: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'integer' },
    author: { type: 'string', description: 'peer id of the author node' },
    author_key: { type: 'string' },
    signature: { type: 'string' },
    received_at: { type: 'integer' },
    spread: { type: 'integer', description: 'distinct peers known to hold it' },
    effectiveness: { type: 'number' }
  },
  example: {
    id: '2c43e852bf46a1d0f2c5e1e8a4b7c9d0e3f6a9b2c5d8e1f4a7b0c3d6e9f2a5b8',
    content: 'water is free at the square',
    source: 'neighbours',
    priority: 4,
    channels: ['billboard'],
    created_at: 1764633600000,
    author: '12D3KooWLx8cBDqT9bJpPLmWEh2XGXfSQJm3sKZCV6sBqtpmD4Ny',
    received_at: 1764633600012,
    spread: 3,
    effectiveness: 0.75
  }
} as const

const channelSchema = {
  type: 'object',
  properties: {
    channel: { type: 'string' },
    topic: { type: 'string' },
    subscribed: { type: 'boolean' },
    reach: { type: 'integer' },
    messages: { type: 'integer' },
    conversion_rate: { type: 'number' }
  },
  example: channelExample
} as const

interface PostBody {
  content: string
  priority?: number
  channels?: string[]
  source?: string
}

interface ListQuery {
  channel?: string
  since?: number
  until?: number
  cursor?: string
  limit: number
  order: 'asc' | 'desc'
}

export function registerTruthRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { truth } = ctx.node
  const tags = ['truth']

  app.post<{ Body: PostBody }>('/truth/messages', {
    schema: {
      tags,
      summary: 'post a truth message: signed by this node, stored, gossiped on its channels',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['content'],
        properties: {
          content: { type: 'string', minLength: 1, maxLength: TRUTH_LIMITS.maxContentBytes },
          priority: { type: 'integer', minimum: TRUTH_LIMITS.minPriority, maximum: TRUTH_LIMITS.maxPriority, default: 3 },
          channels: { type: 'array', minItems: 1, maxItems: TRUTH_LIMITS.maxChannels, uniqueItems: true, items: { type: 'string', pattern: CHANNEL } },
          source: { type: 'string', maxLength: TRUTH_LIMITS.maxSourceBytes }
        },
        example: truthBodyExample
      },
      response: {
        201: { ...truthMessageSchema, properties: { ...truthMessageSchema.properties, recipients: { type: 'array', items: { type: 'string' } } } },
        ...errorResponses
      }
    }
  }, async (request, reply) => {
    const b = request.body
    const posted = await truth.post(b.content, { priority: b.priority, channels: b.channels, source: b.source, correlationId: request.id })
    return reply.code(201).send(posted)
  })

  app.get<{ Querystring: ListQuery }>('/truth/messages', {
    schema: {
      tags,
      summary: 'stored truth messages, newest first (order=asc for oldest first)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          channel: { type: 'string', pattern: CHANNEL },
          since: { type: 'integer', minimum: 0, description: 'created_at >= since (ms)' },
          until: { type: 'integer', minimum: 0, description: 'created_at < until (ms)' },
          cursor: { type: 'string', minLength: 1, maxLength: 256 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
          order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' }
        }
      },
      response: { 200: pageSchema(truthMessageSchema), ...errorResponses }
    }
  }, async request => {
    return truth.list(request.query)
  })

  app.get<{ Params: { id: string } }>('/truth/messages/:id', {
    schema: {
      tags,
      summary: 'one truth message',
      description: 'By id, or by a unique prefix of it (4+ hex characters, as lists show it): 409 `ambiguous_id` when several match.',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{4,64}$' } } },
      response: { 200: truthMessageSchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const id = request.params.id.length === 64 ? request.params.id : await truth.resolveId(request.params.id)
    const m = await truth.get(id)
    if (m == null) { throw notFound(`truth message ${request.params.id}`) }
    return m
  })

  app.get('/truth/channels', {
    schema: {
      tags,
      summary: 'channels: subscribed or holding messages, with reach and conversion rate',
      response: { 200: listSchema(channelSchema), ...errorResponses }
    }
  }, async () => ({ items: truth.channels() }))

  const channelParams = { type: 'object', required: ['channel'], properties: { channel: { type: 'string', pattern: CHANNEL } } } as const
  app.post<{ Params: { channel: string } }>('/truth/channels/:channel/subscribe', {
    schema: { tags, summary: 'receive and relay a channel', params: channelParams, response: { 200: channelSchema, ...errorResponses } }
  }, async request => {
    const subscribed = truth.subscriptions()
    if (!subscribed.includes(request.params.channel) && subscribed.length >= MAX_SUBSCRIPTIONS) {
      throw new MeshError('conflict', `already subscribed to ${MAX_SUBSCRIPTIONS} channels; leave one first`)
    }
    truth.subscribe(request.params.channel)
    return truth.channels().find(c => c.channel === request.params.channel)
  })
  app.delete<{ Params: { channel: string } }>('/truth/channels/:channel/subscribe', {
    schema: { tags, summary: 'leave a channel (its stored messages stay)', params: channelParams, response: { 200: { type: 'object', properties: { channel: { type: 'string' }, subscribed: { type: 'boolean' } }, example: unsubscribedExample }, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    if (!truth.subscriptions().includes(request.params.channel)) { throw notFound(`subscription to channel ${request.params.channel}`) }
    truth.unsubscribe(request.params.channel)
    return { channel: request.params.channel, subscribed: false }
  })
}
