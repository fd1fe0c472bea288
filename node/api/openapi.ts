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
import { API_VERSION } from './routes/system.ts'
import { registerApiRoutes } from './server.ts'
import { registerValidation } from './validation.ts'
import type { ApiContext } from './server.ts'
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'

export type OpenApiDocument = Record<string, unknown>

export const OPENAPI_OPTIONS: NonNullable<FastifyDynamicSwaggerOptions['openapi']> = {
  openapi: '3.0.3',
  info: {
    title: 'Liberation Mesh node API',
    description: 'Control API of a Liberation Mesh node: ledger, truth messages, mesh, events, notifications. ' +
      'Bind is 127.0.0.1 by default; on any other address every request needs `Authorization: Bearer <token>`. ' +
      'Lists paginate with `?cursor=<next_cursor>&limit=`. Errors are `{statusCode, error, message, field?}`. ' +
      'Writes answer with an `x-correlation-id` (the audit log and the events they caused carry it; send your own to choose it). ' +
      'Live feed: WebSocket `/api/v1/realtime/ws?channels=truth,mesh` (channels: resources, truth, mesh, notifications, metrics, events); ' +
      'send `{"type":"subscribe","channel":"..."}`, `{"type":"unsubscribe",...}`, `{"type":"ping"}`; ' +
      'receive `event`, `notification`, `metrics_update`, `dropped` (a slow client missed messages), `pong`, `error`.',
    version: API_VERSION
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  security: [{ bearer: [] }]
}

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
  await app.register(swagger, { openapi: OPENAPI_OPTIONS })
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
