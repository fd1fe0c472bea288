/**
 * The node's time source: reading the time and setting timers go through one object, so
 * tests (and the simulator) pass a clock they advance, e.g. `@sinonjs/fake-timers`'
 * `createClock`, and a week of schedules or a minute of beacons passes in a tick.
 */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** setTimeout's delay is a signed 32-bit number of ms (~24.8 days); longer waits are re-armed */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** the wall clock; its timers do not keep a Node process alive on their own */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = globalThis.setTimeout(fn, Math.min(ms, MAX_TIMER_MS))
    ;(handle as { unref?(): void }).unref?.()
    return handle
  },
  clearTimeout: handle => { globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>) }
}

/** resolves after `ms` on `clock`, or rejects when `signal` aborts */
export async function sleep (clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(signal.reason); return }
    const onAbort = (): void => { clock.clearTimeout(handle); reject(signal?.reason) }
    const handle = clock.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `fn` every `ms` on `clock` until the returned function is called */
export function every (clock: Clock, ms: number, fn: () => void): () => void {
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

/**
 * Resolves once the event loop has had a turn (timers, sockets): work that awaits only
 * promises runs as one chain of microtasks and holds everything else until it is done.
 * Not on a clock: it waits for nothing but the loop.
 */
export async function yieldToEventLoop (): Promise<void> {
  await new Promise(resolve => globalThis.setTimeout(resolve, 0))
}

/**
 * An AbortSignal that aborts with a `TimeoutError` after `ms` on `clock` (what
 * `AbortSignal.timeout` does on the wall clock); `clear` drops the timer once the work is
 * done.
 */
export function timeoutSignal (clock: Clock, ms: number): { signal: AbortSignal, clear(): void } {
  const controller = new AbortController()
  const handle = clock.setTimeout(() => {
    controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'))
  }, Math.max(0, ms))
  return { signal: controller.signal, clear: () => { clock.clearTimeout(handle) } }
}
