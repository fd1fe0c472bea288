/**
 * The automation engine: runs named tasks on cron schedules against a clock it is given.
 *
 * - **One run at a time per task**: a schedule firing or a "run now" while the task runs
 * is refused (a skipped record, or `AutomationError('busy')`), never queued.
 * - **Jitter**: each occurrence fires a random 0..jitterMs after its time, so the nodes of
 * a mesh that share a schedule do not all act in the same second.
 * - **Retries**: a failed or timed-out attempt is retried after `backoffMs`, doubling up to
 * `maxBackoffMs`, `retries` times. A timed-out attempt is aborted (its signal) and the
 * next one starts only once it has settled: attempts never overlap either.
 * - **Missed runs**: with `missed: 'run-once'`, an occurrence that passed while the engine
 * was not running (and after it first knew the task) is run once at start; the stored
 * `lastScheduledFor` keeps a restart from running it again.
 * - **Failure and recovery**: a run that fails after its retries raises one notification
 * (the task's priority); further failures raise none until a run succeeds, which raises
 * one recovery notification. The failing flag is stored, so a restart does not repeat it.
 * - **History**: every run is a record in the node's database (bounded, newest kept) and
 * an event (`system` / `automation:run-started`, `automation:run-finished`); the
 * successful runs of `quiet` (every-minute) tasks emit none.
 */
import { TypedEventEmitter } from 'main-event'
import { MAX_TIMER_MS, sleep, systemClock } from '../clock.ts'
import { newCorrelationId } from '../events/index.ts'
import { AutomationStore } from './history.ts'
import { createSchedule } from './schedule.ts'
import { TaskSettingsError, taskSettingsSchema, validateSettingsPatch } from './settings.ts'
import type { Clock } from '../clock.ts'
import type { RunQuery, StoredTaskState } from './history.ts'
import type { Schedule } from './schedule.ts'
import type { AutomationStats, AutomationTask, RunOutcome, RunRecord, RunTrigger, TaskOutput, TaskSettings, TaskStatus } from './types.ts'
import type { EventLog } from '../events/index.ts'
import type { NotificationPriority, NotificationService } from '../notifications/index.ts'
import type { MeshDatabase } from '../storage/index.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export type AutomationErrorCode = 'not_found' | 'busy' | 'invalid_input' | 'stopped'

export class AutomationError extends Error {
  readonly code: AutomationErrorCode
  /** the offending setting, for invalid_input */
  readonly key?: string
  constructor (code: AutomationErrorCode, message: string, key?: string) {
    super(message)
    this.name = 'AutomationError'
    this.code = code
    this.key = key
  }
}

export interface AutomationComponents {
  db: MeshDatabase
  events: EventLog
  notifications: NotificationService
  logger: ComponentLogger
}

export interface AutomationInit {
  tasks: AutomationTask[]
  /** per task name, settings over the task's defaults (already validated by the caller's config) */
  settings?: Record<string, Partial<TaskSettings>>
  clock?: Clock
  /** run records kept (default 1000) */
  maxRuns?: number
  /** 0..1, for jitter (tests) */
  random?(): number
}

export interface AutomationEvents {
  /** a run began */
  'run:start': CustomEvent<{ id: string, task: string, trigger: RunTrigger, started_at: number }>
  /** a run ended (any outcome, skipped included) */
  run: CustomEvent<RunRecord>
}

export interface AutomationEngine extends TypedEventEmitter<AutomationEvents> {
  readonly clock: Clock
  start(): Promise<void>
  /** stops the timers, aborts running attempts and waits for them to settle */
  stop(): Promise<void>
  tasks(): TaskStatus[]
  task(name: string): TaskStatus | undefined
  /** changes a task's settings (stored: they survive restarts and override the config) */
  update(name: string, patch: unknown): Promise<TaskStatus>
  /** runs a task now (retries included); throws AutomationError busy when it is running */
  runNow(name: string, opts?: { correlationId?: string }): Promise<RunRecord>
  runs(query?: RunQuery): Promise<{ items: RunRecord[], nextCursor?: string }>
  /** drops run records past `keep` (housekeeping); returns how many */
  trimHistory(keep?: number): Promise<number>
  stats(): AutomationStats
}

