/**
 * What topology gossip costs one node, as a function of the mesh size: the model behind
 * the table in ./index.ts, and what `bench/routes` checks against a live mesh.
 *
 * - Link-state zone: a beacon travels `scope` hops, each node forwarding each new
 * beacon once to each neighbour. A node therefore receives, per refresh, from each of
 * its d neighbours the beacons of that neighbour's (scope − 1)-hop zone:
 * d × zone(scope − 1) beacons, each 145 + 51·d bytes on the wire (measured encoding).
 * - Far zone: every `reachIntervalMs` each neighbour sends its far table: the targets
 * beyond its own zone, at most `maxReachEntries`, 54 bytes each.
 * - Beyond both: nothing is gossiped; such a target is found through the DHT and dialled.
 *
 * zone(r) = min(N, 1 + d + d(d−1) + … + d(d−1)^(r−1)), the r-hop neighbourhood of a
 * tree-like mesh (an upper bound: real meshes have cycles). Out-traffic equals in-traffic
 * on average (every byte received was sent by a neighbour).
 */

export const BEACON_BASE_BYTES = 145
export const BEACON_LINK_BYTES = 51
export const REACH_ENTRY_BYTES = 54

export interface GossipCostParams {
  nodes: number
  /** average neighbours per node */
  degree: number
  scope: number
  beaconIntervalMs: number
  /** triggered beacons per node per second on top of the refresh (link and quality changes) */
  triggeredPerSecond: number
  reachIntervalMs: number
  maxReachEntries: number
}

export interface GossipCost {
  /** nodes whose beacons a node holds */
  zone: number
  /** bytes of one beacon on the wire */
  beaconBytes: number
  beaconsPerSecond: number
  beaconBytesPerSecond: number
  /** entries in each far table a neighbour sends */
  reachEntries: number
  reachBytesPerSecond: number
  /** topology gossip received per second (≈ sent per second) */
  bytesPerSecond: number
  /** held state: beacons plus the neighbours' far tables, bytes (≈ 2× the wire size in memory) */
  stateBytes: number
  /** targets routed to without a DHT lookup */
  routable: number
}

/** nodes within `hops` hops in a tree-like mesh of average degree `d`, capped at `n` */
export function zoneSize (n: number, d: number, hops: number): number {
  let total = 1
  let ring = 1
  for (let h = 1; h <= hops && total < n; h++) {
    ring = h === 1 ? d : ring * Math.max(1, d - 1)
    total += ring
  }
  return Math.min(n, total)
}

export function gossipCost (p: GossipCostParams): GossipCost {
  const d = p.degree
  const zone = zoneSize(p.nodes, d, p.scope)
  const inner = zoneSize(p.nodes, d, p.scope - 1)
  const beaconBytes = BEACON_BASE_BYTES + BEACON_LINK_BYTES * d
  const refreshPerSecond = 1000 / p.beaconIntervalMs + p.triggeredPerSecond
  const beaconsPerSecond = d * inner * refreshPerSecond
  const beaconBytesPerSecond = beaconsPerSecond * beaconBytes
  const reachEntries = Math.min(p.maxReachEntries, Math.max(0, p.nodes - inner))
  const reachBytesPerSecond = d * reachEntries * REACH_ENTRY_BYTES * 1000 / p.reachIntervalMs
  // link state knows one hop past the scope (the border nodes' links)
  const linkStateKnown = zoneSize(p.nodes, d, p.scope + 1)
  return {
    zone,
    beaconBytes,
    beaconsPerSecond,
    beaconBytesPerSecond,
    reachEntries,
    reachBytesPerSecond,
    bytesPerSecond: beaconBytesPerSecond + reachBytesPerSecond,
    stateBytes: 2 * (zone * beaconBytes + d * reachEntries * REACH_ENTRY_BYTES),
    routable: Math.min(p.nodes - 1, linkStateKnown - 1 + Math.min(p.maxReachEntries, Math.max(0, p.nodes - linkStateKnown)))
  }
}
