/**
 * Mesh routes: peers (libp2p's connections joined with the routing service's link
 * measurements), per-peer health scores, the known topology, routes, routed sends to any
 * reachable node (`POST /mesh/send`), and the routed messages this node received.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MeshError } from '../../../protocol/errors.ts'
import { gossipScore } from '../../../protocol/pubsub/gossip.ts'
import { inboxExample, peerExample, peerHealthExample, routeExample, sendBodyExample, sendResultExample, topologyExample, topologySummaryExample } from '../examples.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodeNumericCursor, encodeCursor, errorResponses, errorSchema, listSchema, notFoundResponse, pageByKey, pageSchema } from '../schemas.ts'
import { badRequest, notFound } from '../validation.ts'
import type { MeshNode } from '../../../protocol/mesh-node.ts'
import type { InboxMessage } from '../../../protocol/routing/inbox.ts'
import type { TopologySnapshot, TopologySummary } from '../../../protocol/routing/index.ts'
import type { PeerHealth, PeerLinkInfo } from '../../../protocol/routing/link-monitor.ts'
import type { RouteInfo } from '../../../protocol/routing/route-table.ts'
import type { ApiContext } from '../server.ts'
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
    gossip_score: { type: 'number' },
    link: {
      type: ['object', 'null'],
      description: 'link measurements of the routing service (null for a peer never connected since start)',
      properties: {
        health: { type: 'number' },
        rtt_ms: { type: ['number', 'null'] },
        jitter_ms: { type: ['number', 'null'] },
        loss: { type: 'number' },
        uptime_ms: { type: 'number' },
        first_seen: { type: 'integer' },
        last_seen: { type: 'integer' },
        connected_since: { type: ['integer', 'null'] },
        bytes_in: { type: 'integer' },
        bytes_out: { type: 'integer' },
        invalid_messages: { type: 'number' },
        health_reasons: { type: 'array', items: { type: 'string' }, description: 'why the health is what it is: its weak parts in words, worst first (empty when every part is good)' }
      }
    }
  },
  example: peerExample
} as const

export interface PeerView {
  peer_id: string
  status: 'connected' | 'known'
  addresses: string[]
  protocols: string[]
  connection_count: number
  connections: Array<Record<string, unknown>>
  gossip_score: number
  link: Record<string, unknown> | null
}

function linkView (l: PeerLinkInfo | undefined): Record<string, unknown> | null {
  if (l == null) { return null }
  return {
    health: l.health,
    rtt_ms: l.rttMs ?? null,
    jitter_ms: l.jitterMs ?? null,
    loss: l.loss,
    uptime_ms: l.uptimeMs,
    first_seen: l.firstSeen,
    last_seen: l.lastSeen,
    connected_since: l.connectedSince ?? null,
    bytes_in: l.bytesIn,
    bytes_out: l.bytesOut,
    invalid_messages: l.invalidMessages,
    health_reasons: l.healthReasons
  }
}

export async function peerView (node: MeshNode, peer: PeerId, link?: PeerLinkInfo): Promise<PeerView | undefined> {
  const conns = node.libp2p.getConnections(peer)
  let stored: Awaited<ReturnType<MeshNode['libp2p']['peerStore']['get']>> | undefined
  try {
    stored = await node.libp2p.peerStore.get(peer)
  } catch {
    stored = undefined
  }
  if (conns.length === 0 && stored == null) { return undefined }
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
    gossip_score: gossipScore(node.libp2p.services.pubsub, id),
    link: linkView(link)
  }
}

/**
 * A peer id as given, or as lists show it shortened: a unique prefix or suffix (6+
 * characters) or `head…tail`, resolved among the peers and route targets this node knows.
 */
