/**
 * Route-flap damping (RFC 2439), for updates a node sends on its own initiative when a
 * measured cost moves: each such update adds 1 to a penalty that halves every
 * `halfLifeMs`, and the next one waits `minGapMs × 2^penalty` (at most `maxGapMs`) after
 * the last. One change goes out quickly; a link or route that keeps moving (RTTs measured
 * by a busy process do) settles to the periodic refresh instead of a stream of updates.
 */
import { systemClock } from '../clock.ts'
import type { Clock } from '../clock.ts'

export class FlapDamper {
  private penalty = 0
  private at = 0

  constructor (
    private readonly minGapMs: number,
    private readonly maxGapMs: number,
    private readonly halfLifeMs: number
  ) {}

  /** the penalty now, decayed since the last update */
  current (now: number): number {
    const p = this.penalty * 2 ** (-(now - this.at) / this.halfLifeMs)
    return p < 0.01 ? 0 : p
  }

  /** how long after the last update the next damped one may go */
  gap (now: number): number {
    return Math.min(this.maxGapMs, this.minGapMs * 2 ** this.current(now))
  }

  /** a damped update was scheduled now */
  record (now: number): void {
    this.penalty = this.current(now) + 1
    this.at = now
  }
}

/**
 * A send triggered by changes (a beacon, the far tables): at most one pending, never
 * sooner than a gap after the last send; a damped trigger waits the damper's gap and is
 * carried by a send already pending.
 */
export class TriggeredSend {
  readonly damper: FlapDamper
  private lastAt = 0
  private at = 0
  private timer?: unknown

  constructor (private readonly send: () => void, minGapMs: number, maxGapMs: number, halfLifeMs: number, private readonly clock: Clock = systemClock) {
    this.damper = new FlapDamper(minGapMs, maxGapMs, halfLifeMs)
  }

  /** send `gapMs` after the last send at the earliest; a pending send due sooner stays */
  soon (gapMs: number, now = this.clock.now()): void {
    const at = Math.max(now, this.lastAt + gapMs)
    if (this.timer != null) {
      if (this.at <= at) { return }
      this.clock.clearTimeout(this.timer)
    }
    this.at = at
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.send()
    }, at - now)
  }

  /** a change that only matters if it keeps happening rarely: after the damped gap */
  damped (now = this.clock.now()): void {
    if (this.timer != null) { return }
    const gap = this.damper.gap(now)
    this.damper.record(now)
    this.soon(gap, now)
  }

  /** a send went out (scheduled or not): the next gap counts from now */
  sent (now = this.clock.now()): void {
    this.lastAt = now
  }

  cancel (): void {
    if (this.timer != null) { this.clock.clearTimeout(this.timer) }
    this.timer = undefined
  }
}
