/**
 * Measures every direct link: a probe (32 random bytes echoed back) to each connected
 * peer every `probeIntervalMs` (the first three 500 ms apart, once the connection's setup
 * burst is over), giving the RTT moving average and jitter (RFC 6298 srtt and rttvar),
 * the moving median of the RTT over the last `lossWindow` answers (what routing uses: one
 * slow answer on a busy event loop must not reroute the mesh) and the loss over the last
 * `lossWindow` probes; plus time connected, bytes
 * in/out (counted on the raw connection), last seen, and invalid messages reported by
 * any service. From these and the peer's gossipsub score it computes the health score
 * (health.ts), with its reasons in words.
 *
 * The monitor is the node's one liveness check: runtimes turn libp2p's connection monitor
 * off, and the monitor closes a connection after `deadAfterLosses` probes in a row went
 * unanswered. Two pingers on one connection would break the ping protocol's limit of one
 * outbound stream, and libp2p's monitor aborts the whole connection on that local error:
 * a healthy peer then flickers away and every open stream fails with an error that looks
 * like the peer's fault. Probes use our own protocol; peers without it (plain libp2p, or
 * one whose services are still starting) are pinged with the standard protocol until their
 * identify lists ours. Failures of our own making (a stream limit, stopping) are not loss.
 *
 * Its schedules (the probe interval, warm-up probes, probe timeouts) and the times it
 * reports run on the clock passed in, the routing's. The probe on the wire is probe.ts,
 * the per-peer figures link-stats.ts.
 */
import { TypedEventEmitter } from 'main-event'
import { every, systemClock, timeoutSignal } from '../clock.ts'
import { decayInvalid, healthComponents, healthFromComponents, healthReasons } from './health.ts'
import { createPeerRecord, lossOf, medianRtt, recordOutcome } from './link-stats.ts'
import { LOCAL_FAILURE, PING_PROTOCOL, PROBE_PROTOCOL, answerProbe, echo, isLocalFailure } from './probe.ts'
import type { Clock } from '../clock.ts'
import type { HealthComponents, HealthInputs, LinkQuality } from './health.ts'
import type { PeerRecord } from './link-stats.ts'
import type { ComponentLogger, Connection, IdentifyResult, Libp2p, Logger, PeerId } from '@libp2p/interface'

export { PING_PROTOCOL, PROBE_PROTOCOL } from './probe.ts'

export interface LinkMonitorInit {
  /** how often each connected peer is probed (default 5000) */
  probeIntervalMs?: number
  /** a probe not answered within this counts as lost (default 3000) */
  probeTimeoutMs?: number
  /** probes over which loss is measured (default 20) */
  lossWindow?: number
  /** `peer:health` fires when a score moves at least this much (default 0.05) */
  healthChangeThreshold?: number
  /** disconnected peers remembered at most (default 1024) */
  maxPeerRecords?: number
  /** probes unanswered in a row after which the connection is closed as dead (default 3; 0 = never) */
  deadAfterLosses?: number
}

export interface LinkMonitorComponents {
  libp2p: Libp2p
  logger: ComponentLogger
  gossipScore(peer: string): number
  /** the probes' schedules and timeouts, and the times reported (default: the system clock) */
  clock?: Clock
}

export type PeerStatus = 'connected' | 'disconnected'

/** One direct peer as the API shows it (`routing.peers()`). */
export interface PeerLinkInfo {
  peerId: string
  /** multiaddrs of the open connections, else the last known ones */
  addresses: string[]
  status: PeerStatus
  /** open connections to the peer */
  connections: number
  firstSeen: number
  /** last probe answer or data received, ms since epoch */
  lastSeen: number
  /** when the current connection came up (undefined when disconnected) */
  connectedSince?: number
  /** ms connected, current connection */
  uptimeMs: number
  bytesIn: number
  bytesOut: number
  /** median RTT over the last probe answers, ms (undefined until the first answer): the figure routing uses */
  rttMs?: number
  /** RTT moving average (RFC 6298 srtt), ms */
  rttAvgMs?: number
  /** RTT mean deviation, ms */
  jitterMs?: number
  /** probe loss over the window, 0..1 */
  loss: number
  probesSent: number
  probesLost: number
  /** decayed count of invalid messages the peer sent us */
  invalidMessages: number
  gossipScore: number
  /** 0..1; 0 when disconnected */
  health: number
  /** why the score is what it is: the weak parts in words, worst first (empty when all are good) */
  healthReasons: string[]
}

