/**
 * Health checks, run as one task (every minute by default). Each check reports ok or
 * failing with a priority; a notification is raised when a check starts failing or gets
 * more urgent, and one recovery notification when it clears, never one per run.
 *
 * The checks that need the platform (memory, free disk) take probes from the runtime;
 * the event-loop lag is measured here with a real timer that reports how late it fired.
 */
import { priorityRank } from '../notifications/index.ts'
import { TASK_NAMES, settings } from './tasks.ts'
import type { AutomationTask } from './types.ts'
import type { EventLog, MeshEvent } from '../events/index.ts'
import type { LedgerService } from '../ledger/index.ts'
import type { NotificationPriority, NotificationService } from '../notifications/index.ts'
import type { Libp2p } from '@libp2p/interface'

export interface CheckResult {
  ok: boolean
  /** how urgent a failure is (ignored when ok) */
  priority?: NotificationPriority
  message: string
  /** the measured figure */
  value?: number
}

export interface HealthCheck {
  name: string
  check(): CheckResult | Promise<CheckResult>
}

export interface CheckState {
  name: string
  ok: boolean
  priority: NotificationPriority | null
  message: string
  value: number | null
  /** since when it has been in this state */
  since: number
}

export interface HealthProbes {
  /** memory in use and the most it may use, bytes */
  memory?(): { usedBytes: number, limitBytes: number }
  /** free and total bytes of the file system that holds the data dir */
  disk?(): Promise<{ freeBytes: number, totalBytes: number }>
}

export interface HealthThresholds {
  /** event-loop lag that fails the check (ms; default 200, critical at 10×) */
  lagMs: number
  /** memory use share that fails (default 0.85, critical at 0.95) */
  memoryShare: number
  /** free disk share that fails (default 0.10; emergency below 0.02 or 256 MiB) */
  diskShare: number
  diskEmergencyBytes: number
  /** no ledger sync with any peer for this long while peers are connected (default 10 min) */
  syncLagMs: number
  /** active humans and no payment this ISO week this long after the week began (default 2 days) */
  distributionOverdueMs: number
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  lagMs: 200,
  memoryShare: 0.85,
  diskShare: 0.10,
  diskEmergencyBytes: 256 * 1024 * 1024,
  syncLagMs: 10 * 60_000,
  distributionOverdueMs: 2 * 86_400_000
}

/**
 * Measures how late a repeating real timer fires: the worst lag since the last read.
 * A blocked event loop shows up as the timer firing that much after its time.
 */
export class LagMonitor {
  private timer: ReturnType<typeof setTimeout> | undefined
  private expected = 0
  private worst = 0
  constructor (private readonly intervalMs = 50) {}

  start (): void {
    if (this.timer != null) { return }
    const tick = (): void => {
      const now = performance.now()
      if (this.expected > 0) { this.worst = Math.max(this.worst, now - this.expected) }
      this.expected = now + this.intervalMs
      this.timer = setTimeout(tick, this.intervalMs)
      ;(this.timer as { unref?(): void }).unref?.()
    }
    tick()
  }

  stop (): void {
    if (this.timer != null) { clearTimeout(this.timer) }
    this.timer = undefined
    this.expected = 0
  }

  /** the worst lag (ms) since the last call, including a timer overdue right now */
  read (): number {
    const overdue = this.expected > 0 ? Math.max(0, performance.now() - this.expected) : 0
    const worst = Math.max(this.worst, overdue)
    this.worst = 0
    return worst
  }
}

export interface HealthComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'getPeers'>
  ledger: Pick<LedgerService, 'stats'>
  events: EventLog
  notifications: Pick<NotificationService, 'send'>
  now(): number
}

export interface HealthInit {
  minConnections: number
  probes?: HealthProbes
  thresholds?: Partial<HealthThresholds>
  /** checks of the runtime's own, run with the built-in ones */
  extraChecks?: HealthCheck[]
  lagMonitor?: LagMonitor
  /**
   * after start, failing checks are not notified for this long (default 3 min): a node
   * that just started has no peers yet and a busy event loop
   */
  startupGraceMs?: number
}

