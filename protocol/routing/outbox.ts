/**
 * The sending side of the topology exchange: per neighbour, the beacons and the far table
 * waiting to go, coalesced into one `TopologyUpdate` frame (a newer beacon of an origin
 * replaces the queued one; a far table replaces the queued table), written on one
 * long-lived `/liberation/topology/2.0.0` stream per neighbour (channel.ts). Counts what
 * it sends, from the encoded frame.
 */
import { LongLivedStream } from './channel.ts'
import { openConnection } from './context.ts'
import { TopologyUpdate } from './pb/routing.ts'
import type { RoutingContext } from './context.ts'
import type { ReachEntry, SignedBeacon } from './pb/routing.ts'

/** the receiver refuses more (a decode limit) */
export const MAX_BEACONS_PER_UPDATE = 512
/** a longer frame ends the stream */
export const MAX_UPDATE_BYTES = 4 * 1024 * 1024

export interface Outbox {
  /** queue `origin`'s beacon for `peer` */
  beacon(peer: string, origin: string, beacon: SignedBeacon): void
  /** queue a whole far table for `peer` */
  reach(peer: string, entries: ReachEntry[]): void
  /** `peer` is gone: drop what waits for it and its stream */
  forget(peer: string): void
  stop(): void
}

interface Box {
  beacons: Map<string, SignedBeacon>
  reach?: ReachEntry[]
  sending: boolean
}

export function createOutbox (ctx: RoutingContext, protocol: string): Outbox {
  const boxes = new Map<string, Box>()
  const lines = new Map<string, LongLivedStream>()

  function box (peer: string): Box {
    let b = boxes.get(peer)
    if (b == null) {
      b = { beacons: new Map(), sending: false }
      boxes.set(peer, b)
    }
    return b
  }

  async function flush (peer: string): Promise<void> {
    const b = boxes.get(peer)
    if (b == null || b.sending) { return }
    b.sending = true
    try {
      // let a burst of enqueues coalesce into one update
      await Promise.resolve()
      while (ctx.running() && (b.beacons.size > 0 || b.reach != null)) {
        const beacons = [...b.beacons.values()].slice(0, MAX_BEACONS_PER_UPDATE)
        for (const key of [...b.beacons.keys()].slice(0, MAX_BEACONS_PER_UPDATE)) { b.beacons.delete(key) }
        const reach = b.reach
        b.reach = undefined
        await send(peer, { beacons, reach: reach ?? [], hasReach: reach != null })
      }
    } finally {
      b.sending = false
    }
  }

  /** one frame on the neighbour's long-lived topology stream; a broken stream is reopened once */
  async function send (peer: string, update: TopologyUpdate): Promise<void> {
    const conn = openConnection(ctx, peer)
    if (conn == null) { return }
    let line = lines.get(peer)
    if (line == null || line.connection !== conn) {
      line?.close('connection replaced')
      line = new LongLivedStream(conn, protocol, MAX_UPDATE_BYTES)
      lines.set(peer, line)
    }
    const frame = TopologyUpdate.encode(update)
    for (let attempt = 1; attempt <= 2; attempt++) {
      const reopened = !line.usable
      try {
        await line.write(frame)
        ctx.counters.updatesSent++
        ctx.counters.updateBytesSent += frame.byteLength
        if (update.hasReach) {
          ctx.counters.farTablesSent++
          ctx.counters.farTableBytesSent += frame.byteLength
        }
        return
      } catch (err: any) {
        ctx.log('topology update to %s failed: %s', peer, err?.message)
        // a stream that was just opened failed for a reason a retry will not fix
        if (reopened || conn.status !== 'open' || !ctx.running()) { return }
      }
    }
  }

  return {
    beacon (peer, origin, beacon) {
      box(peer).beacons.set(origin, beacon)
      void flush(peer)
    },
    reach (peer, entries) {
      box(peer).reach = entries
      void flush(peer)
    },
    forget (peer) {
      boxes.delete(peer)
      lines.get(peer)?.close('link down')
      lines.delete(peer)
    },
    stop () {
      for (const l of lines.values()) { l.close('routing stopped') }
      lines.clear()
      boxes.clear()
    }
  }
}
