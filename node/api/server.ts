/**
 * The node's control API: Fastify on the configured host/port (127.0.0.1 by default).
 *
 * Cross-cutting parts live here: strict JSON-schema validation (validation.ts), bearer
 * auth on non-loopback binds (auth.ts), per-client rate limit, CORS for configured
 * origins only, the audit log of every write (audit.ts), correlation ids for writes,
 * request metrics, and the OpenAPI document (`/openapi.json`, docs at `/docs`). Route groups live
 * in routes/, one file per capability, all under `/api/v1` except `/`, `/health` and
 * `/metrics`.
 */
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { MeshError } from '../../protocol/errors.ts'
import { newCorrelationId } from '../../protocol/events/index.ts'
import { createNodeMetrics } from '../metrics/index.ts'
import { auditBody, createAuditLog } from './audit.ts'
import { isLoopbackHost, registerAuth, resolveApiToken } from './auth.ts'
import { errorBody, registerErrorHandler } from './errors.ts'
import { createOpenApiDocs } from './openapi-docs.ts'
import { createRealtimeHub } from './realtime-hub.ts'
import { registerAutomationRoutes } from './routes/automation.ts'
import { registerEventRoutes } from './routes/events.ts'
import { registerHumanRoutes } from './routes/humans.ts'
import { registerKnowledgeSessionRoutes } from './routes/knowledge-sessions.ts'
import { registerKnowledgeRoutes } from './routes/knowledge.ts'
import { registerMeshRoutes } from './routes/mesh.ts'
import { registerMetricsRoutes } from './routes/metrics.ts'
import { registerNotificationRoutes } from './routes/notifications.ts'
import { registerRealtimeRoutes } from './routes/realtime.ts'
import { registerSystemRoutes } from './routes/system.ts'
import { registerTruthRoutes } from './routes/truth.ts'
import { validationSchemaController } from './validation.ts'
import { registerWebRoutes } from './web.ts'
import type { AuditLog } from './audit.ts'
import type { RealtimeHub, RealtimeHubInit } from './realtime-hub.ts'
import type { WebInit } from './web.ts'
import type { AutomationEngine } from '../../protocol/automation/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'
import type { NodeMetrics } from '../metrics/index.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Registry } from 'prom-client'

export { healthReport } from './routes/system.ts'

export interface RateLimitInit {
  /** requests per client per window (default 1200) */
  max?: number
  timeWindowMs?: number
  /** local clients (the node's owner) are not limited (default true) */
  exemptLoopback?: boolean
}

export interface ApiServerInit {
  host: string
  port: number
  /** the node's data dir: holds the audit log and a generated API token */
  dataDir: string
  /** bearer token; without one, a non-loopback bind generates `<dataDir>/api-token` */
  token?: string
  /** origins allowed by CORS; none = no CORS headers */
  corsOrigins?: string[]
  rateLimit?: RateLimitInit | false
  /** the registry libp2p's metrics report into, so /metrics shows both */
  metricsRegistry?: Registry
  realtime?: RealtimeHubInit
  bodyLimit?: number
  logger?: boolean
  /** serve the web client at / (`liberation start --web`) */
  web?: WebInit
  /**
   * the OpenAPI document as generated at build time (a JSON file); without one it is
   * generated from the routes on its first request
   */
  openapiDocument?: string
  /** the automation engine behind /api/v1/automation (absent: those routes answer 503) */
  automation?: AutomationEngine
}

/** what route groups get */
export interface ApiContext {
  node: MeshNode
  metrics: NodeMetrics
  hub: RealtimeHub
  audit: AuditLog
  automation?: AutomationEngine
}