interface TaskSlot {
  task: AutomationTask
  configured: TaskSettings
  settings: TaskSettings
  schedule: Schedule
  state: StoredTaskState
  timer?: unknown
  /** when the armed timer fires, and the occurrence it is for */
  nextFireAt?: number
  nextOccurrence?: number
  running?: Promise<RunRecord>
  runs: number
  failures: number
}

class Engine extends TypedEventEmitter<AutomationEvents> implements AutomationEngine {
  readonly clock: Clock
  private readonly components: AutomationComponents
  private readonly log: Logger
  private readonly store: AutomationStore
  private readonly slots = new Map<string, TaskSlot>()
  private readonly random: () => number
  private readonly controllers = new Set<AbortController>()
  private started = false
  private runsTotal = 0
  private failuresTotal = 0

  constructor (components: AutomationComponents, init: AutomationInit) {
    super()
    this.components = components
    this.log = components.logger.forComponent('liberation:automation')
    this.clock = init.clock ?? systemClock
    this.random = init.random ?? Math.random
    this.store = new AutomationStore(components.db, init.maxRuns ?? 1000)
    for (const task of init.tasks) {
      if (this.slots.has(task.name)) { throw new Error(`two automation tasks named ${task.name}`) }
      const configured = { ...task.defaults, ...init.settings?.[task.name] }
      this.slots.set(task.name, {
        task,
        configured,
        settings: configured,
        schedule: createSchedule(configured.schedule, configured.timezone),
        state: { since: 0 },
        runs: 0,
        failures: 0
      })
    }
    for (const name of Object.keys(init.settings ?? {})) {
      if (!this.slots.has(name)) { throw new AutomationError('not_found', `unknown automation task ${name}`, name) }
    }
  }

  async start (): Promise<void> {
    if (this.started) { return }
    const stored = await this.store.open()
    const now = this.clock.now()
    for (const [name, slot] of this.slots) {
      const state = stored.get(name)
      slot.state = state ?? { since: now }
      if (state == null) { await this.store.saveState(name, slot.state) }
      if (slot.state.overrides != null) { this.applySettings(slot, { ...slot.configured, ...slot.state.overrides }) }
    }
    this.started = true
    for (const slot of this.slots.values()) {
      try {
        await slot.task.start?.()
      } catch (err: any) {
        this.log.error('task %s did not start: %s', slot.task.name, err.message)
      }
    }
    for (const slot of this.slots.values()) {
      if (!slot.settings.enabled) { continue }
      const missed = this.missedOccurrence(slot, now)
      if (missed != null) {
        // run on the next turn: start() does not wait for the task
        slot.timer = this.clock.setTimeout(() => {
          slot.timer = undefined
          this.fire(slot, missed, 'missed')
        }, 0)
        slot.nextFireAt = now
        slot.nextOccurrence = missed
      } else {
        this.arm(slot)
      }
    }
  }

  async stop (): Promise<void> {
    if (!this.started) { return }
    this.started = false
    for (const slot of this.slots.values()) { this.disarm(slot) }
    for (const c of this.controllers) { c.abort(new AutomationError('stopped', 'the automation engine stopped')) }
    await Promise.allSettled([...this.slots.values()].map(async s => s.running))
    for (const slot of this.slots.values()) {
      try {
        await slot.task.stop?.()
      } catch (err: any) {
        this.log.error('task %s did not stop cleanly: %s', slot.task.name, err.message)
      }
    }
  }

  tasks (): TaskStatus[] {
    return [...this.slots.values()].map(s => this.status(s))
  }

  task (name: string): TaskStatus | undefined {
    const slot = this.slots.get(name)
    return slot == null ? undefined : this.status(slot)
  }

