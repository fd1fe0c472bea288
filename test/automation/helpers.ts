/** A controllable clock for the automation engine and helpers to drive it. */
import { createClock } from '@sinonjs/fake-timers'
import type { Clock, AutomationEngine, RunRecord } from '../../protocol/automation/index.ts'

export interface TestClock extends Clock {
  fake: ReturnType<typeof createClock>
  /** moves the fake time forward, firing its timers, and lets real I/O in between settle */
  advance(ms: number): Promise<void>
  /** jumps to a time without firing timers in between (a node that was off) */
  set(ms: number): void
}

export function testClock (start: number): TestClock {
  const fake = createClock(start)
  return {
    fake,
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: handle => { fake.clearTimeout(handle as any) },
    async advance (ms) {
      await fake.tickAsync(ms)
      await realTurn()
    },
    set (ms) { fake.setSystemTime(ms) }
  }
}

/** one real event-loop turn (lets LevelDB and sockets answer); not a wait for an outcome */
export async function realTurn (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}

/**
 * Collects the engine's finished runs; `next(pred)` resolves with the first matching one,
 * advancing the fake clock by `stepMs` per round while it waits (retries wait on it),
 * for at most `rounds` rounds.
 */
export interface RunRecorder {
  runs: RunRecord[]
  /** names of the tasks whose runs started, in order */
  starts: string[]
  next(pred: (r: RunRecord) => boolean, opts?: { stepMs?: number, rounds?: number, after?: number }): Promise<RunRecord>
}

export function runRecorder (engine: AutomationEngine, clock?: TestClock): RunRecorder {
  const runs: RunRecord[] = []
  const starts: string[] = []
  engine.addEventListener('run', evt => { runs.push(evt.detail) })
  engine.addEventListener('run:start', evt => { starts.push(evt.detail.task) })
  return {
    runs,
    starts,
    async next (pred, opts = {}) {
      const from = opts.after ?? 0
      for (let i = 0; i < (opts.rounds ?? 2000); i++) {
        const found = runs.slice(from).find(pred)
        if (found != null) { return found }
        if (clock != null && (opts.stepMs ?? 0) > 0) { await clock.advance(opts.stepMs ?? 0) }
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      throw new Error(`no run matched within the rounds; runs: ${JSON.stringify(runs.map(r => [r.task, r.outcome]))}`)
    }
  }
}