export interface ApiServer {
  readonly app: FastifyInstance
  /** base URL, available after start() */
  readonly url: string
  /** the bearer token demanded, or undefined when the API is open (loopback, none configured) */
  readonly token: string | undefined
  readonly metrics: NodeMetrics
  readonly hub: RealtimeHub
  readonly audit: AuditLog
  /** loads the plugins and routes; start() does it too, this lets it overlap other work */
  ready(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const STARTED_AT = Symbol('startedAt')
type TimedMessage = IncomingMessage & { [STARTED_AT]?: number }

/**
 * ms since the request arrived. Fastify's reply.elapsedTime stays 0 unless a logger or an
 * onResponse hook runs, so the start is stamped on the raw request when its id is made.
 */
function elapsedSince (request: FastifyRequest): number {
  const started = (request.raw as TimedMessage)[STARTED_AT]
  return started == null ? 0 : performance.now() - started
}
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,64}$/

export function createApiServer (node: MeshNode, init: ApiServerInit): ApiServer {
  const idPrefix = newCorrelationId().slice(0, 8)
  let requestCounter = 0
  const app = Fastify({
    logger: init.logger ?? false,
    bodyLimit: init.bodyLimit ?? 256 * 1024,
    schemaController: validationSchemaController(),
    // a prefix random per server plus a counter: unique, and no random bytes per request;
    // a write may bring its own correlation id (reads are not audited: their headers are
    // not even parsed for it)
    genReqId: (req: IncomingMessage) => {
      (req as TimedMessage)[STARTED_AT] = performance.now()
      const given = req.method === 'GET' || req.method === 'HEAD' ? undefined : req.headers['x-correlation-id']
      return typeof given === 'string' && CORRELATION_ID.test(given) ? given : `${idPrefix}${(++requestCounter).toString(36)}`
    },
    // refused by the router before any route or hook (a malformed URL, a path parameter
    // over maxParamLength): answered, measured and audited here
    frameworkErrors: (err, request, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400
      const elapsedMs = elapsedSince(request)
      metrics.observeRequest(request.method, 'unmatched', status, elapsedMs / 1000)
      if (WRITE_METHODS.has(request.method)) {
        reply.header('x-correlation-id', request.id)
        auditWrite(request, 'unmatched', status, elapsedMs)
      }
      void (reply as FastifyReply).code(status).send(errorBody(status, 'invalid_input', err.message))
    }
  })
  const metrics = createNodeMetrics(node, { registry: init.metricsRegistry })
  const hub = createRealtimeHub(node, metrics, {
    metricsSnapshot: async () => {
      const ledger = await node.ledger.stats()
      const truth = node.truth.stats()
      return {
        total_humans: ledger.totalHumans,
        active_humans: ledger.activeHumans,
        total_distributed: ledger.totalDistributed,
        distributed_this_week: ledger.distributedThisWeek,
        remaining_wealth: ledger.remainingWealth,
        truth_messages: truth.messages,
        truth_rejected: truth.rejected
      }
    },
    ...init.realtime
  })
  const audit = createAuditLog(init.dataDir)
  const ctx: ApiContext = { node, metrics, hub, audit, automation: init.automation }
  // known before anything is served: the hooks below exist only where they are needed
  const token = resolveApiToken({ host: init.host, token: init.token, dataDir: init.dataDir })
  const loopbackOnly = isLoopbackHost(init.host)
  let url = ''

  registerErrorHandler(app)
  if (token != null) { registerAuth(app, token) }

  /** the id ties a write to its audit record and the events it caused; no unaudited write */
  const writeGate = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    reply.header('x-correlation-id', request.id)
    if (audit.error != null) {
      done(new MeshError('unavailable', `writes are refused: the audit log cannot be written (${audit.error.message})`))
      return
    }
    done()
  }