  async update (name: string, patch: unknown): Promise<TaskStatus> {
    const slot = this.slot(name)
    let changes: Partial<TaskSettings>
    try {
      changes = validateSettingsPatch(patch)
    } catch (err) {
      if (err instanceof TaskSettingsError) { throw new AutomationError('invalid_input', err.message, err.key) }
      throw err
    }
    const next = { ...slot.settings, ...changes }
    const checked = taskSettingsSchema.safeParse(next)
    if (!checked.success) { throw new AutomationError('invalid_input', checked.error.issues[0].message) }
    slot.state = { ...slot.state, overrides: { ...slot.state.overrides, ...changes } }
    await this.store.saveState(name, slot.state)
    this.applySettings(slot, next)
    if (this.started) {
      this.disarm(slot)
      if (slot.settings.enabled) { this.arm(slot) }
    }
    this.components.events.emitEvent('system', 'automation:task-updated', { task: name, settings: slot.settings })
    return this.status(slot)
  }

  async runNow (name: string, opts: { correlationId?: string } = {}): Promise<RunRecord> {
    const slot = this.slot(name)
    if (!this.started) { throw new AutomationError('stopped', 'the automation engine is not running') }
    if (slot.running != null) { throw new AutomationError('busy', `task ${name} is already running`) }
    return this.execute(slot, 'manual', undefined, opts.correlationId)
  }

  async runs (query: RunQuery = {}): Promise<{ items: RunRecord[], nextCursor?: string }> {
    return this.store.list(query)
  }

  async trimHistory (keep?: number): Promise<number> {
    return this.store.trim(keep)
  }

  stats (): AutomationStats {
    const statuses = this.tasks()
    let next: AutomationStats['next'] = null
    for (const s of statuses) {
      if (s.next_run_at != null && (next == null || s.next_run_at < next.at)) { next = { task: s.name, at: s.next_run_at } }
    }
    return {
      started: this.started,
      tasks: statuses.length,
      enabled: statuses.filter(s => s.settings.enabled).length,
      running: statuses.filter(s => s.running).map(s => s.name),
      failing: statuses.filter(s => s.failing).map(s => s.name),
      runs: this.runsTotal,
      failures: this.failuresTotal,
      history: this.store.size,
      next
    }
  }

  private slot (name: string): TaskSlot {
    const slot = this.slots.get(name)
    if (slot == null) { throw new AutomationError('not_found', `no automation task ${name}`) }
    return slot
  }

  private applySettings (slot: TaskSlot, settings: TaskSettings): void {
    if (settings.schedule !== slot.settings.schedule || settings.timezone !== slot.settings.timezone) {
      slot.schedule = createSchedule(settings.schedule, settings.timezone)
    }
    slot.settings = settings
  }

  private status (slot: TaskSlot): TaskStatus {
    return {
      name: slot.task.name,
      description: slot.task.description,
      settings: { ...slot.settings },
      running: slot.running != null,
      next_run_at: this.started && slot.settings.enabled ? slot.nextFireAt ?? null : null,
      last_run_at: slot.state.lastRunAt ?? null,
      last_success_at: slot.state.lastSuccessAt ?? null,
      last_outcome: slot.state.lastOutcome ?? null,
      failing: slot.state.failing === true,
      consecutive_failures: slot.state.consecutiveFailures ?? 0,
      runs: slot.runs,
      failures: slot.failures
    }
  }

  /** the latest occurrence this node should have run and did not, under the task's policy */
  private missedOccurrence (slot: TaskSlot, now: number): number | undefined {
    if (slot.settings.missed !== 'run-once') { return undefined }
    const previous = slot.schedule.previous(now)
    if (previous == null || previous <= slot.state.since) { return undefined }
    if (slot.state.lastScheduledFor != null && slot.state.lastScheduledFor >= previous) { return undefined }
    return previous
  }