/** `routing.health(peerId)`: the score with its parts (health.ts). */
export interface PeerHealth {
  peerId: string
  status: PeerStatus
  health: number
  components: HealthComponents
  rttMs?: number
  jitterMs?: number
  loss: number
  uptimeMs: number
  gossipScore: number
  invalidMessages: number
  /** the weak parts in words, worst first (empty when all are good) */
  reasons: string[]
  /** what the last invalid message was */
  lastInvalidReason?: string
}

export interface PeerHealthChange {
  peerId: string
  health: number
  previous: number
  status: PeerStatus
}

export interface LinkMonitorEvents {
  'link:up': CustomEvent<string>
  'link:down': CustomEvent<string>
  /** a probe finished: the link's quality figures were updated */
  'link:quality': CustomEvent<{ peerId: string, quality: LinkQuality }>
  'peer:health': CustomEvent<PeerHealthChange>
}

export interface LinkMonitor extends TypedEventEmitter<LinkMonitorEvents> {
  start(): Promise<void>
  stop(): Promise<void>
  peers(): PeerLinkInfo[]
  peer(peerId: string): PeerLinkInfo | undefined
  health(peerId: string): PeerHealth | undefined
  quality(peerId: string): LinkQuality | undefined
  /** count an invalid message against `peerId` (any service may call this) */
  reportInvalid(peerId: string, reason?: string): void
  /** probe one peer now (tests, API) */
  probe(peerId: string): Promise<number | undefined>
}

const TRACKED = Symbol.for('liberation.routing.traffic')

class DefaultLinkMonitor extends TypedEventEmitter<LinkMonitorEvents> implements LinkMonitor {
  private readonly libp2p: Libp2p
  private readonly log: Logger
  private readonly gossipScore: (peer: string) => number
  private readonly records = new Map<string, PeerRecord>()
  private readonly probeIntervalMs: number
  private readonly probeTimeoutMs: number
  private readonly lossWindow: number
  private readonly threshold: number
  private readonly maxRecords: number
  private readonly deadAfterLosses: number
  private readonly clock: Clock
  private stopTimer?: () => void
  private running = false
  private readonly controller = new AbortController()

  constructor (components: LinkMonitorComponents, init: LinkMonitorInit) {
    super()
    this.libp2p = components.libp2p
    this.log = components.logger.forComponent('liberation:routing:links')
    this.gossipScore = components.gossipScore
    this.clock = components.clock ?? systemClock
    this.probeIntervalMs = init.probeIntervalMs ?? 5000
    this.probeTimeoutMs = init.probeTimeoutMs ?? 3000
    this.lossWindow = Math.max(1, init.lossWindow ?? 20)
    this.threshold = init.healthChangeThreshold ?? 0.05
    this.maxRecords = init.maxPeerRecords ?? 1024
    this.deadAfterLosses = init.deadAfterLosses ?? 3
    this.onConnect = this.onConnect.bind(this)
    this.onDisconnect = this.onDisconnect.bind(this)
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onIdentify = this.onIdentify.bind(this)
  }

  async start (): Promise<void> {
    if (this.running) { return }
    this.running = true
    await this.libp2p.handle(PROBE_PROTOCOL, async (stream) => {
      const timeout = timeoutSignal(this.clock, this.probeTimeoutMs)
      try {
        await answerProbe(stream, timeout.signal)
      } finally {
        timeout.clear()
      }
    }, {
      maxInboundStreams: 8,
      runOnLimitedConnection: true
    })
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    for (const conn of this.libp2p.getConnections()) { this.track(conn) }
    for (const peer of this.libp2p.getPeers()) { this.linkUp(peer) }
    this.stopTimer = every(this.clock, this.probeIntervalMs, () => { this.tick() })
  }

