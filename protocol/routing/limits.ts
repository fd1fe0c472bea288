/**
 * What one neighbour, and all together, may make this node take in: topology updates
 * (and their bytes) and routed messages per second per neighbour, and beacons from origins not held yet
 * per minute (per neighbour and in all, taken before the signature is checked, so a
 * flood of fresh keys costs no verification). What the bounds drop is counted always and
 * reported as a `topology:excess` event at most every 10 s per neighbour, so a flood
 * cannot flood the event log too.
 */
import { TokenBuckets } from '../limits/token-buckets.ts'
import type { RoutingInit } from './api.ts'
import type { EventLog } from '../events/index.ts'
import type { Logger } from '@libp2p/interface'

export interface RoutingLimits {
  /** one more topology update of `bytes` from `from` (a frame): within both its rates? */
  update(from: string, bytes: number, now: number): boolean
  /** one more routed envelope from `from` */
  routed(from: string, now: number): boolean
  /** a beacon from an origin not held yet, relayed by `from`: takes both budgets' tokens, or none */
  newOrigin(from: string, now: number): boolean
  /** `dropped` items from `from` went over the bounds */
  excess(from: string, dropped: number, now: number): void
}

const EVENT_GAP_MS = 10_000

export function createRoutingLimits (components: { log: Logger, events?: EventLog }, init: Pick<RoutingInit, 'newOrigins' | 'rateLimits'> = {}): RoutingLimits {
  const no = init.newOrigins ?? {}
  const perNeighbour = new TokenBuckets((no.perNeighbourPerMinute ?? 60) / 60, no.perNeighbourBurst ?? 128, 4096)
  const all = new TokenBuckets((no.perMinute ?? 300) / 60, no.burst ?? 512, 1)
  const routedPerSecond = init.rateLimits?.routedPerSecond ?? 1000
  const updatesPerSecond = init.rateLimits?.updatesPerSecond ?? 50
  const updateBytesPerSecond = init.rateLimits?.updateBytesPerSecond ?? 1024 * 1024
  const routed = new TokenBuckets(routedPerSecond, routedPerSecond, 4096)
  const updates = new TokenBuckets(updatesPerSecond, updatesPerSecond, 4096)
  const updateBytes = new TokenBuckets(updateBytesPerSecond, init.rateLimits?.updateBytesBurst ?? 8 * 1024 * 1024, 4096)
  /** excess reported per neighbour since its last event, and when that event went out */
  const reported = new Map<string, { at: number, pending: number }>()

  return {
    update (from, bytes, now) {
      if (!updates.has(from, 1, now) || !updateBytes.take(from, bytes, now)) { return false }
      updates.take(from, 1, now)
      return true
    },
    routed: (from, now) => routed.take(from, 1, now),
    newOrigin (from, now) {
      if (!perNeighbour.has(from, 1, now) || !all.take('all', 1, now)) { return false }
      perNeighbour.take(from, 1, now)
      return true
    },
    excess (from, dropped, now) {
      let r = reported.get(from)
      if (r == null) {
        if (reported.size >= 1024) { reported.delete(reported.keys().next().value as string) }
        r = { at: -Infinity, pending: 0 }
        reported.set(from, r)
      }
      r.pending += dropped
      if (now - r.at < EVENT_GAP_MS) { return }
      components.log('topology from %s over its bounds: %d item(s) dropped', from, r.pending)
      components.events?.emitEvent('mesh', 'topology:excess', { peerId: from, dropped: r.pending })
      r.at = now
      r.pending = 0
    }
  }
}
