/**
 * The virtual clock of the in-process mode: `@sinonjs/fake-timers` installed over the
 * process's timers and clocks (setTimeout/setInterval/setImmediate, Date, performance,
 * process.hrtime) plus `AbortSignal.timeout`, and a pump that advances simulated time
 * only when every node is idle.
 *
 * Idle means: no microtask, nextTick or real I/O callback is left to run. The pump
 * yields to the real event loop with the real setImmediate (which runs only after the
 * microtask and nextTick queues are empty), then fires the earliest pending fake timer,
 * jumping the clock to its time. Everything a node does in between takes no simulated
 * time, however much CPU it costs: CPU speed changes how long a run takes, never what
 * it measures. Link delays are fake timers too (network/sim-network.ts), so they are
 * events on the same clock.
 *
 * Real asynchronous I/O (a LevelDB thread pool, WebCrypto) would finish at an arbitrary
 * virtual time, so the in-process mode refuses it under this clock (memory-level
 * storage, synchronous node:crypto signatures).
 *
 * Determinism: timers fire in (time, creation) order; `Math.random` and
 * `crypto.getRandomValues` draw from the scenario's seed inside the run, so the protocol
 * code's own choices (gossip peer selection, jitter, ids) repeat. "Inside" is an async
 * context, not a time span: a callback left behind by an earlier run in the same process
 * (a wall-clock run's debounce timer firing after its node stopped) draws from the
 * process's own randomness, so it cannot shift the seeded sequence of this run.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import FakeTimers from '@sinonjs/fake-timers'
import { wallNow } from './wall.ts'
import type { Random } from '../random.ts'

/** where simulated time starts: a fixed date, so a run's timestamps repeat */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 5, 0, 0, 0)

export interface VirtualClockStats {
  /** timers fired */
  events: number
  /** timers that threw (logged, as an uncaught exception would be) */
  errors: number
  /** real ms spent, for the report's wall fields */
  wallMs: number
}

export interface VirtualClockOptions {
  /** seeded randomness for Math.random and crypto.getRandomValues while installed */
  random?: Random
  /** called for a timer that threw */
  onError?(err: unknown): void
  /** simulated ms after which the pump gives up (a run that never ends) */
  limitMs?: number
}

type Clock = ReturnType<typeof FakeTimers.install>

const TO_FAKE = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance', 'hrtime'] as const

let active = false

/** marks the async context of the run that owns the seeded randomness */
const runContext = new AsyncLocalStorage<symbol>()

/** real ms to wait, with no timer pending, for real I/O before calling a run deadlocked */
const DEADLOCK_GRACE_MS = 5_000

/**
 * Run `fn` on the virtual clock: install the fake timers, pump them until `fn` settles,
 * uninstall. Only one run at a time per process (the timers are process-wide).
 */
export async function runOnVirtualClock<T> (fn: () => Promise<T>, opts: VirtualClockOptions = {}): Promise<{ value: T, stats: VirtualClockStats }> {
  if (active) { throw new Error('a virtual clock is already running in this process') }
  active = true
  const realImmediate = globalThis.setImmediate
  const realSetTimeout = globalThis.setTimeout
  const wallStart = wallNow()
  const stats: VirtualClockStats = { events: 0, errors: 0, wallMs: 0 }
  const owner = Symbol('virtual run')
  const restore = patchGlobals(opts.random, () => runContext.getStore() === owner)
  let clock: Clock | undefined
  try {
    clock = FakeTimers.install({ now: VIRTUAL_EPOCH, toFake: [...TO_FAKE], shouldClearNativeTimers: false, loopLimit: Number.MAX_SAFE_INTEGER })
    const timeout = patchAbortSignalTimeout()
    try {
      const installed = clock
      // the pump runs in the run's context too: the fake timers' callbacks are called from it
      return await runContext.run(owner, async () => ({ value: await pump(installed, fn, opts, stats, realImmediate, realSetTimeout), stats }))
    } finally {
      timeout.restore()
    }
  } finally {
    clock?.uninstall()
    restore()
    stats.wallMs = wallNow() - wallStart
    active = false
  }
}

