/**
 * What one neighbour, and all together, may make this node take in: topology updates and
 * routed messages per second per neighbour, the bytes of its topology streams (paced: read
 * no faster than the budget, the rest waits on the neighbour's side), and beacons from
 * origins not held yet per minute (per neighbour and in all, taken before the signature is
 * checked, so a flood of fresh keys costs no verification). What the bounds drop is
 * counted always and reported as a `topology:excess` event, and reading paused for the
 * byte budget as a `topology:throttled` event, each at most every 10 s per neighbour, so
 * a flood cannot flood the event log too.
 */
import { TokenBuckets } from '../limits/token-buckets.ts'
import type { RoutingInit } from './api.ts'
import type { EventLog } from '../events/index.ts'
import type { Logger } from '@libp2p/interface'

export interface RoutingLimits {
  /** one more topology update from `from` (a frame): within its rate? */
  update(from: string, now: number): boolean
  /** `bytes` more were read from `from`'s topology streams: ms to stop reading them for (0: read on) */
  readBytes(from: string, bytes: number, now: number): number
  /** reading `from` paused for `ms` (its byte budget) */
  throttled(from: string, ms: number, now: number): void
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
  const updateBytes = new TokenBuckets(updateBytesPerSecond, init.rateLimits?.updateBytesBurst ?? 1024 * 1024, 4096)
  const excessEvents = createReporter(components, 'topology:excess', 'topology from %s over its bounds: %d item(s) dropped', 'dropped')
  const throttleEvents = createReporter(components, 'topology:throttled', 'topology from %s over its byte budget: read paused for %d ms', 'pausedMs')

  return {
    update: (from, now) => updates.take(from, 1, now),
    readBytes: (from, bytes, now) => updateBytes.debit(from, bytes, now),
    throttled: (from, ms, now) => { throttleEvents(from, ms, now) },
    routed: (from, now) => routed.take(from, 1, now),
    newOrigin (from, now) {
      if (!perNeighbour.has(from, 1, now) || !all.take('all', 1, now)) { return false }
      perNeighbour.take(from, 1, now)
      return true
    },
    excess: (from, dropped, now) => { excessEvents(from, dropped, now) }
  }
}

/** counts per neighbour, logged and emitted as `type` at most every EVENT_GAP_MS per neighbour */
function createReporter (components: { log: Logger, events?: EventLog }, type: string, message: string, field: string): (from: string, n: number, now: number) => void {
  const reported = new Map<string, { at: number, pending: number }>()
  return (from, n, now) => {
    let r = reported.get(from)
    if (r == null) {
      if (reported.size >= 1024) { reported.delete(reported.keys().next().value as string) }
      r = { at: -Infinity, pending: 0 }
      reported.set(from, r)
    }
    r.pending += n
    if (now - r.at < EVENT_GAP_MS) { return }
    components.log(message, from, r.pending)
    components.events?.emitEvent('mesh', type, { peerId: from, [field]: r.pending })
    r.at = now
    r.pending = 0
  }
}
