/**
 * Automation: the engine (engine.ts) and the built-in tasks a mesh node runs on its own:
 * the weekly distribution, ledger compaction, housekeeping and health checks. Runtimes
 * add their platform's tasks (the Node runtime: backups) through `extraTasks`.
 */
import { createAutomationEngine } from './engine.ts'
import { createHealthMonitor, healthCheckTask } from './health.ts'
import { housekeepingTask, ledgerCompactionTask, weeklyDistributionTask } from './tasks.ts'
import type { Clock } from '../clock.ts'
import type { AutomationEngine } from './engine.ts'
import type { HealthCheck, HealthMonitor, HealthProbes, HealthThresholds, LagMonitor } from './health.ts'
import type { AutomationTask, TaskSettings } from './types.ts'
import type { MeshNode } from '../mesh-node.ts'

export { createAutomationEngine, AutomationError } from './engine.ts'
export type { AutomationEngine, AutomationComponents, AutomationInit, AutomationErrorCode, AutomationEvents } from './engine.ts'
export { systemClock, MAX_TIMER_MS } from '../clock.ts'
export type { Clock } from '../clock.ts'
export { createHealthMonitor, healthCheckTask, LagMonitor, DEFAULT_HEALTH_THRESHOLDS } from './health.ts'
export type { HealthCheck, HealthMonitor, HealthProbes, HealthThresholds, CheckState, CheckResult } from './health.ts'
export { TASK_NAMES, weeklyDistributionTask, ledgerCompactionTask, housekeepingTask, settings as taskSettings } from './tasks.ts'
export { taskSettingsSchema, taskSettingsPatchSchema, validateSettingsPatch, TaskSettingsError } from './settings.ts'
export { createSchedule, cronError, timezoneError } from './schedule.ts'
export type { Schedule } from './schedule.ts'
export type * from './types.ts'

export interface MeshAutomationInit {
  /** per task name, settings over the defaults */
  settings?: Record<string, Partial<TaskSettings>>
  clock?: Clock
  /** the connection minimum the health check holds the node to */
  minConnections?: number
  probes?: HealthProbes
  thresholds?: Partial<HealthThresholds>
  extraChecks?: HealthCheck[]
  lagMonitor?: LagMonitor
  /** failing health checks are not notified this long after start (default 3 min) */
  healthGraceMs?: number
  /** the runtime's own tasks (e.g. backup) */
  extraTasks?: AutomationTask[]
  /** more housekeeping (e.g. pruning old backups) */
  housekeeping?: Array<() => Promise<Record<string, number>>>
  maxRuns?: number
  random?(): number
}

export interface MeshAutomation {
  readonly engine: AutomationEngine
  readonly health: HealthMonitor
  start(): Promise<void>
  stop(): Promise<void>
}

/** The engine with the built-in tasks, on a mesh node's services. */
export function createMeshAutomation (node: Pick<MeshNode, 'libp2p' | 'db' | 'events' | 'notifications' | 'ledger'>, init: MeshAutomationInit = {}): MeshAutomation {
  const clock = init.clock
  const now = (): number => (clock ?? { now: Date.now }).now()
  const health = createHealthMonitor({
    libp2p: node.libp2p,
    ledger: node.ledger,
    events: node.events,
    notifications: node.notifications,
    now
  }, {
    minConnections: init.minConnections ?? 0,
    probes: init.probes,
    thresholds: init.thresholds,
    extraChecks: init.extraChecks,
    lagMonitor: init.lagMonitor,
    startupGraceMs: init.healthGraceMs
  })
  // the housekeeping task trims the engine's history, and the engine needs the tasks first
  const engineRef: { current?: AutomationEngine } = {}
  const tasks: AutomationTask[] = [
    weeklyDistributionTask(node.ledger),
    ledgerCompactionTask(node.ledger),
    housekeepingTask({
      notifications: node.notifications,
      trimHistory: async () => engineRef.current?.trimHistory() ?? 0,
      extra: init.housekeeping
    }),
    healthCheckTask(health),
    ...(init.extraTasks ?? [])
  ]
  const engine = createAutomationEngine({
    db: node.db,
    events: node.events,
    notifications: node.notifications,
    logger: node.libp2p.logger
  }, {
    tasks,
    settings: init.settings,
    clock,
    maxRuns: init.maxRuns,
    random: init.random
  })
  engineRef.current = engine
  return {
    engine,
    health,
    start: async () => { await engine.start() },
    stop: async () => { await engine.stop() }
  }
}
