import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { SWAGGER_OPTIONS, generateOpenApiDocument } from '../../node/api/openapi.ts'
import { registerApiRoutes } from '../../node/api/server.ts'
import { registerValidation } from '../../node/api/validation.ts'
import { startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'
import type { ApiContext } from '../../node/api/server.ts'
import type { FastifyInstance } from 'fastify'

/**
 * The server does not register `@fastify/swagger` or swagger-ui (startup cost): it serves a
 * document generated at build time and builds the docs app on first use. These tests hold
 * what it serves to what the stock plugins make of the live routes, so it cannot go stale.
 */
describe('OpenAPI document and docs page', () => {
  let n: ApiNode
  let reference: FastifyInstance

  beforeAll(async () => {
    n = await startApiNode()
    const { metrics, hub, audit } = n.runtime.api
    const ctx: ApiContext = { node: n.runtime.node, metrics, hub, audit }
    // the plugins registered as they are documented, in front of the server's routes
    reference = Fastify()
    registerValidation(reference)
    await reference.register(swagger, SWAGGER_OPTIONS)
    await reference.register(swaggerUi, { routePrefix: '/docs' })
    await reference.register(async root => { await registerApiRoutes(root, ctx) })
    await reference.ready()
  })
  afterAll(async () => {
    await reference?.close()
    await stopAll()
  })

  it('/openapi.json is the document @fastify/swagger makes of the routes', async () => {
    const res = await fetch(n.url + '/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const served = await res.json()
    expect(served).toEqual(reference.swagger())
    // and the generator the build uses gives the same
    expect(await generateOpenApiDocument()).toEqual(served)
    expect(Object.keys(served.paths).length).toBeGreaterThan(20)
  })

  it('the document the build wrote next to the CLI bundle is current', async () => {
    // `npm run build` writes it; a stale one means the routes changed after the last build
    const file = 'dist/cli/openapi.json'
    expect(existsSync(file), `${file} is missing: run npm run build`).toBe(true)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(await generateOpenApiDocument())
  })

  it('/docs pages are those swagger-ui itself serves', async () => {
    const pages = ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/swagger-initializer.js',
      '/docs/static/swagger-ui.css', '/docs/static/index.html', '/docs/static/favicon-32x32.png']
    for (const page of pages) {
      const res = await fetch(n.url + page, { redirect: 'manual' })
      const expected = await reference.inject({ method: 'GET', url: page })
      expect(res.status, page).toBe(expected.statusCode)
      expect(res.headers.get('content-type'), page).toBe(expected.headers['content-type'] ?? null)
      expect(res.headers.get('location'), page).toBe(expected.headers.location ?? null)
      const body = Buffer.from(await res.arrayBuffer())
      // the plugin's YAML marks objects the live routes share as anchors; the served document
      // came through JSON, so the same content is written out in full
      if (page === '/docs/yaml') {
        expect(parse(body.toString()), page).toEqual(parse(expected.payload))
      } else {
        expect(body.equals(expected.rawPayload), page).toBe(true)
      }
    }
    const html = await (await fetch(n.url + '/docs')).text()
    expect(html).toMatch(/swagger/i)
    // HEAD works, unknown pages are the API's own 404
    expect((await fetch(n.url + '/docs/json', { method: 'HEAD' })).status).toBe(200)
    const missing = await fetch(n.url + '/docs/no-such-page')
    expect(missing.status).toBe(404)
    expect((await missing.json()).message).toMatch(/no route GET \/docs\/no-such-page/)
  })
})
