/**
 * The dashboard's logic that needs no browser: what the topology graph draws, how the node
 * view reads the API's JSON (either field spelling), which view the page opens, the API
 * token from the URL fragment, the reasons shown next to a health score, and which events
 * fold into one activity line. The same code runs in the page (test/browser/node-view.spec.ts).
 */
import { describe, expect, it } from 'vitest'
import { eventRow, humanRow, ledgerStats, peerRows, routeRows, topologyView, truthRow } from '../../../web-client/src/source/api-adapter.ts'
import { isRouteChange } from '../../../web-client/src/ui/notifications.ts'
import { healthReasons } from '../../../web-client/src/ui/peers.ts'
import { topologyModel } from '../../../web-client/src/ui/topology.ts'
import { chooseView, otherViewHref, tokenFromFragment } from '../../../web-client/src/view.ts'

const SELF = '12D3KooWSelf'
const A = '12D3KooWPeerA'
const B = '12D3KooWPeerB'
const FAR = '12D3KooWFar'
const STALE = '12D3KooWClosedTab'

describe('topology graph', () => {
  // the node still holds the beacon of a closed tab (and its peers' beacons still list a link to it)
  const view = topologyView({
    self: SELF,
    nodes: [
      { peer_id: SELF, zone: 'self', reachable: true },
      { peer_id: A, zone: 'neighbour', reachable: true },
      { peer_id: B, zone: 'neighbour', reachable: true },
      { peer_id: STALE, zone: 'near', reachable: false },
      { peer_id: FAR, zone: 'far', reachable: true }
    ],
    links: [
      { from: SELF, to: A, health: 0.9 },
      { from: SELF, to: B, health: 0.8 },
      { from: A, to: STALE, health: 1 },
      { from: A, to: B, health: 0.7 },
      { from: B, to: FAR, health: 0.6 }
    ]
  })

  it('draws connected peers and route targets only: a node without a route (closed tab, stopped server) is gone, with its links', () => {
    const m = topologyModel(view, [A, B], [A, B, FAR])
    expect(m.neighbours).toEqual([A, B])
    expect(m.outer).toEqual([FAR])
    const drawn = [...m.neighbours, ...m.outer]
    expect(drawn).not.toContain(STALE)
    expect(m.edges.some(([a, b]) => a === STALE || b === STALE)).toBe(false)
    expect(m.edges.map(([a, b]) => `${a}-${b}`).sort()).toEqual([`${A}-${B}`, `${B}-${FAR}`, `${SELF}-${A}`, `${SELF}-${B}`].sort())
  })

  it('agrees with Routes: the nodes drawn besides this one are exactly the route targets and connected peers', () => {
    const routes = [A, FAR]
    const m = topologyModel(view, [A], routes)
    expect([...m.neighbours, ...m.outer].sort()).toEqual([A, FAR].sort())
    // B is still in the topology snapshot as a neighbour, but neither connected nor routed now
    expect(m.neighbours).not.toContain(B)
  })
})

