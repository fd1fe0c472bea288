/** `GET /metrics`: Prometheus text exposition (libp2p, process and Liberation series). */
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

export function registerMetricsRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (text exposition format)',
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text format 0.0.4' } }
    }
  }, async (_request, reply) => {
    const text = await ctx.metrics.text()
    return reply.type(ctx.metrics.contentType).send(text)
  })
}