  async stop (): Promise<void> {
    if (!this.running) { return }
    this.running = false
    this.controller.abort()
    this.stopTimer?.()
    this.stopTimer = undefined
    for (const r of this.records.values()) {
      if (r.warmup != null) { this.clock.clearTimeout(r.warmup) }
      r.warmup = undefined
    }
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    await this.libp2p.unhandle(PROBE_PROTOCOL).catch(() => {})
  }

  private record (peer: PeerId): PeerRecord {
    const id = peer.toString()
    let r = this.records.get(id)
    if (r == null) {
      r = createPeerRecord(peer, this.clock.now(), this.lossWindow, PROBE_PROTOCOL)
      this.records.set(id, r)
      this.evict()
    }
    return r
  }

  private evict (): void {
    if (this.records.size <= this.maxRecords) { return }
    const idle = [...this.records.values()]
      .filter(r => r.connectedSince == null)
      .sort((a, b) => a.lastSeen - b.lastSeen)
    for (const r of idle) {
      if (this.records.size <= this.maxRecords) { break }
      this.records.delete(r.id)
    }
  }

  /** counts bytes on the raw connection, the way @libp2p/prometheus-metrics does */
  private track (conn: Connection): void {
    const maConn = (conn as unknown as { maConn?: any }).maConn
    if (maConn == null || maConn[TRACKED] === true) { return }
    maConn[TRACKED] = true
    const r = this.record(conn.remotePeer)
    // observe dispatched messages without adding a 'message' listener (which would
    // start the stream flowing before the upgrader's readers attach)
    const dispatch = maConn.dispatchEvent.bind(maConn)
    maConn.dispatchEvent = (evt: any) => {
      if (evt?.type === 'message') {
        r.bytesIn += evt.data?.byteLength ?? 0
        r.lastSeen = this.clock.now()
      }
      return dispatch(evt)
    }
    const send = maConn.send.bind(maConn)
    maConn.send = (buf: any) => {
      r.bytesOut += buf?.byteLength ?? 0
      return send(buf)
    }
  }

  private onConnectionOpen (evt: CustomEvent<Connection>): void {
    this.track(evt.detail)
  }

  /** a peer that was pinged while its services started is probed with ours once it lists it */
  private onIdentify (evt: CustomEvent<IdentifyResult>): void {
    const r = this.records.get(evt.detail.peerId.toString())
    if (r != null && evt.detail.protocols.includes(PROBE_PROTOCOL)) { r.useProtocol = PROBE_PROTOCOL }
  }

  private onConnect (evt: CustomEvent<PeerId>): void {
    this.linkUp(evt.detail)
  }

  private linkUp (peer: PeerId): void {
    if (!this.running || peer.equals(this.libp2p.peerId)) { return }
    const r = this.record(peer)
    if (r.connectedSince != null) { return }
    const now = this.clock.now()
    r.connectedSince = now
    r.lastSeen = now
    r.addresses = this.libp2p.getConnections(peer).map(c => c.remoteAddr.toString())
    this.safeDispatchEvent('link:up', { detail: r.id })
    this.warmUp(r, 3)
  }

  /** a few quick probes after the connection's own setup traffic has passed */
  private warmUp (r: PeerRecord, left: number): void {
    if (r.warmup != null) { this.clock.clearTimeout(r.warmup) }
    r.warmup = this.clock.setTimeout(() => {
      r.warmup = undefined
      if (!this.running || r.connectedSince == null) { return }
      void this.probe(r.id).finally(() => {
        if (left > 1) { this.warmUp(r, left - 1) }
      })
    }, Math.min(500, this.probeIntervalMs) * (0.75 + Math.random() * 0.5))
  }

