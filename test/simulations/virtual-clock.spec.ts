import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runOnVirtualClock } from '../../simulations/clock/virtual-clock.ts'
import { createRandom } from '../../simulations/random.ts'
import { runScenario } from '../../simulations/run.ts'
import { validateScenario } from '../../simulations/scenario.ts'
import type { Report } from '../../simulations/report.ts'
import type { ScenarioInput } from '../../simulations/scenario.ts'

const execFileAsync = promisify(execFile)

/** the report without the fields that measure this host (wall time, CPU, memory, event loop) */
function simulated (r: Report): unknown {
  const { wallMs, startedAt, host, cpu, resources, timeline, ...rest } = r
  return {
    ...rest,
    traffic: resources.traffic,
    services: resources.services,
    timeline: timeline.map(({ rssBytes, cpuCores, eventLoopP99Ms, ...t }) => t)
  }
}

describe('the virtual clock', () => {
  it('jumps over idle time: a minute of timers takes no wall time, in order, with Date and performance on the same clock', async () => {
    const fired: Array<[string, number, number]> = []
    const wall = performance.now()
    const { value, stats } = await runOnVirtualClock(async () => {
      const t0 = performance.now()
      const d0 = Date.now()
      const at = (name: string): void => { fired.push([name, Math.round(performance.now() - t0), Date.now() - d0]) }
      await new Promise<void>(resolve => setTimeout(() => { at('a'); resolve() }, 60_000))
      setTimeout(() => { at('c') }, 20)
      setTimeout(() => { at('b') }, 10)
      await new Promise<void>(resolve => setImmediate(() => { at('immediate'); resolve() }))
      const aborted = await new Promise<number>(resolve => {
        AbortSignal.timeout(500).addEventListener('abort', () => { resolve(Math.round(performance.now() - t0)) })
      })
      return aborted
    })
    expect(performance.now() - wall).toBeLessThan(5_000)
    expect(fired).toEqual([['a', 60_000, 60_000], ['immediate', 60_000, 60_000], ['b', 60_010, 60_010], ['c', 60_020, 60_020]])
    expect(value).toBe(60_500)
    expect(stats.events).toBeGreaterThanOrEqual(5)
    // uninstalled afterwards: real time again
    expect(Date.now()).toBeGreaterThan(Date.UTC(2026, 0, 6))
  })

  it('reports a run that waits on nothing instead of hanging', async () => {
    await expect(runOnVirtualClock(async () => { await new Promise(() => {}) })).rejects.toThrow(/no timer is pending/)
  })

  it('draws Math.random and crypto.getRandomValues from the seed while installed', async () => {
    const draw = async (seed: number): Promise<string> => (await runOnVirtualClock(async () => {
      const bytes = crypto.getRandomValues(new Uint8Array(8))
      return `${Math.random()} ${Buffer.from(bytes).toString('hex')}`
    }, { random: createRandom(seed, 'protocol') })).value
    const a = await draw(7)
    expect(await draw(7)).toBe(a)
    expect(await draw(8)).not.toBe(a)
    expect(Math.random()).not.toBe(Number(a.split(' ')[0]))
  })
})

const p50Of = (r: Report): number => Math.round(r.truth.latency.p50)

