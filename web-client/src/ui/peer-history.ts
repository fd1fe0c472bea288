/** Per-peer samples of RTT and bytes, taken on every refresh of the peers panel: the "over time" of the peer detail. */
import type { PeerRow } from '../source/types.ts'

export const HISTORY_SAMPLES = 60

export interface PeerSample {
  at: number
  rttMs?: number
  /** bytes per second since the previous sample (undefined for the first) */
  inPerSec?: number
  outPerSec?: number
  bytesIn?: number
  bytesOut?: number
}

export interface PeerHistory {
  record(rows: PeerRow[], at?: number): void
  samples(peerId: string): PeerSample[]
}

export function createPeerHistory (size = HISTORY_SAMPLES): PeerHistory {
  const byPeer = new Map<string, PeerSample[]>()
  return {
    record (rows, at = Date.now()) {
      const seen = new Set<string>()
      for (const r of rows) {
        seen.add(r.peerId)
        const list = byPeer.get(r.peerId) ?? []
        const prev = list[list.length - 1]
        const dt = prev == null ? 0 : (at - prev.at) / 1000
        const rate = (now?: number, before?: number): number | undefined =>
          dt > 0 && now != null && before != null && now >= before ? (now - before) / dt : undefined
        list.push({ at, rttMs: r.rttMs, bytesIn: r.bytesIn, bytesOut: r.bytesOut, inPerSec: rate(r.bytesIn, prev?.bytesIn), outPerSec: rate(r.bytesOut, prev?.bytesOut) })
        while (list.length > size) { list.shift() }
        byPeer.set(r.peerId, list)
      }
      // bounded: peers gone from the list are forgotten
      for (const id of byPeer.keys()) { if (!seen.has(id)) { byPeer.delete(id) } }
    },
    samples (peerId) { return byPeer.get(peerId) ?? [] }
  }
}
