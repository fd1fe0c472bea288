/**
 * The node's Prometheus metrics: one prom-client registry per node (several nodes may
 * share a process in tests and simulations, so never the global registry). libp2p's own
 * series (`libp2p_*`, process and Node.js series) land in the same registry when the
 * runtime builds libp2p with `metrics: prometheusMetrics({ registry })`; this module adds
 * the Liberation series: API requests, WebSocket feed, events, notifications, and the
 * state of the ledger, truth messages and routes, read from the services at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { MeshEvent } from '../../protocol/events/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'

export interface NodeMetricsInit {
  /** the registry libp2p reports into; default a new one */
  registry?: Registry
  /** collect process/Node.js series if the registry does not have them yet (default true) */
  defaultMetrics?: boolean
}

/** a gauge read from a service when scraped */
export interface ServiceGauge {
  name: string
  help: string
  labelNames?: string[]
  /** returns the values to set, keyed by label values (one label at most) or '' for none */
  read(): Record<string, number> | Promise<Record<string, number>>
}

export interface NodeMetrics {
  readonly registry: Registry
  readonly contentType: string
  readonly apiRequestDuration: Histogram<'method' | 'route' | 'status'>
  readonly apiRequests: Counter<'method' | 'route' | 'status'>
  readonly wsClients: Gauge
  readonly wsMessagesSent: Counter<'channel'>
  readonly wsMessagesDropped: Counter
  readonly wsSlowDisconnects: Counter
  readonly auditRecords: Counter<'outcome'>
  /** records one API request (children per label set are cached: no label hashing per request) */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** adds a gauge whose values are read from a service at scrape time */
  addServiceGauge(gauge: ServiceGauge): void
  start(): void
  stop(): void
  /** the exposition text */
  text(): Promise<string>
}

