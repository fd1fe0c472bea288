/**
 * Cutting off a neighbour that stays over its topology byte budget. Pacing (channel.ts
 * `serveFrames`) keeps what a fast sender pushes on its side, but a flooder that keeps
 * its stream full is still read at the whole budget for as long as it likes, and every
 * byte read is decoded, checked and garbage. So the time a neighbour's reading is paused
 * for its budget is itself budgeted: a bucket of `pausedMs` (default 2 s) that refills
 * `pausedMs` every `perMs` (default 60 s). A pause that overdraws it cuts the neighbour
 * off: its topology streams are reset and new ones refused for a cooldown (default 60 s,
 * doubled for each cut-off while the last is remembered, at most `maxCooldownMs`,
 * default 1 h).
 *
 * An honest neighbour sends about 1 KB/s of topology, three orders of magnitude under the
 * 1 MiB/s budget, and a relay forwards only the beacons it accepted (at most 300 new
 * origins a minute): neither is ever paused. The one honest burst is a new link's
 * catch-up, every beacon in scope at once: it would have to pass the 1 MiB burst plus 2 s
 * of budget, about 3 MiB (some 1,000 beacons of 64 links; a full table of 4,096 beacons
 * of 8 links is under 2 MiB), to be cut off. Each 1 MiB a flooder gets read is decoded
 * and dropped as garbage the process must absorb: the shorter the pause budget, the less.
 *
 * Only the topology streams are cut: the link, routed messages and what this node sends
 * the neighbour stay as they are, and the beacons it brought before stay until they age
 * out. The table of cooldowns is bounded (`maxPeers`, default 1024): when full, the entry
 * cut off longest ago goes first.
 */
import { TokenBuckets } from '../limits/token-buckets.ts'

export interface TopologyCutOffInit {
  /** ms a neighbour's reading may be paused for its byte budget... (default 2000) */
  pausedMs?: number
  /** ...per this many ms (default 60 000) */
  perMs?: number
  /** topology streams refused this long after a first cut-off (default 60 000) */
  cooldownMs?: number
  /** a repeat doubles the cooldown, up to this (default 3 600 000) */
  maxCooldownMs?: number
  /** neighbours whose cut-offs are remembered at most (default 1024) */
  maxPeers?: number
}

export interface CutOff {
  peerId: string
  /** the pause that overdrew the budget, ms */
  pausedMs: number
  cooldownMs: number
  /** cut-offs of this neighbour in a row, this one included */
  strikes: number
  until: number
}

export interface TopologyCutOffs {
  /** reading `from` paused `ms` for its byte budget: the cut-off, when this overdraws the pause budget */
  paused(from: string, ms: number, now: number): CutOff | undefined
  /** ms until `from` may open topology streams again (0: now) */
  refusedFor(from: string, now: number): number
  /** neighbours in the table (tests, bounds) */
  readonly size: number
}

interface Entry { until: number, cooldownMs: number, strikes: number }

export function createTopologyCutOffs (init: TopologyCutOffInit = {}): TopologyCutOffs {
  const pausedMs = init.pausedMs ?? 2000
  const perMs = init.perMs ?? 60_000
  const baseCooldown = init.cooldownMs ?? 60_000
  const maxCooldown = Math.max(baseCooldown, init.maxCooldownMs ?? 3_600_000)
  const maxPeers = Math.max(1, init.maxPeers ?? 1024)
  const pauses = new TokenBuckets(pausedMs / perMs * 1000, pausedMs, 4096)
  const table = new Map<string, Entry>()

  /** a repeat within maxCooldownMs of the last cooldown's end counts as a strike; later, a fresh start */
  const remembered = (e: Entry, now: number): boolean => now < e.until + maxCooldown

  return {
    paused (from, ms, now) {
      const current = table.get(from)
      // pauses of streams that were being read when it was cut off add nothing
      if (current != null && now < current.until) { return undefined }
      if (pauses.debit(from, ms, now) === 0) { return undefined }
      const strikes = current != null && remembered(current, now) ? current.strikes + 1 : 1
      const cooldownMs = Math.min(maxCooldown, baseCooldown * 2 ** (strikes - 1))
      table.delete(from)
      if (table.size >= maxPeers) {
        // the entry cut off longest ago (insertion order: each cut-off re-inserts)
        table.delete(table.keys().next().value as string)
      }
      const entry = { until: now + cooldownMs, cooldownMs, strikes }
      table.set(from, entry)
      return { peerId: from, pausedMs: ms, ...entry }
    },
    refusedFor (from, now) {
      const e = table.get(from)
      if (e == null) { return 0 }
      if (!remembered(e, now)) {
        table.delete(from)
        return 0
      }
      return Math.max(0, e.until - now)
    },
    get size () { return table.size }
  }
}
