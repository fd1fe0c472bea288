/**
 * The node's control API: Fastify on the configured host/port (127.0.0.1 by default).
 * Route groups live next to this file, one per capability.
 */
import Fastify from 'fastify'
import type { MeshNode } from '../../protocol/mesh-node.js'
import type { FastifyInstance } from 'fastify'

export interface ApiServerInit {
  host: string
  port: number
  logger?: boolean
}

export interface ApiServer {
  readonly app: FastifyInstance
  /** base URL, available after start() */
  readonly url: string
  start(): Promise<void>
  stop(): Promise<void>
}

export function healthReport (node: MeshNode): { status: 'ok', peer_id: string, uptime_ms: number, connections: number, peers: number } {
  return {
    status: 'ok',
    peer_id: node.libp2p.peerId.toString(),
    uptime_ms: Date.now() - node.startedAt,
    connections: node.libp2p.getConnections().length,
    peers: node.libp2p.getPeers().length
  }
}

export function createApiServer (node: MeshNode, init: ApiServerInit): ApiServer {
  const app = Fastify({ logger: init.logger ?? false, bodyLimit: 256 * 1024 })
  let url = ''

  const healthSchema = {
    response: {
      200: {
        type: 'object',
        properties: {
          status: { type: 'string' },
          peer_id: { type: 'string' },
          uptime_ms: { type: 'integer' },
          connections: { type: 'integer' },
          peers: { type: 'integer' }
        }
      }
    }
  }
  app.get('/health', { schema: healthSchema }, async () => healthReport(node))
  app.get('/api/v1/health', { schema: healthSchema }, async () => healthReport(node))

  return {
    app,
    get url () { return url },
    async start () {
      const address = await app.listen({ host: init.host, port: init.port })
      url = address.replace('[::1]', '[::1]')
    },
    async stop () {
      await app.close()
    }
  }
}