export interface HealthMonitor {
  readonly checks: HealthCheck[]
  /** runs every check, notifies the changes; returns every check's state */
  run(correlationId?: string): Promise<CheckState[]>
  states(): CheckState[]
  start(): void
  stop(): void
}

/** ms since the start (Monday 00:00 UTC) of the ISO week of `now` */
function intoIsoWeek (now: number): number {
  const day = (new Date(now).getUTCDay() + 6) % 7
  return (now % 86_400_000) + day * 86_400_000
}

function builtInChecks (c: HealthComponents, init: HealthInit, t: HealthThresholds, lag: LagMonitor, lastSync: () => number): HealthCheck[] {
  const checks: HealthCheck[] = [
    {
      name: 'peers',
      check: () => {
        const peers = c.libp2p.getPeers().length
        return peers > 0
          ? { ok: true, message: `${peers} peers connected`, value: peers }
          : { ok: false, priority: 'high', message: 'no peer connected: this node is cut off from the mesh', value: 0 }
      }
    },
    {
      name: 'connections',
      check: () => {
        const n = c.libp2p.getConnections().length
        return n >= init.minConnections
          ? { ok: true, message: `${n} connections (minimum ${init.minConnections})`, value: n }
          : { ok: false, priority: 'medium', message: `${n} connections, below the minimum of ${init.minConnections}`, value: n }
      }
    },
    {
      name: 'event-loop-lag',
      check: () => {
        const ms = Math.round(lag.read())
        if (ms < t.lagMs) { return { ok: true, message: `worst event-loop lag ${ms} ms`, value: ms } }
        return { ok: false, priority: ms >= 10 * t.lagMs ? 'critical' : 'high', message: `the event loop was blocked for ${ms} ms (limit ${t.lagMs} ms)`, value: ms }
      }
    },
    {
      name: 'sync-lag',
      check: () => {
        const peers = c.libp2p.getPeers().length
        const since = c.now() - lastSync()
        if (peers === 0 || since < t.syncLagMs) { return { ok: true, message: `last ledger sync ${Math.round(since / 1000)} s ago`, value: since } }
        return { ok: false, priority: 'medium', message: `no ledger sync for ${Math.round(since / 60_000)} min with ${peers} peers connected`, value: since }
      }
    },
    {
      name: 'distribution',
      check: async () => {
        const stats = await c.ledger.stats()
        const into = intoIsoWeek(c.now())
        if (stats.activeHumans === 0 || stats.paymentsThisWeek > 0 || into < t.distributionOverdueMs) {
          return { ok: true, message: `${stats.paymentsThisWeek} payments in ${stats.week}`, value: stats.paymentsThisWeek }
        }
        return { ok: false, priority: 'high', message: `no payment yet in ${stats.week}, ${Math.floor(into / 3_600_000)} h into the week, for ${stats.activeHumans} active humans`, value: into }
      }
    }
  ]
  const memory = init.probes?.memory
  if (memory != null) {
    checks.push({
      name: 'memory',
      check: () => {
        const m = memory()
        const share = m.limitBytes > 0 ? m.usedBytes / m.limitBytes : 0
        const pct = Math.round(share * 100)
        if (share < t.memoryShare) { return { ok: true, message: `${pct}% of the memory limit in use`, value: m.usedBytes } }
        return { ok: false, priority: share >= 0.95 ? 'critical' : 'high', message: `${pct}% of the memory limit in use`, value: m.usedBytes }
      }
    })
  }
  const disk = init.probes?.disk
  if (disk != null) {
    checks.push({
      name: 'disk',
      check: async () => {
        const d = await disk()
        const share = d.totalBytes > 0 ? d.freeBytes / d.totalBytes : 1
        const mib = Math.round(d.freeBytes / 1024 / 1024)
        if (share >= t.diskShare && d.freeBytes >= t.diskEmergencyBytes) { return { ok: true, message: `${mib} MiB free in the data dir`, value: d.freeBytes } }
        const emergency = share < 0.02 || d.freeBytes < t.diskEmergencyBytes
        return { ok: false, priority: emergency ? 'emergency' : 'high', message: `only ${mib} MiB (${(share * 100).toFixed(1)}%) free in the data dir`, value: d.freeBytes }
      }
    })
  }
  return checks
}

