/**
 * The routing service's interface: what `node.routing` offers, its options, results,
 * events and errors, and the protocol ids. The service itself is in routing.ts.
 */
import { MeshError } from '../errors.ts'
import type { Clock } from '../clock.ts'
import type { TopologyCutOffInit } from './cut-off.ts'
import type { LinkMonitor, LinkMonitorInit, PeerHealth, PeerLinkInfo, PeerHealthChange } from './link-monitor.ts'
import type { RouteInfo, RouteKind } from './route-table.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { ComponentLogger, Libp2p, PeerId } from '@libp2p/interface'
import type { TypedEventEmitter } from 'main-event'

/** 2.0.0: one long-lived stream per neighbour, one length-prefixed TopologyUpdate per frame */
export const TOPOLOGY_PROTOCOL = '/liberation/topology/2.0.0'
export const ROUTE_PROTOCOL = '/liberation/route/1.0.0'

export interface RoutingInit extends LinkMonitorInit {
  /**
   * a fresh own beacon at least this often (default 60 000): a refresh only, since every
   * change goes out at once (links) or after a damped gap (costs)
   */
  beaconIntervalMs?: number
  /** triggered beacons (link up/down) at most this often (default 250); cost changes: see beaconDampingHalfLifeMs */
  beaconMinIntervalMs?: number
  /** a beacon not refreshed for this long is dropped (default 4 × beaconIntervalMs) */
  beaconMaxAgeMs?: number
  /** fisheye radius: beacons travel this many hops (default 2); past it, distance vectors */
  scope?: number
  /** the far table goes to neighbours at least this often (default 120 000): a refresh, changes go out sooner */
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
  /**
   * per neighbour, inbound (default routed 1000/s, topology updates 50/s, and 1 MiB/s of
   * topology bytes with bursts of 1 MiB): updates over the rate are dropped before they are
   * decoded; bytes over the budget are not read until it refills (the stream pauses, so the
   * neighbour's further writes wait on its side)
   */
  rateLimits?: { routedPerSecond?: number, updatesPerSecond?: number, updateBytesPerSecond?: number, updateBytesBurst?: number }
  /**
   * a neighbour whose topology reading stays paused for its byte budget (default: more
   * than 2 s per minute) has its topology streams reset and refused for a cooldown
   * (default 60 s, doubling on repeat up to 1 h); see cut-off.ts
   */
  topologyCutOff?: TopologyCutOffInit
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
  /** the time source of the routing's own timers and rules (default: the system clock) */
  clock?: Clock
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
  /** beacons in the updates neighbours sent (also those dropped unread over the update rate) */
  beaconsReceived: number
  beaconsAccepted: number
  beaconsRejected: number
  /** not news: this node's own, expired, or no newer than the one held (or one stored meanwhile) */
  beaconsIgnored: number
  updatesSent: number
  updatesReceived: number
  updateBytesSent: number
  updateBytesReceived: number
  /** times reading a neighbour's topology stream paused for its byte budget, and the ms asked for */
  updatesThrottled: number
  updatesThrottledMs: number
  /** neighbours cut off for staying over their byte budget, and their topology streams refused during a cooldown */
  topologyCutOffs: number
  topologyStreamsRefused: number
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
  /**
   * what the topology bounds dropped: beacons from new origins over the rates, links past
   * the per-beacon cap, far entries past the cap, beacons evicted or refused for room, and
   * beacons in updates dropped unread (over a neighbour's update rate, or sent while more
   * of its updates than the node keeps were waiting)
   */
  excess: { origins: number, links: number, reach: number, evicted: number, refused: number, rate: number }
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
