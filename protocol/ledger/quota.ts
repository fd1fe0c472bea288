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

function positive (value: number, field: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) { throw invalidInput(`authorQuota.${field} must be a positive number`, `authorQuota.${field}`) }
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
