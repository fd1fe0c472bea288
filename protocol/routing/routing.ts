/**
 * The routing service (`node.routing`): link measurements and health (link-monitor.ts),
 * signed topology beacons exchanged with neighbours over `/liberation/topology/2.0.0`,
 * the topology graph with ageing and routes (topology.ts), and routed direct messages
 * over `/liberation/route/1.0.0`. See ./index.ts for the design and its costs.
 */
import { RateLimiter } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { toHex } from '../crypto/index.ts'
import { MeshError } from '../errors.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { LongLivedStream, RouteChannel, serveFrames, serveRouteStream } from './channel.ts'
import { TriggeredSend } from './damping.ts'
import { linkCost } from './health.ts'
import { createLinkMonitor } from './link-monitor.ts'
import { RouteReply, RoutedEnvelope, TopologyUpdate } from './pb/routing.ts'
import { parsePeerId, peerIdStringFromBytes, peerIdToBytes, publicKeyOfPeer } from './peer-ids.ts'
import {
  InvalidRecordError, MESSAGE_ID_LENGTH, beaconLinks, isExpiredBeacon, parseBeacon, parseRoutedBody,
  signAck, signBeacon, signRoutedBody, verifyAck, verifyBeacon, verifyRoutedBody
} from './records.ts'
import { TopologyGraph, linkKey } from './topology.ts'
import type { FrameLimits } from './channel.ts'
import type { LinkQuality } from './health.ts'
import type { LinkMonitor, LinkMonitorInit, PeerHealth, PeerHealthChange, PeerLinkInfo } from './link-monitor.ts'
import type { ReachEntry, SignedBeacon } from './pb/routing.ts'
import type { ReachInfo, RouteInfo, RouteKind, RouteTable } from './topology.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'

/** 2.0.0: one long-lived stream per neighbour, one length-prefixed TopologyUpdate per frame */
export const TOPOLOGY_PROTOCOL = '/liberation/topology/2.0.0'
export const ROUTE_PROTOCOL = '/liberation/route/1.0.0'

export interface RoutingInit extends LinkMonitorInit {
  /** a fresh own beacon at least this often (default 30 000) */
  beaconIntervalMs?: number
  /** triggered beacons (link up/down) at most this often (default 250); cost changes: see beaconDampingHalfLifeMs */
  beaconMinIntervalMs?: number
  /** a beacon not refreshed for this long is dropped (default 4 × beaconIntervalMs) */
  beaconMaxAgeMs?: number
  /** fisheye radius: beacons travel this many hops (default 2); past it, distance vectors */
  scope?: number
  /** the far table goes to neighbours at least this often (default 60 000) */
  reachIntervalMs?: number
  /** and, when costs changed, at most this often (default 2000); lost routes go out at once */
  reachMinIntervalMs?: number
  /** entries in a far table at most (default 1024) */
  maxReachEntries?: number
  /** longest route kept, hops; also the TTL of routed messages (default 16) */
  maxHops?: number
  /** beacons held at most (default 4096); when full, nearer and fresher ones evict the rest */
  maxBeacons?: number
  /** links kept per beacon, the cheapest (default 64) */
  maxLinksPerBeacon?: number
  /** links kept over all beacons (default 65 536) */
  maxTotalLinks?: number
  /**
   * beacons from origins not held yet, per minute: from one neighbour (default 60, in a
   * burst up to 128) and from all together (default 300, burst 512). A neighbour's own
   * beacon always passes. The excess is dropped before its signature is checked.
   */
  newOrigins?: { perNeighbourPerMinute?: number, perNeighbourBurst?: number, perMinute?: number, burst?: number }
  /** routes are recomputed this long after a change, batching bursts (default 20) */
  recomputeDelayMs?: number
  /**
   * relative change of a link's cost, against the cost last advertised, that is worth a
   * triggered beacon (default 0.25); also of a far route's cost against what a neighbour
   * was last told, for a triggered far table
   */
  significantCostChange?: number
  /** a link's cost change triggers a beacon once it held over this many probes in a row (default 2) */
  costChangeProbes?: number
  /**
   * damping of cost-triggered beacons (RFC 2439 style): each adds 1 to a penalty that halves
   * this often; the next may go out beaconMinIntervalMs × 2^penalty after the last beacon, at
   * most beaconIntervalMs (default 60 000). Link up and down are not damped.
   */
  beaconDampingHalfLifeMs?: number
  /** default time for a routed message to be acknowledged, all attempts (default 10 000) */
  sendTimeoutMs?: number
  /** routes tried per message (default 3) */
  maxAttempts?: number
  maxPayloadBytes?: number
  /** routed messages older than this are refused; ids are remembered as long (default 300 000) */
  maxMessageAgeMs?: number
  maxClockSkewMs?: number
  /** a link that failed a routed message is avoided by later sends for this long (default 30 000) */
  failedLinkPenaltyMs?: number
  /** with no route, dial the target (peer store addresses, DHT) and send directly (default true) */
  dialUnknownTargets?: boolean
  /** per neighbour, inbound (default routed 1000/s, topology updates 50/s) */
  rateLimits?: { routedPerSecond?: number, updatesPerSecond?: number }
  /** route:changed events per recomputation at most; the rest are counted (default 64) */
  maxRouteEvents?: number
}

export interface RoutingComponents {
  libp2p: Libp2p
  crypto: RecordCrypto
  events?: EventLog
  logger: ComponentLogger
  /** this node's gossipsub score of a peer (gossipScore in protocol/pubsub/gossip.ts) */
  gossipScore?(peer: string): number
}

/** What `send` resolves to: the acknowledgement, checked against the target's key. */
export interface SendResult {
  /** message id, hex */
  id: string
  target: string
  /** the path the message took, this node first, the target last */
  path: string[]
  hops: number
  /** round trip of the acknowledged attempt, ms */
  latencyMs: number
  /** from the call to the acknowledgement, all attempts, ms */
  totalMs: number
  attempts: number
  /** the target's clock when it received the message */
  receivedAt: number
  direct: boolean
}

/** A routed message addressed to this node (`message` event). */
export interface RoutedMessage {
  /** hex */
  id: string
  /** the sender (checked signature) */
  from: string
  payload: Uint8Array
  /** the path it took, sender first, this node last */
  path: string[]
  hops: number
  /** the sender's clock when it sent */
  sentAt: number
  receivedAt: number
}

export interface RouteChange {
  target: string
  /** the new route, undefined when the target became unreachable */
  route?: RouteInfo
  previous?: { nextHop: string, hops: number, cost: number, kind: RouteKind }
}

export type TopologyZone = 'self' | 'neighbour' | 'near' | 'far'

