/**
 * What the routing's parts share: this node, its libp2p, keys, clock, the resolved
 * options, the topology graph, the link monitor and the counters. routing.ts builds one
 * and hands it to each part (topology exchange, route keeper, routed messaging).
 */
import { parsePeerId } from './peer-ids.ts'
import type { RoutingInit, RoutingStats } from './api.ts'
import type { Clock } from '../clock.ts'
import type { LinkMonitor, LinkMonitorInit } from './link-monitor.ts'
import type { SignedBeacon } from './pb/routing.ts'
import type { TopologyGraph } from './topology.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { Connection, Libp2p, Logger } from '@libp2p/interface'

export type RoutingConfig = Required<Omit<RoutingInit, keyof LinkMonitorInit | 'rateLimits' | 'newOrigins' | 'topologyCutOff'>>

export function routingConfig (init: RoutingInit): RoutingConfig {
  const beaconIntervalMs = init.beaconIntervalMs ?? 60_000
  return {
    beaconIntervalMs,
    beaconMinIntervalMs: init.beaconMinIntervalMs ?? 250,
    beaconMaxAgeMs: init.beaconMaxAgeMs ?? 4 * beaconIntervalMs,
    scope: Math.min(16, Math.max(1, init.scope ?? 2)),
    reachIntervalMs: init.reachIntervalMs ?? 120_000,
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
}

export interface RoutingContext {
  readonly self: string
  readonly libp2p: Libp2p
  readonly crypto: RecordCrypto
  readonly events?: EventLog
  readonly log: Logger
  readonly clock: Clock
  readonly cfg: RoutingConfig
  readonly graph: TopologyGraph<SignedBeacon>
  readonly links: LinkMonitor
  /** counted by the parts; stats() adds the graph's figures */
  readonly counters: RoutingStats
  /** peers identify says cannot route (no /liberation/route): not listed in our beacon */
  readonly nonRouters: Set<string>
  running(): boolean
  /** count an invalid message against a neighbour (its health) and log an event */
  invalid(from: string, reason: string): void
}

/** neighbours that speak the routing protocols (as far as identify told us) */
export function routers (ctx: RoutingContext): string[] {
  return ctx.graph.localLinkPeers().filter(p => !ctx.nonRouters.has(p))
}

export function openConnection (ctx: RoutingContext, peer: string): Connection | undefined {
  try {
    return ctx.libp2p.getConnections(parsePeerId(peer)).find(c => c.status === 'open')
  } catch {
    return undefined
  }
}

export function emptyStats (): RoutingStats {
  return {
    beacons: 0,
    beaconsSent: 0,
    beaconsReceived: 0,
    beaconsAccepted: 0,
    beaconsRejected: 0,
    beaconsIgnored: 0,
    updatesSent: 0,
    updatesReceived: 0,
    updateBytesSent: 0,
    updateBytesReceived: 0,
    updatesThrottled: 0,
    updatesThrottledMs: 0,
    topologyCutOffs: 0,
    topologyStreamsRefused: 0,
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
    excess: { origins: 0, links: 0, reach: 0, evicted: 0, refused: 0, rate: 0 }
  }
}
