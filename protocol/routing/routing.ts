/**
 * The routing service (`node.routing`): wires its parts and answers the API. Link
 * measurements and health (link-monitor.ts); the topology exchange with the neighbours,
 * beacons and far tables (topology-exchange.ts, outbox.ts, far-tables.ts); the route
 * table over the topology graph (route-keeper.ts, topology.ts); routed messages
 * (routed-messaging.ts); what a neighbour may make this node take in (limits.ts). Every
 * part reads the time and sets its timers through one clock (clock.ts). See ./index.ts
 * for the design and its costs.
 */
import { TypedEventEmitter } from 'main-event'
import { every, systemClock } from '../clock.ts'
import { ROUTE_PROTOCOL, TOPOLOGY_PROTOCOL } from './api.ts'
import { emptyStats, routingConfig } from './context.ts'
import { createTopologyCutOffs } from './cut-off.ts'
import { linkCost } from './health.ts'
import { createRoutingLimits } from './limits.ts'
import { createLinkMonitor } from './link-monitor.ts'
import { parsePeerId } from './peer-ids.ts'
import { createRouteKeeper } from './route-keeper.ts'
import { createRoutedMessaging } from './routed-messaging.ts'
import { createTopologyExchange } from './topology-exchange.ts'
import { TopologyGraph } from './topology.ts'
import type {
  RoutingComponents, RoutingEvents, RoutingInit, RoutingService, RoutingStats, SendOptions, SendResult,
  TopologyLink, TopologyNode, TopologySnapshot, TopologySummary
} from './api.ts'
import type { Clock } from '../clock.ts'
import type { RoutingConfig, RoutingContext } from './context.ts'
import type { LinkQuality } from './health.ts'
import type { LinkMonitor, PeerHealth, PeerHealthChange, PeerLinkInfo } from './link-monitor.ts'
import type { SignedBeacon, TopologyUpdate } from './pb/routing.ts'
import type { RouteKeeper } from './route-keeper.ts'
import type { RouteInfo } from './route-table.ts'
import type { RoutedMessaging } from './routed-messaging.ts'
import type { TopologyExchange } from './topology-exchange.ts'
import type { EventLog } from '../events/index.ts'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'

export * from './api.ts'

class DefaultRoutingService extends TypedEventEmitter<RoutingEvents> implements RoutingService {
  readonly links: LinkMonitor
  private readonly libp2p: Libp2p
  private readonly eventLog?: EventLog
  private readonly log: Logger
  private readonly self: string
  private readonly clock: Clock
  private readonly cfg: RoutingConfig
  private readonly graph: TopologyGraph<SignedBeacon>
  private readonly counters: RoutingStats = emptyStats()
  private readonly nonRouters = new Set<string>()
  /** quality of each local link as last put into the graph (and our beacon) */
  private readonly advertised = new Map<string, LinkQuality>()
  /** consecutive probes over which a link's cost stayed significantly off its advertised cost */
  private readonly costDrift = new Map<string, number>()
  private readonly table: RouteKeeper
  private readonly exchange: TopologyExchange
  private readonly messaging: RoutedMessaging
  private stopHousekeeping?: () => void
  private running = false

  constructor (components: RoutingComponents, init: RoutingInit) {
    super()
    this.libp2p = components.libp2p
    this.eventLog = components.events
    this.log = components.logger.forComponent('liberation:routing')
    this.self = this.libp2p.peerId.toString()
    this.clock = components.clock ?? systemClock
    this.cfg = routingConfig(init)
    this.graph = new TopologyGraph<SignedBeacon>({
      self: this.self,
      beaconMaxAgeMs: this.cfg.beaconMaxAgeMs,
      reachMaxAgeMs: 3 * this.cfg.reachIntervalMs,
      maxBeacons: this.cfg.maxBeacons,
      maxLinksPerBeacon: this.cfg.maxLinksPerBeacon,
      maxTotalLinks: this.cfg.maxTotalLinks,
      maxReachEntries: this.cfg.maxReachEntries,
      maxHops: this.cfg.maxHops
    })
    const gossipScore = components.gossipScore ?? (() => 0)
    this.links = createLinkMonitor({ libp2p: this.libp2p, logger: components.logger, gossipScore, clock: this.clock }, init)
    const ctx: RoutingContext = {
      self: this.self,
      libp2p: this.libp2p,
      crypto: components.crypto,
      events: this.eventLog,
      log: this.log,
      clock: this.clock,
      cfg: this.cfg,
      graph: this.graph,
      links: this.links,
      counters: this.counters,
      nonRouters: this.nonRouters,
      running: () => this.running,
      invalid: (from, reason) => { this.invalid(from, reason) }
    }
    const limits = createRoutingLimits({ log: this.log, events: this.eventLog }, init)
    this.table = createRouteKeeper(ctx, {
      routeChanged: change => {
        this.safeDispatchEvent('route:changed', { detail: change })
        this.eventLog?.emitEvent('routes', 'route:changed', change)
      },
      manyChanged: changed => { this.eventLog?.emitEvent('routes', 'routes:changed', { changed, reported: this.cfg.maxRouteEvents }) },
      farChanged: reason => { this.exchange.scheduleReach(reason) }
    })
    const cutOffs = createTopologyCutOffs(init.topologyCutOff)
    this.exchange = createTopologyExchange(ctx, { protocol: TOPOLOGY_PROTOCOL, table: this.table, limits, cutOffs, advertised: this.advertised })
    this.messaging = createRoutedMessaging(ctx, {
      protocol: ROUTE_PROTOCOL,
      table: this.table,
      limits,
      onMessage: message => {
        this.safeDispatchEvent('message', { detail: message })
        this.eventLog?.emitEvent('routes', 'message:received', { id: message.id, from: message.from, hops: message.hops, path: message.path, size: message.payload.length })
      }
    })
    this.onLinkUp = this.onLinkUp.bind(this)
    this.onLinkDown = this.onLinkDown.bind(this)
    this.onLinkQuality = this.onLinkQuality.bind(this)
    this.onPeerHealth = this.onPeerHealth.bind(this)
    this.onIdentify = this.onIdentify.bind(this)
  }

