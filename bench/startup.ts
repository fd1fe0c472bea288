/* eslint-disable no-console */
/**
 * Startup: time from process spawn to the "listening" line of `liberation start`, and the
 * RSS of the idle node a few seconds later. Baseline measured in the same run: spawn to
 * exit of `node -e 0` (the floor any Node CLI pays). Targets: ready < 300 ms, RSS < 100 MB.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fmt, median, saveReport } from './_report.ts'

const RUNS = 5
const cli = join(process.cwd(), 'dist/cli/liberation.mjs')

function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN)
  return kb / 1024
}

async function bareNode (): Promise<number> {
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', '0'])
    p.on('exit', () => { resolve() })
    p.on('error', reject)
  })
  return performance.now() - t0
}

async function nodeStart (fresh: boolean, dir: string): Promise<{ readyMs: number, rssMb: number }> {
  const t0 = performance.now()
  const p = spawn(process.execPath, [cli, 'start', '--data-dir', dir, '--api-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0',
    '--listen', '/ip4/127.0.0.1/tcp/0/ws', '--no-mdns'])
  let out = ''
  const readyMs = await new Promise<number>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('listening')) { resolve(performance.now() - t0) }
    })
    p.on('exit', code => { reject(new Error(`node exited ${code} before listening (fresh=${fresh})`)) })
  })
  await new Promise(resolve => setTimeout(resolve, 3000))
  const rss = rssMb(p.pid!)
  p.kill('SIGTERM')
  await new Promise(resolve => p.on('exit', resolve))
  return { readyMs, rssMb: rss }
}

const baseline: number[] = []
const firstStart: number[] = []
const restart: number[] = []
const rss: number[] = []
for (let i = 0; i < RUNS; i++) {
  baseline.push(await bareNode())
  const dir = mkdtempSync(join(tmpdir(), 'liberation-bench-startup-'))
  const a = await nodeStart(true, dir)
  const b = await nodeStart(false, dir)
  firstStart.push(a.readyMs)
  restart.push(b.readyMs)
  rss.push(a.rssMb, b.rssMb)
  rmSync(dir, { recursive: true, force: true })
}

const report = {
  runs: RUNS,
  bare_node_ms: median(baseline),
  ready_first_start_ms: median(firstStart),
  ready_restart_ms: median(restart),
  ready_ratio_to_bare_node: median(restart) / median(baseline),
  idle_rss_mb: median(rss),
  targets: { ready_ms: 300, idle_rss_mb: 100 },
  // a shared box: the figures move with its load
  load_average_1m: loadavg()[0]
}
saveReport('startup', report)
console.log(`load average (1 min)      ${fmt(report.load_average_1m, 2)}`)
console.log(`bare node -e 0            ${fmt(report.bare_node_ms)} ms (baseline)`)
console.log(`ready, first start        ${fmt(report.ready_first_start_ms)} ms (creates identity + LevelDB)`)
console.log(`ready, restart            ${fmt(report.ready_restart_ms)} ms = ${fmt(report.ready_ratio_to_bare_node, 2)}x bare node   target < 300 ms: ${report.ready_restart_ms < 300 ? 'met' : 'MISSED'}`)
console.log(`idle RSS                  ${fmt(report.idle_rss_mb)} MB   target < 100 MB: ${report.idle_rss_mb < 100 ? 'met' : 'MISSED'}`)
