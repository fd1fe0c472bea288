/**
 * `liberation automation list|show|run|enable|disable|history` (clients of a running node's
 * API) and `liberation restore <backup> --data-dir <new>` (offline: the node must not run
 * on the new dir yet).
 */
import { InvalidArgumentError } from 'commander'
import { restoreBackup, RestoreError } from '../../automation/index.ts'
import { CliError, clientCommand, createApiClient, positiveInt } from '../client.ts'
import { formatKeyValues, formatTable, output, write } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

function taskName (value: string): string {
  if (!/^[a-z0-9-]{1,64}$/.test(value)) { throw new InvalidArgumentError('a task name is 1-64 of a-z 0-9 - (see "liberation automation list").') }
  return value
}

const time = (at: number | string | null): string => at == null ? '-' : new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')

function taskRow (t: any): Record<string, unknown> {
  return {
    name: t.name,
    enabled: t.settings.enabled,
    schedule: `${t.settings.schedule as string} (${t.settings.timezone as string})`,
    'next run': time(t.next_run_at),
    'last run': time(t.last_run_at),
    'last outcome': t.last_outcome ?? '-',
    failing: t.failing
  }
}

function runRow (r: any): Record<string, unknown> {
  return {
    task: r.task,
    trigger: r.trigger,
    started: time(r.started_at),
    'duration ms': r.duration_ms,
    outcome: r.outcome,
    attempts: r.attempts,
    error: r.error ?? '-',
    result: r.result
  }
}

export function registerAutomationCommand (program: Command): void {
  const automation = program.command('automation').description('scheduled tasks: weekly distribution, compaction, housekeeping, health checks, backups')

  clientCommand(automation.command('list').description('every task: schedule, next run, last outcome'))
    .action(async (opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const r = await client.get('/api/v1/automation/tasks')
      output(opts.json, r, () => formatTable(r.items.map(taskRow), [
        ['TASK', (t: any) => t.name],
        ['ENABLED', (t: any) => t.enabled ? 'yes' : 'no'],
        ['SCHEDULE', (t: any) => t.schedule],
        ['NEXT RUN', (t: any) => t['next run']],
        ['LAST OUTCOME', (t: any) => t['last outcome']],
        ['FAILING', (t: any) => t.failing ? 'yes' : 'no']
      ]))
    })

  clientCommand(automation.command('show').description('one task with all its settings').argument('<task>', 'task name', taskName))
    .action(async (name: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const t = await client.get(`/api/v1/automation/tasks/${name}`)
      output(opts.json, t, () => formatKeyValues({ ...taskRow(t), description: t.description, ...t.settings, runs: t.runs, failures: t.failures }))
    })

  clientCommand(automation.command('run').description('run a task now and wait for its outcome').argument('<task>', 'task name', taskName))
    .action(async (name: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const r = await client.post(`/api/v1/automation/run-task/${name}`)
      output(opts.json, r, () => formatKeyValues(runRow(r)))
      if (r.outcome === 'failed') { process.exitCode = 1 }
    })

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    clientCommand(automation.command(verb).description(`${verb} a task (kept across restarts)`).argument('<task>', 'task name', taskName))
      .action(async (name: string, opts: ClientOptions) => {
        const client = await createApiClient(opts)
        const t = await client.patch(`/api/v1/automation/tasks/${name}`, { enabled })
        output(opts.json, t, () => formatKeyValues(taskRow(t)))
      })
  }

  clientCommand(automation.command('history').description('past runs, newest first'))
    .option('-t, --task <task>', 'only this task', taskName)
    .option('-n, --limit <n>', 'at most n runs', positiveInt('--limit', 500), 20)
    .action(async (opts: ClientOptions & { task?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const r = await client.get('/api/v1/automation/runs', { task: opts.task, limit: opts.limit })
      output(opts.json, r, () => formatTable(r.items.map(runRow), [
        ['STARTED', (x: any) => x.started],
        ['TASK', (x: any) => x.task],
        ['TRIGGER', (x: any) => x.trigger],
        ['OUTCOME', (x: any) => x.outcome],
        ['ATTEMPTS', (x: any) => x.attempts],
        ['MS', (x: any) => x['duration ms']],
        ['DETAIL', (x: any) => x.outcome === 'success' ? x.result : x.error]
      ]))
    })
}

export function registerRestoreCommand (program: Command): void {
  program.command('restore')
    .description('restore a backup (made by the backup task) into a new, empty data dir; then start a node on it')
    .argument('<backup>', 'the backup directory (e.g. ~/.liberation/backups/backup-20261207T033000000Z-a1b2c3)')
    .requiredOption('-d, --data-dir <dir>', 'the new data dir (must not exist or be empty)')
    .option('--json', 'machine-readable JSON output')
    .action(async (backup: string, opts: { dataDir: string, json?: boolean }) => {
      try {
        const m = await restoreBackup(backup, opts.dataDir)
        output(opts.json, { ...m, data_dir: opts.dataDir }, () => formatKeyValues({ restored: backup, 'data dir': opts.dataDir, 'peer id': m.peer_id, 'backed up': m.created_at, entries: m.entries }))
      } catch (err) {
        if (err instanceof RestoreError) { throw new CliError('invalid_input', err.message) }
        throw err
      }
      if (opts.json !== true) { write('start it with: liberation start --data-dir ' + opts.dataDir + '\n') }
    })
}
