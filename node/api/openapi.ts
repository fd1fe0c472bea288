/**
 * The OpenAPI document of the control API, made by @fastify/swagger from the routes' own
 * JSON schemas, and the swagger-ui docs app that shows it. Loading and registering these
 * plugins costs ~50 ms, so nothing here is loaded at startup: `npm run build` writes the
 * document next to the CLI bundle (dist/cli/openapi.json) and openapi-docs.ts loads this
 * module on the first request that needs it.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify from 'fastify'
import { realtimeComponentSchemas } from './realtime-schemas.ts'
import { API_VERSION } from './routes/system.ts'
import { registerApiRoutes } from './server.ts'
import { registerValidation } from './validation.ts'
import type { ApiContext } from './server.ts'
import type { FastifyDynamicSwaggerOptions, SwaggerOptions } from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'

export type OpenApiDocument = Record<string, unknown>

export const OPENAPI_OPTIONS: NonNullable<FastifyDynamicSwaggerOptions['openapi']> = {
  openapi: '3.0.3',
  info: {
    title: 'Liberation Mesh node API',
    description: 'Control API of a Liberation Mesh node: ledger, truth messages, mesh, events, notifications. ' +
      'Bind is 127.0.0.1 by default; on any other address every request needs `Authorization: Bearer <token>`. ' +
      'Lists paginate with `?cursor=<next_cursor>&limit=`. Fields are snake_case; every time is an integer of epoch milliseconds (UTC). ' +
      'Errors are `{statusCode, code, error, message, field?}` with a stable `code` (invalid_input, not_found, ambiguous_id, conflict, ...). ' +
      'Writes answer with an `x-correlation-id` (the audit log and the events they caused carry it; send your own to choose it). ' +
      'Live feed: WebSocket `/api/v1/realtime/ws?channels=truth,mesh` (channels: resources, truth, mesh, notifications, metrics, events); ' +
      'send `{"type":"subscribe","channel":"..."}`, `{"type":"unsubscribe",...}`, `{"type":"ping"}`; ' +
      'receive `event`, `notification`, `metrics_update`, `dropped` (a slow client missed messages), `pong`, `error`; ' +
      'their schemas are the `Realtime_*` components.',
    version: API_VERSION
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: realtimeComponentSchemas() as any },
  security: [{ bearer: [] }]
}

const RESPONSE_NAMES: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  400: 'invalid input; `field` names the offending field',
  401: 'missing or wrong bearer token',
  403: 'not allowed',
  404: 'no such item',
  409: 'conflict',
  429: 'rate limit exceeded',
  500: 'internal error'
}

/**
 * Every operation gets a description (its summary, when it has no longer one) and every
 * response one (never the plugin's "Default Response"): for the document only, the routes'
 * validation is untouched.
 */
export function describeRoute ({ schema, url }: { schema: any, url: string }): { schema: any, url: string } {
  if (schema == null || schema.hide === true) { return { schema, url } }
  const summary: string | undefined = schema.summary
  const response: Record<string, any> = {}
  for (const [status, r] of Object.entries<any>(schema.response ?? {})) {
    const ok = /^2/.test(status)
    response[status] = r.description != null ? r : { ...r, description: ok && summary != null ? `${RESPONSE_NAMES[status] ?? 'OK'}: ${summary}` : RESPONSE_NAMES[status] ?? 'error' }
  }
  const description = schema.description ?? (summary != null ? summary.charAt(0).toUpperCase() + summary.slice(1) + '.' : undefined)
  return { schema: { ...schema, ...(description != null ? { description } : {}), response }, url }
}

/** the options @fastify/swagger is registered with, wherever the document is made */
export const SWAGGER_OPTIONS: SwaggerOptions = { openapi: OPENAPI_OPTIONS, transform: describeRoute as any }

/**
 * Stands in for the node while routes are registered only to be described: some routes
 * subscribe to node events at registration; every property and call gives the stand-in.
 */
function inert (): any {
  const stub: any = new Proxy(function () {}, {
    get: (_target, key) => key === 'then' ? undefined : stub,
    apply: () => stub
  })
  return stub
}

/**
 * The document for the routes the server registers (registerApiRoutes). Handlers never run
 * here, so they get no node: the document depends on the schemas only.
 */
export async function generateOpenApiDocument (): Promise<OpenApiDocument> {
  const app = Fastify()
  // validators compile on first request: none is needed to describe the routes
  registerValidation(app)
  await app.register(swagger, SWAGGER_OPTIONS)
  await app.register(async root => { await registerApiRoutes(root, inert() as ApiContext) })
  await app.ready()
  const document = app.swagger() as unknown as OpenApiDocument
  await app.close()
  return document
}

/** swagger-ui at `/docs` (its page, assets, `/docs/json` and `/docs/yaml`) for a given document */
export async function createDocsApp (document: OpenApiDocument): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(swagger, { mode: 'static', specification: { document: document as any } })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.ready()
  return app
}
