/**
 * The topology exchange with the neighbours over `/liberation/topology/2.0.0`: this
 * node's signed beacon (every beaconIntervalMs, and triggered by link changes), beacons
 * relayed within their scope, a new neighbour's catch-up, and the updates neighbours send
 * (beacons and far tables), checked and bounded before they change the graph.
 *
 * Every beacon a neighbour sends is accounted for: accepted, rejected (invalid, counted
 * against the neighbour), ignored (not news), or dropped by a bound (excess: new origins
 * over the rates, updates over the update rate or still queued when the neighbour was
 * cut off; links cut, beacons evicted or refused). A neighbour that stays over its byte
 * budget is cut off (cut-off.ts): its topology streams reset, new ones refused for a while.
 */
import { every, yieldToEventLoop } from '../clock.ts'
import { serveFrames } from './channel.ts'
import { routers } from './context.ts'
import { TriggeredSend } from './damping.ts'
import { createFarTables } from './far-tables.ts'
import { MAX_BEACONS_PER_UPDATE, MAX_UPDATE_BYTES, createOutbox } from './outbox.ts'
import { TopologyUpdate } from './pb/routing.ts'
import { peerIdStringFromBytes, peerIdToBytes } from './peer-ids.ts'
import { InvalidRecordError, beaconLinks, isExpiredBeacon, parseBeacon, signBeacon, verifyBeacon } from './records.ts'
import type { RoutingContext } from './context.ts'
import type { CutOff, TopologyCutOffs } from './cut-off.ts'
import type { LinkQuality } from './health.ts'
import type { RoutingLimits } from './limits.ts'
import type { SignedBeacon } from './pb/routing.ts'
import type { FarChange, RouteKeeper } from './route-keeper.ts'
import type { ReachInfo } from './topology.ts'
import type { Connection, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Updates read from one stream and not handled yet, in bytes, past which more are dropped
 * (counted as excess): reading pauses long before (PAUSE_QUEUED_BYTES), so only what was
 * in flight when it paused can come on top
 */
const MAX_QUEUED_BYTES = MAX_UPDATE_BYTES
/** updates waiting, in bytes, past which reading pauses until they are handled */
const PAUSE_QUEUED_BYTES = 256 * 1024
/** beacons verified between two turns of the event loop (an honest update has fewer) */
const YIELD_EVERY_BEACONS = 64

/**
 * The beacons in an encoded TopologyUpdate (field 1), counted by walking its fields
 * without decoding or copying them; what does not parse ends the count.
 */
export function countBeacons (frame: Uint8ArrayList): number {
  const length = frame.byteLength
  let pos = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; shift < 35 && pos < length; shift += 7) {
      const b = frame.get(pos++)
      value += (b & 0x7f) * 2 ** shift
      if (b < 0x80) { return value }
    }
    return -1
  }
  let count = 0
  while (pos < length) {
    const tag = varint()
    if (tag < 0) { break }
    const wireType = tag & 7
    if (wireType === 0) {
      if (varint() < 0) { break }
    } else if (wireType === 2) {
      const len = varint()
      if (len < 0 || pos + len > length) { break }
      pos += len
      if (tag >>> 3 === 1) { count++ }
    } else if (wireType === 1) {
      pos += 8
    } else if (wireType === 5) {
      pos += 4
    } else {
      break
    }
  }
  return count
}

export interface TopologyExchange {
  start(): void
  stop(): void
  /** a link came up: the neighbour gets our zone's beacons and far table */
  linkUp(peer: string): void
  linkDown(peer: string): void
  /** identify says `peer` now routes: catch it up */
  routerFound(peer: string): void
  /** a triggered beacon: `urgent` (a link came or went) soon, else after the damped gap */
  scheduleBeacon(urgent?: boolean): void
  scheduleReach(reason: FarChange): void
  /** sign and send a fresh own beacon now */
  announce(): Promise<void>
  /** an inbound topology stream from a neighbour */
  serve(stream: Stream, connection: Connection): Promise<void>
  /** validate and apply one update from a neighbour; bad parts change nothing */
  apply(from: string, update: TopologyUpdate): Promise<void>
  readonly ownSeq: number
  beaconBackoffMs(): number
  farTableBackoffMs(): number
}