  // Request metrics and the audit record at onSend (answer ready, not yet written): cheaper
  // than onResponse, and a write is in the audit log before its client hears back. Hooks are
  // attached per route, only where they apply: each knows its route's path (reading
  // request.routeOptions per request costs more than the rest of the hook), and read routes
  // carry no write gate.
  const accounting = (route: string) => (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
    const elapsedMs = elapsedSince(request)
    metrics.observeRequest(request.method, route, reply.statusCode, elapsedMs / 1000)
    if (WRITE_METHODS.has(request.method)) { auditWrite(request, route, reply.statusCode, elapsedMs) }
    done(null, payload)
  }
  const append = <T> (existing: T | T[] | undefined, hook: T, first = false): T[] => {
    const list = existing == null ? [] : Array.isArray(existing) ? existing : [existing]
    return first ? [hook, ...list] : [...list, hook]
  }
  app.addHook('onRoute', routeOptions => {
    routeOptions.onSend = append(routeOptions.onSend as any, accounting(routeOptions.url ?? routeOptions.path))
    const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method]
    if (methods.some(m => WRITE_METHODS.has(m))) { routeOptions.onRequest = append(routeOptions.onRequest as any, writeGate, true) }
  })
  // no route, no route hooks: unmatched requests are accounted for by the 404 context's
  // own onSend, which also sees those refused before the handler (no token, rate limit)
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.is404) {
      const elapsedMs = elapsedSince(request)
      metrics.observeRequest(request.method, 'unmatched', reply.statusCode, elapsedMs / 1000)
      if (WRITE_METHODS.has(request.method)) { auditWrite(request, 'unmatched', reply.statusCode, elapsedMs) }
    }
    done(null, payload)
  })
  app.setNotFoundHandler((request, reply) => {
    if (WRITE_METHODS.has(request.method)) { reply.header('x-correlation-id', request.id) }
    reply.code(404)
    return reply.send(errorBody(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`))
  })

  function auditWrite (request: FastifyRequest, route: string, status: number, elapsedMs: number): void {
    audit.record({
      time: new Date().toISOString(),
      correlation_id: request.id,
      method: request.method,
      url: request.url,
      route,
      status,
      ip: request.ip,
      authenticated: token != null && status !== 401,
      duration_ms: Math.round(elapsedMs * 1000) / 1000,
      body: auditBody(request.body)
    })
    metrics.auditRecords.inc({ outcome: status < 400 ? 'accepted' : 'refused' })
  }

  // no configured origin: no CORS headers at all (browsers keep to the same origin); like the
  // limiter below, the plugin is loaded only where it is used
  if ((init.corsOrigins ?? []).length > 0) {
    void app.register(import('@fastify/cors'), {
      origin: init.corsOrigins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-correlation-id'],
      exposedHeaders: ['x-correlation-id']
    })
  }
  // local clients are exempt by default, so a loopback bind needs no limiter at all
  if (init.rateLimit !== false && !(loopbackOnly && (init.rateLimit?.exemptLoopback ?? true))) {
    const rl = init.rateLimit ?? {}
    const exemptLoopback = rl.exemptLoopback ?? true
    void app.register(import('@fastify/rate-limit'), {
      global: true,
      max: rl.max ?? 1200,
      timeWindow: rl.timeWindowMs ?? 60_000,
      allowList: (request: FastifyRequest) => exemptLoopback && isLoopbackHost(request.ip)
    })
  }
  // The OpenAPI document and its docs page cost ~50 ms of startup if @fastify/swagger and
  // swagger-ui are registered here: the CLI serves a document generated at build time, and
  // the docs page is built on its first request (openapi.ts).
  const docs = createOpenApiDocs(init.openapiDocument)
  void app.register(async root => {
    root.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(await docs.document()))
    root.get('/docs', { schema: { hide: true } }, docs.page)
    root.get('/docs/*', { schema: { hide: true } }, docs.page)
    await registerApiRoutes(root, ctx, init.web)
  })

  return {
    app,
    get url () { return url },
    get token () { return token },
    metrics,
    hub,
    audit,
    async ready () {
      await app.ready()
    },
    async start () {
      metrics.start()
      hub.start()
      try {
        url = await app.listen({ host: init.host, port: init.port })
      } catch (err) {
        hub.stop()
        metrics.stop()
        await audit.close()
        throw err
      }
    },
    async stop () {
      hub.stop()
      metrics.stop()
      await app.close()
      await audit.close()
    }
  }
}

/**
 * Every documented route (all but `/openapi.json` and `/docs`): the server and the OpenAPI
 * generator (openapi.ts) register the same ones, so the document is the routes' schemas.
 */
export async function registerApiRoutes (root: FastifyInstance, ctx: ApiContext, web?: WebInit): Promise<void> {
  registerSystemRoutes(root, ctx)
  registerMetricsRoutes(root, ctx)
  if (web != null) { registerWebRoutes(root, ctx, web) }
  await root.register(async api => {
    registerEventRoutes(api, ctx)
    registerNotificationRoutes(api, ctx)
    registerMeshRoutes(api, ctx)
    registerTruthRoutes(api, ctx)
    registerHumanRoutes(api, ctx)
    registerAutomationRoutes(api, ctx)
    registerKnowledgeSessionRoutes(api, ctx)
    registerKnowledgeRoutes(api, ctx)
    // WebSocket support (and the hooks it adds to every request) only where the feed lives
    await api.register(async feed => {
      await feed.register(websocket, { options: { maxPayload: 64 * 1024 } })
      registerRealtimeRoutes(feed, ctx)
    })
  }, { prefix: '/api/v1' })
}
