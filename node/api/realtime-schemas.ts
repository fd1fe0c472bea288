/**
 * JSON schemas of the WebSocket live feed's messages (`/api/v1/realtime/ws`), published in
 * the OpenAPI document under `components.schemas` (OpenAPI 3.0 has no WebSocket operations)
 * and checked against real messages by the tests. Same convention as the HTTP API:
 * snake_case fields, times in epoch ms.
 */
import { NOTIFICATION_PRIORITIES, NOTIFICATION_TYPES } from '../../protocol/notifications/index.ts'
import { REALTIME_CHANNELS } from './realtime-hub.ts'

// the hub's own list: one source for the schema and the server
const CHANNELS = [...REALTIME_CHANNELS]
const channel = { type: 'string', enum: CHANNELS }
const channels = { type: 'array', items: channel }

const eventData = {
  type: 'object',
  required: ['seq', 'type', 'category', 'correlation_id', 'timestamp', 'data'],
  additionalProperties: false,
  properties: {
    seq: { type: 'integer', description: 'monotonic per node' },
    type: { type: 'string', example: 'truth:received' },
    category: { type: 'string', enum: ['mesh', 'truth', 'resources', 'routes', 'notifications', 'metrics', 'system'] },
    correlation_id: { type: 'string' },
    timestamp: { type: 'integer', description: 'epoch ms' },
    data: { type: 'object', additionalProperties: true, description: 'the event\'s fields, snake_case' }
  }
}

const notificationData = {
  type: 'object',
  required: ['id', 'type', 'priority', 'title', 'message', 'data', 'recipient', 'created_at', 'expires_at', 'read', 'dismissed', 'correlation_id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: NOTIFICATION_TYPES },
    priority: { type: 'string', enum: NOTIFICATION_PRIORITIES },
    title: { type: 'string' },
    message: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    recipient: { type: ['string', 'null'] },
    created_at: { type: 'integer' },
    expires_at: { type: ['integer', 'null'] },
    read: { type: 'boolean' },
    dismissed: { type: 'boolean' },
    correlation_id: { type: ['string', 'null'] }
  }
}

const message = (type: string, description: string, properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({
  type: 'object',
  description,
  required: ['type', ...required],
  additionalProperties: false,
  properties: { type: { type: 'string', enum: [type] }, ...properties }
})

/** server → client messages, by `type` */
export const REALTIME_SERVER_MESSAGES: Record<string, Record<string, unknown>> = {
  welcome: message('welcome', 'first message after connecting', {
    client_id: { type: 'integer' },
    peer_id: { type: 'string', description: 'the node\'s peer id' },
    channels,
    available_channels: channels
  }, ['client_id', 'peer_id', 'channels', 'available_channels']),
  subscribed: message('subscribed', 'answer to subscribe: the channels now subscribed', { channels }, ['channels']),
  unsubscribed: message('unsubscribed', 'answer to unsubscribe: the channels still subscribed', { channels }, ['channels']),
  event: message('event', 'an event of the node (every category; `events` gets them all)', { channel, data: eventData }, ['channel', 'data']),
  notification: message('notification', 'a notification was created (targeted ones only to their recipient)', {
    channel, data: notificationData, event_seq: { type: 'integer' }
  }, ['channel', 'data', 'event_seq']),
  metrics_update: message('metrics_update', 'periodic figures on the metrics channel', {
    channel,
    data: {
      type: 'object',
      required: ['timestamp', 'uptime_ms', 'peers', 'connections'],
      additionalProperties: true,
      properties: {
        timestamp: { type: 'integer' },
        uptime_ms: { type: 'integer' },
        peers: { type: 'integer' },
        connections: { type: 'integer' },
        ws_clients: { type: 'integer' },
        rss_bytes: { type: 'integer' },
        heap_used_bytes: { type: 'integer' }
      }
    }
  }, ['channel', 'data']),
  dropped: message('dropped', 'this client was too slow: `count` messages were not sent to it', { count: { type: 'integer' } }, ['count']),
  pong: message('pong', 'answer to ping', { timestamp: { type: 'integer' } }, ['timestamp']),
  error: message('error', 'a client message was refused', {
    code: { type: 'string', example: 'invalid_input' },
    field: { type: 'string' },
    message: { type: 'string' }
  }, ['code', 'message'])
}

/** client → server messages */
export const REALTIME_CLIENT_MESSAGES: Record<string, Record<string, unknown>> = {
  subscribe: message('subscribe', 'add channels', { channel, channels }),
  unsubscribe: message('unsubscribe', 'remove channels', { channel, channels }),
  ping: message('ping', 'ask for a pong', {})
}

/** for the OpenAPI document's components.schemas */
export function realtimeComponentSchemas (): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [type, schema] of Object.entries(REALTIME_SERVER_MESSAGES)) { out[`Realtime_server_${type}`] = schema }
  for (const [type, schema] of Object.entries(REALTIME_CLIENT_MESSAGES)) { out[`Realtime_client_${type}`] = schema }
  return out
}