describe('node view: API JSON adapter', () => {
  it('reads peers and their health parts in snake_case, and in camelCase too', () => {
    const snake = peerRows({
      items: [{
        peer_id: A,
        status: 'connected',
        addresses: ['/ip4/127.0.0.1/tcp/4001'],
        connections: [{ remote_addr: '/ip4/127.0.0.1/tcp/4001/p2p/' + A, limited: false }],
        link: { rtt_ms: 1.5, loss: 0.1, bytes_in: 2048, bytes_out: 1024 }
      }]
    }, { items: [{ peer_id: A, health: 0.42, components: { latency: 0.9, delivery: 0.2 }, invalid_messages: 3 }] })
    const camel = peerRows({
      items: [{ peerId: A, status: 'connected', addresses: ['/ip4/127.0.0.1/tcp/4001'], connections: [{ remoteAddr: '/ip4/127.0.0.1/tcp/4001/p2p/' + A }], link: { rttMs: 1.5, loss: 0.1, bytesIn: 2048, bytesOut: 1024 } }]
    }, { items: [{ peerId: A, health: 0.42, components: { latency: 0.9, delivery: 0.2 }, invalidMessages: 3 }] })
    for (const rows of [snake, camel]) {
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ peerId: A, connected: true, links: ['tcp'], rttMs: 1.5, loss: 0.1, health: 0.42, invalidMessages: 3, bytesIn: 2048, bytesOut: 1024 })
      expect(rows[0].healthParts).toEqual({ latency: 0.9, delivery: 0.2 })
      expect(rows[0].addresses[0]).toBe('/ip4/127.0.0.1/tcp/4001/p2p/' + A)
    }
  })

  it('reads routes, stats, humans, truth and events; times as epoch ms or ISO strings', () => {
    expect(routeRows({ items: [{ target: FAR, next_hop: B, hop_count: 2, total_latency_ms: 3, reliability: 0.9, path: [SELF, B, FAR] }] })[0])
      .toEqual({ target: FAR, nextHop: B, hops: 2, latencyMs: 3, reliability: 0.9, path: [SELF, B, FAR] })
    expect(ledgerStats({ remaining_wealth: '18999999999200.00', total_distributed: '800.00', distributed_this_week: '800.00', week: '2026-W49', active_humans: 1, total_humans: 1, average_per_human: '800.00' }))
      .toMatchObject({ remainingWealth: '18999999999200.00', week: '2026-W49', activeHumans: 1 })
    expect(humanRow({ id: 'h', status: 'active', weekly_flow: '800.00', total_received: '0.00', last_distribution_week: null }).lastDistributionWeek).toBeNull()
    const at = Date.UTC(2026, 11, 2)
    expect(truthRow({ id: 'x', content: 'c', created_at: at, channels: ['social'] }).createdAt).toBe(at)
    expect(truthRow({ id: 'x', content: 'c', created_at: new Date(at).toISOString() }).createdAt).toBe(at)
    const e = eventRow({ seq: 7, category: 'mesh', type: 'peer:connected', correlation_id: 'r1', timestamp: new Date(at).toISOString(), data: { peer_id: A } })
    expect(e).toMatchObject({ seq: 7, category: 'mesh', type: 'peer:connected', timestamp: at, peerId: A })
    expect(eventRow({ seq: 1, category: 'mesh', type: 'peer:connected', timestamp: at, data: { peerId: A } }).peerId).toBe(A)
  })

  it('reads nothing it does not understand as a value', () => {
    expect(peerRows('not json', null)).toEqual([])
    expect(routeRows({ items: 'x' })).toEqual([])
    expect(ledgerStats({}).remainingWealth).toBe('–')
  })
})

describe('page', () => {
  it('opens the node view when served by a node, the tab view on ?view=tab or when not served', () => {
    const served = { peerId: SELF, bootstrap: [] }
    expect(chooseView(new URLSearchParams(''), served)).toBe('node')
    expect(chooseView(new URLSearchParams('view=tab&ice=none'), served)).toBe('tab')
    expect(chooseView(new URLSearchParams(''), undefined)).toBe('tab')
    expect(chooseView(new URLSearchParams('view=node'), undefined)).toBe('tab')
    expect(otherViewHref(new URL('http://127.0.0.1:4100/?ice=none#token=x'), 'node')).toBe('/?ice=none&view=tab')
    expect(otherViewHref(new URL('http://127.0.0.1:4100/?view=tab'), 'tab')).toBe('/?view=node')
  })

  it('takes the API token from the URL fragment', () => {
    expect(tokenFromFragment('#token=abc123')).toBe('abc123')
    expect(tokenFromFragment('#access_token=abc123')).toBe('abc123')
    expect(tokenFromFragment('#token=')).toBeUndefined()
    expect(tokenFromFragment('')).toBeUndefined()
  })

  it('names the health parts that hold a score down, worst first', () => {
    expect(healthReasons({ latency: 0.95, delivery: 0.2, uptime: 0.5, validity: 1 })).toEqual(['delivery', 'uptime'])
    expect(healthReasons({ latency: 1 })).toEqual([])
  })

  it('folds route changes (one per target, in bursts) into one activity line; other events stay', () => {
    const e = (category: string, type: string): any => ({ seq: 1, category, type, timestamp: 0, data: {} })
    expect(isRouteChange(e('routes', 'route:changed'))).toBe(true)
    expect(isRouteChange(e('routes', 'routes:changed'))).toBe(true)
    expect(isRouteChange(e('routes', 'message:received'))).toBe(false)
    expect(isRouteChange(e('mesh', 'peer:connected'))).toBe(false)
  })
})
