/**
 * The automation surfaces on a real node: the HTTP API (snake_case, validation, errors),
 * the Prometheus series, the built CLI as a subprocess (automation commands, restore, and
 * bad task config: one line naming the key, exit code 2).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startApiNode, stopAll } from '../api/utils.ts'
import { runCli } from '../utils/process.ts'
import type { ApiNode } from '../api/utils.ts'

describe('automation API, metrics and CLI', () => {
  let node: ApiNode
  const dirs: string[] = []
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'liberation-auto-cli-'))
    dirs.push(d)
    return d
  }
  beforeAll(async () => {
    node = await startApiNode({ automation: { tasks: { 'health-check': { schedule: '*/5 * * * *' } } } } as any)
  })
  afterAll(async () => {
    await stopAll()
    await Promise.allSettled(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
  })

  it('lists tasks, runs one, changes settings and shows the history over HTTP', async () => {
    const tasks = await api(node.url, 'GET', '/api/v1/automation/tasks')
    expect(tasks.status).toBe(200)
    expect(tasks.body.items.map((t: any) => t.name)).toEqual(['weekly-distribution', 'ledger-compaction', 'housekeeping', 'health-check', 'backup'])
    const weekly = tasks.body.items[0]
    expect(weekly.settings).toMatchObject({ enabled: true, schedule: '0 1 * * 1', timezone: 'UTC', jitter_ms: 7_200_000, missed: 'run-once' })
    // next Monday 01:00 UTC plus the jitter
    const next = weekly.next_run_at as number
    expect(new Date(next).getUTCDay()).toBe(1)
    expect(next).toBeGreaterThan(Date.now())
    expect(tasks.body.items[3].settings.schedule).toBe('*/5 * * * *')

    await api(node.url, 'POST', '/api/v1/humans', { id: 'ann' })
    const run = await api(node.url, 'POST', '/api/v1/automation/run-task/weekly-distribution')
    expect(run.status).toBe(200)
    expect(run.body).toMatchObject({ task: 'weekly-distribution', trigger: 'manual', outcome: 'success', attempts: 1, result: { paid: 1, total: '800.00' } })
    expect(run.headers.get('x-correlation-id')).toBe(run.body.correlation_id)
    expect(run.body.started_at).toBeGreaterThan(0)

    const patched = await api(node.url, 'PATCH', '/api/v1/automation/tasks/backup', { enabled: false, retries: 1 })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ settings: { enabled: false, retries: 1 }, next_run_at: null })

    const runs = await api(node.url, 'GET', '/api/v1/automation/runs?task=weekly-distribution')
    expect(runs.body.items).toHaveLength(1)
    expect(runs.body.items[0].id).toBe(run.body.id)
    const stats = await api(node.url, 'GET', '/api/v1/automation/stats')
    expect(stats.body).toMatchObject({ started: true, tasks: 5, enabled: 4, runs: 1, failures: 0, failing: [] })

    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    expect(metrics).toMatch(/liberation_automation_runs_total\{task="weekly-distribution",outcome="success"\} 1/)
    expect(metrics).toMatch(/liberation_automation_run_duration_seconds_count\{task="weekly-distribution"\} 1/)
    expect(metrics).toMatch(/liberation_automation_last_success_timestamp_seconds\{task="weekly-distribution"\} \d/)
    expect(metrics).toMatch(/liberation_automation_failures_total\{task="backup"\} 0/)
  })

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = (await api(node.url, 'GET', '/api/v1/automation/tasks/housekeeping')).body
    const badCron = await api(node.url, 'PATCH', '/api/v1/automation/tasks/housekeeping', { schedule: 'every tuesday' })
    expect(badCron.status).toBe(400)
    expect(badCron.body.field).toBe('schedule')
    expect(badCron.body.message).toMatch(/^schedule: not a valid cron expression/)
    const negative = await api(node.url, 'PATCH', '/api/v1/automation/tasks/housekeeping', { timeout_ms: -5 })
    expect(negative.status).toBe(400)
    expect(negative.body.field).toBe('timeout_ms')
    const zone = await api(node.url, 'PATCH', '/api/v1/automation/tasks/housekeeping', { timezone: 'Mars/Olympus' })
    expect(zone.status).toBe(400)
    expect(zone.body.field).toBe('timezone')
    expect((await api(node.url, 'PATCH', '/api/v1/automation/tasks/housekeeping', { colour: 'red' })).status).toBe(400)
    expect((await api(node.url, 'PATCH', '/api/v1/automation/tasks/housekeeping', {})).status).toBe(400)
    expect((await api(node.url, 'PATCH', '/api/v1/automation/tasks/nightly', { enabled: true })).status).toBe(404)
    expect((await api(node.url, 'POST', '/api/v1/automation/run-task/nightly')).status).toBe(404)
    expect((await api(node.url, 'GET', '/api/v1/automation/runs?limit=0')).status).toBe(400)
    expect((await api(node.url, 'GET', '/api/v1/automation/tasks/housekeeping')).body).toEqual(before)
  })

  it('the CLI lists, runs, disables and shows history', async () => {
    const apiFlag = ['--api', node.url]
    const list = await runCli(['automation', 'list', ...apiFlag])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^TASK\s+ENABLED\s+SCHEDULE/)
    expect(list.stdout).toMatch(/weekly-distribution\s+yes\s+0 1 \* \* 1 \(UTC\)/)
    const run = await runCli(['automation', 'run', 'housekeeping', '--json', ...apiFlag])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ task: 'housekeeping', outcome: 'success', result: { notifications_expired: 0 } })
    const disable = await runCli(['automation', 'disable', 'ledger-compaction', ...apiFlag])
    expect(disable.code).toBe(0)
    expect(node.runtime.automation?.engine.task('ledger-compaction')?.settings.enabled).toBe(false)
    const enable = await runCli(['automation', 'enable', 'ledger-compaction', '--json', ...apiFlag])
    expect(JSON.parse(enable.stdout).settings.enabled).toBe(true)
    const show = await runCli(['automation', 'show', 'ledger-compaction', ...apiFlag])
    expect(show.stdout).toMatch(/missed:\s+skip/)
    const history = await runCli(['automation', 'history', '--task', 'housekeeping', ...apiFlag])
    expect(history.code).toBe(0)
    expect(history.stdout.split('\n')[1]).toMatch(/housekeeping\s+manual\s+success/)
    const unknown = await runCli(['automation', 'run', 'nightly', ...apiFlag])
    expect(unknown.code).toBe(4)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    expect(unknown.stderr).toMatch(/^liberation: no automation task nightly/)
  }, 180_000)

  it('the CLI restores a backup into a new data dir, and refuses a non-empty one', async () => {
    const made = await api(node.url, 'POST', '/api/v1/automation/run-task/backup')
    expect(made.body.outcome).toBe('success')
    const target = join(await tempDir(), 'restored')
    const r = await runCli(['restore', made.body.result.path, '--data-dir', target])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(node.runtime.node.libp2p.peerId.toString())
    expect((await readdir(target)).sort()).toEqual(['db', 'identity.key'])
    const again = await runCli(['restore', made.body.result.path, '--data-dir', target])
    expect(again.code).toBe(2)
    expect(again.stderr.trim()).toMatch(/^liberation: .*is not empty: restore only into a new data dir$/)
  }, 120_000)

  it('bad task config is one line naming the key, exit code 2', async () => {
    const dir = await tempDir()
    const cases: Array<[unknown, RegExp]> = [
      [{ tasks: { 'weekly-distribution': { schedule: '0 25 * * *' } } }, /^liberation: invalid config: automation\.tasks\.weekly-distribution\.schedule: not a valid cron expression/],
      [{ tasks: { backup: { timeoutMs: -1 } } }, /^liberation: invalid config: automation\.tasks\.backup\.timeoutMs: must not be negative$/],
      [{ tasks: { nightly: { enabled: true } } }, /^liberation: invalid config: automation\.tasks\.nightly: unknown automation task nightly/]
    ]
    for (const [automation, expected] of cases) {
      const file = join(dir, 'config.json')
      await writeFile(file, JSON.stringify({ automation }))
      const r = await runCli(['start', '--config', file, '--data-dir', join(dir, 'data'), '--api-port', '0'])
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr.trim()).toMatch(expected)
    }
    // nothing was created for a config that never validated
    await expect(readdir(join(dir, 'data'))).rejects.toMatchObject({ code: 'ENOENT' })
  }, 120_000)
})
