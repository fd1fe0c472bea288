/**
 * The real clock, for wall-time fields and progress while a virtual clock is installed:
 * fake-timers replaces `performance.now` on perf_hooks' object too, so the function is
 * taken here, at import, before any run installs it.
 */
const realPerformanceNow = performance.now.bind(performance)
const epochAtLoad = Date.now() - realPerformanceNow()

/** real monotonic ms */
export function wallNow (): number {
  return realPerformanceNow()
}

/** real ms since 1970 (Date.now is faked during a virtual run) */
export function wallDateNow (): number {
  return epochAtLoad + realPerformanceNow()
}
