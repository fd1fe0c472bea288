/**
 * Far tables (distance vectors) sent to the neighbours. They go out when they changed: a
 * lost route (`retraction`) at once, like Babel's retractions, so a dead node's vectors
 * do not outlive it by more than a few hops' worth of round trips; a target that came or
 * went (`membership`) at most every reachMinIntervalMs; costs that moved (`cost`) after a
 * damped gap (FlapDamper), since under load every RTT moves and each send carries the
 * whole table. Plus the periodic refresh every reachIntervalMs.
 */
import { routers } from './context.ts'
import { TriggeredSend } from './damping.ts'
import { peerIdToBytes } from './peer-ids.ts'
import type { RoutingContext } from './context.ts'
import type { Outbox } from './outbox.ts'
import type { FarChange, RouteKeeper } from './route-keeper.ts'
import type { ReachInfo } from './topology.ts'

const RETRACTION_GAP_MS = 50

export interface FarTables {
  schedule(reason: FarChange): void
  /** send each neighbour its table if it changed, or all of them (`refresh`) */
  send(refresh: boolean): void
  /** `peer` is gone */
  forget(peer: string): void
  /** how long after the last send a send for moved costs would wait now, ms */
  backoffMs(): number
  stop(): void
}

export function createFarTables (ctx: RoutingContext, table: RouteKeeper, outbox: Outbox): FarTables {
  const { cfg, graph, clock } = ctx
  /** the far table (before split horizon) when each neighbour was last sent its own: target → cost */
  const sentTo = new Map<string, Map<string, number>>()
  const trigger = new TriggeredSend(() => { send(false) }, cfg.reachMinIntervalMs, cfg.reachIntervalMs, cfg.beaconDampingHalfLifeMs, clock)

  /**
   * Changed means a target came or went, or its cost moved by significantCostChange
   * against what that neighbour was last told: small cost drift (and a hop count that
   * flips between routes about as good) waits for the refresh, so one noisy link does
   * not resend every table of the zone.
   */
  function send (refresh: boolean): void {
    if (!ctx.running()) { return }
    trigger.sent()
    const current = table.current()
    // changes are judged on the table before split horizon: a next hop that moved to a
    // route about as good changes what two neighbours are told, but neither needs it now
    // (the feasibility condition keeps a stale entry from making a loop)
    const whole = graph.advertisement(current, '', cfg.scope, cfg.maxReachEntries)
    let wholeMap: Map<string, number> | undefined
    for (const peer of routers(ctx)) {
      const last = sentTo.get(peer)
      if (!refresh && last != null && !changed(last, whole)) { continue }
      const entries = graph.advertisement(current, peer, cfg.scope, cfg.maxReachEntries)
      if (last == null && entries.length === 0 && !refresh) { continue }
      wholeMap ??= new Map(whole.map(e => [e.target, e.cost]))
      sentTo.set(peer, wholeMap)
      outbox.reach(peer, entries.map(e => ({
        peer: peerIdToBytes(e.target) as Uint8Array<ArrayBuffer>,
        cost: Math.min(0xffffffff, Math.ceil(e.cost)),
        hops: e.hops,
        seq: e.seq
      })))
    }
  }

  /**
   * A target came or went, or its cost moved significantly. A hop count alone does not
   * count: among routes about as costly it flips with noise, and the metric is the cost
   * (a route past maxHops is not advertised at all, which is a change).
   */
  function changed (last: Map<string, number>, entries: ReachInfo[]): boolean {
    if (last.size !== entries.length) { return true }
    for (const e of entries) {
      const before = last.get(e.target)
      if (before == null) { return true }
      const diff = Math.abs(before - e.cost)
      if (diff >= 1 && diff / Math.max(1, Math.min(before, e.cost)) >= cfg.significantCostChange) { return true }
    }
    return false
  }

  return {
    schedule (reason) {
      if (!ctx.running()) { return }
      if (reason === 'cost') { trigger.damped() } else { trigger.soon(reason === 'retraction' ? RETRACTION_GAP_MS : cfg.reachMinIntervalMs) }
    },
    send,
    forget (peer) { sentTo.delete(peer) },
    backoffMs: () => trigger.damper.gap(clock.now()),
    stop () { trigger.cancel() }
  }
}
