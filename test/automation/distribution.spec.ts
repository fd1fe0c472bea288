/**
 * The scheduled weekly distribution on real nodes (memory transport, LevelDB) with a fake
 * clock shared by the engine and the ledger: several nodes firing at once pay each human
 * once; a node that was off at the scheduled time makes up for it once, not twice.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createMeshAutomation, TASK_NAMES } from '../../protocol/automation/index.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import { runRecorder, testClock } from './helpers.ts'
import type { RunRecorder, TestClock } from './helpers.ts'
import type { MeshAutomation, TaskSettings } from '../../protocol/automation/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'

// Sunday 2026-12-06 22:00 UTC (ISO week 2026-W49); the distribution fires Monday 01:00 (W50)
const SUNDAY = Date.UTC(2026, 11, 6, 22, 0, 0)
const MONDAY_1AM = Date.UTC(2026, 11, 7, 1, 0, 0)
const HOUR = 3_600_000

/** only the distribution runs: the other tasks would add runs and timers to every tick */
function onlyDistribution (jitterMs = 0): Record<string, Partial<TaskSettings>> {
  return {
    [TASK_NAMES.weeklyDistribution]: { jitterMs },
    [TASK_NAMES.ledgerCompaction]: { enabled: false },
    [TASK_NAMES.housekeeping]: { enabled: false },
    [TASK_NAMES.healthCheck]: { enabled: false }
  }
}

function automationOn (node: MeshNode, clock: TestClock): { automation: MeshAutomation, rec: RunRecorder } {
  const automation = createMeshAutomation(node, { clock, settings: onlyDistribution() })
  return { automation, rec: runRecorder(automation.engine, clock) }
}

describe('scheduled weekly distribution', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('three nodes firing at the same instant pay each active human once that week', async () => {
    const clock = testClock(SUNDAY)
    const init = { ledger: { now: () => clock.now() } }
    const nodes = await Promise.all([mesh.add({ init }), mesh.add({ init }), mesh.add({ init })])
    const [a, b, c] = nodes.map(n => n.node)
    await connect(a, b)
    await connect(b, c)
    await connect(a, c)
    for (let i = 0; i < 6; i++) { await a.ledger.registerHuman({ id: `human-${i}` }) }
    await b.ledger.registerHuman({ id: 'human-b' })
    await a.ledger.setStatus('human-5', 'inactive')
    await waitFor(async () => (await Promise.all([a, b, c].map(async n => (await n.ledger.stats()).totalHumans))).every(n => n === 7), 'humans on every node')

    const all = [a, b, c].map(n => automationOn(n, clock))
    for (const { automation } of all) { await automation.start() }
    expect(all.map(x => x.automation.engine.task(TASK_NAMES.weeklyDistribution)?.next_run_at)).toEqual([MONDAY_1AM, MONDAY_1AM, MONDAY_1AM])
    // to the scheduled instant: all three fire in the same tick
    await clock.advance(MONDAY_1AM - SUNDAY)
    const runs = await Promise.all(all.map(async x => x.rec.next(r => r.task === TASK_NAMES.weeklyDistribution)))
    expect(runs.map(r => r.outcome)).toEqual(['success', 'success', 'success'])
    expect(runs.map(r => r.scheduled_for)).toEqual([MONDAY_1AM, MONDAY_1AM, MONDAY_1AM])
    expect(runs.every(r => r.result?.week === '2026-W50')).toBe(true)

    // converged: six active humans paid once each, whichever nodes' payments count
    await waitFor(async () => {
      const states = await Promise.all([a, b, c].map(async n => n.ledger.stats()))
      return states.every(s => s.paymentsThisWeek === 6)
    }, 'the payments on every node')
    await waitFor(() => new Set([a, b, c].map(n => n.ledger.derivedState())).size === 1, 'the same derived state')
    for (const n of [a, b, c]) {
      const s = await n.ledger.stats()
      expect(s.distributedThisWeek).toBe('4800.00')
      expect(s.totalDistributed).toBe('4800.00')
      for (let i = 0; i < 5; i++) { expect(await n.ledger.getHuman(`human-${i}`)).toMatchObject({ payments: 1, totalReceived: '800.00', lastDistributionWeek: '2026-W50' }) }
      expect(await n.ledger.getHuman('human-5')).toMatchObject({ payments: 0, totalReceived: '0.00' })
    }
    // the payment history lists one counted payment per human
    await waitFor(async () => (await Promise.all([a, b, c].map(async n => (await n.ledger.history({ week: '2026-W50', limit: 1000 })).items.length))).every(l => l === 6), 'six counted payments in every history')

    // running it again that week (any node) pays nobody
    const again = await all[1].automation.engine.runNow(TASK_NAMES.weeklyDistribution)
    expect(again.result).toMatchObject({ paid: 0, already_paid: 6 })
    for (const { automation } of all) { await automation.stop() }
  })

  it('a node down across its schedule runs it once when back in the same week, and not again after a restart', async () => {
    const clock = testClock(SUNDAY)
    const init = { ledger: { now: () => clock.now() } }
    const first = await mesh.add({ init })
    const dataDir = first.dataDir
    for (let i = 0; i < 3; i++) { await first.node.ledger.registerHuman({ id: `h${i}` }) }
    const one = automationOn(first.node, clock)
    await one.automation.start()
    await clock.advance(HOUR)
    expect(one.rec.starts).toEqual([])
    await one.automation.stop()
    await first.stop()

    // off from Sunday 23:00 to Monday 09:00: the 01:00 occurrence passes while it is down
    clock.set(MONDAY_1AM + 8 * HOUR)
    const second = await mesh.add({ init, dataDir })
    const two = automationOn(second.node, clock)
    await two.automation.start()
    await clock.advance(1)
    const caughtUp = await two.rec.next(r => r.task === TASK_NAMES.weeklyDistribution)
    expect(caughtUp).toMatchObject({ trigger: 'missed', outcome: 'success', scheduled_for: MONDAY_1AM })
    expect(caughtUp.result).toMatchObject({ week: '2026-W50', paid: 3 })
    // the next run is next week's
    expect(two.automation.engine.task(TASK_NAMES.weeklyDistribution)?.next_run_at).toBe(MONDAY_1AM + 7 * 24 * HOUR)
    await two.automation.stop()
    await second.stop()

    // restarted later the same week: nothing to make up
    clock.set(MONDAY_1AM + 30 * HOUR)
    const third = await mesh.add({ init, dataDir })
    const three = automationOn(third.node, clock)
    await three.automation.start()
    await clock.advance(1)
    // a make-up run would have started on that tick (run:start is dispatched synchronously)
    expect(three.rec.starts).toEqual([])
    expect(three.automation.engine.task(TASK_NAMES.weeklyDistribution)?.next_run_at).toBe(MONDAY_1AM + 7 * 24 * HOUR)
    const history = await three.automation.engine.runs({ task: TASK_NAMES.weeklyDistribution })
    expect(history.items.map(r => [r.trigger, r.outcome])).toEqual([['missed', 'success']])
    expect((await third.node.ledger.stats()).paymentsThisWeek).toBe(3)
    await three.automation.stop()
  })
})