export function createNodeMetrics (node: MeshNode, init: NodeMetricsInit = {}): NodeMetrics {
  const registry = init.registry ?? new Registry()
  const registers = [registry]
  if (init.defaultMetrics !== false && registry.getSingleMetric('process_cpu_user_seconds_total') == null) {
    collectDefaultMetrics({ register: registry })
  }

  const apiRequestDuration = new Histogram({
    name: 'liberation_api_request_duration_seconds',
    help: 'control API request duration by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers
  })
  const apiRequests = new Counter({
    name: 'liberation_api_requests_total',
    help: 'control API requests by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers
  })
  const wsClients = new Gauge({ name: 'liberation_ws_clients', help: 'connected WebSocket feed clients', registers })
  const wsMessagesSent = new Counter({
    name: 'liberation_ws_messages_sent_total',
    help: 'messages sent to WebSocket feed clients, per channel',
    labelNames: ['channel'] as const,
    registers
  })
  const wsMessagesDropped = new Counter({
    name: 'liberation_ws_messages_dropped_total',
    help: 'messages not sent to a WebSocket client because its send buffer was full',
    registers
  })
  const wsSlowDisconnects = new Counter({
    name: 'liberation_ws_slow_disconnects_total',
    help: 'WebSocket clients disconnected for staying too slow',
    registers
  })
  const auditRecords = new Counter({
    name: 'liberation_api_writes_total',
    help: 'write requests recorded in the audit log, by outcome',
    labelNames: ['outcome'] as const,
    registers
  })
  const events = new Counter({
    name: 'liberation_events_total',
    help: 'events emitted by the node services, by category and type',
    labelNames: ['category', 'type'] as const,
    registers
  })

  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_uptime_seconds',
    help: 'seconds since the node started',
    registers,
    collect () { this.set((Date.now() - node.startedAt) / 1000) }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_mesh_peers',
    help: 'peers with an open connection',
    registers,
    collect () { this.set(node.libp2p.getPeers().length) }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_mesh_connections',
    help: 'open connections',
    registers,
    collect () { this.set(node.libp2p.getConnections().length) }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_notifications',
    help: 'unexpired, undismissed notifications by priority',
    labelNames: ['priority'] as const,
    registers,
    collect () {
      for (const [priority, n] of Object.entries(node.notifications.stats().by_priority)) { this.set({ priority }, n) }
    }
  })

  const addServiceGauge = (g: ServiceGauge): void => {
    const labelName = g.labelNames?.[0]
    new Gauge({ // eslint-disable-line no-new
      name: g.name,
      help: g.help,
      labelNames: labelName != null ? [labelName] : [],
      registers,
      async collect () {
        const values = await g.read()
        // label values that disappeared (a channel left) must not linger
        if (labelName != null) { this.reset() }
        for (const [label, value] of Object.entries(values)) {
          if (labelName != null) { this.set({ [labelName]: label }, value) } else { this.set(value) }
        }
      }
    })
  }

  // the ledger (money as a float of currency units: a gauge is an approximation anyway)
  addServiceGauge({
    name: 'liberation_ledger_humans',
    help: 'humans in the resource pool by status',
    labelNames: ['status'],
    read: async () => {
      const st = await node.ledger.stats()
      return { active: st.activeHumans, inactive: st.totalHumans - st.activeHumans }
    }
  })
  addServiceGauge({ name: 'liberation_ledger_distributed', help: 'total distributed, currency units', read: async () => ({ '': Number((await node.ledger.stats()).totalDistributed) }) })
  addServiceGauge({ name: 'liberation_ledger_distributed_this_week', help: 'distributed in the current ISO week, currency units', read: async () => ({ '': Number((await node.ledger.stats()).distributedThisWeek) }) })
  addServiceGauge({ name: 'liberation_ledger_remaining_wealth', help: 'pool total minus everything distributed, currency units', read: async () => ({ '': Number((await node.ledger.stats()).remainingWealth) }) })
  addServiceGauge({ name: 'liberation_ledger_payments_this_week', help: 'payments counted for the current ISO week', read: async () => ({ '': (await node.ledger.stats()).paymentsThisWeek }) })
  addServiceGauge({ name: 'liberation_ledger_authors', help: 'nodes with entries in the ledger', read: async () => ({ '': (await node.ledger.stats()).authors }) })
  addServiceGauge({ name: 'liberation_ledger_excluded_authors', help: 'authors excluded for equivocation', read: async () => ({ '': (await node.ledger.stats()).excludedAuthors }) })
  addServiceGauge({ name: 'liberation_ledger_batches_rejected', help: 'ledger batches refused since start', read: async () => ({ '': (await node.ledger.stats()).batchesRejected }) })

  // truth messages
  addServiceGauge({ name: 'liberation_truth_messages', help: 'truth messages stored', read: () => ({ '': node.truth.stats().messages }) })
  addServiceGauge({ name: 'liberation_truth_rejected', help: 'invalid truth messages refused since start', read: () => ({ '': node.truth.stats().rejected }) })
  addServiceGauge({ name: 'liberation_truth_syncs', help: 'truth catch-up sessions run since start', read: () => ({ '': node.truth.stats().syncs }) })
  addServiceGauge({
    name: 'liberation_truth_channel_reach',
    help: 'peers known to subscribe to a truth channel (this node included)',
    labelNames: ['channel'],
    read: () => Object.fromEntries(node.truth.channels().map(c => [c.channel, c.reach]))
  })
  addServiceGauge({
    name: 'liberation_truth_channel_messages',
    help: 'truth messages stored per channel',
    labelNames: ['channel'],
    read: () => Object.fromEntries(node.truth.channels().map(c => [c.channel, c.messages]))
  })

  // knowledge
  addServiceGauge({ name: 'liberation_knowledge_entries', help: 'live knowledge entries, by type', labelNames: ['type'], read: () => node.knowledge.stats().by_type })
  addServiceGauge({ name: 'liberation_knowledge_records', help: 'knowledge records stored (versions and ratings)', read: () => ({ '': node.knowledge.stats().records }) })
  addServiceGauge({ name: 'liberation_knowledge_rejected', help: 'invalid knowledge records refused since start', read: () => ({ '': node.knowledge.stats().rejected }) })
  addServiceGauge({ name: 'liberation_knowledge_syncs', help: 'knowledge catch-up sessions run since start', read: () => ({ '': node.knowledge.stats().syncs }) })

  // routes and links
  addServiceGauge({ name: 'liberation_routes', help: 'nodes with a route from this node', read: () => ({ '': node.routing.routes().length }) })
  addServiceGauge({ name: 'liberation_topology_beacons', help: 'topology beacons held', read: () => ({ '': node.routing.stats().beacons }) })
  addServiceGauge({ name: 'liberation_topology_excess', help: 'topology items the bounds dropped since start, by kind', labelNames: ['kind'], read: () => ({ ...node.routing.stats().excess }) })
  addServiceGauge({
    name: 'liberation_topology_cut_offs',
    help: 'neighbours cut off for staying over their topology byte budget (cut_offs), and their topology streams refused while cut off (refused_streams), since start',
    labelNames: ['kind'],
    read: () => {
      const st = node.routing.stats()
      return { cut_offs: st.topologyCutOffs, refused_streams: st.topologyStreamsRefused }
    }
  })
  addServiceGauge({
    name: 'liberation_routing_messages',
    help: 'routed messages since start, by what happened to them',
    labelNames: ['outcome'],
    read: () => {
      const st = node.routing.stats()
      return { sent: st.routedSent, delivered: st.routedDelivered, forwarded: st.routedForwarded, rejected: st.routedRejected }
    }
  })
  addServiceGauge({
    name: 'liberation_peer_health',
    help: 'health score (0..1) of each direct peer',
    labelNames: ['peer'],
    read: () => Object.fromEntries(node.routing.peers().filter(p => p.status === 'connected').map(p => [p.peerId, p.health]))
  })
  addServiceGauge({
    name: 'liberation_peer_rtt_seconds',
    help: 'smoothed round-trip time to each direct peer',
    labelNames: ['peer'],
    read: () => Object.fromEntries(node.routing.peers().filter(p => p.rttMs != null && p.status === 'connected').map(p => [p.peerId, (p.rttMs as number) / 1000]))
  })
  addServiceGauge({ name: 'liberation_route_compute_seconds', help: 'duration of the last route computation', read: () => ({ '': node.routing.stats().lastComputeMs / 1000 }) })

  const requestSeries = new Map<string, { duration: ReturnType<typeof apiRequestDuration.labels>, count: ReturnType<typeof apiRequests.labels> }>()
  const observeRequest = (method: string, route: string, status: number, seconds: number): void => {
    const key = `${method} ${status} ${route}`
    let series = requestSeries.get(key)
    if (series == null) {
      const labels = { method, route, status: String(status) }
      series = { duration: apiRequestDuration.labels(labels), count: apiRequests.labels(labels) }
      requestSeries.set(key, series)
    }
    series.duration.observe(seconds)
    series.count.inc()
  }

  const onEvent = (evt: CustomEvent<MeshEvent>): void => {
    events.inc({ category: evt.detail.category, type: evt.detail.type })
  }

  return {
    registry,
    get contentType () { return registry.contentType },
    apiRequestDuration,
    apiRequests,
    wsClients,
    wsMessagesSent,
    wsMessagesDropped,
    wsSlowDisconnects,
    auditRecords,
    observeRequest,
    addServiceGauge,
    start () {
      // events from before the API started (node start-up) are still in the history; those
      // read back from the store happened in an earlier run
      for (const e of node.events.history({ after: node.events.restoredUpTo, limit: Number.MAX_SAFE_INTEGER })) { events.inc({ category: e.category, type: e.type }) }
      node.events.addEventListener('event', onEvent)
    },
    stop () {
      node.events.removeEventListener('event', onEvent)
    },
    async text () {
      return registry.metrics()
    }
  }
}
