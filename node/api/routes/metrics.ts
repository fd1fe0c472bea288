/** `GET /metrics`: Prometheus text exposition (libp2p, process and Liberation series). */
import { metricsExample } from '../examples.ts'
import { errorResponses } from '../schemas.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

export function registerMetricsRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (text exposition format)',
      produces: ['text/plain'],
      response: {
        200: { type: 'string', description: 'Prometheus text format 0.0.4', example: metricsExample },
        // errors are JSON like everywhere else, not the text the metrics come in
        ...Object.fromEntries(Object.entries(errorResponses).map(([status, { description, ...schema }]) => [status, { description, content: { 'application/json': { schema } } }]))
      }
    }
  }, async (_request, reply) => {
    const text = await ctx.metrics.text()
    return reply.type(ctx.metrics.contentType).send(text)
  })
}
