/**
 * Per-author acceptance quota: two token buckets per author, one counting batches (what a
 * batch costs whatever its size: a signature check, a durable write, a gossip message)
 * and one counting new entries (what it adds to every node's store and views). A batch
 * is accepted only when both buckets can pay for it, and then pays both.
 */
import { TokenBuckets } from '../limits/token-buckets.ts'
import { MAX_BATCH_ENTRIES } from './batch.ts'
import { invalidInput } from './errors.ts'

export interface AuthorQuotaInit {
  /** sustained batches per second per author (default 200) */
  batchesPerSecond?: number
  /** batches an author may send at once (default 2,000) */
  batchBurst?: number
  /** sustained new entries per second per author (default 50,000) */
  entriesPerSecond?: number
  /** new entries an author may send at once (default 1,000,000; at least the 8,192 of the largest batch) */
  entryBurst?: number
}

export const DEFAULT_AUTHOR_QUOTA: Required<AuthorQuotaInit> = {
  batchesPerSecond: 200,
  batchBurst: 2000,
  entriesPerSecond: 50_000,
  entryBurst: 1_000_000
}

function positive (value: number, field: string, prefix = 'authorQuota'): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) { throw invalidInput(`${prefix}.${field} must be a positive number`, `${prefix}.${field}`) }
  return value
}

export class AuthorQuota {
  private readonly batches: TokenBuckets
  private readonly entries: TokenBuckets

  constructor (init: AuthorQuotaInit = {}, maxAuthors = 10_000) {
    const q = { ...DEFAULT_AUTHOR_QUOTA, ...init }
    const batchesPerSecond = positive(q.batchesPerSecond, 'batchesPerSecond')
    const batchBurst = positive(q.batchBurst, 'batchBurst')
    const entriesPerSecond = positive(q.entriesPerSecond, 'entriesPerSecond')
    const entryBurst = positive(q.entryBurst, 'entryBurst')
    if (batchBurst < 1) { throw invalidInput('authorQuota.batchBurst must be at least 1', 'authorQuota.batchBurst') }
    if (entryBurst < MAX_BATCH_ENTRIES) { throw invalidInput(`authorQuota.entryBurst must be at least ${MAX_BATCH_ENTRIES} (the largest batch)`, 'authorQuota.entryBurst') }
    this.batches = new TokenBuckets(batchesPerSecond, batchBurst, maxAuthors)
    this.entries = new TokenBuckets(entriesPerSecond, entryBurst, maxAuthors)
  }

  /** Take one batch and `entries` new entries from `author`'s buckets, if both hold enough. */
  take (author: string, entries: number, now: number): boolean {
    if (!this.batches.has(author, 1, now) || !this.entries.has(author, entries, now)) { return false }
    this.batches.take(author, 1, now)
    this.entries.take(author, entries, now)
    return true
  }
}

export interface PeerQuotaInit {
  /** sustained batches per second from one gossip or sync peer, whatever their authors (default 400) */
  batchesPerSecond?: number
  batchBurst?: number
  /** sustained entries per second from one peer (default 100,000; burst 2,000,000) */
  entriesPerSecond?: number
  entryBurst?: number
  /** authors this node holds nothing of yet, per second from one peer (default 100; burst 1,000) */
  newAuthorsPerSecond?: number
  newAuthorBurst?: number
}

export const DEFAULT_PEER_QUOTA: Required<PeerQuotaInit> = {
  batchesPerSecond: 400,
  batchBurst: 4000,
  entriesPerSecond: 100_000,
  entryBurst: 2_000_000,
  newAuthorsPerSecond: 100,
  newAuthorBurst: 1000
}

/**
 * Per-peer acceptance quota, on top of the per-author one: keys are free, so a peer
 * bringing batches of many fresh authors is slowed like a peer bringing one author's.
 * A batch pays one batch, its entries, and one new author when this node holds nothing
 * of its author yet; it is charged before its signature is checked, so a flood costs
 * the flooder's budget, not this node's CPU.
 */
export class PeerQuota {
  private readonly batches: TokenBuckets
  private readonly entries: TokenBuckets
  private readonly newAuthors: TokenBuckets

  constructor (init: PeerQuotaInit = {}, maxPeers = 10_000) {
    const q = { ...DEFAULT_PEER_QUOTA, ...init }
    for (const [k, v] of Object.entries(q)) { positive(v, k, 'peerQuota') }
    if (q.entryBurst < MAX_BATCH_ENTRIES) { throw invalidInput(`peerQuota.entryBurst must be at least ${MAX_BATCH_ENTRIES} (the largest batch)`, 'peerQuota.entryBurst') }
    this.batches = new TokenBuckets(q.batchesPerSecond, Math.max(1, q.batchBurst), maxPeers)
    this.entries = new TokenBuckets(q.entriesPerSecond, q.entryBurst, maxPeers)
    this.newAuthors = new TokenBuckets(q.newAuthorsPerSecond, Math.max(1, q.newAuthorBurst), maxPeers)
  }

  take (peer: string, entries: number, newAuthor: boolean, now: number): boolean {
    if (!this.batches.has(peer, 1, now) || !this.entries.has(peer, entries, now) || (newAuthor && !this.newAuthors.has(peer, 1, now))) { return false }
    this.batches.take(peer, 1, now)
    this.entries.take(peer, entries, now)
    if (newAuthor) { this.newAuthors.take(peer, 1, now) }
    return true
  }
}
