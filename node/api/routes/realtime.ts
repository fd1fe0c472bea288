/**
 * `WS /api/v1/realtime/ws`: the live feed (see realtime-hub.ts for the protocol), and
 * `GET /api/v1/realtime/ws/stats`. Initial subscriptions may be given as
 * `?channels=truth,mesh`; `?recipient=` selects whose targeted notifications arrive.
 */
import { wsStatsExample } from '../examples.ts'
import { REALTIME_CHANNELS } from '../realtime-hub.ts'
import { errorResponses } from '../schemas.ts'
import type { RealtimeChannel } from '../realtime-hub.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const CHANNEL_LIST_PATTERN = `^(${REALTIME_CHANNELS.join('|')})(,(${REALTIME_CHANNELS.join('|')}))*$`

export function registerRealtimeRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const tags = ['realtime']
  app.get<{ Querystring: { channels?: string, recipient?: string } }>('/realtime/ws', {
    websocket: true,
    schema: {
      tags,
      summary: 'WebSocket live feed; send {"type":"subscribe","channel":"truth"}',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          channels: { type: 'string', pattern: CHANNEL_LIST_PATTERN, description: `comma-separated: ${REALTIME_CHANNELS.join(', ')}` },
          recipient: { type: 'string', minLength: 1, maxLength: 128 },
          access_token: { type: 'string', description: 'bearer token for clients that cannot set headers' },
          connection_type: { type: 'string', maxLength: 32, description: 'informational (dashboard, mobile, ...)' }
        }
      }
    }
  }, (socket, request) => {
    const q = request.query
    ctx.hub.add(socket, {
      channels: q.channels != null ? q.channels.split(',') as RealtimeChannel[] : [],
      recipient: q.recipient
    })
  })

  app.get('/realtime/ws/stats', {
    schema: {
      tags,
      summary: 'live feed statistics',
      response: {
        200: {
          type: 'object',
          properties: {
            clients: { type: 'integer' },
            subscriptions: { type: 'object', additionalProperties: { type: 'integer' } },
            messages_sent: { type: 'integer' },
            messages_dropped: { type: 'integer' },
            slow_disconnects: { type: 'integer' }
          },
          example: wsStatsExample
        },
        ...errorResponses
      }
    }
  }, async () => ctx.hub.stats())
}
