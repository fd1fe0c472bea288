/**
 * The realism mode: real `liberation start` processes over TCP on 127.0.0.1, driven
 * through their HTTP API; asserted on the report like the in-process runs.
 */
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../simulations/run.ts'
import { ScenarioError, validateScenario } from '../../simulations/scenario.ts'

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
  })

  it('refuses what loopback cannot do, naming it', () => {
    const s = validateScenario({ mode: 'multi-process', nodes: 3, topology: { kind: 'line' }, links: { latency: 20 }, partitions: [{ at: 0, duration: 100, side: [0] }] })
    return expect(runScenario(s)).rejects.toThrow(ScenarioError)
  })
})
