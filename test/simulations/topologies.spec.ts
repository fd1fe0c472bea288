/**
 * Small in-process runs of every topology: real nodes over the simulated network, and
 * assertions on the report (every message reaches every node when the graph stays
 * connected; latency never beats the ideal).
 */
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../simulations/run.ts'
import { validateScenario } from '../../simulations/scenario.ts'
import type { ScenarioInput } from '../../simulations/scenario.ts'

const common: Partial<ScenarioInput> = {
  links: { latency: 5 },
  workload: { truth: { messages: 8, rate: 20 } },
  settle: 15_000,
  setupTimeout: 30_000,
  stack: { heartbeat: 200 }
}

const cases: Array<[string, ScenarioInput['topology'], number]> = [
  ['line', { kind: 'line' }, 6],
  ['ring', { kind: 'ring' }, 8],
  ['star', { kind: 'star', center: 0 }, 8],
  ['full', { kind: 'full' }, 6],
  ['random', { kind: 'random', degree: 3 }, 10],
  ['clustered', { kind: 'clustered', clusters: 2, degree: 3, bridges: 1 }, 10],
  ['edges', { kind: 'edges', edges: [[0, 1], [1, 2], [2, 3], [3, 4], [1, 4], [4, 5]] }, 6]
]

describe('every topology delivers every message when the graph stays connected', () => {
  for (const [name, topology, nodes] of cases) {
    it(name, async () => {
      const scenario = validateScenario({ ...common, name, nodes, topology, seed: name })
      const { report, record, summary } = await runScenario(scenario)
      expect(report.setup.timedOut).toBe(false)
      expect(report.truth.posted).toBe(8)
      expect(report.truth.expectedPairs).toBe(8 * (nodes - 1))
      expect(report.truth.deliveryRatio).toBe(1)
      expect(report.truth.connectedDeliveryRatio).toBe(1)
      expect(report.settled).toBe(true)
      // nothing arrives faster than light: each delivery takes at least the shortest path
      expect(report.truth.excess.min).toBeGreaterThanOrEqual(-1)
      expect(report.truth.latency.count).toBe(report.truth.byGossip)
      expect(report.truth.byHops.length).toBeGreaterThan(0)
      // no partition in these runs: no split by phase
      expect(report.truth.byPhase).toEqual([])
      expect(report.resources.peakRssBytes).toBeGreaterThan(0)
      // the process's maximum is at least any sample the run took
      expect(report.resources.processPeakRssBytes).toBeGreaterThanOrEqual(report.resources.peakRssBytes)
      expect(summary).toMatch(/peak RSS .*, process peak /)
      // on the virtual clock CPU is per simulated second, not a count of cores
      expect(summary).toMatch(/CPU [\d.]+ s per simulated second/)
      if (name === 'line') { expect(record.edges).toHaveLength(nodes - 1) }
      // discovery: every node had its planned links up
      expect(report.setup.discovery.count).toBe(nodes)
    })
  }
})