export interface TopologyNode {
  id: string
  zone: TopologyZone
  reachable: boolean
  hops?: number
  cost?: number
  /** seq of the node's latest beacon we hold */
  seq?: number
  /** how old that beacon is, ms */
  beaconAgeMs?: number
  addresses: string[]
}

export interface TopologyLink {
  from: string
  to: string
  rttMs?: number
  jitterMs?: number
  loss: number
  health: number
  cost: number
  /** both ends list the link (or the far end's beacon is unknown) */
  symmetric: boolean
}

/** `routing.topology()`: plain JSON. */
export interface TopologySnapshot {
  self: string
  generatedAt: number
  scope: number
  nodes: TopologyNode[]
  links: TopologyLink[]
}

/** `routing.topologySummary()`: counts only, constant size (dashboards). */
export interface TopologySummary {
  self: string
  generatedAt: number
  scope: number
  neighbours: number
  /** beacons held and the links they list */
  beacons: number
  links: number
  /** targets with a route: over confirmed links (near), by distance vector (far) */
  reachable: { near: number, far: number }
  /** what the topology bounds dropped since start (see RoutingStats.excess) */
  excess: RoutingStats['excess']
}

export interface RoutingStats {
  beacons: number
  beaconsSent: number
  beaconsAccepted: number
  beaconsRejected: number
  updatesSent: number
  updatesReceived: number
  updateBytesSent: number
  updateBytesReceived: number
  /** updates that carried a far table, and their bytes (part of updatesSent, updateBytesSent) */
  farTablesSent: number
  farTableBytesSent: number
  routedSent: number
  routedDelivered: number
  routedForwarded: number
  routedRejected: number
  recomputations: number
  lastComputeMs: number
  /** how long after the last beacon a cost-triggered one would wait now (damping), ms */
  beaconBackoffMs: number
  /** how long after the last far tables a resend for moved costs would wait now (damping), ms */
  farTableBackoffMs: number
  /** links held over all beacons */
  links: number
  /** what the topology bounds dropped: beacons from new origins over the rates, links past the per-beacon cap, far entries past the cap, beacons evicted or refused for room */
  excess: { origins: number, links: number, reach: number, evicted: number, refused: number }
}

export interface RoutingEvents {
  /** a routed message for this node arrived (verified, first copy only) */
  message: CustomEvent<RoutedMessage>
  'peer:health': CustomEvent<PeerHealthChange>
  'route:changed': CustomEvent<RouteChange>
}

export interface SendOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

const ROUTE_ERROR_CODES = { NO_ROUTE: 'no_route', FAILED: 'route_failed', TIMEOUT: 'timeout', INVALID: 'invalid_input' } as const

/** `reason` is the routing's own word; `code` the MeshError code it maps to */
export class RouteError extends MeshError {
  static override name = 'RouteError'
  override name = 'RouteError'
  constructor (message: string, readonly reason: keyof typeof ROUTE_ERROR_CODES, readonly attempts: number) {
    super(ROUTE_ERROR_CODES[reason], message, reason === 'INVALID' ? { field: 'payload' } : {})
  }
}

export interface RoutingService extends TypedEventEmitter<RoutingEvents> {
  start(): Promise<void>
  stop(): Promise<void>
  /** direct peers, connected now or recently */
  peers(): PeerLinkInfo[]
  health(peerId: string | PeerId): PeerHealth | undefined
  /** the whole known topology (bounded by maxBeacons, maxTotalLinks, the far tables' caps) */
  topology(): TopologySnapshot
  topologySummary(): TopologySummary
  routes(): RouteInfo[]
  route(target: string | PeerId): RouteInfo | undefined
  /** deliver `payload` to `target`, hop by hop when not connected; resolves on the target's signed ack */
  send(target: string | PeerId, payload: Uint8Array, options?: SendOptions): Promise<SendResult>
  /** count an invalid message against a peer (lowers its health); for other services too */
  reportInvalid(peerId: string | PeerId, reason?: string): void
  /** send a fresh own beacon now */
  announce(): Promise<void>
  stats(): RoutingStats
  readonly links: LinkMonitor
}

interface Outbox {
  beacons: Map<string, SignedBeacon>
  reach?: ReachEntry[]
  sending: boolean
}

interface SeenMessage { reply: RouteReply, expiresAt: number }

const MAX_BEACONS_PER_UPDATE = 512
const FORWARD_MARGIN_MS = 100
const RETRACTION_GAP_MS = 50

class DefaultRoutingService extends TypedEventEmitter<RoutingEvents> implements RoutingService {
  readonly links: LinkMonitor
  private readonly libp2p: Libp2p
  private readonly crypto: RecordCrypto
  private readonly eventLog?: EventLog
  private readonly log: Logger
  private readonly self: string
  private readonly graph: TopologyGraph<SignedBeacon>
  private table: RouteTable
  private tableVersion = -1
  private readonly cfg: Required<Omit<RoutingInit, keyof LinkMonitorInit | 'rateLimits' | 'newOrigins'>>
  private readonly newOriginsPerNeighbour: TokenBuckets
  private readonly newOriginsAll: TokenBuckets
  private excessOrigins = 0
  /** excess reported per neighbour since its last event, and when that event went out */
  private readonly excessReported = new Map<string, { at: number, pending: number }>()
  private readonly routedLimiter: RateLimiter
  private readonly updateLimiter: RateLimiter
  private readonly outboxes = new Map<string, Outbox>()
  private readonly channels = new Map<string, RouteChannel>()
  private readonly topologyLines = new Map<string, LongLivedStream>()
  private readonly seen = new Map<string, SeenMessage>()
  private readonly penalties = new Map<string, number>()
  /** peers identify says cannot route (no /liberation/route): not listed in our beacon */
  private readonly nonRouters = new Set<string>()
  /** quality of each local link as last put into the graph */
  private readonly beaconed = new Map<string, LinkQuality>()
  private ownBeacon?: SignedBeacon
  private ownSeq = 0
  /** consecutive probes over which a link's cost stayed significantly off its advertised cost */
  private readonly costDrift = new Map<string, number>()
  /** triggered beacons and far tables; cost-triggered ones damped */
  private readonly beaconSend: TriggeredSend
  private readonly reachSend: TriggeredSend
  private recomputeTimer?: ReturnType<typeof setTimeout>
  private intervals: Array<ReturnType<typeof setInterval>> = []
  /** the far table (before split horizon) when each neighbour was last sent its own: target → cost */
  private readonly reachSent = new Map<string, Map<string, number>>()
  private running = false
  private readonly counters: RoutingStats = {
    beacons: 0,
    beaconsSent: 0,
    beaconsAccepted: 0,
    beaconsRejected: 0,
    updatesSent: 0,
    updatesReceived: 0,
    updateBytesSent: 0,
    updateBytesReceived: 0,
    farTablesSent: 0,
    farTableBytesSent: 0,
    routedSent: 0,
    routedDelivered: 0,
    routedForwarded: 0,
    routedRejected: 0,
    recomputations: 0,
    lastComputeMs: 0,
    beaconBackoffMs: 0,
    farTableBackoffMs: 0,
    links: 0,
    excess: { origins: 0, links: 0, reach: 0, evicted: 0, refused: 0 }
  }