describe('simulations on the virtual clock', () => {
  it('fidelity: a 20-node scenario on the wall clock and on the virtual clock agree on delivery and p50 latency', async () => {
    // The wall-clock leg is the reference, so its own processing must be negligible against the
    // links: it is what the virtual clock leaves out. With 1 s links and a post every 2 s, a node's
    // work per hop (a few ms of CPU, tens of ms when the host is saturated and this process gets a
    // small share of a core) stays far below 15% of a hop, so the bound tests the clock, not the
    // host. The wall leg's event-loop delay is measured and printed with the figures.
    const input: ScenarioInput = {
      name: 'fidelity-20',
      seed: 3,
      nodes: 20,
      topology: { kind: 'random', degree: 4 },
      links: { latency: 1000 },
      workload: { truth: { messages: 10, rate: 0.5 } },
      settle: '20s',
      stack: { encryption: 'plaintext', truthSync: false, routing: { probeIntervalMs: 60_000 } }
    }
    const virtual = (await runScenario(validateScenario({ ...input, clock: 'virtual' }))).report
    const real = (await runScenario(validateScenario({ ...input, clock: 'real' }))).report
    const lag = real.resources.eventLoopDelayP99MaxMs
    // eslint-disable-next-line no-console
    console.info(`fidelity: p50 virtual ${p50Of(virtual)} ms, wall ${p50Of(real)} ms; wall leg event-loop delay p99 up to ${Math.round(lag)} ms (max ${Math.round(real.resources.eventLoopDelayMaxMs)} ms), load ${real.host.loadBefore.map(x => x.toFixed(1)).join(' ')}`)
    for (const r of [virtual, real]) {
      expect(r.truth.posted).toBe(10)
      expect(r.truth.deliveryRatio).toBe(1)
    }
    expect(virtual.clock).toBe('virtual')
    expect(real.clock).toBe('real')
    expect(virtual.stack).toMatch(/virtual clock/)
    const p50v = virtual.truth.latency.p50
    const p50r = real.truth.latency.p50
    expect(Math.abs(p50v - p50r) / p50r).toBeLessThanOrEqual(0.15)
    // processing takes no simulated time: with fixed links the virtual latency is the shortest path
    expect(p50v).toBe(virtual.truth.ideal.p50)
    expect(virtual.cpu?.perDeliveryMs).toBeGreaterThan(0)
  }, 600_000)

  it('determinism: the same scenario and seed give the same report apart from wall time, CPU and memory, in fresh processes and twice in one process', async () => {
    // with a partition, jitter, loss, ledger writes and catch-up syncs, so every service's timers and draws take part
    const input: ScenarioInput = {
      name: 'determinism',
      seed: 42,
      nodes: 12,
      topology: { kind: 'random', degree: 4 },
      links: { latency: 20, jitter: 5, loss: 0.01 },
      workload: { truth: { messages: 40, rate: 10 }, ledger: { writes: 10, rate: 4 } },
      partitions: [{ at: '1s', duration: '2s', side: '0-3' }],
      settle: '30s',
      stack: { encryption: 'plaintext', truthSyncInterval: '1s', ledgerSyncInterval: '1s' }
    }
    const dir = await mkdtemp(join(tmpdir(), 'liberation-sim-determinism-'))
    try {
      const file = join(dir, 'determinism.json')
      await writeFile(file, JSON.stringify(input))
      const inProcess = async (seed = 42): Promise<Report> => (await runScenario(validateScenario({ ...input, seed }))).report
      const freshProcess = async (): Promise<Report> => {
        const out = join(dir, `out-${Math.random()}`)
        await execFileAsync(process.execPath, ['dist/simulations/cli.js', file, '-q', '--no-plots', '-o', out], { maxBuffer: 64 * 1024 * 1024 })
        return JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
      }
      const processes = Promise.all([freshProcess(), freshProcess()])
      // in this process: twice, with a wall-clock run before each; a wall-clock run leaves libp2p
      // timers behind that fire after its nodes stopped, into the next run
      const wallRun = async (): Promise<void> => {
        await runScenario(validateScenario({ name: 'before', seed: 1, nodes: 4, topology: { kind: 'ring' }, clock: 'real', links: { latency: 5 }, workload: { truth: { messages: 2, rate: 10 } }, settle: '2s', stack: { encryption: 'plaintext', truthSync: false } }))
      }
      await wallRun()
      const third = await inProcess()
      await wallRun()
      const fourth = await inProcess()
      const [first, second] = await processes

      expect(first.clock).toBe('virtual')
      expect(first.truth.deliveryRatio).toBe(1)
      expect(first.convergence.truth[0]?.convergedMs).toBeTypeOf('number')
      expect(first.convergence.ledger[0]?.convergedMs).toBeTypeOf('number')
      expect(first.resources.traffic?.retransmits).toBeGreaterThan(0)
      const expected = JSON.stringify(simulated(first))
      expect(JSON.stringify(simulated(second))).toBe(expected)
      expect(JSON.stringify(simulated(third))).toBe(expected)
      expect(JSON.stringify(simulated(fourth))).toBe(expected)
      // the wall fields do differ: the comparison above is not vacuous
      expect(second.wallMs === first.wallMs && second.startedAt === first.startedAt).toBe(false)
      expect(third.wallMs === fourth.wallMs && third.startedAt === fourth.startedAt).toBe(false)

      // another seed gives another run
      const other = await inProcess(43)
      expect(JSON.stringify(simulated(other))).not.toBe(expected)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 900_000)

  it('refuses LevelDB storage on the virtual clock (its thread pool would answer at arbitrary simulated times)', () => {
    expect(() => validateScenario({ nodes: 4, topology: { kind: 'ring' }, stack: { storage: 'leveldb' } })).toThrow(/virtual clock needs memory storage/)
    expect(validateScenario({ nodes: 4, topology: { kind: 'ring' }, clock: 'real', stack: { storage: 'leveldb' } }).clock).toBe('real')
  })
})
