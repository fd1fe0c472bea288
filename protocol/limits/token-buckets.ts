/**
 * A token bucket per key (an author, a peer): `rate` tokens a second, up to `burst`. The
 * truth service limits authors and peers with it, the ledger authors' batches and entries.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  constructor (private readonly rate: number, private readonly burst: number, private readonly maxKeys = 10_000) {}

  /** whether `key` holds `n` tokens now, taking none */
  has (key: string, n = 1, now = Date.now()): boolean {
    return this.refill(key, now).tokens >= n
  }

  take (key: string, n = 1, now = Date.now()): boolean {
    const b = this.refill(key, now)
    if (b.tokens < n) { return false }
    b.tokens -= n
    return true
  }

  /**
   * Takes `n` tokens even when fewer are left (the balance goes below zero) and says how
   * long, in ms, until the balance is back at zero: 0 when it did not go below. For pacing
   * what has already happened (bytes read), which cannot be refused, only slowed.
   */
  debit (key: string, n: number, now = Date.now()): number {
    const b = this.refill(key, now)
    b.tokens -= n
    return b.tokens >= 0 ? 0 : Math.ceil(-b.tokens / this.rate * 1000)
  }

  private refill (key: string, now: number): { tokens: number, at: number } {
    let b = this.buckets.get(key)
    if (b == null) {
      // forgetting the oldest key refills its bucket: bounded memory over exactness
      if (this.buckets.size >= this.maxKeys) { this.buckets.delete(this.buckets.keys().next().value as string) }
      b = { tokens: this.burst, at: now }
      this.buckets.set(key, b)
    }
    // a clock stepping back refills nothing (and takes nothing back)
    if (now > b.at) {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / 1000 * this.rate)
      b.at = now
    }
    return b
  }
}
