/**
 * The time source of the automation engine: reading the time and setting timers go
 * through one object, so tests pass a controllable clock and move a week in a tick.
 */
export interface AutomationClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** setTimeout's delay is a signed 32-bit number of ms (~24.8 days); longer waits are re-armed */
export const MAX_TIMER_MS = 2 ** 31 - 1

export const systemClock: AutomationClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = globalThis.setTimeout(fn, Math.min(ms, MAX_TIMER_MS))
    ;(handle as { unref?(): void }).unref?.()
    return handle
  },
  clearTimeout: handle => { globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>) }
}

/** resolves after `ms` on `clock`, or rejects when `signal` aborts */
export async function sleep (clock: AutomationClock, ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(signal.reason); return }
    const onAbort = (): void => { clock.clearTimeout(handle); reject(signal?.reason) }
    const handle = clock.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
