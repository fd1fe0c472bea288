/** The automation engine's task model: settings, definitions and run records. */
import type { NotificationPriority } from '../notifications/index.ts'

/** what happens to an occurrence the node missed (it was down or stopped at the time) */
export type MissedRunPolicy = 'run-once' | 'skip'

export interface TaskSettings {
  enabled: boolean
  /** cron expression (five or six fields, croner syntax) */
  schedule: string
  /** IANA time zone the schedule is read in (default UTC) */
  timezone: string
  /** each occurrence waits a random 0..jitterMs more (spreads a mesh's nodes apart) */
  jitterMs: number
  /** an attempt running longer than this is aborted and counts as failed; 0 = none */
  timeoutMs: number
  /** attempts after the first failed one */
  retries: number
  /** wait before the first retry; doubles for each further one */
  backoffMs: number
  /** cap of the doubling backoff */
  maxBackoffMs: number
  missed: MissedRunPolicy
}

export const TASK_SETTING_KEYS = ['enabled', 'schedule', 'timezone', 'jitterMs', 'timeoutMs', 'retries', 'backoffMs', 'maxBackoffMs', 'missed'] as const

export type RunTrigger = 'schedule' | 'missed' | 'manual'
export type RunOutcome = 'success' | 'failed' | 'skipped'

/** what a task gets for one attempt */
export interface TaskRunContext {
  /** aborted on timeout and when the engine stops */
  signal: AbortSignal
  correlationId: string
  /** 1 for the first attempt */
  attempt: number
  trigger: RunTrigger
  /** the schedule occurrence this run is for (ms), absent for manual runs */
  scheduledFor?: number
  now(): number
}

/** what a run did, for the history (JSON-safe, small) */
export type TaskOutput = Record<string, unknown>

export interface AutomationTask {
  name: string
  description: string
  defaults: TaskSettings
  /**
   * routine task (runs every minute): its successful runs emit no event, so they do not
   * crowd the node's bounded event history; failures and skips still do
   */
  quiet?: boolean
  /** priority of the notification when the task fails (default 'high') */
  failurePriority?: NotificationPriority
  run(ctx: TaskRunContext): Promise<TaskOutput | undefined>
  /** for tasks that watch something between runs */
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}

export interface RunRecord {
  id: string
  task: string
  trigger: RunTrigger
  correlation_id: string
  /** the schedule occurrence, ms since epoch (null for manual runs) */
  scheduled_for: number | null
  started_at: number
  ended_at: number
  duration_ms: number
  outcome: RunOutcome
  attempts: number
  /** the last attempt's error (failed) or why it did not run (skipped) */
  error: string | null
  /** what it did (e.g. humans paid) */
  result: TaskOutput | null
}

export interface TaskStatus {
  name: string
  description: string
  settings: TaskSettings
  running: boolean
  /** when the next scheduled run fires (jitter included), ms; null when disabled */
  next_run_at: number | null
  last_run_at: number | null
  last_success_at: number | null
  last_outcome: RunOutcome | null
  failing: boolean
  consecutive_failures: number
  runs: number
  failures: number
}

export interface AutomationStats {
  started: boolean
  tasks: number
  enabled: number
  running: string[]
  failing: string[]
  /** runs and failures since start */
  runs: number
  failures: number
  /** run records kept */
  history: number
  next: { task: string, at: number } | null
}
