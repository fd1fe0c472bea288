/**
 * Polling for tests and benches: wait until a condition holds, bounded in time. Negative
 * checks never wait a fixed time: they advance a clock instead.
 */

/**
 * Poll until `check` returns a value (not undefined/false); fails naming `what` after
 * `timeoutMs`. A check that throws counts as not yet (a page reloading, a node starting);
 * its last error is in the timeout's message.
 */
export async function until<T> (check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (true) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) { return value }
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last == null ? '' : ` (last error: ${last instanceof Error ? last.message : String(last)})`}`)
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** Poll until `check` holds; fails naming `what` after `timeoutMs`. */
export async function waitFor (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 50): Promise<void> {
  await until(async () => (await check()) || undefined, what, timeoutMs, intervalMs)
}

/**
 * For real nodes whose periodic work runs on a fake clock (vi.useFakeTimers): advances it
 * `stepMs` per poll until at least `minMs` have passed and `check` holds, so each round's
 * network work (real sockets, real timeouts) completes before the next is due however
 * loaded the machine is. Fails naming `what` after `timeoutMs` of real time.
 */
export async function advanceUntil (advance: (ms: number) => void, check: () => boolean | Promise<boolean>, what: string, opts: { minMs: number, stepMs?: number, timeoutMs?: number }): Promise<number> {
  const stepMs = opts.stepMs ?? 1000
  let advanced = 0
  await waitFor(async () => {
    if (advanced >= opts.minMs && await check()) { return true }
    advance(stepMs)
    advanced += stepMs
    return false
  }, what, opts.timeoutMs ?? 60_000, 100)
  return advanced
}
