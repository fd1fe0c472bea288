/**
 * Per-author acceptance quota: two token buckets per author, one counting batches (what a
 * batch costs whatever its size: a signature check, a durable write, a gossip message)
 * and one counting new entries (what it adds to every node's store and views). A batch
 * is accepted only when both buckets can pay for it, and then pays both.
 */
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

interface Buckets {
  batches: number
  entries: number
  at: number
}

function positive (value: number, field: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) { throw invalidInput(`authorQuota.${field} must be a positive number`, `authorQuota.${field}`) }
  return value
}

export class AuthorQuota {
  private readonly buckets = new Map<string, Buckets>()
  private readonly init: Required<AuthorQuotaInit>

  constructor (init: AuthorQuotaInit = {}, private readonly maxAuthors = 10_000) {
    const q = { ...DEFAULT_AUTHOR_QUOTA, ...init }
    this.init = {
      batchesPerSecond: positive(q.batchesPerSecond, 'batchesPerSecond'),
      batchBurst: positive(q.batchBurst, 'batchBurst'),
      entriesPerSecond: positive(q.entriesPerSecond, 'entriesPerSecond'),
      entryBurst: positive(q.entryBurst, 'entryBurst')
    }
    if (this.init.batchBurst < 1) { throw invalidInput('authorQuota.batchBurst must be at least 1', 'authorQuota.batchBurst') }
    if (this.init.entryBurst < MAX_BATCH_ENTRIES) { throw invalidInput(`authorQuota.entryBurst must be at least ${MAX_BATCH_ENTRIES} (the largest batch)`, 'authorQuota.entryBurst') }
  }

  /** Take one batch and `entries` new entries from `author`'s buckets, if both hold enough. */
  take (author: string, entries: number, now: number): boolean {
    let b = this.buckets.get(author)
    if (b === undefined) {
      // forgetting the oldest author refills its buckets: bounded memory over exactness
      if (this.buckets.size >= this.maxAuthors) { this.buckets.delete(this.buckets.keys().next().value as string) }
      b = { batches: this.init.batchBurst, entries: this.init.entryBurst, at: now }
      this.buckets.set(author, b)
    }
    // a clock stepping back refills nothing
    if (now > b.at) {
      const s = (now - b.at) / 1000
      b.batches = Math.min(this.init.batchBurst, b.batches + s * this.init.batchesPerSecond)
      b.entries = Math.min(this.init.entryBurst, b.entries + s * this.init.entriesPerSecond)
      b.at = now
    }
    if (b.batches < 1 || b.entries < entries) { return false }
    b.batches -= 1
    b.entries -= entries
    return true
  }
}
