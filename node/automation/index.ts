/**
 * The Node runtime's automation: the core's built-in tasks plus a backup task (the data
 * dir into `backupDir`, the newest `backupKeep` kept), health probes for memory and free
 * disk, and pruning of old backups in housekeeping.
 */
import { join } from 'node:path'
import { createMeshAutomation, TASK_NAMES, taskSettings } from '../../protocol/automation/index.ts'
import { createBackup, pruneBackups } from './backup.ts'
import { nodeHealthProbes } from './probes.ts'
import type { Clock, AutomationTask, HealthThresholds, MeshAutomation, TaskSettings } from '../../protocol/automation/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'

export { createBackup, listBackups, pruneBackups } from './backup.ts'
export type { BackupInfo, BackupManifest } from './backup.ts'
export { restoreBackup, verifyBackup, RestoreError } from './restore.ts'

export const DEFAULT_BACKUP_KEEP = 7

/** the `automation` section of the node's config */
export interface AutomationConfig {
  /** run the engine at all (default true) */
  enabled?: boolean
  /** per task, settings over its defaults */
  tasks?: Partial<Record<string, Partial<TaskSettings>>>
  /** where backups go (default `<dataDir>/backups`) */
  backupDir?: string
  /** backups kept (default 7) */
  backupKeep?: number
  health?: Partial<HealthThresholds>
}

export interface NodeAutomationInit extends AutomationConfig {
  dataDir: string
  minConnections: number
  clock?: Clock
}

export function backupTask (node: Pick<MeshNode, 'db' | 'libp2p'>, opts: { dataDir: string, backupDir: string, keep: number, now?(): number }): AutomationTask {
  return {
    name: TASK_NAMES.backup,
    description: 'snapshot the data dir (database at one point in time, identity, token, config) into the backup dir, keeping the newest',
    defaults: taskSettings({ schedule: '30 3 * * *', jitterMs: 30 * 60_000, timeoutMs: 30 * 60_000, retries: 2, backoffMs: 5 * 60_000, missed: 'run-once' }),
    failurePriority: 'high',
    async run (ctx) {
      const info = await createBackup(node.db, { dataDir: opts.dataDir, backupDir: opts.backupDir, peerId: node.libp2p.peerId.toString(), keep: opts.keep, now: ctx.now })
      const pruned = await pruneBackups(opts.backupDir, opts.keep)
      return { name: info.name, path: info.path, entries: info.entries, bytes: info.bytes, pruned }
    }
  }
}

export function createNodeAutomation (node: MeshNode, init: NodeAutomationInit): MeshAutomation {
  const backupDir = init.backupDir ?? join(init.dataDir, 'backups')
  const keep = init.backupKeep ?? DEFAULT_BACKUP_KEEP
  return createMeshAutomation(node, {
    settings: init.tasks as Record<string, Partial<TaskSettings>> | undefined,
    clock: init.clock,
    minConnections: init.minConnections,
    probes: nodeHealthProbes(init.dataDir),
    thresholds: init.health,
    extraTasks: [backupTask(node, { dataDir: init.dataDir, backupDir, keep, now: init.clock?.now })],
    housekeeping: [async () => ({ backups_pruned: await pruneBackups(backupDir, keep) })]
  })
}
