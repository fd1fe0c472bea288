/**
 * Serves `/openapi.json` and the swagger-ui page at `/docs` without loading swagger at
 * startup. The document is the file the build generated (read on first request), or, where
 * there is none (the sources run directly, as in tests), generated from the routes on the
 * first request. `/docs/*` goes to a swagger-ui app made on first use and fed the same
 * document, so its pages are those the plugin itself serves.
 */
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface OpenApiDocs {
  /** the document's JSON text */
  document(): Promise<Buffer>
  /** route handler for `/docs` and `/docs/*` */
  page(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>
}

// per-connection headers: the outer server sets its own
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'])

export function createOpenApiDocs (documentFile?: string): OpenApiDocs {
  let document: Promise<Buffer> | undefined
  let docsApp: Promise<FastifyInstance> | undefined

  // a failure is not remembered: the next request tries again
  const loadDocument = async (): Promise<Buffer> => {
    document ??= (async () => {
      if (documentFile != null) { return readFile(documentFile) }
      const { generateOpenApiDocument } = await import('./openapi.ts')
      return Buffer.from(JSON.stringify(await generateOpenApiDocument()))
    })().catch(err => { document = undefined; throw err })
    return document
  }
  const loadDocsApp = async (): Promise<FastifyInstance> => {
    docsApp ??= (async () => {
      const [{ createDocsApp }, bytes] = await Promise.all([import('./openapi.ts'), loadDocument()])
      return createDocsApp(JSON.parse(bytes.toString('utf8')))
    })().catch(err => { docsApp = undefined; throw err })
    return docsApp
  }

  return {
    document: loadDocument,
    async page (request, reply) {
      const app = await loadDocsApp()
      const res = await app.inject({ method: 'GET', url: request.url, headers: request.headers })
      if (res.statusCode === 404) {
        reply.callNotFound()
        return reply
      }
      reply.code(res.statusCode)
      for (const [name, value] of Object.entries(res.headers)) {
        if (value != null && !HOP_HEADERS.has(name)) { reply.header(name, value) }
      }
      // an empty Buffer would be sent as application/octet-stream (a redirect has no body)
      return res.rawPayload.length === 0 ? reply.send() : reply.send(res.rawPayload)
    }
  }
}