  private onDisconnect (evt: CustomEvent<PeerId>): void {
    const r = this.records.get(evt.detail.toString())
    if (r == null || r.connectedSince == null) { return }
    r.connectedSince = undefined
    r.lostInRow = 0
    if (r.warmup != null) { this.clock.clearTimeout(r.warmup) }
    r.warmup = undefined
    this.safeDispatchEvent('link:down', { detail: r.id })
    this.checkHealth(r)
  }

  private tick (): void {
    if (!this.running) { return }
    for (const r of this.records.values()) {
      if (r.connectedSince != null) { void this.probe(r.id) }
    }
  }

  async probe (peerId: string): Promise<number | undefined> {
    const r = this.records.get(peerId)
    if (r == null || r.probing || r.connectedSince == null || !this.running) { return undefined }
    const conn = this.libp2p.getConnections(r.peerId).find(c => c.status === 'open')
    if (conn == null) { return undefined }
    r.probing = true
    let outcome: number | undefined | typeof LOCAL_FAILURE
    const timeout = timeoutSignal(this.clock, this.probeTimeoutMs)
    const signal = AbortSignal.any([timeout.signal, this.controller.signal])
    try {
      outcome = await this.probeOnce(conn, r, signal)
    } finally {
      timeout.clear()
      r.probing = false
    }
    // a probe cut short by the link going away (or by stop), or failed for a reason of
    // our own, says nothing about loss
    if (outcome === LOCAL_FAILURE) { return undefined }
    if (!this.running || conn.status !== 'open' || r.connectedSince == null) { return outcome }
    this.recordProbe(r, outcome)
    if (outcome == null && this.deadAfterLosses > 0 && r.lostInRow >= this.deadAfterLosses) {
      this.log('closing the connection to %s: %d probes in a row unanswered', peerId, r.lostInRow)
      conn.abort(new Error(`link dead: ${r.lostInRow} probes in a row unanswered`))
    }
    return outcome
  }

  private async probeOnce (conn: Connection, r: PeerRecord, signal: AbortSignal): Promise<number | undefined | typeof LOCAL_FAILURE> {
    const protocol = r.useProtocol
    // the ping protocol allows one outbound stream per connection: never a second one
    if (protocol === PING_PROTOCOL && conn.streams.some(s => s.direction === 'outbound' && s.protocol === PING_PROTOCOL)) {
      return LOCAL_FAILURE
    }
    try {
      return await echo(conn, protocol, signal)
    } catch (err: any) {
      // a peer without our probe protocol (yet) answers the standard ping instead
      if (err?.name === 'UnsupportedProtocolError' && protocol !== PING_PROTOCOL) {
        r.useProtocol = PING_PROTOCOL
        return this.probeOnce(conn, r, signal)
      }
      this.log.trace('probe of %s failed: %s', r.id, err?.message)
      return isLocalFailure(err) ? LOCAL_FAILURE : undefined
    }
  }

  private recordProbe (r: PeerRecord, rtt: number | undefined): void {
    recordOutcome(r, rtt, this.clock.now())
    const quality = this.qualityOf(r)
    this.safeDispatchEvent('link:quality', { detail: { peerId: r.id, quality } })
    this.checkHealth(r)
  }

  private invalidNow (r: PeerRecord): number {
    const now = this.clock.now()
    r.invalid = decayInvalid(r.invalid, now - r.invalidAt)
    r.invalidAt = now
    return r.invalid
  }

  private inputs (r: PeerRecord): HealthInputs {
    return {
      rttMs: medianRtt(r),
      jitterMs: r.rttvar,
      loss: lossOf(r),
      connectedMs: r.connectedSince == null ? 0 : this.clock.now() - r.connectedSince,
      gossipScore: this.gossipScore(r.id),
      invalid: this.invalidNow(r)
    }
  }

  private components (r: PeerRecord): HealthComponents {
    return healthComponents(this.inputs(r))
  }

