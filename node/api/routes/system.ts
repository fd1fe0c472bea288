/**
 * System routes: `GET /` (what this node is and where its API lives), `GET /health`
 * (liveness and connectivity; also under /api/v1) and `GET /api/v1/stats` (the
 * `SystemStats` plus mesh figures).
 */
import { rootExample, statsExample } from '../examples.ts'
import { errorResponses } from '../schemas.ts'
import type { KnowledgeStats } from '../../../protocol/knowledge/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

export const API_VERSION = '0.1.0'
/** longest a /stats answer is reused when nothing happened (uptime and WS clients move on their own) */
export const STATS_MAX_AGE_MS = 1000

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    peer_id: { type: 'string' },
    uptime_ms: { type: 'integer' },
    connections: { type: 'integer' },
    peers: { type: 'integer' },
    services: { type: 'object', additionalProperties: { type: 'string' } },
    problems: { type: 'array', items: { type: 'string' }, description: 'what makes the status degraded, one line each (empty when ok)' },
    bootstrap: {
      type: 'array',
      description: 'the configured bootstrap addresses and whether they can be reached',
      items: {
        type: 'object',
        properties: {
          address: { type: 'string' },
          state: { type: 'string', enum: ['connecting', 'connected', 'unreachable'] },
          error: { type: ['string', 'null'], description: 'why the last dial failed' },
          failures: { type: 'integer', description: 'failed dials in a row' },
          last_attempt_at: { type: ['integer', 'null'], description: 'epoch ms' }
        }
      }
    }
  },
  example: {
    status: 'degraded',
    peer_id: '12D3KooWGzmvjW6b8ySh7xB4Wp4cd5s8X8G5nAtbVuKbRoLj4zYa',
    uptime_ms: 65000,
    connections: 0,
    peers: 0,
    services: { libp2p: 'started', audit_log: 'ok' },
    problems: ['bootstrap /ip4/127.0.0.1/tcp/4101/p2p/12D3KooWPzHQxNPzkq2JhUPw1EDyDqJ3gfWcJkRfjX5w9k9qC6Am unreachable: connect ECONNREFUSED 127.0.0.1:4101'],
    bootstrap: [{ address: '/ip4/127.0.0.1/tcp/4101/p2p/12D3KooWPzHQxNPzkq2JhUPw1EDyDqJ3gfWcJkRfjX5w9k9qC6Am', state: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:4101', failures: 2, last_attempt_at: 1764633665000 }]
  }
} as const

export interface HealthReport {
  status: 'ok' | 'degraded'
  peer_id: string
  uptime_ms: number
  connections: number
  peers: number
  services: Record<string, string>
  problems: string[]
  bootstrap: Array<{ address: string, state: string, error: string | null, failures: number, last_attempt_at: number | null }>
}

export function healthReport (ctx: ApiContext): HealthReport {
  const { node } = ctx
  const services: Record<string, string> = {
    libp2p: node.libp2p.status,
    audit_log: ctx.audit.error == null ? 'ok' : `failed: ${ctx.audit.error.message}`
  }
  const problems: string[] = []
  if (node.libp2p.status !== 'started') { problems.push(`libp2p ${node.libp2p.status}`) }
  if (ctx.audit.error != null) { problems.push(`audit log failed: ${ctx.audit.error.message}`) }
  for (const b of node.bootstrap.unreachable()) { problems.push(`bootstrap ${b.address} unreachable: ${b.error ?? 'dial failed'}`) }
  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    peer_id: node.libp2p.peerId.toString(),
    uptime_ms: Date.now() - node.startedAt,
    connections: node.libp2p.getConnections().length,
    peers: node.libp2p.getPeers().length,
    services,
    problems,
    bootstrap: node.bootstrap.addresses().map(b => ({
      address: b.address,
      state: b.state,
      error: b.error ?? null,
      failures: b.failures,
      last_attempt_at: b.lastAttemptAt ?? null
    }))
  }
}

const statsSchema = {
  type: 'object',
  properties: {
    total_humans: { type: 'integer' },
    active_humans: { type: 'integer' },
    total_distributed: { type: 'string', description: 'decimal string' },
    distributed_this_week: { type: 'string' },
    remaining_wealth: { type: 'string' },
    average_per_human: { type: 'string' },
    pool_total: { type: 'string' },
    week: { type: 'string', description: 'current ISO week' },
    payments_this_week: { type: 'integer' },
    uptime: { type: 'number', description: 'seconds since the node started' },
    peer_id: { type: 'string' },
    peers: { type: 'integer' },
    connections: { type: 'integer' },
    notifications_unread: { type: 'integer' },
    ws_clients: { type: 'integer' },
    truth_messages: { type: 'integer', description: 'truth messages stored' },
    truth_channels: { type: 'integer' },
    truth_rejected: { type: 'integer', description: 'invalid truth messages refused since start' },
    known_nodes: { type: 'integer', description: 'nodes this node has a route to' },
    knowledge_entries: { type: 'integer', description: 'live knowledge entries' },
    knowledge_retracted: { type: 'integer' },
    knowledge_ratings: { type: 'integer', description: 'raters counted over all entries' },
    knowledge_rejected: { type: 'integer', description: 'invalid knowledge records refused since start' },
    knowledge_by_type: { type: 'object', additionalProperties: { type: 'integer' } }
  },
  example: statsExample
} as const