  private arm (slot: TaskSlot, after?: number): void {
    const now = this.clock.now()
    // never the same occurrence twice, even when the clock has not moved past it
    const occurrence = slot.schedule.next(Math.max(now, after ?? 0, slot.state.lastScheduledFor ?? 0))
    if (occurrence == null) {
      slot.nextFireAt = undefined
      return
    }
    const fireAt = occurrence + Math.floor(this.random() * slot.settings.jitterMs)
    slot.nextOccurrence = occurrence
    slot.nextFireAt = fireAt
    this.setTimer(slot, fireAt, occurrence)
  }

  private setTimer (slot: TaskSlot, fireAt: number, occurrence: number): void {
    const delay = Math.max(0, fireAt - this.clock.now())
    slot.timer = this.clock.setTimeout(() => {
      slot.timer = undefined
      if (!this.started) { return }
      // a wait past the timer's range is re-armed from where it got to
      if (this.clock.now() < fireAt) { this.setTimer(slot, fireAt, occurrence); return }
      this.fire(slot, occurrence, 'schedule')
    }, Math.min(delay, MAX_TIMER_MS))
  }

  private disarm (slot: TaskSlot): void {
    if (slot.timer != null) { this.clock.clearTimeout(slot.timer) }
    slot.timer = undefined
    slot.nextFireAt = undefined
    slot.nextOccurrence = undefined
  }

  private fire (slot: TaskSlot, occurrence: number, trigger: RunTrigger): void {
    if (!this.started) { return }
    // the next occurrence is armed before this one runs: a long run does not shift the schedule
    this.arm(slot, occurrence)
    if (slot.running != null) {
      void this.recordSkipped(slot, trigger, occurrence, 'the previous run is still going')
      return
    }
    this.execute(slot, trigger, occurrence).catch(err => {
      this.log.error('run of %s could not be recorded: %s', slot.task.name, err.message)
    })
  }

  private async recordSkipped (slot: TaskSlot, trigger: RunTrigger, occurrence: number, why: string): Promise<void> {
    const now = this.clock.now()
    const run: RunRecord = {
      id: this.store.newRunId(now),
      task: slot.task.name,
      trigger,
      correlation_id: newCorrelationId(),
      scheduled_for: occurrence,
      started_at: now,
      ended_at: now,
      duration_ms: 0,
      outcome: 'skipped',
      attempts: 0,
      error: why,
      result: null
    }
    try {
      await this.store.record(run, slot.task.name, slot.state)
    } catch (err: any) {
      this.log.error('could not store a skipped run of %s: %s', slot.task.name, err.message)
    }
    this.components.events.emitEvent('system', 'automation:run-finished', run, run.correlation_id)
    this.safeDispatchEvent('run', { detail: run })
  }

  private async execute (slot: TaskSlot, trigger: RunTrigger, occurrence: number | undefined, correlationId = newCorrelationId()): Promise<RunRecord> {
    const running = this.attempts(slot, trigger, occurrence, correlationId)
    slot.running = running
    try {
      return await running
    } finally {
      slot.running = undefined
    }
  }

