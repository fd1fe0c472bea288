/**
 * Partitions, churn and kills in small in-process runs, asserted on the report: nothing
 * crosses a partition while it holds, every node converges after the heal, leavers and
 * joiners catch up, and a route around a killed node is found and used.
 */
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../simulations/run.ts'
import { validateScenario } from '../../simulations/scenario.ts'

/** fast routing timers, as in the routing tests */
const FAST_ROUTING = {
  probeIntervalMs: 300,
  probeTimeoutMs: 1000,
  beaconIntervalMs: 2000,
  beaconMinIntervalMs: 50,
  reachIntervalMs: 2000,
  reachMinIntervalMs: 200,
  recomputeDelayMs: 10
}

describe('faults', () => {
  it('partition and heal: nothing crosses the cut, truth and ledger converge after the heal', async () => {
    const scenario = validateScenario({
      name: 'partition-heal',
      nodes: 12,
      seed: 3,
      topology: { kind: 'random', degree: 3 },
      links: { latency: 5 },
      workload: { truth: { messages: 30, rate: 10 }, ledger: { writes: 20, rate: 8 } },
      // nodes 0-5 are cut off from 6-11 from 0.5 s to 2.5 s
      partitions: [{ at: 500, duration: 2000, side: '0-5' }],
      settle: 20_000,
      // what one side missed spreads one hop per periodic sync (the node's default is 30 s)
      stack: { heartbeat: 200, truthSyncInterval: 500, ledgerSyncInterval: 500 }
    })
    const { report, record } = await runScenario(scenario)
    const cut = record.actions.find(a => a.kind === 'partition')
    const heal = record.actions.find(a => a.kind === 'heal')
    expect(cut).toBeDefined()
    expect(heal).toBeDefined()
    const healAt = heal?.t as number
    const side = new Set(cut?.nodes)
    // messages posted while the partition held reached the other side only after the heal
    let crossed = 0
    for (let k = 0; k < record.deliveries.msg.length; k++) {
      const post = record.posts[record.deliveries.msg[k]]
      const postedAt = post.calledAt as number
      if (postedAt < (cut?.t as number) + 50 || postedAt > healAt - 50) { continue }
      if (side.has(post.node) !== side.has(record.deliveries.node[k])) {
        crossed++
        expect(record.deliveries.t[k]).toBeGreaterThanOrEqual(healAt)
      }
    }
    expect(crossed).toBeGreaterThan(0)
    // latency split by when the message was posted: both phases measured, and together they are every pair
    const [whole, cutPhase] = report.truth.byPhase
    expect(whole.phase).toBe('whole')
    expect(cutPhase.phase).toBe('partitioned')
    expect(whole.latency.count).toBeGreaterThan(0)
    expect(cutPhase.latency.count).toBeGreaterThan(0)
    expect(whole.latency.count + cutPhase.latency.count).toBe(report.truth.latency.count)
    expect(cutPhase.ideal.count).toBe(cutPhase.latency.count)
    // and everything converged after the heal
    expect(report.truth.deliveryRatio).toBe(1)
    expect(report.convergence.truth).toHaveLength(1)
    expect(report.convergence.truth[0].convergedMs).toBeGreaterThanOrEqual(0)
    expect(report.settled).toBe(true)
    // what was posted during the cut crossed it by catch-up sync or by gossip after the heal
    expect(report.truth.byGossip + report.truth.bySync).toBe(report.truth.deliveredPairs)
    // the ledger: written on both sides during the cut, one state everywhere after the heal
    expect(report.ledger.writes).toBe(20)
    expect(report.ledger.failed).toBe(0)
    expect(report.convergence.ledger).toHaveLength(1)
    expect(report.convergence.ledger[0].convergedMs).toBeGreaterThanOrEqual(0)
    const during = record.samples.filter(x => x.t > (cut?.t as number) + 300 && x.t < healAt)
    expect(during.some(x => x.ledgerStates > 1)).toBe(true)
    const last = record.samples[record.samples.length - 1]
    expect(last.ledgerStates).toBe(1)
    expect(last.ledgerAgree).toBe(last.liveNodes)
  })

  it('churn: leavers come back, joiners arrive, and every node up at the end holds every message', async () => {
    const scenario = validateScenario({
      name: 'churn',
      nodes: 12,
      seed: 5,
      topology: { kind: 'random', degree: 4 },
      links: { latency: 5 },
      workload: { truth: { messages: 30, rate: 10, posters: '0-3' } },
      churn: { leaveRate: 1.5, downtime: 800, joinRate: 0.7, joinDegree: 3, protect: '0-3' },
      settle: 20_000,
      stack: { heartbeat: 200, truthSyncInterval: 500 }
    })
    const { report, record } = await runScenario(scenario)
    expect(report.churn.leaves).toBeGreaterThan(0)
    expect(report.churn.rejoins).toBeGreaterThan(0)
    expect(report.churn.joins).toBeGreaterThan(0)
    expect(record.nodes.length).toBe(12 + report.churn.joins)
    expect(report.truth.deliveryRatio).toBe(1)
    // joiners got what was posted before they existed: by catch-up sync
    expect(report.truth.bySync).toBeGreaterThan(0)
    expect(report.settled).toBe(true)
  })

  it('kill: the route around a dead node is found and a routed message gets through', async () => {
    // two ways from 0 to 3: 0-1-2-3 (5 ms links) and 0-4-5-3 (30 ms links)
    const scenario = validateScenario({
      name: 'reroute',
      nodes: 6,
      topology: { kind: 'edges', edges: [[0, 1], [1, 2], [2, 3], [0, 4], [4, 5], [5, 3]] },
      links: { latency: 5, overrides: [{ between: [0, 4], latency: 30 }, { between: [4, 5], latency: 30 }, { between: [5, 3], latency: 30 }] },
      workload: { truth: { messages: 10, rate: 5, posters: [0, 2, 3, 4, 5] } },
      kills: [{ at: 1500, route: [0, 3] }],
      settle: 20_000,
      stack: { heartbeat: 200, routing: FAST_ROUTING }
    })
    const { report } = await runScenario(scenario)
    expect(report.reroutes).toHaveLength(1)
    const r = report.reroutes[0]
    // node 3 is past 0's beacon scope, so 0 may hold its route by distance vector: a
    // path known as far as the next hop ([0, 1, 3]) rather than link by link
    expect(r.before.slice(0, 2)).toEqual([0, 1])
    expect(r.before[r.before.length - 1]).toBe(3)
    expect(r.killed).toBe(1)
    const after = r.after ?? []
    expect(after.slice(0, 2)).toEqual([0, 4])
    expect(after[after.length - 1]).toBe(3)
    expect(r.routeUpdatedMs).toBeGreaterThanOrEqual(0)
    expect(r.deliveredMs).toBeGreaterThanOrEqual(0)
    expect(report.churn.kills).toBe(1)
    // the dead node is not expected to hold anything; everyone else got every message
    expect(report.truth.expectedPairs).toBe(10 * 4)
    expect(report.truth.deliveryRatio).toBe(1)
  })
})
