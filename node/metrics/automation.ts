/**
 * Prometheus series of the automation engine, per task: runs and failures (counters),
 * run duration (histogram) and the time of the last success (gauge, read at scrape time).
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import type { AutomationEngine, RunRecord } from '../../protocol/automation/index.ts'
import type { Registry } from 'prom-client'

export interface AutomationMetrics {
  stop(): void
}

export function registerAutomationMetrics (registry: Registry, engine: AutomationEngine): AutomationMetrics {
  const registers = [registry]
  const runs = new Counter({ name: 'liberation_automation_runs_total', help: 'automation task runs, by task and outcome (success, failed, skipped)', labelNames: ['task', 'outcome'] as const, registers })
  const failures = new Counter({ name: 'liberation_automation_failures_total', help: 'automation task runs that failed after their retries, by task', labelNames: ['task'] as const, registers })
  const duration = new Histogram({
    name: 'liberation_automation_run_duration_seconds',
    help: 'automation task run duration (retries included), by task',
    labelNames: ['task'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_automation_last_success_timestamp_seconds',
    help: 'when each automation task last succeeded (unix seconds; absent if never)',
    labelNames: ['task'] as const,
    registers,
    collect () {
      for (const t of engine.tasks()) { if (t.last_success_at != null) { this.set({ task: t.name }, t.last_success_at / 1000) } }
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'liberation_automation_task_failing',
    help: '1 while an automation task is failing (notified, not recovered yet)',
    labelNames: ['task'] as const,
    registers,
    collect () {
      for (const t of engine.tasks()) { this.set({ task: t.name }, t.failing ? 1 : 0) }
    }
  })
  for (const t of engine.tasks()) {
    runs.inc({ task: t.name, outcome: 'success' }, 0)
    failures.inc({ task: t.name }, 0)
  }
  const onRun = (evt: CustomEvent<RunRecord>): void => {
    const r = evt.detail
    runs.inc({ task: r.task, outcome: r.outcome })
    if (r.outcome === 'failed') { failures.inc({ task: r.task }) }
    if (r.outcome !== 'skipped') { duration.observe({ task: r.task }, r.duration_ms / 1000) }
  }
  engine.addEventListener('run', onRun)
  return {
    stop () { engine.removeEventListener('run', onRun) }
  }
}
