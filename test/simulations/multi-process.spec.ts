/**
 * The realism mode: real `liberation start` processes over TCP on 127.0.0.1, driven
 * through their HTTP API; asserted on the report like the in-process runs.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createLocalLauncher } from '../../simulations/launchers/local.ts'
import { runScenario } from '../../simulations/run.ts'
import { ScenarioError, validateScenario } from '../../simulations/scenario.ts'
import type { ApiDriver } from '../../simulations/drivers/api.ts'
import type { Report } from '../../simulations/report.ts'

const execFileAsync = promisify(execFile)

describe('multi-process mode', () => {
  it('runs real node processes: delivery, ledger writes, reroute after a SIGKILL, CPU and RSS per process', async () => {
    const scenario = validateScenario({
      name: 'mp-ring',
      mode: 'multi-process',
      nodes: 4,
      topology: { kind: 'ring' },
      workload: { truth: { messages: 10, rate: 5, posters: [0, 2] }, ledger: { writes: 5, rate: 5, writers: [0, 2] } },
      // 0→2 goes through 1 or 3; the middle one dies
      kills: [{ at: 2500, route: [0, 2] }],
      settle: 30_000
    })
    const { report, record } = await runScenario(scenario)
    expect(report.scenario.mode).toBe('multi-process')
    expect(report.setup.timedOut).toBe(false)
    expect(report.truth.posted).toBe(10)
    expect(report.truth.deliveryRatio).toBe(1)
    expect(report.ledger.writes).toBe(5)
    expect(report.reroutes).toHaveLength(1)
    const r = report.reroutes[0]
    expect([1, 3]).toContain(r.killed)
    expect(r.after).toEqual([0, r.killed === 1 ? 3 : 1, 2])
    expect(r.deliveredMs).toBeGreaterThanOrEqual(0)
    // per-process figures from /proc
    for (const n of record.nodes) {
      expect(n.cpuMs).toBeGreaterThan(0)
      expect(n.peakRssBytes).toBeGreaterThan(20 * 1024 * 1024)
    }
    expect(Number.isNaN(report.truth.duplicates)).toBe(true)
    // the driver's own process is not where the nodes live: no process peak
    expect(report.resources.processPeakRssBytes).toBeUndefined()
  })

  it('refuses what loopback cannot do, naming it', () => {
    const s = validateScenario({ mode: 'multi-process', nodes: 3, topology: { kind: 'line' }, links: { latency: 20 }, partitions: [{ at: 0, duration: 100, side: [0] }] })
    return expect(runScenario(s)).rejects.toThrow(ScenarioError)
  })
})

describe('--attach: the API runner over nodes that are already running', () => {
  it('drives three running nodes by their API URLs and token, as the cluster Job does; refuses a wrong peer id and a wrong token', async () => {
    const token = 'attach-test-token-0123456789'
    const launcher = await createLocalLauncher({ totalNodes: 3, maxConnections: () => 16, dht: false, apiToken: token })
    const dir = await mkdtemp(join(tmpdir(), 'liberation-sim-attach-'))
    try {
      // a triangle, each node dialling the ones started before it
      const drivers: ApiDriver[] = []
      for (let i = 0; i < 3; i++) { drivers.push(await launcher.start(i, Array.from({ length: i }, (_, j) => j))) }
      const nodesFile = join(dir, 'nodes.json')
      await writeFile(nodesFile, JSON.stringify({ namespace: 'local', api: drivers.map(d => d.base), peerIds: launcher.peerIds }))
      const scenarioFile = join(dir, 'scenario.json')
      await writeFile(scenarioFile, JSON.stringify({ name: 'attach-3', nodes: 3, topology: { kind: 'full' }, workload: { truth: { messages: 6, rate: 5 }, ledger: { writes: 2, rate: 2 } }, settle: '30s' }))
      const cli = async (file: string, env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> => execFileAsync(process.execPath, ['dist/simulations/cli.js', scenarioFile, '--attach', file, '--json', '-q', '-o', join(dir, `out-${Math.random()}`)], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 })
        .then(r => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: any) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }))

      const ok = await cli(nodesFile, { LIBERATION_API_TOKEN: token })
      expect(ok.stderr).toBe('')
      expect(ok.code).toBe(0)
      const report: Report = JSON.parse(ok.stdout)
      expect(report.scenario.mode).toBe('attached')
      expect(report.stack).toMatch(/attached: 3 running nodes/)
      expect(report.truth.posted).toBe(6)
      expect(report.truth.deliveryRatio).toBe(1)
      expect(report.ledger.writes).toBe(2)

      // the nodes file names another peer at node 1's address: a clear error, exit 2
      const wrongPeer = join(dir, 'wrong-peer.json')
      await writeFile(wrongPeer, JSON.stringify({ api: drivers.map(d => d.base), peerIds: [launcher.peerIds[0], launcher.peerIds[2], launcher.peerIds[2]] }))
      const refused = await cli(wrongPeer, { LIBERATION_API_TOKEN: token })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/node 1 at .* is .*, not /)

      // a malformed nodes file: exit 2, naming the field
      const bad = join(dir, 'bad.json')
      await writeFile(bad, JSON.stringify({ api: ['not a url'], peerIds: [] }))
      const badRun = await cli(bad, { LIBERATION_API_TOKEN: token })
      expect(badRun.code).toBe(2)
      expect(badRun.stderr).toMatch(/--attach .*api\.0/)

      // without the token the nodes refuse the driver: it fails, and nothing was posted
      // (the ids, not the whole items: a message's spread and effectiveness keep changing
      // as the earlier run's copies and syncs reach the node)
      const storedIds = async (): Promise<string[]> => ((await drivers[0].get('/api/v1/truth/messages?limit=100')) as { items: Array<{ id: string }> }).items.map(m => m.id).sort()
      const before = await storedIds()
      expect(before.length).toBeGreaterThanOrEqual(6)
      const noToken = await cli(nodesFile, { LIBERATION_API_TOKEN: '' })
      expect(noToken.code).not.toBe(0)
      expect(noToken.stderr).toMatch(/401/)
      expect(await storedIds()).toEqual(before)
    } finally {
      await launcher.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