  private async attempts (slot: TaskSlot, trigger: RunTrigger, occurrence: number | undefined, correlationId: string): Promise<RunRecord> {
    const { task } = slot
    const settings = slot.settings
    const startedAt = this.clock.now()
    const id = this.store.newRunId(startedAt)
    if (task.quiet !== true) { this.components.events.emitEvent('system', 'automation:run-started', { id, task: task.name, trigger, scheduled_for: occurrence ?? null }, correlationId) }
    this.safeDispatchEvent('run:start', { detail: { id, task: task.name, trigger, started_at: startedAt } })

    let output: TaskOutput | undefined
    let error: string | undefined
    let attempt = 0
    const maxAttempts = settings.retries + 1
    while (attempt < maxAttempts) {
      attempt++
      const controller = new AbortController()
      this.controllers.add(controller)
      try {
        output = await this.attempt(task, controller, settings.timeoutMs, { attempt, trigger, correlationId, scheduledFor: occurrence })
        error = undefined
        break
      } catch (err: any) {
        error = String(err?.message ?? err).split('\n')[0].slice(0, 1000)
        this.log('%s attempt %d failed: %s', task.name, attempt, error)
      } finally {
        this.controllers.delete(controller)
      }
      if (attempt >= maxAttempts || !this.started) { break }
      const wait = Math.min(settings.backoffMs * 2 ** (attempt - 1), settings.maxBackoffMs)
      const pause = new AbortController()
      this.controllers.add(pause)
      try {
        await sleep(this.clock, wait, pause.signal)
      } catch {
        break
      } finally {
        this.controllers.delete(pause)
      }
    }

    const endedAt = this.clock.now()
    const outcome: RunOutcome = error == null ? 'success' : 'failed'
    // stopped mid-run: recorded, but not a failure to notify, and the occurrence stays unrun
    const interrupted = outcome === 'failed' && !this.started
    if (interrupted) { error = `interrupted: the engine stopped (${error ?? ''})` }
    const run: RunRecord = {
      id,
      task: task.name,
      trigger,
      correlation_id: correlationId,
      scheduled_for: occurrence ?? null,
      started_at: startedAt,
      ended_at: endedAt,
      duration_ms: endedAt - startedAt,
      outcome,
      attempts: attempt,
      error: error ?? null,
      result: output ?? null
    }
    slot.runs++
    this.runsTotal++
    const wasFailing = slot.state.failing === true
    const state: StoredTaskState = {
      ...slot.state,
      lastRunAt: startedAt,
      lastOutcome: outcome,
      consecutiveFailures: outcome === 'success' ? 0 : (slot.state.consecutiveFailures ?? 0) + 1,
      failing: interrupted ? wasFailing : outcome === 'failed'
    }
    if (occurrence != null && !interrupted) { state.lastScheduledFor = Math.max(occurrence, slot.state.lastScheduledFor ?? 0) }
    if (outcome === 'success') { state.lastSuccessAt = endedAt } else { slot.failures++; this.failuresTotal++ }
    slot.state = state
    await this.store.record(run, task.name, state)
    if (task.quiet !== true || outcome !== 'success') { this.components.events.emitEvent('system', 'automation:run-finished', run, correlationId) }
    this.safeDispatchEvent('run', { detail: run })

    if (outcome === 'failed' && !wasFailing && !interrupted) {
      await this.notify({
        priority: task.failurePriority ?? 'high',
        title: `Task ${task.name} failed`,
        message: `${task.name} failed after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${run.error ?? ''}`.slice(0, 2000),
        data: { task: task.name, run: id, outcome, attempts: attempt, error: run.error },
        correlationId
      })
    } else if (outcome === 'success' && wasFailing) {
      await this.notify({
        priority: 'low',
        title: `Task ${task.name} recovered`,
        message: `${task.name} succeeded again`,
        data: { task: task.name, run: id, outcome, recovered: true },
        correlationId
      })
    }
    return run
  }

  private async attempt (task: AutomationTask, controller: AbortController, timeoutMs: number, ctx: { attempt: number, trigger: RunTrigger, correlationId: string, scheduledFor?: number }): Promise<TaskOutput | undefined> {
    const running = Promise.resolve().then(async () => task.run({ ...ctx, signal: controller.signal, now: () => this.clock.now() }))
    if (timeoutMs <= 0) { return running }
    let timer: unknown
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = this.clock.setTimeout(() => { reject(new Error(`timed out after ${timeoutMs} ms`)) }, timeoutMs)
    })
    try {
      return await Promise.race([running, timedOut])
    } catch (err) {
      controller.abort(err)
      // the aborted attempt must settle before another one starts: runs never overlap
      await running.catch(() => {})
      throw err
    } finally {
      this.clock.clearTimeout(timer)
    }
  }

  private async notify (n: { priority: NotificationPriority, title: string, message: string, data: Record<string, unknown>, correlationId: string }): Promise<void> {
    try {
      await this.components.notifications.send({ type: 'system_alert', ...n })
    } catch (err: any) {
      this.log.error('could not raise a notification: %s', err.message)
    }
  }
}

export function createAutomationEngine (components: AutomationComponents, init: AutomationInit): AutomationEngine {
  return new Engine(components, init)
}
