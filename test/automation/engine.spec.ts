/**
 * The engine on a real node's services (LevelDB, events, notifications), with a fake
 * clock: retries with backoff, one failure and one recovery notification, no overlapping
 * runs, timeouts, the bounded history and settings validation.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createAutomationEngine, AutomationError, taskSettings } from '../../protocol/automation/index.ts'
import { TestMesh } from '../utils/mesh.ts'
import { runRecorder, testClock } from './helpers.ts'
import type { RunRecorder, TestClock } from './helpers.ts'
import type { AutomationEngine, AutomationTask, TaskSettings } from '../../protocol/automation/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'
import type { Notification } from '../../protocol/notifications/index.ts'

const START = Date.UTC(2026, 11, 6, 12, 0, 0)

function engineOn (node: MeshNode, tasks: AutomationTask[], clock = testClock(START), maxRuns?: number): { engine: AutomationEngine, clock: TestClock, rec: RunRecorder } {
  const engine = createAutomationEngine({ db: node.db, events: node.events, notifications: node.notifications, logger: node.libp2p.logger }, { tasks, clock, maxRuns })
  return { engine, clock, rec: runRecorder(engine, clock) }
}

function task (name: string, run: AutomationTask['run'], s: Partial<TaskSettings> = {}): AutomationTask {
  return { name, description: name, defaults: taskSettings({ schedule: '0 0 1 1 *', ...s }), run }
}

function alerts (node: MeshNode, taskName: string): Notification[] {
  return node.notifications.list({ type: 'system_alert', limit: 500 }).items.filter(n => n.data.task === taskName)
}

describe('automation engine', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('retries a throwing task with doubling backoff, notifies once, and once more when it recovers', async () => {
    const { node } = await mesh.add()
    let failUntil = 3
    const attemptsAt: number[] = []
    const { engine, rec } = engineOn(node, [task('flaky', async ctx => {
      attemptsAt.push(ctx.now())
      if (attemptsAt.length <= failUntil) { throw new Error(`boom ${attemptsAt.length}`) }
      return { ok: true }
    }, { retries: 2, backoffMs: 1000, maxBackoffMs: 60_000 })])
    await engine.start()

    const first = engine.runNow('flaky')
    await rec.next(r => r.task === 'flaky', { stepMs: 500 })
    const run = await first
    expect(run.outcome).toBe('failed')
    expect(run.attempts).toBe(3)
    expect(run.error).toBe('boom 3')
    // backoff 1 s, then 2 s
    expect(attemptsAt.map(t => t - attemptsAt[0])).toEqual([0, 1000, 3000])
    expect(alerts(node, 'flaky').map(n => n.title)).toEqual(['Task flaky failed'])
    expect(engine.task('flaky')?.failing).toBe(true)

    // fails again: still one notification
    failUntil = 6
    const second = engine.runNow('flaky')
    await rec.next(r => r.task === 'flaky', { stepMs: 500, after: 1 })
    expect((await second).outcome).toBe('failed')
    expect(alerts(node, 'flaky')).toHaveLength(1)

    // succeeds on its second attempt: one recovery notification
    failUntil = 7
    const third = engine.runNow('flaky')
    await rec.next(r => r.task === 'flaky', { stepMs: 500, after: 2 })
    const ok = await third
    expect(ok.outcome).toBe('success')
    expect(ok.attempts).toBe(2)
    expect(ok.result).toEqual({ ok: true })
    const titles = alerts(node, 'flaky').map(n => n.title)
    expect(titles).toEqual(['Task flaky recovered', 'Task flaky failed'])
    expect(alerts(node, 'flaky').find(n => n.title.includes('recovered'))?.priority).toBe('low')
    expect(engine.task('flaky')).toMatchObject({ failing: false, consecutive_failures: 0, last_outcome: 'success', runs: 3, failures: 2 })

    // the history is persisted, newest first
    const page = await engine.runs({ task: 'flaky' })
    expect(page.items.map(r => r.outcome)).toEqual(['success', 'failed', 'failed'])
    await engine.stop()
  })

  it('never overlaps runs of a task: a schedule firing or a manual run while it runs is refused', async () => {
    const { node } = await mesh.add()
    let active = 0
    let maxActive = 0
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const { engine, clock, rec } = engineOn(node, [task('slow', async () => {
      active++
      maxActive = Math.max(maxActive, active)
      await gate
      active--
      return {}
    }, { schedule: '* * * * *', timeoutMs: 0 })])
    await engine.start()
    // first occurrence at 12:01, then 12:02 and 12:03 while the first still runs
    await clock.advance(60_000)
    expect(rec.starts).toEqual(['slow'])
    await clock.advance(60_000)
    await clock.advance(60_000)
    await expect(engine.runNow('slow')).rejects.toMatchObject({ code: 'busy' })
    const skipped = await rec.next(r => r.outcome === 'skipped')
    expect(skipped.error).toMatch(/still going/)
    release()
    const done = await rec.next(r => r.outcome === 'success')
    expect(done.scheduled_for).toBe(START + 60_000)
    expect(maxActive).toBe(1)
    expect(rec.starts).toEqual(['slow'])
    expect(rec.runs.filter(r => r.outcome === 'skipped')).toHaveLength(2)
    // the schedule goes on after the long run
    await clock.advance(60_000)
    const next = await rec.next(r => r.outcome === 'success' && r.scheduled_for === START + 4 * 60_000)
    expect(next.trigger).toBe('schedule')
    expect(maxActive).toBe(1)
    await engine.stop()
  })

  it('aborts an attempt past its timeout and starts the retry only after it settled', async () => {
    const { node } = await mesh.add()
    let active = 0
    let maxActive = 0
    let calls = 0
    const { engine, rec } = engineOn(node, [task('hangs', async ctx => {
      calls++
      active++
      maxActive = Math.max(maxActive, active)
      try {
        if (calls === 1) {
          await new Promise((_resolve, reject) => { ctx.signal.addEventListener('abort', () => { setTimeout(() => { reject(ctx.signal.reason) }, 20) }) })
        }
        return { calls }
      } finally {
        active--
      }
    }, { timeoutMs: 5000, retries: 1, backoffMs: 100 })])
    await engine.start()
    const p = engine.runNow('hangs')
    await rec.next(r => r.task === 'hangs', { stepMs: 1000 })
    const run = await p
    expect(run).toMatchObject({ outcome: 'success', attempts: 2, result: { calls: 2 } })
    expect(maxActive).toBe(1)
    await engine.stop()
  })

  it('a run interrupted by stop is recorded, not notified, and its occurrence stays unrun', async () => {
    const { node } = await mesh.add()
    const { engine, clock, rec } = engineOn(node, [task('long', async ctx => {
      await new Promise((_resolve, reject) => { ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) }) })
      return {}
    }, { schedule: '* * * * *', timeoutMs: 0, retries: 3 })])
    await engine.start()
    await clock.advance(60_000)
    expect(rec.starts).toEqual(['long'])
    await engine.stop()
    const run = await rec.next(r => r.task === 'long')
    expect(run).toMatchObject({ outcome: 'failed', attempts: 1, scheduled_for: START + 60_000 })
    expect(run.error).toMatch(/^interrupted/)
    expect(alerts(node, 'long')).toEqual([])
    expect(engine.task('long')?.failing).toBe(false)

    // started again (same database) with missed: run-once, the 12:01 occurrence is made up
    const again = engineOn(node, [task('long', async () => ({ done: true }), { schedule: '* * * * *', missed: 'run-once' })], clock)
    await again.engine.start()
    await clock.advance(1)
    const madeUp = await again.rec.next(r => r.task === 'long')
    expect(madeUp).toMatchObject({ trigger: 'missed', outcome: 'success', scheduled_for: START + 60_000 })
    await again.engine.stop()
  })

  it('keeps the run history bounded and validates setting changes, naming the key', async () => {
    const { node } = await mesh.add()
    const { engine } = engineOn(node, [task('quick', async () => ({}))], testClock(START), 5)
    await engine.start()
    for (let i = 0; i < 8; i++) { await engine.runNow('quick') }
    const page = await engine.runs({ limit: 100 })
    expect(page.items).toHaveLength(5)
    expect(engine.stats()).toMatchObject({ runs: 8, history: 5 })

    const bad: Array<[unknown, string]> = [
      [{ schedule: '61 * * * *' }, 'schedule'],
      [{ timeoutMs: -1 }, 'timeoutMs'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ colour: 'red' }, 'colour']
    ]
    for (const [patch, key] of bad) {
      const err = await engine.update('quick', patch).catch(e => e)
      expect(err).toBeInstanceOf(AutomationError)
      expect(err.key).toBe(key)
    }
    await expect(engine.update('nope', { enabled: false })).rejects.toMatchObject({ code: 'not_found' })
    const updated = await engine.update('quick', { enabled: false })
    expect(updated.settings.enabled).toBe(false)
    expect(updated.next_run_at).toBeNull()
    await engine.stop()
  })
})