export function registerSystemRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx
  // counting routes walks the whole route table: at most once a second
  let knownNodes = { value: 0, at: 0 }
  const countKnownNodes = (): number => {
    const now = Date.now()
    if (now - knownNodes.at >= 1000) { knownNodes = { value: node.routing.routes().length, at: now } }
    return knownNodes.value
  }

  app.get('/', {
    schema: {
      tags: ['system'],
      summary: 'what this node is',
      response: {
        200: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            peer_id: { type: 'string' },
            status: { type: 'string' },
            docs: { type: 'string' },
            openapi: { type: 'string' },
            api: { type: 'string' },
            realtime: { type: 'string' },
            metrics: { type: 'string' }
          },
          example: rootExample
        },
        ...errorResponses
      }
    }
  }, async () => ({
    name: 'Liberation Mesh node',
    version: API_VERSION,
    peer_id: node.libp2p.peerId.toString(),
    status: healthReport(ctx).status,
    docs: '/docs',
    openapi: '/openapi.json',
    api: '/api/v1',
    realtime: '/api/v1/realtime/ws',
    metrics: '/metrics'
  }))

  const health = { schema: { tags: ['system'], summary: 'liveness and connectivity', response: { 200: healthSchema, ...errorResponses } } }
  app.get('/health', health, async () => healthReport(ctx))
  app.get('/api/v1/health', health, async () => healthReport(ctx))

  /**
   * Stats are read far more often than they change (dashboards poll them): the serialized
   * answer is kept until any event of the node (a ledger or truth write, a peer, a route,
   * a notification) or for at most STATS_MAX_AGE_MS (uptime, WebSocket clients).
   */
  let cached: { body: string, at: number } | undefined
  let version = 0
  const invalidate = (): void => { cached = undefined; version++ }
  node.events.addEventListener('event', invalidate)
  app.addHook('onClose', async () => { node.events.removeEventListener('event', invalidate) })

  app.get('/api/v1/stats', {
    schema: { tags: ['system'], summary: 'system statistics', description: 'Ledger, truth and mesh figures of this node: humans, distributed and remaining wealth, messages, peers.', response: { 200: statsSchema, ...errorResponses } }
  }, async (_request, reply) => {
    const now = Date.now()
    let body = cached != null && now - cached.at < STATS_MAX_AGE_MS ? cached.body : undefined
    if (body == null) {
      const computedAt = version
      const truth = node.truth.stats()
      const ledger = await node.ledger.stats()
      const stats = {
        total_humans: ledger.totalHumans,
        active_humans: ledger.activeHumans,
        total_distributed: ledger.totalDistributed,
        distributed_this_week: ledger.distributedThisWeek,
        remaining_wealth: ledger.remainingWealth,
        average_per_human: ledger.averagePerHuman,
        pool_total: ledger.poolTotal,
        week: ledger.week,
        payments_this_week: ledger.paymentsThisWeek,
        uptime: (now - node.startedAt) / 1000,
        peer_id: node.libp2p.peerId.toString(),
        peers: node.libp2p.getPeers().length,
        connections: node.libp2p.getConnections().length,
        notifications_unread: node.notifications.stats().unread,
        ws_clients: ctx.hub.stats().clients,
        truth_messages: truth.messages,
        truth_channels: truth.channels,
        truth_rejected: truth.rejected,
        ...knowledgeStats(node.knowledge.stats()),
        known_nodes: countKnownNodes()
      }
      body = JSON.stringify(stats)
      // an event while computing may have made this answer stale already: serve it, keep it not
      if (computedAt === version) { cached = { body, at: now } }
    }
    return reply.type('application/json; charset=utf-8').send(body)
  })
}

function knowledgeStats (k: KnowledgeStats): Record<string, unknown> {
  return { knowledge_entries: k.entries, knowledge_retracted: k.retracted, knowledge_ratings: k.ratings, knowledge_rejected: k.rejected, knowledge_by_type: k.by_type }
}
