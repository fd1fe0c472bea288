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
