/**
 * The WebSocket live feed: clients subscribe to channels and receive the node's events as
 * they happen. Each event is serialized once and the same buffer is written to every
 * subscriber.
 *
 * Slow clients are bounded: while a client's unsent bytes (`bufferedAmount`) exceed
 * `maxBufferedBytes`, messages for it are dropped (counted, and announced to it with a
 * `dropped` message once it catches up); a client that stays over the limit for
 * `slowClientTimeoutMs` is disconnected. So memory per client is capped near
 * `maxBufferedBytes` plus one message, whatever the client does.
 *
 * Client → server: `{type: 'subscribe' | 'unsubscribe', channel | channels}`, `{type: 'ping'}`.
 * Server → client: `welcome`, `subscribed`, `unsubscribed`, `event`, `notification`,
 * `metrics_update`, `dropped`, `pong`, `error` (schemas: realtime-schemas.ts, docs/api.md);
 * fields snake_case, times epoch ms (wire.ts).
 */
import { eventView, notificationView } from './wire.ts'
import type { MeshEvent, MeshEventCategory } from '../../protocol/events/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'
import type { Notification } from '../../protocol/notifications/index.ts'
import type { NodeMetrics } from '../metrics/index.ts'
import type { WebSocket } from 'ws'

export const REALTIME_CHANNELS = ['resources', 'truth', 'mesh', 'notifications', 'metrics', 'events', 'knowledge'] as const
export type RealtimeChannel = typeof REALTIME_CHANNELS[number]

/** where each event category is published; every event also goes to `events` */
const CHANNEL_OF: Record<MeshEventCategory, RealtimeChannel> = {
  resources: 'resources',
  truth: 'truth',
  mesh: 'mesh',
  routes: 'mesh',
  notifications: 'notifications',
  metrics: 'metrics',
  system: 'events',
  knowledge: 'knowledge'
}

export interface RealtimeHubInit {
  /** ping interval; a client that missed the previous pong is closed */
  heartbeatIntervalMs?: number
  /** unsent bytes per client above which its messages are dropped */
  maxBufferedBytes?: number
  /** a client over the limit this long is disconnected */
  slowClientTimeoutMs?: number
  maxClients?: number
  /** how often `metrics_update` goes to the `metrics` channel */
  metricsIntervalMs?: number
  /** extra figures for `metrics_update` (ledger, truth, routes stats) */
  metricsSnapshot?(): Promise<Record<string, unknown>> | Record<string, unknown>
}

export interface RealtimeClientOptions {
  channels?: RealtimeChannel[]
  /** notifications targeted at another recipient are not sent to this client */
  recipient?: string
}

export interface RealtimeStats {
  clients: number
  subscriptions: Record<RealtimeChannel, number>
  messages_sent: number
  messages_dropped: number
  slow_disconnects: number
}

interface Client {
  id: number
  socket: WebSocket
  channels: Set<RealtimeChannel>
  recipient: string | null
  alive: boolean
  /** dropped since the last `dropped` notice */
  dropped: number
  slowSince: number | null
}

export interface RealtimeHub {
  start(): void
  stop(): void
  add(socket: WebSocket, opts?: RealtimeClientOptions): void
  /** sends to every client subscribed to `channel` */
  publish(channel: RealtimeChannel, message: Record<string, unknown>): number
  stats(): RealtimeStats
  /** unsent bytes per connected client (diagnostics, tests) */
  bufferedAmounts(): number[]
  /**
   * One heartbeat round, which the hub runs every `heartbeatIntervalMs`: closes the clients
   * that did not answer the previous ping and the ones slow for too long, pings the rest
   */
  heartbeat(): void
}

const OPEN = 1

export function isRealtimeChannel (s: string): s is RealtimeChannel {
  return (REALTIME_CHANNELS as readonly string[]).includes(s)
}