  // ---- lifecycle ----

  async start (): Promise<void> {
    if (this.running) { return }
    this.running = true
    await this.libp2p.handle(TOPOLOGY_PROTOCOL, async (stream, connection) => { await this.exchange.serve(stream, connection) }, {
      maxInboundStreams: 64,
      runOnLimitedConnection: true
    })
    await this.libp2p.handle(ROUTE_PROTOCOL, async (stream, connection) => { await this.messaging.serve(stream, connection) }, {
      maxInboundStreams: 128,
      maxOutboundStreams: 256,
      runOnLimitedConnection: true
    })
    this.links.addEventListener('link:up', this.onLinkUp)
    this.links.addEventListener('link:down', this.onLinkDown)
    this.links.addEventListener('link:quality', this.onLinkQuality)
    this.links.addEventListener('peer:health', this.onPeerHealth)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    await this.links.start()
    this.stopHousekeeping = every(this.clock, Math.max(250, Math.min(5000, this.cfg.beaconIntervalMs / 2)), () => { this.housekeeping() })
    this.exchange.start()
  }

  async stop (): Promise<void> {
    if (!this.running) { return }
    this.running = false
    this.stopHousekeeping?.()
    this.stopHousekeeping = undefined
    this.exchange.stop()
    this.table.stop()
    this.messaging.stop()
    this.links.removeEventListener('link:up', this.onLinkUp)
    this.links.removeEventListener('link:down', this.onLinkDown)
    this.links.removeEventListener('link:quality', this.onLinkQuality)
    this.links.removeEventListener('peer:health', this.onPeerHealth)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    await this.links.stop()
    await this.libp2p.unhandle([TOPOLOGY_PROTOCOL, ROUTE_PROTOCOL]).catch(() => {})
  }

  private housekeeping (): void {
    const now = this.clock.now()
    if (this.graph.prune(now) > 0) { this.table.schedule() }
    this.messaging.prune(now)
  }

  // ---- link events ----

  private onLinkUp (evt: CustomEvent<string>): void {
    const peer = evt.detail
    const quality = this.links.quality(peer) ?? { loss: 0, health: 0.5 }
    this.graph.setLocalLink(peer, quality)
    this.advertised.set(peer, quality)
    this.exchange.linkUp(peer)
    this.table.schedule()
  }

  private onLinkDown (evt: CustomEvent<string>): void {
    const peer = evt.detail
    this.graph.removeLocalLink(peer)
    this.advertised.delete(peer)
    this.costDrift.delete(peer)
    this.nonRouters.delete(peer)
    this.messaging.forget(peer)
    this.exchange.linkDown(peer)
    this.table.schedule()
  }

  /**
   * A probe updated a link's figures. Only a sustained, significant change of its cost
   * against the cost last advertised (Babel-style hysteresis: measured noise around the
   * advertised figure never triggers) goes into the graph and a triggered beacon, damped
   * when such beacons keep firing: a busy node measures slower RTTs, and its beacons must
   * not make it busier.
   */
  private onLinkQuality (evt: CustomEvent<{ peerId: string, quality: LinkQuality }>): void {
    const { peerId, quality } = evt.detail
    if (this.graph.getLocalLink(peerId) == null) { return }
    const advertised = this.advertised.get(peerId)
    // the first RTT of a link is news at once
    const firstRtt = advertised != null && advertised.rttMs == null && quality.rttMs != null
    if (advertised != null && !firstRtt) {
      if (!this.significant(advertised, quality)) {
        this.costDrift.delete(peerId)
        return
      }
      const held = (this.costDrift.get(peerId) ?? 0) + 1
      if (held < this.cfg.costChangeProbes) {
        this.costDrift.set(peerId, held)
        return
      }
    }
    this.costDrift.delete(peerId)
    this.advertised.set(peerId, quality)
    this.graph.setLocalLink(peerId, quality)
    // a link's first RTT is news like the link itself: not damped
    this.exchange.scheduleBeacon(firstRtt)
    this.table.schedule()
  }

