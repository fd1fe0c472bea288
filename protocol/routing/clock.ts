/**
 * The routing's time source: reading the time and setting timers go through one object,
 * so tests pass a clock they advance (e.g. `@sinonjs/fake-timers`' `createClock`) and
 * the beacon, far-table and housekeeping timers follow it instead of the wall clock.
 */
export interface RoutingClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: RoutingClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: handle => { globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>) }
}

/** `fn` every `ms` on `clock` until the returned function is called */
export function every (clock: RoutingClock, ms: number, fn: () => void): () => void {
  let handle: unknown
  let stopped = false
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) { return }
      arm()
      fn()
    }, ms)
  }
  arm()
  return () => {
    stopped = true
    clock.clearTimeout(handle)
  }
}