export function createRealtimeHub (node: MeshNode, metrics: NodeMetrics, init: RealtimeHubInit = {}): RealtimeHub {
  const heartbeatIntervalMs = init.heartbeatIntervalMs ?? 30_000
  const maxBufferedBytes = init.maxBufferedBytes ?? 1024 * 1024
  const slowClientTimeoutMs = init.slowClientTimeoutMs ?? 10_000
  const maxClients = init.maxClients ?? 10_000
  const metricsIntervalMs = init.metricsIntervalMs ?? 5000
  const clients = new Set<Client>()
  let nextId = 0
  let sent = 0
  let droppedTotal = 0
  let slowDisconnects = 0
  let heartbeat: ReturnType<typeof setInterval> | undefined
  let metricsTimer: ReturnType<typeof setInterval> | undefined

  /** the only way anything reaches a client: bounded (see the top of this file) */
  function write (client: Client, data: Buffer | string, channel?: RealtimeChannel): boolean {
    const { socket } = client
    if (socket.readyState !== OPEN) { return false }
    if (socket.bufferedAmount > maxBufferedBytes) {
      client.dropped++
      droppedTotal++
      metrics.wsMessagesDropped.inc()
      const now = Date.now()
      if (client.slowSince == null) { client.slowSince = now } else if (now - client.slowSince > slowClientTimeoutMs) { disconnectSlow(client) }
      return false
    }
    client.slowSince = null
    if (client.dropped > 0) {
      socket.send(JSON.stringify({ type: 'dropped', count: client.dropped }))
      client.dropped = 0
    }
    socket.send(data, { binary: false })
    if (channel != null) {
      sent++
      metrics.wsMessagesSent.inc({ channel })
    }
    return true
  }

  function disconnectSlow (client: Client): void {
    slowDisconnects++
    metrics.wsSlowDisconnects.inc()
    clients.delete(client)
    metrics.wsClients.set(clients.size)
    client.socket.terminate()
  }

  /** answers to a client's own messages: bounded too, so a client that sends but never reads cannot grow its buffer */
  function reply (client: Client, message: Record<string, unknown>): void {
    write(client, JSON.stringify(message))
  }

  function publish (channel: RealtimeChannel, message: Record<string, unknown>, filter?: (c: Client) => boolean): number {
    let data: Buffer | undefined
    let n = 0
    for (const client of clients) {
      if (!client.channels.has(channel) && !client.channels.has('events')) { continue }
      if (filter != null && !filter(client)) { continue }
      data ??= Buffer.from(JSON.stringify({ ...message, channel }))
      if (write(client, data, channel)) { n++ }
    }
    return n
  }

  const onEvent = (evt: CustomEvent<MeshEvent>): void => {
    if (clients.size === 0) { return }
    const event = evt.detail
    const channel = CHANNEL_OF[event.category] ?? 'events'
    if (event.category === 'notifications' && event.type === 'notification:created') {
      const n = event.data as Notification
      publish(channel, { type: 'notification', data: notificationView(n), event_seq: event.seq }, c => n.recipient == null || c.recipient === n.recipient)
      return
    }
    publish(channel, { type: 'event', data: eventView(event) })
  }

  async function publishMetrics (): Promise<void> {
    let subscribed = false
    for (const c of clients) { if (c.channels.has('metrics')) { subscribed = true; break } }
    if (!subscribed) { return }
    const extra = await init.metricsSnapshot?.() ?? {}
    const mem = process.memoryUsage()
    for (const c of clients) {
      if (!c.channels.has('metrics')) { continue }
      write(c, Buffer.from(JSON.stringify({
        type: 'metrics_update',
        channel: 'metrics',
        data: {
          timestamp: Date.now(),
          uptime_ms: Date.now() - node.startedAt,
          peers: node.libp2p.getPeers().length,
          connections: node.libp2p.getConnections().length,
          ws_clients: clients.size,
          rss_bytes: mem.rss,
          heap_used_bytes: mem.heapUsed,
          ...extra
        }
      })), 'metrics')
    }
  }

  function handleMessage (client: Client, raw: string): void {
    let msg: any
    try {
      msg = JSON.parse(raw)
    } catch {
      reply(client, { type: 'error', code: 'invalid_input', message: 'message is not JSON' }); return
    }
    if (msg == null || typeof msg !== 'object' || typeof msg.type !== 'string') {
      reply(client, { type: 'error', code: 'invalid_input', field: 'type', message: 'field "type" is required' }); return
    }
    switch (msg.type) {
      case 'ping':
        reply(client, { type: 'pong', timestamp: Date.now() }); return
      case 'subscribe':
      case 'unsubscribe': {
        const wanted: unknown[] = Array.isArray(msg.channels) ? msg.channels : [msg.channel]
        const bad = wanted.find(c => typeof c !== 'string' || !isRealtimeChannel(c))
        if (wanted.length === 0 || bad !== undefined) {
          reply(client, { type: 'error', code: 'invalid_input', field: 'channel', message: `field "channel": unknown channel ${JSON.stringify(bad ?? null)} (channels: ${REALTIME_CHANNELS.join(', ')})` })
          return
        }
        for (const c of wanted as RealtimeChannel[]) {
          if (msg.type === 'subscribe') { client.channels.add(c) } else { client.channels.delete(c) }
        }
        reply(client, { type: msg.type === 'subscribe' ? 'subscribed' : 'unsubscribed', channels: [...client.channels] })
        return
      }
      default:
        reply(client, { type: 'error', code: 'invalid_input', field: 'type', message: `field "type": unknown message type ${JSON.stringify(msg.type)}` })
    }
  }

  function heartbeatRound (): void {
    const now = Date.now()
    for (const c of clients) {
      if (!c.alive) {
        clients.delete(c)
        c.socket.terminate()
        continue
      }
      if (c.slowSince != null && now - c.slowSince > slowClientTimeoutMs) {
        disconnectSlow(c)
        continue
      }
      c.alive = false
      c.socket.ping()
    }
    metrics.wsClients.set(clients.size)
  }

  return {
    heartbeat: heartbeatRound,
    start () {
      node.events.addEventListener('event', onEvent)
      heartbeat = setInterval(heartbeatRound, heartbeatIntervalMs)
      heartbeat.unref()
      metricsTimer = setInterval(() => { void publishMetrics().catch(() => {}) }, metricsIntervalMs)
      metricsTimer.unref()
    },
    stop () {
      node.events.removeEventListener('event', onEvent)
      clearInterval(heartbeat)
      clearInterval(metricsTimer)
      for (const c of clients) { c.socket.close(1001, 'node stopping') }
      clients.clear()
      metrics.wsClients.set(0)
    },
    add (socket, opts = {}) {
      if (clients.size >= maxClients) {
        socket.close(1013, 'too many clients')
        return
      }
      const client: Client = {
        id: ++nextId,
        socket,
        channels: new Set(opts.channels ?? []),
        recipient: opts.recipient ?? null,
        alive: true,
        dropped: 0,
        slowSince: null
      }
      clients.add(client)
      metrics.wsClients.set(clients.size)
      socket.on('pong', () => { client.alive = true })
      socket.on('message', (data, isBinary) => {
        if (isBinary) { reply(client, { type: 'error', code: 'invalid_input', message: 'binary messages are not supported' }); return }
        handleMessage(client, data.toString())
      })
      socket.on('close', () => {
        clients.delete(client)
        metrics.wsClients.set(clients.size)
      })
      socket.on('error', () => {
        clients.delete(client)
        metrics.wsClients.set(clients.size)
      })
      reply(client, {
        type: 'welcome',
        client_id: client.id,
        peer_id: node.libp2p.peerId.toString(),
        channels: [...client.channels],
        available_channels: REALTIME_CHANNELS
      })
    },
    publish (channel, message) {
      return publish(channel, message)
    },
    bufferedAmounts () {
      return [...clients].map(c => c.socket.bufferedAmount)
    },
    stats () {
      const subscriptions = Object.fromEntries(REALTIME_CHANNELS.map(c => [c, 0])) as Record<RealtimeChannel, number>
      for (const c of clients) { for (const ch of c.channels) { subscriptions[ch]++ } }
      return { clients: clients.size, subscriptions, messages_sent: sent, messages_dropped: droppedTotal, slow_disconnects: slowDisconnects }
    }
  }
}
