/**
 * Mesh routes: the peers this node is connected to (or knows), straight from libp2p.
 * Link health, topology, routes and routed sends come from the routing service.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { gossipScore } from '../../../protocol/pubsub/gossip.js'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errorResponses, notFoundResponse, pageByKey, pageSchema } from '../schemas.js'
import { badRequest, notFound } from '../validation.js'
import type { MeshNode } from '../../../protocol/mesh-node.js'
import type { ApiContext } from '../server.js'
import type { PeerId } from '@libp2p/interface'
import type { FastifyInstance } from 'fastify'

export const PEER_ID_PATTERN = '^[1-9A-HJ-NP-Za-km-z]{40,60}$|^b[a-z2-7]{50,70}$'

const connectionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    remote_addr: { type: 'string' },
    direction: { type: 'string' },
    status: { type: 'string' },
    opened_at: { type: ['integer', 'null'] },
    rtt_ms: { type: ['number', 'null'] },
    streams: { type: 'integer' },
    limited: { type: 'boolean' }
  }
} as const

export const peerSchema = {
  type: 'object',
  properties: {
    peer_id: { type: 'string' },
    status: { type: 'string', enum: ['connected', 'known'] },
    addresses: { type: 'array', items: { type: 'string' } },
    protocols: { type: 'array', items: { type: 'string' } },
    connection_count: { type: 'integer' },
    connections: { type: 'array', items: connectionSchema },
    gossip_score: { type: 'number' }
  }
} as const

export interface PeerView {
  peer_id: string
  status: 'connected' | 'known'
  addresses: string[]
  protocols: string[]
  connection_count: number
  connections: Array<Record<string, unknown>>
  gossip_score: number
}

export async function peerView (node: MeshNode, peer: PeerId): Promise<PeerView | undefined> {
  const conns = node.libp2p.getConnections(peer)
  let stored: Awaited<ReturnType<MeshNode['libp2p']['peerStore']['get']>> | undefined
  try {
    stored = await node.libp2p.peerStore.get(peer)
  } catch {
    stored = undefined
  }
  if (conns.length === 0 && stored == null) return undefined
  const id = peer.toString()
  return {
    peer_id: id,
    status: conns.length > 0 ? 'connected' : 'known',
    addresses: (stored?.addresses ?? []).map(a => a.multiaddr.toString()),
    protocols: stored?.protocols ?? [],
    connection_count: conns.length,
    connections: conns.map(c => ({
      id: c.id,
      remote_addr: c.remoteAddr.toString(),
      direction: c.direction,
      status: c.status,
      opened_at: c.timeline.open ?? null,
      rtt_ms: c.rtt ?? null,
      streams: c.streams.length,
      limited: c.limits != null
    })),
    gossip_score: gossipScore(node.libp2p.services.pubsub, id)
  }
}

export function parsePeerId (s: string, field: string): PeerId {
  try {
    return peerIdFromString(s)
  } catch {
    throw badRequest(`${field} "${s}" is not a peer id`, field)
  }
}

export function registerMeshRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx
  const tags = ['mesh']

  app.get<{ Querystring: { include_known?: boolean, cursor?: string, limit: number } }>('/mesh/peers', {
    schema: {
      tags,
      summary: 'connected peers (and, with include_known, every peer in the peer store), by peer id',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          include_known: { type: 'boolean', default: false },
          cursor: { type: 'string', minLength: 1, maxLength: 128 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(peerSchema), ...errorResponses }
    }
  }, async request => {
    const q = request.query
    const ids = new Map<string, PeerId>()
    for (const p of node.libp2p.getPeers()) ids.set(p.toString(), p)
    if (q.include_known === true) {
      for (const p of await node.libp2p.peerStore.all()) {
        if (!p.id.equals(node.libp2p.peerId)) ids.set(p.id.toString(), p.id)
      }
    }
    const sorted = [...ids.keys()].sort()
    const page = pageByKey(sorted, k => k, q.cursor, q.limit)
    const items = (await Promise.all(page.items.map(async k => peerView(node, ids.get(k) as PeerId))))
      .filter((p): p is PeerView => p != null)
    return { items, next_cursor: page.next_cursor }
  })

  app.get<{ Params: { peer_id: string } }>('/mesh/peers/:peer_id', {
    schema: {
      tags,
      summary: 'one peer',
      params: { type: 'object', required: ['peer_id'], properties: { peer_id: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: { 200: peerSchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const peer = parsePeerId(request.params.peer_id, 'peer_id')
    const view = await peerView(node, peer)
    if (view == null) throw notFound(`peer ${request.params.peer_id}`)
    return view
  })
}
