/**
 * Who is known to hold which message, for the per-message "spread".
 *
 * Evidence, all first-hand: the author (it signed it), this node once stored, the peer a
 * gossip copy came from, the peers a publish went to, a peer whose sync id list contains
 * the id, a peer that fetched it from us, and a peer whose range fingerprint equals ours
 * (it holds every message of that range). Kept in memory for the most recent `capacity`
 * messages (oldest forgotten first), each with at most `maxHolders` peers. Holders are
 * not persisted: after a restart a node starts again from itself and the author, and
 * learns the rest at its next sync sessions.
 */
import { bucketOf } from './digest.ts'

export interface SpreadInit {
  /** messages tracked (default 10,000) */
  capacity?: number
  /** holders counted per message (default 1,024) */
  maxHolders?: number
}

interface Tracked {
  bucket: number
  channels: string[]
  holders: Set<string>
}

export class SpreadTracker {
  private readonly tracked = new Map<string, Tracked>()
  private readonly byBucket = new Map<number, Set<string>>()
  private readonly capacity: number
  private readonly maxHolders: number

  constructor (init: SpreadInit = {}) {
    this.capacity = init.capacity ?? 10_000
    this.maxHolders = init.maxHolders ?? 1024
  }

  /** start tracking a stored message */
  track (idHex: string, createdAt: number, channels: string[], holders: string[]): void {
    let t = this.tracked.get(idHex)
    if (t == null) {
      if (this.tracked.size >= this.capacity) { this.forget(this.tracked.keys().next().value as string) }
      t = { bucket: bucketOf(createdAt), channels, holders: new Set() }
      this.tracked.set(idHex, t)
      let ids = this.byBucket.get(t.bucket)
      if (ids == null) { ids = new Set(); this.byBucket.set(t.bucket, ids) }
      ids.add(idHex)
    }
    for (const h of holders) { this.addTo(t, h) }
  }

  /** `peer` holds `idHex` (ignored for untracked ids) */
  holds (idHex: string, peer: string): void {
    const t = this.tracked.get(idHex)
    if (t != null) { this.addTo(t, peer) }
  }

  /** `peer` holds every message with created_at in the buckets of [from, to) */
  holdsRange (from: number, to: number, peer: string): void {
    for (const [bucket, ids] of this.byBucket) {
      if (bucket < from || bucket >= to) { continue }
      for (const id of ids) { this.holds(id, peer) }
    }
  }

  holders (idHex: string): ReadonlySet<string> | undefined {
    return this.tracked.get(idHex)?.holders
  }

  channels (idHex: string): string[] | undefined {
    return this.tracked.get(idHex)?.channels
  }

  /** tracked message ids on a channel, newest last */
  idsOnChannel (channel: string): string[] {
    const out: string[] = []
    for (const [id, t] of this.tracked) { if (t.channels.includes(channel)) { out.push(id) } }
    return out
  }

  private addTo (t: Tracked, peer: string): void {
    if (t.holders.size < this.maxHolders) { t.holders.add(peer) }
  }

  private forget (idHex: string): void {
    const t = this.tracked.get(idHex)
    if (t == null) { return }
    this.tracked.delete(idHex)
    const ids = this.byBucket.get(t.bucket)
    ids?.delete(idHex)
    if (ids?.size === 0) { this.byBucket.delete(t.bucket) }
  }
}