export interface TopologyExchangeParts {
  protocol: string
  table: RouteKeeper
  limits: RoutingLimits
  /** neighbours over their byte budget for too long: their topology streams reset and refused */
  cutOffs: TopologyCutOffs
  /** the quality of each local link as last put into the graph and our beacon */
  advertised: ReadonlyMap<string, LinkQuality>
}

export function createTopologyExchange (ctx: RoutingContext, parts: TopologyExchangeParts): TopologyExchange {
  const { cfg, graph, clock, counters } = ctx
  const { table, limits, advertised, cutOffs } = parts
  /** each neighbour's inbound topology streams being read: a cut-off stops them all */
  const reading = new Map<string, Set<AbortController>>()
  const outbox = createOutbox(ctx, parts.protocol)
  const far = createFarTables(ctx, table, outbox)
  const beaconTrigger = new TriggeredSend(() => { void sendBeacon() }, cfg.beaconMinIntervalMs, cfg.beaconIntervalMs, cfg.beaconDampingHalfLifeMs, clock)
  let ownBeacon: SignedBeacon | undefined
  let ownSeq = 0

  async function sendBeacon (): Promise<void> {
    if (!ctx.running()) { return }
    const now = clock.now()
    beaconTrigger.sent(now)
    ownSeq = Math.max(ownSeq + 1, now)
    const links = routers(ctx).map(peer => ({ peer, ...(advertised.get(peer) ?? graph.getLocalLink(peer) ?? { loss: 0, health: 0.5 }) }))
    const addrs = ctx.libp2p.getMultiaddrs().slice(0, 4).map(a => a.toString())
    const signed = await signBeacon(ctx.crypto.signer, { seq: ownSeq, timestamp: now, scope: cfg.scope, links, addrs }, peerIdToBytes)
    if (!ctx.running()) { return }
    ownBeacon = signed
    counters.beaconsSent++
    for (const peer of routers(ctx)) { outbox.beacon(peer, ctx.self, signed) }
  }

  /** a new neighbour gets every beacon it is within scope of, and our far table */
  function catchUp (peer: string): void {
    if (ctx.nonRouters.has(peer)) { return }
    for (const b of graph.beaconRecords()) {
      if (b.origin === peer || b.wire == null || b.hops >= b.scope) { continue }
      outbox.beacon(peer, b.origin, { ...b.wire, hops: b.hops })
    }
    if (ownBeacon != null) { outbox.beacon(peer, ctx.self, ownBeacon) }
    // a new neighbour has no table from us yet: the far tables' send gives it one
    far.schedule('membership')
  }

  function scheduleBeacon (urgent = true): void {
    if (!ctx.running()) { return }
    // a damped beacon waits for, or rides on, one already coming: it carries the new cost
    if (urgent) { beaconTrigger.soon(cfg.beaconMinIntervalMs) } else { beaconTrigger.damped() }
  }

  /** `from` stayed over its byte budget: reset its topology streams, refuse new ones for the cooldown */
  function cutOff (cut: CutOff): void {
    counters.topologyCutOffs++
    ctx.log('topology from %s cut off for %d ms (strike %d): over its byte budget', cut.peerId, cut.cooldownMs, cut.strikes)
    ctx.events?.emitEvent('mesh', 'topology:cut-off', { peerId: cut.peerId, cooldownMs: cut.cooldownMs, strikes: cut.strikes, until: cut.until })
    const err = new Error(`topology cut off for ${cut.cooldownMs} ms: over its byte budget`)
    for (const c of reading.get(cut.peerId) ?? []) { c.abort(err) }
  }

  async function serve (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    const refusedMs = cutOffs.refusedFor(from, clock.now())
    if (refusedMs > 0) {
      counters.topologyStreamsRefused++
      ctx.log.trace('topology stream from %s refused: cut off for %d ms more', from, refusedMs)
      stream.abort(new Error(`topology cut off for ${refusedMs} ms more`))
      return
    }
    const stop = new AbortController()
    let streams = reading.get(from)
    if (streams == null) {
      streams = new Set()
      reading.set(from, streams)
    }
    streams.add(stop)
    try {
      await read(from, stream, stop.signal)
    } finally {
      streams.delete(stop)
      if (streams.size === 0 && reading.get(from) === streams) { reading.delete(from) }
    }
  }

  async function read (from: string, stream: Stream, signal: AbortSignal): Promise<void> {
    const decode = (frame: Uint8ArrayList): TopologyUpdate => {
      const update = TopologyUpdate.decode(frame, { limits: { beacons: MAX_BEACONS_PER_UPDATE, reach: cfg.maxReachEntries * 2 } })
      counters.updatesReceived++
      counters.updateBytesReceived += frame.byteLength
      return update
    }
    /** an update dropped unread (not decoded: a copy of the whole frame): its beacons are counted off the wire */
    const drop = (frame: Uint8ArrayList, why: string): void => {
      counters.updatesReceived++
      counters.updateBytesReceived += frame.byteLength
      const beacons = countBeacons(frame)
      counters.beaconsReceived += beacons
      counters.excess.rate += beacons
      limits.excess(from, beacons, clock.now())
      ctx.log('topology update from %s dropped: %s', from, why)
    }
    await serveFrames(stream, {
      maxFrameBytes: MAX_UPDATE_BYTES,
      maxQueuedBytes: MAX_QUEUED_BYTES,
      pauseQueuedBytes: PAUSE_QUEUED_BYTES,
      // the neighbour's byte budget paces the reading: what it sends faster waits on its side
      pace: (bytes) => limits.readBytes(from, bytes, clock.now()),
      clock,
      throttled: (ms) => {
        const now = clock.now()
        counters.updatesThrottled++
        counters.updatesThrottledMs += ms
        limits.throttled(from, ms, now)
        const cut = cutOffs.paused(from, ms, now)
        if (cut != null) { cutOff(cut) }
      },
      signal,
      // a frame that does not decode is the sender's fault (serveFrames counts it)
      onFrame: async (frame) => {
        if (!limits.update(from, clock.now())) {
          drop(frame, 'over the update rate')
          return
        }
        const update = decode(frame)
        await apply(from, update).catch((err: any) => { ctx.log.error('topology update from %s not applied: %s', from, err?.message) })
      },
      dropped: (frame) => { drop(frame, signal.aborted ? 'cut off' : 'more queued than this node keeps') },
      malformed: (err) => { ctx.invalid(from, `malformed topology update: ${err.message}`) }
    })
  }

  function graphExcess (): number {
    const e = graph.excess
    return e.links + e.reach + e.evicted + e.refused
  }

  async function apply (from: string, update: TopologyUpdate): Promise<void> {
    const now = clock.now()
    const checks = { now, maxAgeMs: cfg.beaconMaxAgeMs, maxClockSkewMs: cfg.maxClockSkewMs }
    let changed = false
    let rejected = 0
    let excess = 0
    const excessBefore = graphExcess()
    const forward: Array<{ origin: string, signed: SignedBeacon }> = []
    let verified = 0
    counters.beaconsReceived += update.beacons.length
    for (const signed of update.beacons) {
      try {
        const parsed = parseBeacon(signed, checks)
        if (parsed.origin === ctx.self || isExpiredBeacon(parsed, checks) || !graph.isNewer(parsed.origin, parsed.seq)) {
          counters.beaconsIgnored++
          continue
        }
        // a new origin costs the neighbour's and the node's budgets, before any signature
        // check (a neighbour's own beacon is always welcome)
        if (parsed.origin !== from && !graph.hasBeacon(parsed.origin) && !limits.newOrigin(from, now)) {
          excess++
          counters.excess.origins++
          continue
        }
        // a signature check and a beacon's links cost about a millisecond: an update of
        // hundreds would hold the event loop (the API, the probes) for its whole length
        // (by count, not time: the checks await, so the time includes other work)
        if (++verified % YIELD_EVERY_BEACONS === 0) { await yieldToEventLoop() }
        if (!await verifyBeacon(ctx.crypto.verifier, signed, parsed)) { throw new InvalidRecordError('beacon signature does not verify') }
        const { links, addrs, cut } = beaconLinks(parsed, cfg.maxLinksPerBeacon)
        graph.excess.links += cut
        // the hop count is not signed: a relayed beacon came at least two hops
        const hops = parsed.origin === from ? 1 : Math.max(2, signed.hops + 1)
        const refusedBefore = graph.excess.refused
        // copies: the decoded bytes are views of the whole update, which a held (or queued) beacon would keep
        const wire = { beacon: signed.beacon.slice(), signature: signed.signature.slice(), hops }
        if (!graph.insertBeacon({
          origin: parsed.origin,
          seq: parsed.seq,
          timestamp: parsed.timestamp,
          scope: parsed.scope,
          hops,
          links,
          addrs,
          receivedAt: now,
          wire
        }, now)) {
          // refused for room (counted as excess by the graph), or another update brought a
          // newer one while we verified
          if (graph.excess.refused === refusedBefore) { counters.beaconsIgnored++ }
          continue
        }
        changed = true
        counters.beaconsAccepted++
        if (hops < parsed.scope) { forward.push({ origin: parsed.origin, signed: wire }) }
      } catch (err: any) {
        rejected++
        counters.beaconsRejected++
        ctx.log('rejected beacon from %s: %s', from, err?.message)
      }
    }
    if (rejected > 0) { ctx.invalid(from, `${rejected} invalid beacon(s)`) }
    if (update.hasReach && graph.getLocalLink(from) != null) {
      try {
        const entries: ReachInfo[] = update.reach.map(e => {
          const target = peerIdStringFromBytes(e.peer)
          if (!Number.isSafeInteger(e.seq) || e.seq < 0) { throw new InvalidRecordError('reach seq out of range') }
          return { target, cost: e.cost, hops: e.hops, seq: e.seq }
        })
        graph.setReach(from, entries, now)
        changed = true
      } catch (err: any) {
        ctx.invalid(from, `malformed far table: ${err?.message}`)
      }
    }
    excess += graphExcess() - excessBefore
    if (excess > 0) { limits.excess(from, excess, now) }
    for (const { origin, signed } of forward) {
      for (const peer of routers(ctx)) {
        if (peer !== from && peer !== origin) { outbox.beacon(peer, origin, signed) }
      }
    }
    if (changed) { table.schedule() }
  }

  let stopTimers: Array<() => void> = []

  return {
    start () {
      stopTimers = [
        every(clock, cfg.beaconIntervalMs, () => { void sendBeacon() }),
        every(clock, cfg.reachIntervalMs, () => { far.send(true) })
      ]
      scheduleBeacon()
    },
    stop () {
      for (const s of stopTimers) { s() }
      stopTimers = []
      beaconTrigger.cancel()
      far.stop()
      outbox.stop()
    },
    linkUp (peer) {
      catchUp(peer)
      scheduleBeacon()
    },
    linkDown (peer) {
      outbox.forget(peer)
      far.forget(peer)
      scheduleBeacon()
    },
    routerFound (peer) { catchUp(peer) },
    scheduleBeacon,
    scheduleReach: far.schedule,
    announce: sendBeacon,
    serve,
    apply,
    get ownSeq () { return ownSeq },
    beaconBackoffMs: () => beaconTrigger.damper.gap(clock.now()),
    farTableBackoffMs: far.backoffMs
  }
}