  constructor (components: RoutingComponents, init: RoutingInit) {
    super()
    this.libp2p = components.libp2p
    this.crypto = components.crypto
    this.eventLog = components.events
    this.log = components.logger.forComponent('liberation:routing')
    this.self = this.libp2p.peerId.toString()
    const beaconIntervalMs = init.beaconIntervalMs ?? 30_000
    const reachIntervalMs = init.reachIntervalMs ?? 60_000
    this.cfg = {
      beaconIntervalMs,
      beaconMinIntervalMs: init.beaconMinIntervalMs ?? 250,
      beaconMaxAgeMs: init.beaconMaxAgeMs ?? 4 * beaconIntervalMs,
      scope: Math.min(16, Math.max(1, init.scope ?? 2)),
      reachIntervalMs,
      reachMinIntervalMs: init.reachMinIntervalMs ?? 2000,
      maxReachEntries: init.maxReachEntries ?? 1024,
      maxHops: init.maxHops ?? 16,
      maxBeacons: init.maxBeacons ?? 4096,
      maxLinksPerBeacon: init.maxLinksPerBeacon ?? 64,
      maxTotalLinks: init.maxTotalLinks ?? 65_536,
      recomputeDelayMs: init.recomputeDelayMs ?? 20,
      significantCostChange: init.significantCostChange ?? 0.25,
      costChangeProbes: Math.max(1, init.costChangeProbes ?? 2),
      beaconDampingHalfLifeMs: init.beaconDampingHalfLifeMs ?? 60_000,
      sendTimeoutMs: init.sendTimeoutMs ?? 10_000,
      maxAttempts: Math.max(1, init.maxAttempts ?? 3),
      maxPayloadBytes: init.maxPayloadBytes ?? 64 * 1024,
      maxMessageAgeMs: init.maxMessageAgeMs ?? 300_000,
      maxClockSkewMs: init.maxClockSkewMs ?? 60_000,
      failedLinkPenaltyMs: init.failedLinkPenaltyMs ?? 30_000,
      dialUnknownTargets: init.dialUnknownTargets ?? true,
      maxRouteEvents: init.maxRouteEvents ?? 64
    }
    this.beaconSend = new TriggeredSend(() => { void this.sendBeacon() }, this.cfg.beaconMinIntervalMs, this.cfg.beaconIntervalMs, this.cfg.beaconDampingHalfLifeMs)
    this.reachSend = new TriggeredSend(() => { this.sendReach(false) }, this.cfg.reachMinIntervalMs, reachIntervalMs, this.cfg.beaconDampingHalfLifeMs)
    this.routedLimiter = new RateLimiter({ points: init.rateLimits?.routedPerSecond ?? 1000, duration: 1 })
    this.updateLimiter = new RateLimiter({ points: init.rateLimits?.updatesPerSecond ?? 50, duration: 1 })
    const no = init.newOrigins ?? {}
    this.newOriginsPerNeighbour = new TokenBuckets((no.perNeighbourPerMinute ?? 60) / 60, no.perNeighbourBurst ?? 128, 4096)
    this.newOriginsAll = new TokenBuckets((no.perMinute ?? 300) / 60, no.burst ?? 512, 1)
    this.graph = new TopologyGraph<SignedBeacon>({
      self: this.self,
      beaconMaxAgeMs: this.cfg.beaconMaxAgeMs,
      reachMaxAgeMs: 3 * reachIntervalMs,
      maxBeacons: this.cfg.maxBeacons,
      maxLinksPerBeacon: this.cfg.maxLinksPerBeacon,
      maxTotalLinks: this.cfg.maxTotalLinks,
      maxReachEntries: this.cfg.maxReachEntries,
      maxHops: this.cfg.maxHops
    })
    this.table = this.graph.compute(Date.now())
    const gossipScore = components.gossipScore ?? (() => 0)
    this.links = createLinkMonitor({ libp2p: this.libp2p, logger: components.logger, gossipScore }, init)
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
    await this.libp2p.handle(TOPOLOGY_PROTOCOL, async (stream, connection) => { await this.onTopologyStream(stream, connection) }, {
      maxInboundStreams: 64,
      runOnLimitedConnection: true
    })
    await this.libp2p.handle(ROUTE_PROTOCOL, async (stream, connection) => { await this.onRouteStream(stream, connection) }, {
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
    this.intervals.push(setInterval(() => { void this.sendBeacon() }, this.cfg.beaconIntervalMs))
    this.intervals.push(setInterval(() => { this.sendReach(true) }, this.cfg.reachIntervalMs))
    this.intervals.push(setInterval(() => { this.housekeeping() }, Math.max(250, Math.min(5000, this.cfg.beaconIntervalMs / 2))))
    this.scheduleBeacon()
  }

  async stop (): Promise<void> {
    if (!this.running) { return }
    this.running = false
    for (const t of this.intervals) { clearInterval(t) }
    this.intervals = []
    this.beaconSend.cancel()
    this.reachSend.cancel()
    if (this.recomputeTimer != null) { clearTimeout(this.recomputeTimer) }
    this.recomputeTimer = undefined
    this.links.removeEventListener('link:up', this.onLinkUp)
    this.links.removeEventListener('link:down', this.onLinkDown)
    this.links.removeEventListener('link:quality', this.onLinkQuality)
    this.links.removeEventListener('peer:health', this.onPeerHealth)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    for (const c of this.channels.values()) { c.close() }
    this.channels.clear()
    for (const l of this.topologyLines.values()) { l.close('routing stopped') }
    this.topologyLines.clear()
    await this.links.stop()
    await this.libp2p.unhandle([TOPOLOGY_PROTOCOL, ROUTE_PROTOCOL]).catch(() => {})
  }

  // ---- link events ----

  private onLinkUp (evt: CustomEvent<string>): void {
    const peer = evt.detail
    const quality = this.links.quality(peer) ?? { loss: 0, health: 0.5 }
    this.graph.setLocalLink(peer, quality)
    this.beaconed.set(peer, quality)
    this.syncNeighbour(peer)
    this.scheduleBeacon()
    this.scheduleRecompute()
  }

  private onLinkDown (evt: CustomEvent<string>): void {
    const peer = evt.detail
    this.graph.removeLocalLink(peer)
    this.beaconed.delete(peer)
    this.costDrift.delete(peer)
    this.outboxes.delete(peer)
    this.reachSent.delete(peer)
    this.channels.get(peer)?.close()
    this.channels.delete(peer)
    this.topologyLines.get(peer)?.close('link down')
    this.topologyLines.delete(peer)
    this.nonRouters.delete(peer)
    this.scheduleBeacon()
    this.scheduleRecompute()
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
    const advertised = this.beaconed.get(peerId)
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
    this.beaconed.set(peerId, quality)
    this.graph.setLocalLink(peerId, quality)
    // a link's first RTT is news like the link itself: not damped
    this.scheduleBeacon(firstRtt)
    this.scheduleRecompute()
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
    if (routes) { this.syncNeighbour(peer) }
    this.scheduleBeacon()
  }

  // ---- beacons ----

  /**
   * A triggered beacon: `urgent` (a link came or went) at most every beaconMinIntervalMs;
   * a cost change after a gap that doubles with each recent cost-triggered beacon.
   */
  private scheduleBeacon (urgent = true): void {
    if (!this.running) { return }
    // a damped beacon waits for, or rides on, one already coming: it carries the new cost
    if (urgent) { this.beaconSend.soon(this.cfg.beaconMinIntervalMs) } else { this.beaconSend.damped() }
  }

  async announce (): Promise<void> {
    await this.sendBeacon()
  }

  private async sendBeacon (): Promise<void> {
    if (!this.running) { return }
    const now = Date.now()
    this.beaconSend.sent(now)
    this.ownSeq = Math.max(this.ownSeq + 1, now)
    const links = this.graph.localLinkPeers()
      .filter(p => !this.nonRouters.has(p))
      .map(peer => ({ peer, ...(this.beaconed.get(peer) ?? this.graph.getLocalLink(peer) ?? { loss: 0, health: 0.5 }) }))
    const addrs = this.libp2p.getMultiaddrs().slice(0, 4).map(a => a.toString())
    const signed = await signBeacon(this.crypto.signer, { seq: this.ownSeq, timestamp: now, scope: this.cfg.scope, links, addrs }, peerIdToBytes)
    if (!this.running) { return }
    this.ownBeacon = signed
    this.counters.beaconsSent++
    for (const peer of this.routers()) { this.enqueue(peer, this.self, signed) }
  }

  /** neighbours that speak the routing protocols (as far as identify told us) */
  private routers (): string[] {
    return this.graph.localLinkPeers().filter(p => !this.nonRouters.has(p))
  }

  /** a new neighbour gets every beacon it is within scope of, and our far table */
  private syncNeighbour (peer: string): void {
    if (this.nonRouters.has(peer)) { return }
    for (const b of this.graph.beaconRecords()) {
      if (b.origin === peer || b.wire == null || b.hops >= b.scope) { continue }
      this.enqueue(peer, b.origin, { ...b.wire, hops: b.hops })
    }
    if (this.ownBeacon != null) { this.enqueue(peer, this.self, this.ownBeacon) }
    // a new neighbour has no table from us yet: sendReach sends it one
    this.scheduleReach('membership')
  }

  private enqueue (peer: string, origin: string, beacon: SignedBeacon): void {
    let box = this.outboxes.get(peer)
    if (box == null) {
      box = { beacons: new Map(), sending: false }
      this.outboxes.set(peer, box)
    }
    box.beacons.set(origin, beacon)
    void this.flush(peer)
  }

  private async flush (peer: string): Promise<void> {
    const box = this.outboxes.get(peer)
    if (box == null || box.sending) { return }
    box.sending = true
    try {
      // let a burst of enqueues coalesce into one update
      await Promise.resolve()
      while (this.running && (box.beacons.size > 0 || box.reach != null)) {
        const beacons = [...box.beacons.values()].slice(0, MAX_BEACONS_PER_UPDATE)
        for (const key of [...box.beacons.keys()].slice(0, MAX_BEACONS_PER_UPDATE)) { box.beacons.delete(key) }
        const reach = box.reach
        box.reach = undefined
        await this.sendUpdate(peer, { beacons, reach: reach ?? [], hasReach: reach != null })
      }
    } finally {
      box.sending = false
    }
  }

  /** one frame on the neighbour's long-lived topology stream; a broken stream is reopened once */
  private async sendUpdate (peer: string, update: TopologyUpdate): Promise<void> {
    const conn = this.openConnection(peer)
    if (conn == null) { return }
    let line = this.topologyLines.get(peer)
    if (line == null || line.connection !== conn) {
      line?.close('connection replaced')
      line = new LongLivedStream(conn, TOPOLOGY_PROTOCOL, this.maxUpdateBytes())
      this.topologyLines.set(peer, line)
    }
    const frame = TopologyUpdate.encode(update)
    for (let attempt = 1; attempt <= 2; attempt++) {
      const reopened = !line.usable
      try {
        await line.write(frame)
        this.counters.updatesSent++
        this.counters.updateBytesSent += frame.byteLength
        if (update.hasReach) {
          this.counters.farTablesSent++
          this.counters.farTableBytesSent += frame.byteLength
        }
        return
      } catch (err: any) {
        this.log('topology update to %s failed: %s', peer, err?.message)
        // a stream that was just opened failed for a reason a retry will not fix
        if (reopened || conn.status !== 'open' || !this.running) { return }
      }
    }
  }

  private maxUpdateBytes (): number {
    return 4 * 1024 * 1024
  }

  private openConnection (peer: string): Connection | undefined {
    try {
      return this.libp2p.getConnections(parsePeerId(peer)).find(c => c.status === 'open')
    } catch {
      return undefined
    }
  }

  /** a neighbour's topology stream: one update per frame until it closes */
  private async onTopologyStream (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    await serveFrames(stream, {
      maxFrameBytes: this.maxUpdateBytes(),
      onFrame: async (frame) => {
        try {
          this.updateLimiter.consume(from)
        } catch {
          this.log('topology updates from %s over the rate limit', from)
          return
        }
        // a frame that does not decode is the sender's fault (serveFrames counts it)
        const update = TopologyUpdate.decode(frame, { limits: { beacons: MAX_BEACONS_PER_UPDATE, reach: this.cfg.maxReachEntries * 2 } })
        this.counters.updatesReceived++
        this.counters.updateBytesReceived += frame.byteLength
        await this.processUpdate(from, update).catch((err: any) => { this.log.error('topology update from %s not applied: %s', from, err?.message) })
      },
      malformed: (err) => { this.invalid(from, `malformed topology update: ${err.message}`) }
    })
  }

  /** validate and apply one update from a neighbour; bad parts change nothing */
  async processUpdate (from: string, update: TopologyUpdate): Promise<void> {
    const now = Date.now()
    const checks = { now, maxAgeMs: this.cfg.beaconMaxAgeMs, maxClockSkewMs: this.cfg.maxClockSkewMs }
    let changed = false
    let rejected = 0
    let excess = 0
    const excessBefore = this.graphExcess()
    const forward: Array<{ origin: string, signed: SignedBeacon }> = []
    for (const signed of update.beacons) {
      try {
        const parsed = parseBeacon(signed, checks)
        if (parsed.origin === this.self || isExpiredBeacon(parsed, checks) || !this.graph.isNewer(parsed.origin, parsed.seq)) { continue }
        // a new origin costs the neighbour's and the node's budgets, before any signature check
        // (a neighbour's own beacon is always welcome)
        if (parsed.origin !== from && !this.graph.hasBeacon(parsed.origin)) {
          if (!this.newOriginsPerNeighbour.has(from, 1, now) || !this.newOriginsAll.take('all', 1, now)) {
            excess++
            continue
          }
          this.newOriginsPerNeighbour.take(from, 1, now)
        }
        if (!await verifyBeacon(this.crypto.verifier, signed, parsed)) { throw new InvalidRecordError('beacon signature does not verify') }
        const { links, addrs, cut } = beaconLinks(parsed, this.cfg.maxLinksPerBeacon)
        this.graph.excess.links += cut
        // the hop count is not signed: a relayed beacon came at least two hops
        const hops = parsed.origin === from ? 1 : Math.max(2, signed.hops + 1)
        // another update may have brought a newer one while we verified
        if (!this.graph.insertBeacon({
          origin: parsed.origin,
          seq: parsed.seq,
          timestamp: parsed.timestamp,
          scope: parsed.scope,
          hops,
          links,
          addrs,
          receivedAt: now,
          wire: { beacon: signed.beacon, signature: signed.signature, hops }
        }, now)) { continue }
        changed = true
        this.counters.beaconsAccepted++
        if (hops < parsed.scope) { forward.push({ origin: parsed.origin, signed: { beacon: signed.beacon, signature: signed.signature, hops } }) }
      } catch (err: any) {
        rejected++
        this.counters.beaconsRejected++
        this.log('rejected beacon from %s: %s', from, err?.message)
      }
    }
    if (rejected > 0) { this.invalid(from, `${rejected} invalid beacon(s)`) }
    this.excessOrigins += excess
    if (update.hasReach) {
      if (this.graph.getLocalLink(from) != null) {
        try {
          const entries: ReachInfo[] = update.reach.map(e => {
            const target = peerIdStringFromBytes(e.peer)
            if (!Number.isSafeInteger(e.seq) || e.seq < 0) { throw new InvalidRecordError('reach seq out of range') }
            return { target, cost: e.cost, hops: e.hops, seq: e.seq }
          })
          this.graph.setReach(from, entries, now)
          changed = true
        } catch (err: any) {
          this.invalid(from, `malformed far table: ${err?.message}`)
        }
      }
    }
    excess += this.graphExcess() - excessBefore
    if (excess > 0) { this.reportExcess(from, excess, now) }
    for (const { origin, signed } of forward) {
      for (const peer of this.routers()) {
        if (peer !== from && peer !== origin) { this.enqueue(peer, origin, signed) }
      }
    }
    if (changed) { this.scheduleRecompute() }
  }

  private graphExcess (): number {
    const e = this.graph.excess
    return e.links + e.reach + e.evicted + e.refused
  }

  /**
   * What the topology bounds dropped from a neighbour: counted always (stats, metrics), an
   * event at most every 10 s per neighbour, so a flood cannot flood the event log too.
   */
  private reportExcess (from: string, dropped: number, now: number): void {
    let r = this.excessReported.get(from)
    if (r == null) {
      if (this.excessReported.size >= 1024) { this.excessReported.delete(this.excessReported.keys().next().value as string) }
      r = { at: 0, pending: 0 }
      this.excessReported.set(from, r)
    }
    r.pending += dropped
    if (now - r.at < 10_000) { return }
    this.log('topology from %s over its bounds: %d item(s) dropped', from, r.pending)
    this.eventLog?.emitEvent('mesh', 'topology:excess', { peerId: from, dropped: r.pending })
    r.at = now
    r.pending = 0
  }

  // ---- far tables ----

  /**
   * Far tables go out when they changed: a lost route (`retraction`) at once, like Babel's
   * retractions, so a dead node's vectors do not outlive it by more than a few hops' worth
   * of round trips; a target that came or went (`membership`) at most every
   * reachMinIntervalMs; costs that moved (`cost`) after a damped gap (FlapDamper), since
   * under load every RTT moves and each resend carries the whole table.
   */
  private scheduleReach (reason: 'retraction' | 'membership' | 'cost'): void {
    if (!this.running) { return }
    if (reason === 'cost') { this.reachSend.damped() } else { this.reachSend.soon(reason === 'retraction' ? RETRACTION_GAP_MS : this.cfg.reachMinIntervalMs) }
  }

  /**
   * send each neighbour our far table if it changed (or `refresh`: the periodic full send).
   * Changed means a target came or went, or its cost moved by significantCostChange
   * against what that neighbour was last told: small cost drift (and a hop count that
   * flips between routes about as good) waits for the refresh, so one noisy link does
   * not resend every table of the zone.
   */
  private sendReach (refresh: boolean): void {
    if (!this.running) { return }
    this.reachSend.sent()
    const table = this.currentTable()
    // changes are judged on the table before split horizon: a next hop that moved to a
    // route about as good changes what two neighbours are told, but neither needs it now
    // (the feasibility condition keeps a stale entry from making a loop)
    const whole = this.graph.advertisement(table, '', this.cfg.scope, this.cfg.maxReachEntries)
    let wholeMap: Map<string, number> | undefined
    for (const peer of this.graph.localLinkPeers()) {
      if (this.nonRouters.has(peer)) { continue }
      const last = this.reachSent.get(peer)
      if (!refresh && last != null && !this.reachChanged(last, whole)) { continue }
      const entries = this.graph.advertisement(table, peer, this.cfg.scope, this.cfg.maxReachEntries)
      if (last == null && entries.length === 0 && !refresh) { continue }
      wholeMap ??= new Map(whole.map(e => [e.target, e.cost]))
      this.reachSent.set(peer, wholeMap)
      let box = this.outboxes.get(peer)
      if (box == null) {
        box = { beacons: new Map(), sending: false }
        this.outboxes.set(peer, box)
      }
      box.reach = entries.map(e => ({
        peer: peerIdToBytes(e.target) as Uint8Array<ArrayBuffer>,
        cost: Math.min(0xffffffff, Math.ceil(e.cost)),
        hops: e.hops,
        seq: e.seq
      }))
      void this.flush(peer)
    }
  }

  /**
   * A target came or went, or its cost moved significantly. A hop count alone does not
   * count: among routes about as costly it flips with noise, and the metric is the cost
   * (a route past maxHops is not advertised at all, which is a change).
   */
  private reachChanged (last: Map<string, number>, entries: ReachInfo[]): boolean {
    if (last.size !== entries.length) { return true }
    for (const e of entries) {
      const before = last.get(e.target)
      if (before == null) { return true }
      const diff = Math.abs(before - e.cost)
      if (diff >= 1 && diff / Math.max(1, Math.min(before, e.cost)) >= this.cfg.significantCostChange) { return true }
    }
    return false
  }

  // ---- routes ----

  private scheduleRecompute (): void {
    if (!this.running || this.recomputeTimer != null) { return }
    this.recomputeTimer = setTimeout(() => {
      this.recomputeTimer = undefined
      this.recompute()
    }, this.cfg.recomputeDelayMs)
  }

  private currentTable (): RouteTable {
    if (this.tableVersion !== this.graph.version) { this.recompute() }
    return this.table
  }

  private recompute (): void {
    const now = Date.now()
    this.graph.prune(now)
    const started = performance.now()
    const previous = this.table
    const version = this.graph.version
    const table = this.graph.compute(now)
    this.counters.lastComputeMs = performance.now() - started
    this.counters.recomputations++
    this.table = table
    this.tableVersion = version
    this.diff(previous, table)
  }

  private diff (previous: RouteTable, next: RouteTable): void {
    let emitted = 0
    let changedFar = false
    let newFar = false
    let lost = false
    const emit = (change: RouteChange): void => {
      if (emitted++ >= this.cfg.maxRouteEvents) { return }
      this.safeDispatchEvent('route:changed', { detail: change })
      this.eventLog?.emitEvent('routes', 'route:changed', change)
    }
    const seen = new Set<string>()
    for (const target of next.targets()) {
      seen.add(target)
      const now = next.summary(target)
      const before = previous.summary(target)
      if (now == null) { continue }
      if (now.hops >= this.cfg.scope || now.kind === 'distance-vector') {
        if (before == null) { newFar = true } else if (Math.abs(before.cost - now.cost) > 1) { changedFar = true }
      }
      if (before != null && before.nextHop === now.nextHop && before.hops === now.hops && before.kind === now.kind) { continue }
      // a route that got significantly worse through another next hop is news for the
      // neighbours soon, though not a retraction (traffic still flows through us, and
      // under load RTT noise makes this happen all the time); a swap to a next hop about
      // as good waits for the next send
      if (before != null && before.nextHop !== now.nextHop && now.cost - before.cost >= this.cfg.significantCostChange * before.cost) { newFar = true }
      emit({ target, route: next.route(target), previous: before == null ? undefined : { nextHop: before.nextHop, hops: before.hops, cost: before.cost, kind: before.kind } })
    }
    for (const target of previous.targets()) {
      if (seen.has(target)) { continue }
      const before = previous.summary(target)
      if (before == null) { continue }
      changedFar = true
      lost = true
      emit({ target, previous: { nextHop: before.nextHop, hops: before.hops, cost: before.cost, kind: before.kind } })
    }
    if (emitted > this.cfg.maxRouteEvents) {
      this.eventLog?.emitEvent('routes', 'routes:changed', { changed: emitted, reported: this.cfg.maxRouteEvents })
    }
    if (lost) { this.scheduleReach('retraction') } else if (newFar) { this.scheduleReach('membership') } else if (changedFar) { this.scheduleReach('cost') }
  }

  private housekeeping (): void {
    const now = Date.now()
    if (this.graph.prune(now) > 0) { this.scheduleRecompute() }
    for (const [k, until] of this.penalties) { if (until <= now) { this.penalties.delete(k) } }
    for (const [k, s] of this.seen) { if (s.expiresAt <= now) { this.seen.delete(k) } }
  }

  routes (): RouteInfo[] {
    return this.currentTable().routes()
  }

  route (target: string | PeerId): RouteInfo | undefined {
    return this.currentTable().route(parsePeerId(target).toString())
  }

  // ---- routed messages ----

  async send (target: string | PeerId, payload: Uint8Array, options: SendOptions = {}): Promise<SendResult> {
    if (!this.running) { throw new Error('routing is not running') }
    const targetId = parsePeerId(target).toString()
    if (targetId === this.self) { throw new Error('cannot send a routed message to this node itself') }
    if (!(payload instanceof Uint8Array)) { throw new TypeError('payload must be a Uint8Array') }
    if (payload.length > this.cfg.maxPayloadBytes) { throw new Error(`payload of ${payload.length} bytes exceeds the limit of ${this.cfg.maxPayloadBytes}`) }
    const targetKey = publicKeyOfPeer(targetId)
    if (targetKey == null) { throw new Error('the target must be an Ed25519 peer (its key checks the acknowledgement)') }

    const started = Date.now()
    const deadline = started + (options.timeoutMs ?? this.cfg.sendTimeoutMs)
    const id = crypto.getRandomValues(new Uint8Array(MESSAGE_ID_LENGTH))
    const { body, signature } = await signRoutedBody(this.crypto.signer, {
      id: id as Uint8Array<ArrayBuffer>,
      origin: this.crypto.signer.publicKey as Uint8Array<ArrayBuffer>,
      target: peerIdToBytes(targetId) as Uint8Array<ArrayBuffer>,
      timestamp: started,
      payload: payload as Uint8Array<ArrayBuffer>
    })
    this.counters.routedSent++
    const avoid = new Set<string>()
    let lastError = 'no route'
    let code: RouteError['reason'] = 'NO_ROUTE'
    for (let attempt = 1; attempt <= this.cfg.maxAttempts; attempt++) {
      options.signal?.throwIfAborted()
      const remaining = deadline - Date.now()
      if (remaining <= 0) { throw new RouteError(`no acknowledgement from ${targetId} in time (${lastError})`, 'TIMEOUT', attempt - 1) }
      const plan = await this.plan(targetId, avoid, attempt, Math.min(remaining, 5000))
      if (plan == null) { throw new RouteError(`no route to ${targetId}${attempt > 1 ? ` after ${lastError}` : ''}`, attempt > 1 ? code : 'NO_ROUTE', attempt - 1) }
      const attemptStart = performance.now()
      // a hop that swallows the message must leave time for the other routes
      const left = Math.max(1, deadline - Date.now())
      const attemptBudget = Math.max(Math.min(left, 1000), left / (this.cfg.maxAttempts - attempt + 1))
      let reply: RouteReply
      try {
        reply = await this.forward(plan.first, {
          body: body as Uint8Array<ArrayBuffer>,
          signature: signature as Uint8Array<ArrayBuffer>,
          ttl: this.cfg.maxHops,
          route: plan.route.map(p => peerIdToBytes(p) as Uint8Array<ArrayBuffer>),
          trace: [peerIdToBytes(this.self) as Uint8Array<ArrayBuffer>],
          budgetMs: Math.round(attemptBudget)
        }, attemptBudget + FORWARD_MARGIN_MS, options.signal)
      } catch (err: any) {
        options.signal?.throwIfAborted()
        lastError = `first hop ${plan.first} failed: ${err?.message}`
        code = 'FAILED'
        this.penalize(this.self, plan.first, avoid)
        continue
      }
      const latencyMs = performance.now() - attemptStart
      const trace = this.traceOf(reply)
      if (reply.status === RouteReply.Status.ACK) {
        try {
          const receivedAt = await verifyAck(this.crypto.verifier, reply.ack, reply.ackSignature, { id, targetKey, originKey: this.crypto.signer.publicKey })
          return {
            id: toHex(id),
            target: targetId,
            path: trace.length > 0 && trace[trace.length - 1] === targetId ? trace : [this.self, ...plan.route, targetId],
            hops: Math.max(1, trace.length - 1),
            latencyMs,
            totalMs: Date.now() - started,
            attempts: attempt,
            receivedAt,
            direct: plan.first === targetId
          }
        } catch (err: any) {
          lastError = err?.message
          code = 'INVALID'
          this.penalize(this.self, plan.first, avoid)
          continue
        }
      }
      code = 'FAILED'
      lastError = `${reply.status}${reply.error !== '' ? `: ${reply.error}` : ''}`
      if (reply.status === RouteReply.Status.HOP_FAILED && reply.failedFrom.length > 0 && reply.failedTo.length > 0) {
        try {
          this.penalize(peerIdStringFromBytes(reply.failedFrom), peerIdStringFromBytes(reply.failedTo), avoid)
          continue
        } catch {}
      }
      // a busy hop is avoided by this message only, not penalised for everyone
      if (reply.status === RouteReply.Status.BUSY) {
        avoid.add(trace.length >= 2 ? linkKey(trace[trace.length - 2], trace[trace.length - 1]) : linkKey(this.self, plan.first))
        continue
      }
      // NO_ROUTE / TTL / INVALID at a hop: avoid the link into the hop that answered
      if (trace.length >= 2) { this.penalize(trace[trace.length - 2], trace[trace.length - 1], avoid) } else { this.penalize(this.self, plan.first, avoid) }
    }
    throw new RouteError(`message to ${targetId} not acknowledged after ${this.cfg.maxAttempts} attempts: ${lastError}`, code, this.cfg.maxAttempts)
  }

  private traceOf (reply: RouteReply): string[] {
    try {
      return reply.trace.map(b => peerIdStringFromBytes(b))
    } catch {
      return []
    }
  }

  private penalize (from: string, to: string, avoid: Set<string>): void {
    const key = linkKey(from, to)
    avoid.add(key)
    this.penalties.set(key, Date.now() + this.cfg.failedLinkPenaltyMs)
  }

  /** first hop and the source route after it */
  private async plan (target: string, avoid: Set<string>, attempt: number, dialTimeoutMs: number): Promise<{ first: string, route: string[] } | undefined> {
    const avoidLinks = new Set(avoid)
    const now = Date.now()
    for (const [k, until] of this.penalties) { if (until > now) { avoidLinks.add(k) } }
    if (!avoidLinks.has(linkKey(this.self, target)) && this.openConnection(target) != null) { return { first: target, route: [] } }
    const table = avoidLinks.size === 0 ? this.currentTable() : this.graph.compute(now, { avoidLinks })
    const r = table.route(target)
    if (r != null) { return { first: r.nextHop, route: r.complete ? r.path.slice(2) : [] } }
    if (attempt === 1 && this.cfg.dialUnknownTargets) {
      try {
        await this.libp2p.dial(parsePeerId(target), { signal: AbortSignal.timeout(Math.max(1, Math.round(dialTimeoutMs))) })
        return { first: target, route: [] }
      } catch (err: any) {
        this.log('no route to %s and dialling it failed: %s', target, err?.message)
      }
    }
    return undefined
  }

  /** send an envelope to a direct neighbour and wait for the reply */
  private async forward (peer: string, envelope: RoutedEnvelope, timeoutMs: number, outer?: AbortSignal): Promise<RouteReply> {
    const conn = this.openConnection(peer)
    if (conn == null) { throw new Error('not connected') }
    let channel = this.channels.get(peer)
    if (channel == null || channel.connection !== conn) {
      channel?.close()
      channel = new RouteChannel(conn, ROUTE_PROTOCOL, this.frameLimits(), this.log)
      this.channels.set(peer, channel)
    }
    return channel.request(envelope, timeoutMs, outer)
  }

  private frameLimits (): FrameLimits {
    return { maxFrameBytes: this.cfg.maxPayloadBytes + 8192, maxHops: this.cfg.maxHops }
  }

  private async onRouteStream (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    await serveRouteStream(stream, {
      ...this.frameLimits(),
      maxInFlight: 64,
      handle: async (envelope) => {
        try {
          this.routedLimiter.consume(from)
        } catch {
          return this.reply(RouteReply.Status.BUSY, [], 'rate limited')
        }
        try {
          return await this.handleEnvelope(envelope, from)
        } catch (err: any) {
          return this.reply(RouteReply.Status.BUSY, [], err?.message ?? 'busy')
        }
      },
      busy: () => this.reply(RouteReply.Status.BUSY, [], 'too many messages in flight'),
      malformed: (err) => {
        this.counters.routedRejected++
        this.invalid(from, `malformed routed message: ${err.message}`)
      }
    })
  }

  private reply (status: RouteReply.Status, trace: Uint8Array[], error = '', extra: Partial<RouteReply> = {}): RouteReply {
    return {
      status,
      ack: new Uint8Array(0),
      ackSignature: new Uint8Array(0),
      failedFrom: new Uint8Array(0),
      failedTo: new Uint8Array(0),
      error,
      trace: trace as Array<Uint8Array<ArrayBuffer>>,
      ...extra
    }
  }

  private rejectEnvelope (from: string, reason: string, trace: Uint8Array[]): RouteReply {
    this.counters.routedRejected++
    this.invalid(from, reason)
    return this.reply(RouteReply.Status.INVALID, trace, reason)
  }

  /** relay or accept one envelope that `from` sent us; bad ones change nothing */
  private async handleEnvelope (env: RoutedEnvelope, from: string): Promise<RouteReply> {
    const received = Date.now()
    const selfBytes = peerIdToBytes(this.self)
    let trace: string[]
    let route: string[]
    try {
      trace = env.trace.map(b => peerIdStringFromBytes(b))
      route = env.route.map(b => peerIdStringFromBytes(b))
    } catch {
      return this.rejectEnvelope(from, 'malformed peer id in trace or route', [])
    }
    const traceOut = [...env.trace, selfBytes]
    let body
    try {
      body = parseRoutedBody(env.body, env.signature, {
        now: received,
        maxAgeMs: this.cfg.maxMessageAgeMs,
        maxClockSkewMs: this.cfg.maxClockSkewMs,
        maxPayloadBytes: this.cfg.maxPayloadBytes
      })
    } catch (err: any) {
      return this.rejectEnvelope(from, err?.message ?? 'malformed message', traceOut)
    }
    if (trace.length === 0 || trace[0] !== body.origin || trace[trace.length - 1] !== from) {
      return this.rejectEnvelope(from, 'trace does not run from the sender to the previous hop', traceOut)
    }
    if (trace.includes(this.self) || new Set(trace).size !== trace.length) {
      return this.rejectEnvelope(from, 'routing loop', traceOut)
    }
    if (env.ttl < 1 || env.ttl > this.cfg.maxHops) { return this.rejectEnvelope(from, 'ttl out of range', traceOut) }
    if (!await verifyRoutedBody(this.crypto.verifier, env.body, env.signature, body.originKey)) {
      return this.rejectEnvelope(from, 'message signature does not verify', traceOut)
    }

    if (body.target === this.self) {
      const idHex = toHex(body.id)
      const seen = this.seen.get(idHex)
      if (seen != null) { return seen.reply }
      const { ack, signature } = await signAck(this.crypto.signer, {
        id: body.id as Uint8Array<ArrayBuffer>,
        target: this.crypto.signer.publicKey as Uint8Array<ArrayBuffer>,
        origin: body.originKey as Uint8Array<ArrayBuffer>,
        receivedAt: received
      })
      const reply = this.reply(RouteReply.Status.ACK, traceOut, '', { ack: ack as Uint8Array<ArrayBuffer>, ackSignature: signature as Uint8Array<ArrayBuffer> })
      this.remember(idHex, reply, body.timestamp)
      this.counters.routedDelivered++
      const path = [...trace, this.self]
      const message: RoutedMessage = { id: idHex, from: body.origin, payload: body.payload, path, hops: path.length - 1, sentAt: body.timestamp, receivedAt: received }
      this.safeDispatchEvent('message', { detail: message })
      this.eventLog?.emitEvent('routes', 'message:received', { id: idHex, from: body.origin, hops: message.hops, path, size: body.payload.length })
      return reply
    }

    if (env.ttl <= 1) { return this.reply(RouteReply.Status.TTL_EXPIRED, traceOut, 'ttl expired') }
    // next hop: the source route if any, else our own route (avoiding where it has been)
    let next: string
    let rest: string[]
    if (route.length > 0) {
      next = route[0]
      rest = route.slice(1)
      if (rest.length > 0 && rest[rest.length - 1] !== body.target) {
        return this.rejectEnvelope(from, 'source route does not end at the target', traceOut)
      }
      if (rest.length === 0 && next !== body.target) {
        return this.rejectEnvelope(from, 'source route does not end at the target', traceOut)
      }
    } else {
      const visited = new Set(trace)
      let r = this.currentTable().route(body.target)
      if (r != null && r.path.some(p => visited.has(p))) { r = this.graph.compute(Date.now(), { avoidNodes: visited }).route(body.target) }
      if (r == null) {
        if (this.openConnection(body.target) == null) { return this.reply(RouteReply.Status.NO_ROUTE, traceOut, 'no route to target') }
        next = body.target
        rest = []
      } else {
        next = r.nextHop
        rest = r.complete ? r.path.slice(2) : []
      }
    }
    if (next === this.self || trace.includes(next) || rest.includes(this.self)) { return this.rejectEnvelope(from, 'routing loop', traceOut) }
    const budget = Math.min(env.budgetMs, this.cfg.sendTimeoutMs) - (Date.now() - received) - FORWARD_MARGIN_MS
    const hopFailed = (why: string): RouteReply => this.reply(RouteReply.Status.HOP_FAILED, traceOut, why, {
      failedFrom: selfBytes as Uint8Array<ArrayBuffer>,
      failedTo: peerIdToBytes(next) as Uint8Array<ArrayBuffer>
    })
    if (budget <= 0) { return hopFailed('time budget exhausted') }
    if (this.openConnection(next) == null) { return hopFailed('next hop not connected') }
    try {
      const reply = await this.forward(next, {
        body: env.body,
        signature: env.signature,
        ttl: env.ttl - 1,
        route: rest.map(p => peerIdToBytes(p) as Uint8Array<ArrayBuffer>),
        trace: traceOut as Array<Uint8Array<ArrayBuffer>>,
        budgetMs: budget
      }, budget)
      this.counters.routedForwarded++
      return reply
    } catch (err: any) {
      return hopFailed(`forwarding failed: ${err?.message}`)
    }
  }

  private remember (idHex: string, reply: RouteReply, sentAt: number): void {
    // ids are kept as long as a copy could still pass the age check
    const expiresAt = sentAt + this.cfg.maxMessageAgeMs + this.cfg.maxClockSkewMs
    if (this.seen.size >= 100_000) { this.seen.delete(this.seen.keys().next().value as string) }
    this.seen.set(idHex, { reply, expiresAt })
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
      excess: { origins: this.excessOrigins, ...this.graph.excess },
      beaconBackoffMs: this.beaconSend.damper.gap(Date.now()),
      farTableBackoffMs: this.reachSend.damper.gap(Date.now())
    }
  }

  topologySummary (): TopologySummary {
    const table = this.currentTable()
    const near = [...table.linkStateEntries()].length
    const far = table.size - near
    const st = this.stats()
    return {
      self: this.self,
      generatedAt: Date.now(),
      scope: this.cfg.scope,
      neighbours: this.graph.localLinkPeers().length,
      beacons: st.beacons,
      links: st.links,
      reachable: { near, far },
      excess: st.excess
    }
  }

  topology (): TopologySnapshot {
    const table = this.currentTable()
    const view = this.graph.view()
    const now = Date.now()
    const neighbours = new Set(this.graph.localLinkPeers())
    const nodes: TopologyNode[] = view.nodes.map(n => {
      const s = n.id === this.self ? undefined : table.summary(n.id)
      return {
        id: n.id,
        zone: n.id === this.self ? 'self' : neighbours.has(n.id) ? 'neighbour' : 'near',
        reachable: n.id === this.self || s != null,
        hops: n.id === this.self ? 0 : s?.hops,
        cost: n.id === this.self ? 0 : s?.cost,
        seq: n.id === this.self ? this.ownSeq : n.seq,
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