export function parsePeerId (s: string, field: string, node?: ApiContext['node']): PeerId {
  try {
    return peerIdFromString(s)
  } catch {}
  const parts = s.split(/…|\.\.\./)
  const short = parts.length === 2 ? parts : undefined
  if (node == null || (short == null && !/^[1-9A-HJ-NP-Za-km-z]{6,}$/.test(s))) { throw badRequest(`${field} "${s}" is not a peer id`, field) }
  const known = new Set<string>([
    ...node.libp2p.getPeers().map(p => p.toString()),
    ...node.routing.peers().map(p => p.peerId),
    ...node.routing.routes().map(r => r.target)
  ])
  const matches = [...known].filter(id => short != null ? id.startsWith(short[0]) && id.endsWith(short[1]) : id.startsWith(s) || id.endsWith(s))
  if (matches.length === 0) { throw new MeshError('not_found', `${field} "${s}" is not a peer id, nor the short form of a peer this node knows`, { field }) }
  if (matches.length > 1) { throw new MeshError('ambiguous_id', `${field} "${s}" matches ${matches.length} peers (${matches.slice(0, 3).join(', ')}): give more characters`, { field }) }
  return peerIdFromString(matches[0])
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
    for (const p of node.libp2p.getPeers()) { ids.set(p.toString(), p) }
    if (q.include_known === true) {
      for (const p of await node.libp2p.peerStore.all()) {
        if (!p.id.equals(node.libp2p.peerId)) { ids.set(p.id.toString(), p.id) }
      }
    }
    const sorted = [...ids.keys()].sort()
    const page = pageByKey(sorted, k => k, q.cursor, q.limit)
    const links = new Map(node.routing.peers().map(l => [l.peerId, l]))
    const items = (await Promise.all(page.items.map(async k => peerView(node, ids.get(k) as PeerId, links.get(k)))))
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
    const peer = parsePeerId(request.params.peer_id, 'peer_id', node)
    const view = await peerView(node, peer, node.routing.peers().find(l => l.peerId === request.params.peer_id))
    if (view == null) { throw notFound(`peer ${request.params.peer_id}`) }
    return view
  })

  // ---- health scores ----

  app.get('/mesh/health', {
    schema: {
      tags,
      summary: 'health score (0..1) of every direct peer, with its parts',
      response: { 200: listSchema(healthSchema), ...errorResponses }
    }
  }, async () => {
    const items = node.routing.peers()
      .map(l => node.routing.health(l.peerId))
      .filter((h): h is PeerHealth => h != null)
      .sort((a, b) => b.health - a.health)
      .map(healthView)
    return { items }
  })

  app.get<{ Params: { peer_id: string } }>('/mesh/health/:peer_id', {
    schema: {
      tags,
      summary: 'health of one direct peer',
      params: { type: 'object', required: ['peer_id'], properties: { peer_id: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: { 200: healthSchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const h = node.routing.health(parsePeerId(request.params.peer_id, 'peer_id', node))
    if (h == null) { throw notFound(`direct peer ${request.params.peer_id}`) }
    return healthView(h)
  })

  // ---- topology and routes ----

  app.get<{ Querystring: { view: 'full' | 'summary', cursor?: string, limit: number } }>('/mesh/topology', {
    schema: {
      tags,
      summary: 'the mesh as this node knows it: full detail within the fisheye scope, reachability beyond',
      description: 'Paged by node (sorted by peer id): each page carries its nodes and the links from them. `view=summary` answers counts only, for dashboards.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          view: { type: 'string', enum: ['full', 'summary'], default: 'full' },
          cursor: { type: 'string', minLength: 1, maxLength: 128 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: { oneOf: [{ ...topologySchema, example: topologyExample }, { ...topologySummarySchema, example: topologySummaryExample }], example: topologyExample }, ...errorResponses }
    }
  }, async request => {
    if (request.query.view === 'summary') { return topologySummaryView(node.routing.topologySummary()) }
    return topologyPage(node.routing.topology(), request.query.cursor, request.query.limit)
  })

  app.get<{ Querystring: { cursor?: string, limit: number } }>('/mesh/routes', {
    schema: {
      tags,
      summary: 'best route to every known node, by target peer id',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          cursor: { type: 'string', minLength: 1, maxLength: 128 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(routeSchema), ...errorResponses }
    }
  }, async request => {
    const sorted = node.routing.routes().sort((a, b) => a.target < b.target ? -1 : a.target > b.target ? 1 : 0)
    const page = pageByKey(sorted, r => r.target, request.query.cursor, request.query.limit)
    return { items: page.items.map(routeView), next_cursor: page.next_cursor }
  })

  app.get<{ Params: { target: string } }>('/mesh/routes/:target', {
    schema: {
      tags,
      summary: 'the best route to one node',
      params: { type: 'object', required: ['target'], properties: { target: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: { 200: routeSchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const route = node.routing.route(parsePeerId(request.params.target, 'target', node))
    if (route == null) { throw notFound(`route to ${request.params.target}`) }
    return routeView(route)
  })

  // ---- routed messages ----

  app.post<{ Body: { target: string, payload: string } }>('/mesh/send', {
    schema: {
      tags,
      summary: 'deliver a message to any reachable node, hop by hop if not connected; answers with its signed acknowledgement',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['target', 'payload'],
        properties: {
          target: { type: 'string', minLength: 1, maxLength: 128, description: 'peer id of the destination node' },
          payload: { type: 'string', maxLength: MAX_PAYLOAD_BYTES, description: 'UTF-8 text' },
          timeout_ms: { type: 'integer', minimum: 100, maximum: 60_000 }
        },
        example: sendBodyExample
      },
      response: {
        200: sendResultSchema,
        ...errorResponses,
        404: { description: 'no route to the target', ...errorSchema },
        502: { description: 'every attempt failed', ...errorSchema },
        504: { description: 'not acknowledged in time', ...errorSchema }
      }
    }
  }, async request => {
    const { target, payload, timeout_ms: timeoutMs } = request.body as { target: string, payload: string, timeout_ms?: number }
    const peer = parsePeerId(target, 'target', node)
    if (peer.type !== 'Ed25519') { throw badRequest('target must be an Ed25519 peer id (its key checks the acknowledgement)', 'target') }
    if (peer.equals(node.libp2p.peerId)) { throw badRequest('target is this node itself', 'target') }
    const bytes = new TextEncoder().encode(payload)
    if (bytes.length > MAX_PAYLOAD_BYTES) { throw badRequest(`payload is ${bytes.length} bytes, the limit is ${MAX_PAYLOAD_BYTES}`, 'payload') }
    const r = await node.routing.send(peer, bytes, { timeoutMs })
    return {
      id: r.id,
      target: r.target,
      path: r.path,
      hops: r.hops,
      latency_ms: r.latencyMs,
      total_ms: r.totalMs,
      attempts: r.attempts,
      received_at: r.receivedAt,
      direct: r.direct
    }
  })

  app.get<{ Querystring: { from?: string, cursor?: string, limit: number } }>('/mesh/messages', {
    schema: {
      tags,
      summary: 'routed messages this node received (the most recent, oldest first)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { type: 'string', minLength: 1, maxLength: 128 },
          cursor: { type: 'string', minLength: 1, maxLength: 64 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(inboxSchema), ...errorResponses }
    }
  }, async request => {
    const q = request.query
    const after = decodeNumericCursor(q.cursor) ?? 0
    const page = node.inbox.list({ from: q.from, after, limit: q.limit })
    return { items: page.items.map(inboxView), next_cursor: page.more ? encodeCursor(page.items[page.items.length - 1].seq) : null }
  })
}

// ---- views and schemas of the routing service's data ----

const MAX_PAYLOAD_BYTES = 64 * 1024

const healthSchema = {
  type: 'object',
  properties: {
    peer_id: { type: 'string' },
    status: { type: 'string', enum: ['connected', 'disconnected'] },
    health: { type: 'number' },
    components: { type: 'object', additionalProperties: { type: 'number' } },
    rtt_ms: { type: ['number', 'null'] },
    jitter_ms: { type: ['number', 'null'] },
    loss: { type: 'number' },
    uptime_ms: { type: 'number' },
    gossip_score: { type: 'number' },
    invalid_messages: { type: 'number' },
    reasons: { type: 'array', items: { type: 'string' }, description: 'the weak parts of the score in words, worst first (empty when every part is good)' },
    last_invalid_reason: { type: ['string', 'null'], description: 'what the last invalid message from this peer was' }
  },
  example: peerHealthExample
} as const

function healthView (h: PeerHealth): Record<string, unknown> {
  return {
    peer_id: h.peerId,
    status: h.status,
    health: h.health,
    components: h.components,
    rtt_ms: h.rttMs ?? null,
    jitter_ms: h.jitterMs ?? null,
    loss: h.loss,
    uptime_ms: h.uptimeMs,
    gossip_score: h.gossipScore,
    invalid_messages: h.invalidMessages,
    reasons: h.reasons,
    last_invalid_reason: h.lastInvalidReason ?? null
  }
}

const routeSchema = {
  type: 'object',
  properties: {
    target: { type: 'string' },
    path: { type: 'array', items: { type: 'string' } },
    next_hop: { type: 'string' },
    hop_count: { type: 'integer' },
    cost: { type: 'number' },
    total_latency_ms: { type: 'number' },
    reliability: { type: 'number' },
    complete: { type: 'boolean', description: 'false for far routes: only the next hop is known here' },
    kind: { type: 'string', enum: ['direct', 'link-state', 'distance-vector'] }
  },
  example: routeExample
} as const

function routeView (r: RouteInfo): Record<string, unknown> {
  return {
    target: r.target,
    path: r.path,
    next_hop: r.nextHop,
    hop_count: r.hops,
    cost: r.cost,
    total_latency_ms: r.latencyMs,
    reliability: r.reliability,
    complete: r.complete,
    kind: r.kind
  }
}

const topologySchema = {
  type: 'object',
  required: ['view'],
  properties: {
    view: { type: 'string', enum: ['full'] },
    next_cursor: { type: ['string', 'null'], description: 'pass as ?cursor= for the next page of nodes; null on the last page' },
    self: { type: 'string' },
    generated_at: { type: 'integer' },
    scope: { type: 'integer', description: 'fisheye radius, hops' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          peer_id: { type: 'string' },
          zone: { type: 'string', enum: ['self', 'neighbour', 'near', 'far'] },
          reachable: { type: 'boolean' },
          hops: { type: ['integer', 'null'] },
          cost: { type: ['number', 'null'] },
          seq: { type: ['integer', 'null'] },
          beacon_age_ms: { type: ['number', 'null'] },
          addresses: { type: 'array', items: { type: 'string' } }
        }
      }
    },
    links: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          from: { type: 'string' },
          to: { type: 'string' },
          rtt_ms: { type: ['number', 'null'] },
          jitter_ms: { type: ['number', 'null'] },
          loss: { type: 'number' },
          health: { type: 'number' },
          cost: { type: 'number' },
          symmetric: { type: 'boolean' }
        }
      }
    }
  }
} as const

const topologySummarySchema = {
  type: 'object',
  required: ['view'],
  properties: {
    view: { type: 'string', enum: ['summary'] },
    self: { type: 'string' },
    generated_at: { type: 'integer' },
    scope: { type: 'integer' },
    neighbours: { type: 'integer' },
    beacons: { type: 'integer' },
    links: { type: 'integer' },
    reachable: { type: 'object', properties: { near: { type: 'integer' }, far: { type: 'integer' } } },
    excess: {
      type: 'object',
      description: 'what the topology bounds dropped since start',
      properties: {
        origins: { type: 'integer' },
        links: { type: 'integer' },
        reach: { type: 'integer' },
        evicted: { type: 'integer' },
        refused: { type: 'integer' },
        rate: { type: 'integer', description: 'beacons in topology updates over a neighbour\'s update rate' }
      }
    }
  }
} as const

function topologySummaryView (t: TopologySummary): Record<string, unknown> {
  return {
    view: 'summary',
    self: t.self,
    generated_at: t.generatedAt,
    scope: t.scope,
    neighbours: t.neighbours,
    beacons: t.beacons,
    links: t.links,
    reachable: t.reachable,
    excess: t.excess
  }
}

/** one page of nodes (by peer id) and the links from them */
function topologyPage (t: TopologySnapshot, cursor: string | undefined, limit: number): Record<string, unknown> {
  const sorted = t.nodes.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const page = pageByKey(sorted, n => n.id, cursor, limit)
  const ids = new Set(page.items.map(n => n.id))
  return { ...topologyView({ ...t, nodes: page.items, links: t.links.filter(l => ids.has(l.from)) }), next_cursor: page.next_cursor }
}

function topologyView (t: TopologySnapshot): Record<string, unknown> {
  return {
    view: 'full',
    self: t.self,
    generated_at: t.generatedAt,
    scope: t.scope,
    nodes: t.nodes.map(n => ({
      peer_id: n.id,
      zone: n.zone,
      reachable: n.reachable,
      hops: n.hops ?? null,
      cost: n.cost ?? null,
      seq: n.seq ?? null,
      beacon_age_ms: n.beaconAgeMs ?? null,
      addresses: n.addresses
    })),
    links: t.links.map(l => ({
      from: l.from,
      to: l.to,
      rtt_ms: l.rttMs ?? null,
      jitter_ms: l.jitterMs ?? null,
      loss: l.loss,
      health: l.health,
      cost: l.cost,
      symmetric: l.symmetric
    }))
  }
}

const sendResultSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    target: { type: 'string' },
    path: { type: 'array', items: { type: 'string' } },
    hops: { type: 'integer' },
    latency_ms: { type: 'number' },
    total_ms: { type: 'number' },
    attempts: { type: 'integer' },
    received_at: { type: 'integer' },
    direct: { type: 'boolean' }
  },
  example: sendResultExample
} as const

const inboxSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    from: { type: 'string' },
    payload: { type: 'string', description: 'the payload as UTF-8 text, or base64 when it is not valid UTF-8' },
    encoding: { type: 'string', enum: ['utf8', 'base64'] },
    path: { type: 'array', items: { type: 'string' } },
    hops: { type: 'integer' },
    sent_at: { type: 'integer' },
    received_at: { type: 'integer' }
  },
  example: inboxExample
} as const

function inboxView (m: InboxMessage): Record<string, unknown> {
  return { seq: m.seq, id: m.id, from: m.from, payload: m.payload, encoding: m.encoding, path: m.path, hops: m.hops, sent_at: m.sentAt, received_at: m.receivedAt }
}
