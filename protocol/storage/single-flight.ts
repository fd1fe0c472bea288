/**
 * One write per record id at a time: a second put of an id already being written waits
 * for the first and reports a duplicate instead of writing it again (truth and
 * knowledge stores).
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>()

  has (key: string): boolean {
    return this.running.has(key)
  }

  /** settles when the write of `key` (if any) has ended, whatever its outcome */
  async settled (key: string): Promise<void> {
    await this.running.get(key)?.catch(() => {})
  }

  /** `write()` unless `key` is being written; then `duplicate` once that write ends */
  async run (key: string, write: () => Promise<T>, duplicate: T): Promise<T> {
    const running = this.running.get(key)
    if (running != null) {
      await running
      return duplicate
    }
    const p = write()
    this.running.set(key, p)
    try {
      return await p
    } finally {
      this.running.delete(key)
    }
  }
}