export function createHealthMonitor (c: HealthComponents, init: HealthInit): HealthMonitor {
  const t = { ...DEFAULT_HEALTH_THRESHOLDS, ...init.thresholds }
  const lag = init.lagMonitor ?? new LagMonitor()
  let startedAt = c.now()
  const graceMs = init.startupGraceMs ?? 180_000
  let lastSyncAt = 0
  const onEvent = (evt: CustomEvent<MeshEvent>): void => {
    if (evt.detail.type === 'ledger:synced') { lastSyncAt = c.now() }
  }
  const lastSync = (): number => Math.max(lastSyncAt, startedAt)
  const checks = [...builtInChecks(c, init, t, lag, lastSync), ...(init.extraChecks ?? [])]
  /** the states notified so far */
  const states = new Map<string, CheckState>()
  /** checks failing within the startup grace (not notified) */
  const graceStates = new Map<string, CheckState>()
  const current = (): CheckState[] => checks.flatMap(ch => {
    const st = graceStates.get(ch.name) ?? states.get(ch.name)
    return st == null ? [] : [st]
  })

  return {
    checks,
    start () {
      startedAt = c.now()
      lag.start()
      c.events.addEventListener('event', onEvent)
    },
    stop () {
      lag.stop()
      c.events.removeEventListener('event', onEvent)
    },
    states: current,
    async run (correlationId) {
      const now = c.now()
      for (const check of checks) {
        let r: CheckResult
        try {
          r = await check.check()
        } catch (err: any) {
          r = { ok: false, priority: 'medium', message: `check failed: ${String(err?.message ?? err)}` }
        }
        const before = states.get(check.name)
        const priority = r.ok ? null : r.priority ?? 'medium'
        if (!r.ok && now - startedAt < graceMs) {
          // still settling after start: shown as failing, notified only if it still fails after the grace
          graceStates.set(check.name, { name: check.name, ok: false, priority, message: r.message, value: r.value ?? null, since: before?.since ?? now })
          continue
        }
        graceStates.delete(check.name)
        const changed = before == null ? !r.ok : before.ok !== r.ok || (priority != null && before.priority != null && priorityRank(priority) > priorityRank(before.priority))
        const state: CheckState = {
          name: check.name,
          ok: r.ok,
          priority,
          message: r.message,
          value: r.value ?? null,
          since: changed || before == null ? now : before.since
        }
        // a check that gets less urgent but still fails keeps its worst level: no new notification
        if (before != null && !before.ok && !r.ok && !changed) { state.priority = before.priority }
        states.set(check.name, state)
        if (!changed) { continue }
        const notification = r.ok
          ? { priority: 'low' as const, title: `Health check ${check.name} recovered`, message: r.message }
          : { priority: priority ?? 'medium', title: `Health check ${check.name} failing`, message: r.message }
        c.events.emitEvent('system', r.ok ? 'health:check-recovered' : 'health:check-failing', { check: check.name, priority, message: r.message, value: r.value ?? null }, correlationId)
        await c.notifications.send({
          type: 'system_alert',
          ...notification,
          data: { check: check.name, ok: r.ok, value: r.value ?? null, health: true },
          correlationId
        }).catch(() => {})
      }
      return current()
    }
  }
}

export function healthCheckTask (monitor: HealthMonitor): AutomationTask {
  return {
    name: TASK_NAMES.healthCheck,
    description: 'check peers, connections, event-loop lag, memory, free disk, sync lag and the distribution; notify changes',
    defaults: settings({ schedule: '* * * * *', timeoutMs: 30_000 }),
    failurePriority: 'medium',
    quiet: true,
    start: () => { monitor.start() },
    stop: () => { monitor.stop() },
    async run (ctx) {
      const states = await monitor.run(ctx.correlationId)
      const failing = states.filter(s => !s.ok)
      return {
        checks: states.length,
        failing: failing.map(s => s.name),
        worst: failing.reduce<NotificationPriority | null>((w, s) => w == null || (s.priority != null && priorityRank(s.priority) > priorityRank(w)) ? s.priority : w, null)
      }
    }
  }
}
