/**
 * What the link monitor keeps per peer and the figures it derives: RTT samples and probe
 * outcomes in rings of `window` (the moving median of the RTT, what routing uses: one
 * slow answer on a busy event loop must not reroute the mesh; the loss over the window),
 * RFC 6298's srtt and rttvar, traffic and invalid-message counts.
 */
import type { PeerId } from '@libp2p/interface'

export interface PeerRecord {
  peerId: PeerId
  id: string
  firstSeen: number
  lastSeen: number
  connectedSince?: number
  addresses: string[]
  bytesIn: number
  bytesOut: number
  srtt?: number
  rttvar?: number
  /** ring of the last RTT samples */
  samples: Float64Array
  sampleCount: number
  sampleNext: number
  /** the warm-up probe's timer */
  warmup?: unknown
  /** ring of the last probe outcomes: 1 = lost */
  outcomes: Uint8Array
  outcomeCount: number
  outcomeNext: number
  probesSent: number
  probesLost: number
  probing: boolean
  useProtocol: string
  invalid: number
  invalidAt: number
  lastInvalidReason?: string
  /** probes unanswered in a row */
  lostInRow: number
  lastHealth: number
}

export function createPeerRecord (peerId: PeerId, now: number, window: number, protocol: string): PeerRecord {
  return {
    peerId,
    id: peerId.toString(),
    firstSeen: now,
    lastSeen: now,
    addresses: [],
    bytesIn: 0,
    bytesOut: 0,
    outcomes: new Uint8Array(window),
    samples: new Float64Array(window),
    sampleCount: 0,
    sampleNext: 0,
    outcomeCount: 0,
    outcomeNext: 0,
    probesSent: 0,
    probesLost: 0,
    probing: false,
    useProtocol: protocol,
    invalid: 0,
    invalidAt: now,
    lostInRow: 0,
    lastHealth: 0
  }
}

/** one probe's outcome: its RTT, or undefined when it went unanswered */
export function recordOutcome (r: PeerRecord, rtt: number | undefined, now: number): void {
  const window = r.outcomes.length
  r.probesSent++
  r.outcomes[r.outcomeNext] = rtt == null ? 1 : 0
  r.outcomeNext = (r.outcomeNext + 1) % window
  r.outcomeCount = Math.min(window, r.outcomeCount + 1)
  if (rtt == null) {
    r.probesLost++
    r.lostInRow++
    return
  }
  r.lostInRow = 0
  r.lastSeen = now
  r.samples[r.sampleNext] = rtt
  r.sampleNext = (r.sampleNext + 1) % window
  r.sampleCount = Math.min(window, r.sampleCount + 1)
  if (r.srtt == null || r.rttvar == null) {
    r.srtt = rtt
    r.rttvar = rtt / 2
  } else {
    r.rttvar = 0.75 * r.rttvar + 0.25 * Math.abs(r.srtt - rtt)
    r.srtt = 0.875 * r.srtt + 0.125 * rtt
  }
}

/** moving median of the RTT samples */
export function medianRtt (r: PeerRecord): number | undefined {
  if (r.sampleCount === 0) { return undefined }
  const sorted = Array.from(r.samples.subarray(0, r.sampleCount)).sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** probes lost over the window, 0..1 */
export function lossOf (r: PeerRecord): number {
  if (r.outcomeCount === 0) { return 0 }
  let lost = 0
  for (let i = 0; i < r.outcomeCount; i++) { lost += r.outcomes[i] }
  return lost / r.outcomeCount
}