/** fire the earliest pending timer each time the process is idle, until `fn` settles */
async function pump<T> (clock: Clock, fn: () => Promise<T>, opts: VirtualClockOptions, stats: VirtualClockStats, realImmediate: typeof setImmediate, realSetTimeout: typeof setTimeout): Promise<T> {
  const state = { settled: false }
  const result = fn().finally(() => { state.settled = true })
  result.catch(() => {})
  const limit = VIRTUAL_EPOCH + (opts.limitMs ?? Number.POSITIVE_INFINITY)
  const yieldReal = async (): Promise<void> => { await new Promise<void>(resolve => { realImmediate(resolve) }) }
  while (true) {
    await yieldReal()
    if (state.settled || !await waitForTimerOrSettle(clock, state, realSetTimeout)) { break }
    if (clock.now > limit) { throw new Error(`virtual clock: the run passed its limit of ${opts.limitMs} simulated ms`) }
    try {
      clock.next()
    } catch (err) {
      stats.errors++
      opts.onError?.(err)
    }
    stats.events++
  }
  return result
}

/**
 * With no timer pending, either real I/O is under way (a module still loading) or whatever
 * the run awaits can never happen: give real I/O a grace period before calling it a
 * deadlock. True when a timer is pending, false when the run settled meanwhile.
 */
async function waitForTimerOrSettle (clock: Clock, state: { settled: boolean }, realSetTimeout: typeof setTimeout): Promise<boolean> {
  const since = wallNow()
  while (!state.settled && clock.countTimers() === 0 && wallNow() - since < DEADLOCK_GRACE_MS) {
    await new Promise<void>(resolve => { realSetTimeout(resolve, 5) })
  }
  if (state.settled) { return false }
  if (clock.countTimers() === 0) {
    throw new Error(`virtual clock: the run is waiting, but no timer is pending (at ${clock.now - VIRTUAL_EPOCH} ms)`)
  }
  return true
}

/**
 * `AbortSignal.timeout` uses a native timer that fake-timers does not replace. Most of these
 * signals guard an operation that finished long before (a probe, a dial) and still abort
 * when their time comes: the reason is built without a stack trace (a timeout's stack says
 * nothing, and capturing one per signal is a visible share of a large run's CPU).
 */
function patchAbortSignalTimeout (): { restore(): void } {
  const original = AbortSignal.timeout
  AbortSignal.timeout = (ms: number): AbortSignal => {
    const controller = new AbortController()
    setTimeout(() => { controller.abort(timeoutReason()) }, ms)
    return controller.signal
  }
  return { restore: () => { AbortSignal.timeout = original } }
}

function timeoutReason (): DOMException {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new DOMException('The operation was aborted due to timeout', 'TimeoutError')
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** seeded `Math.random` and `crypto.getRandomValues` for callers inside the run (`inRun`) */
function patchGlobals (random: Random | undefined, inRun: () => boolean): () => void {
  if (random == null) { return () => {} }
  const mathRandom = Math.random
  const cryptoObj = globalThis.crypto
  const getRandomValues = Object.getOwnPropertyDescriptor(cryptoObj, 'getRandomValues')
  const realGetRandomValues = cryptoObj.getRandomValues.bind(cryptoObj)
  Math.random = () => inRun() ? random.next() : mathRandom()
  Object.defineProperty(cryptoObj, 'getRandomValues', {
    configurable: true,
    writable: true,
    value: <A extends ArrayBufferView | null>(array: A): A => {
      if (array == null) { return array }
      if (!inRun()) { return realGetRandomValues(array as any) as A }
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
      for (let i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(random.next() * 256) }
      return array
    }
  })
  return () => {
    Math.random = mathRandom
    if (getRandomValues == null) { delete (cryptoObj as any).getRandomValues } else { Object.defineProperty(cryptoObj, 'getRandomValues', getRandomValues) }
  }
}
