/**
 * The built-in tasks every runtime has: the weekly distribution, ledger compaction and
 * housekeeping. They use the services' public calls only (the same ones the API uses).
 */
import type { AutomationTask, TaskSettings } from './types.ts'
import type { LedgerService } from '../ledger/index.ts'
import type { NotificationService } from '../notifications/index.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

export const TASK_NAMES = {
  weeklyDistribution: 'weekly-distribution',
  ledgerCompaction: 'ledger-compaction',
  housekeeping: 'housekeeping',
  healthCheck: 'health-check',
  backup: 'backup'
} as const

export function settings (s: Partial<TaskSettings> & Pick<TaskSettings, 'schedule'>): TaskSettings {
  return {
    enabled: true,
    timezone: 'UTC',
    jitterMs: 0,
    timeoutMs: 10 * MINUTE,
    retries: 0,
    backoffMs: 30_000,
    maxBackoffMs: 30 * MINUTE,
    missed: 'skip',
    ...s
  }
}

/**
 * Pays this ISO week's flow early each week. Any number of nodes may run it: the ledger
 * pays each human at most once per week mesh-wide, so a second run (this node's or
 * another's) pays only humans registered since.
 */
export function weeklyDistributionTask (ledger: Pick<LedgerService, 'distributeWeekly'>): AutomationTask {
  return {
    name: TASK_NAMES.weeklyDistribution,
    description: 'pay this ISO week\'s flow to every active human not yet paid (at most once per week, mesh-wide)',
    // Monday 01:00 UTC plus up to 2 h, so the mesh's nodes do not all write in the same second
    defaults: settings({ schedule: '0 1 * * 1', jitterMs: 2 * HOUR, retries: 3, backoffMs: MINUTE, missed: 'run-once' }),
    failurePriority: 'critical',
    async run (ctx) {
      const r = await ledger.distributeWeekly({}, { correlationId: ctx.correlationId })
      return {
        week: r.week,
        paid: r.paid,
        total: r.total,
        already_paid: r.skipped.alreadyPaid,
        inactive: r.skipped.inactive,
        remaining_wealth: r.remainingWealth
      }
    }
  }
}

/** Re-signs runs of this node's small ledger batches as one (what the ledger's own timer did). */
export function ledgerCompactionTask (ledger: Pick<LedgerService, 'compact'>): AutomationTask {
  return {
    name: TASK_NAMES.ledgerCompaction,
    description: 'compact this node\'s small ledger batches into single signed batches',
    defaults: settings({ schedule: '* * * * *', timeoutMs: 5 * MINUTE }),
    failurePriority: 'medium',
    quiet: true,
    async run () {
      const r = await ledger.compact()
      return { batches: r.batches, into: r.into }
    }
  }
}

export interface HousekeepingParts {
  notifications: Pick<NotificationService, 'cleanup'>
  /** trims the run history; returns records dropped */
  trimHistory(): Promise<number>
  /** more bounded histories of the runtime (e.g. old backups) */
  extra?: Array<() => Promise<Record<string, number>>>
}

export function housekeepingTask (parts: HousekeepingParts): AutomationTask {
  return {
    name: TASK_NAMES.housekeeping,
    description: 'remove expired notifications and trim bounded histories',
    defaults: settings({ schedule: '17 * * * *' }),
    failurePriority: 'medium',
    async run () {
      const out: Record<string, number> = {
        notifications_expired: await parts.notifications.cleanup(),
        runs_trimmed: await parts.trimHistory()
      }
      for (const fn of parts.extra ?? []) { Object.assign(out, await fn()) }
      return out
    }
  }
}
