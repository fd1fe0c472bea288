/**
 * Route-flap damping (RFC 2439), for updates a node sends on its own initiative when a
 * measured cost moves: each such update adds 1 to a penalty that halves every
 * `halfLifeMs`, and the next one waits `minGapMs × 2^penalty` (at most `maxGapMs`) after
 * the last. One change goes out quickly; a link or route that keeps moving (RTTs measured
 * by a busy process do) settles to the periodic refresh instead of a stream of updates.
 */
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