  private reasons (r: PeerRecord): string[] {
    const inputs = this.inputs(r)
    return healthReasons(inputs, healthComponents(inputs), r.lastInvalidReason)
  }

  private healthOf (r: PeerRecord): number {
    if (r.connectedSince == null) { return 0 }
    return healthFromComponents(this.components(r))
  }

  private qualityOf (r: PeerRecord): LinkQuality {
    return { rttMs: medianRtt(r), jitterMs: r.rttvar, loss: lossOf(r), health: this.healthOf(r) }
  }

  private checkHealth (r: PeerRecord): void {
    const health = this.healthOf(r)
    const moved = Math.abs(health - r.lastHealth) >= this.threshold
    const edge = (health === 0) !== (r.lastHealth === 0)
    if (!moved && !edge) { return }
    const previous = r.lastHealth
    r.lastHealth = health
    this.safeDispatchEvent('peer:health', {
      detail: { peerId: r.id, health, previous, status: r.connectedSince == null ? 'disconnected' : 'connected' }
    })
  }

  quality (peerId: string): LinkQuality | undefined {
    const r = this.records.get(peerId)
    return r == null || r.connectedSince == null ? undefined : this.qualityOf(r)
  }

  reportInvalid (peerId: string, reason?: string): void {
    const r = this.records.get(peerId)
    if (r == null) { return }
    r.invalid = this.invalidNow(r) + 1
    r.lastInvalidReason = reason ?? 'unspecified'
    this.log('invalid message from %s: %s', peerId, reason ?? 'unspecified')
    this.checkHealth(r)
  }

  peer (peerId: string): PeerLinkInfo | undefined {
    const r = this.records.get(peerId)
    return r == null ? undefined : this.info(r)
  }

  peers (): PeerLinkInfo[] {
    return [...this.records.values()].map(r => this.info(r))
  }

  health (peerId: string): PeerHealth | undefined {
    const r = this.records.get(peerId)
    if (r == null) { return undefined }
    const inputs = this.inputs(r)
    const components = healthComponents(inputs)
    return {
      peerId,
      status: r.connectedSince == null ? 'disconnected' : 'connected',
      health: r.connectedSince == null ? 0 : healthFromComponents(components),
      components,
      rttMs: medianRtt(r),
      jitterMs: r.rttvar,
      loss: lossOf(r),
      uptimeMs: r.connectedSince == null ? 0 : this.clock.now() - r.connectedSince,
      gossipScore: inputs.gossipScore,
      invalidMessages: r.invalid,
      reasons: healthReasons(inputs, components, r.lastInvalidReason),
      lastInvalidReason: r.lastInvalidReason
    }
  }

  private info (r: PeerRecord): PeerLinkInfo {
    const conns = this.libp2p.getConnections(r.peerId)
    if (conns.length > 0) { r.addresses = conns.map(c => c.remoteAddr.toString()) }
    const connected = r.connectedSince != null
    return {
      peerId: r.id,
      addresses: [...r.addresses],
      status: connected ? 'connected' : 'disconnected',
      connections: conns.length,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      connectedSince: r.connectedSince,
      uptimeMs: connected ? this.clock.now() - (r.connectedSince ?? 0) : 0,
      bytesIn: r.bytesIn,
      bytesOut: r.bytesOut,
      rttMs: medianRtt(r),
      rttAvgMs: r.srtt,
      jitterMs: r.rttvar,
      loss: lossOf(r),
      probesSent: r.probesSent,
      probesLost: r.probesLost,
      invalidMessages: this.invalidNow(r),
      gossipScore: this.gossipScore(r.id),
      health: this.healthOf(r),
      healthReasons: connected ? this.reasons(r) : ['not connected']
    }
  }
}

export function createLinkMonitor (components: LinkMonitorComponents, init: LinkMonitorInit = {}): LinkMonitor {
  return new DefaultLinkMonitor(components, init)
}