  /** the link's cost moved by at least significantCostChange (and 1 unit) */
  private significant (a: LinkQuality, b: LinkQuality): boolean {
    const ca = linkCost(a)
    const cb = linkCost(b)
    return Math.abs(ca - cb) >= 1 && Math.abs(ca - cb) / Math.min(ca, cb) >= this.cfg.significantCostChange
  }

  private onPeerHealth (evt: CustomEvent<PeerHealthChange>): void {
    this.safeDispatchEvent('peer:health', { detail: evt.detail })
    this.eventLog?.emitEvent('mesh', 'peer:health', evt.detail)
  }

  private onIdentify (evt: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void {
    const peer = evt.detail.peerId.toString()
    const routes = evt.detail.protocols.includes(ROUTE_PROTOCOL)
    if (routes === !this.nonRouters.has(peer)) { return }
    if (routes) { this.nonRouters.delete(peer) } else { this.nonRouters.add(peer) }
    if (this.graph.getLocalLink(peer) == null) { return }
    if (routes) { this.exchange.routerFound(peer) }
    this.exchange.scheduleBeacon()
  }

  // ---- the API ----

  async announce (): Promise<void> {
    await this.exchange.announce()
  }

  /** validate and apply one topology update as if `from` had sent it (tests) */
  async processUpdate (from: string, update: TopologyUpdate): Promise<void> {
    await this.exchange.apply(from, update)
  }

  routes (): RouteInfo[] {
    return this.table.current().routes()
  }

  route (target: string | PeerId): RouteInfo | undefined {
    return this.table.current().route(parsePeerId(target).toString())
  }

  async send (target: string | PeerId, payload: Uint8Array, options: SendOptions = {}): Promise<SendResult> {
    return this.messaging.send(target, payload, options)
  }

  // ---- health and peers ----

  private invalid (from: string, reason: string): void {
    this.log('invalid from %s: %s', from, reason)
    this.links.reportInvalid(from, reason)
    this.eventLog?.emitEvent('mesh', 'peer:invalid-message', { peerId: from, reason })
  }

  reportInvalid (peerId: string | PeerId, reason?: string): void {
    this.links.reportInvalid(parsePeerId(peerId).toString(), reason)
  }

  peers (): PeerLinkInfo[] {
    return this.links.peers()
  }

  health (peerId: string | PeerId): PeerHealth | undefined {
    return this.links.health(parsePeerId(peerId).toString())
  }

  stats (): RoutingStats {
    return {
      ...this.counters,
      beacons: this.graph.beaconCount,
      links: this.graph.linkCount,
      excess: { ...this.graph.excess, origins: this.counters.excess.origins, rate: this.counters.excess.rate },
      beaconBackoffMs: this.exchange.beaconBackoffMs(),
      farTableBackoffMs: this.exchange.farTableBackoffMs()
    }
  }

  topologySummary (): TopologySummary {
    const table = this.table.current()
    const near = [...table.linkStateEntries()].length
    const far = table.size - near
    const st = this.stats()
    return {
      self: this.self,
      generatedAt: this.clock.now(),
      scope: this.cfg.scope,
      neighbours: this.graph.localLinkPeers().length,
      beacons: st.beacons,
      links: st.links,
      reachable: { near, far },
      excess: st.excess
    }
  }

  topology (): TopologySnapshot {
    const table = this.table.current()
    const view = this.graph.view()
    const now = this.clock.now()
    const neighbours = new Set(this.graph.localLinkPeers())
    const nodes: TopologyNode[] = view.nodes.map(n => {
      const s = n.id === this.self ? undefined : table.summary(n.id)
      return {
        id: n.id,
        zone: n.id === this.self ? 'self' : neighbours.has(n.id) ? 'neighbour' : 'near',
        reachable: n.id === this.self || s != null,
        hops: n.id === this.self ? 0 : s?.hops,
        cost: n.id === this.self ? 0 : s?.cost,
        seq: n.id === this.self ? this.exchange.ownSeq : n.seq,
        beaconAgeMs: n.receivedAt == null ? undefined : now - n.receivedAt,
        addresses: n.id === this.self ? this.libp2p.getMultiaddrs().map(a => a.toString()) : n.addrs ?? []
      }
    })
    const listed = new Set(nodes.map(n => n.id))
    for (const f of table.farEntries()) {
      if (listed.has(f.target)) { continue }
      nodes.push({ id: f.target, zone: 'far', reachable: true, hops: f.hops, cost: f.cost, seq: f.seq, addresses: [] })
    }
    const links: TopologyLink[] = view.links.map(l => ({
      from: l.from,
      to: l.to,
      rttMs: l.rttMs,
      jitterMs: l.jitterMs,
      loss: l.loss,
      health: l.health,
      cost: l.cost,
      symmetric: l.symmetric
    }))
    return { self: this.self, generatedAt: now, scope: this.cfg.scope, nodes, links }
  }
}

export function createRoutingService (components: RoutingComponents, init: RoutingInit = {}): RoutingService {
  return new DefaultRoutingService(components, init)
}
