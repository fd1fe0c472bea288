/**
 * At most `maxCount` takes, and `maxBytes` bytes, in each fixed window of `windowMs` (a
 * clock stepping back starts a new window): a hard cap on bursts of work a node does on
 * its own initiative, such as passing on what it learnt by sync.
 */
export class WindowBudget {
  private start = -Infinity
  private count = 0
  private bytes = 0

  constructor (private readonly windowMs: number, private readonly maxCount: number, private readonly maxBytes = Infinity) {}

  take (bytes = 0, now = Date.now()): boolean {
    if (now - this.start > this.windowMs || now < this.start) {
      this.start = now
      this.count = 0
      this.bytes = 0
    }
    if (this.count >= this.maxCount || this.bytes + bytes > this.maxBytes) { return false }
    this.count++
    this.bytes += bytes
    return true
  }
}
