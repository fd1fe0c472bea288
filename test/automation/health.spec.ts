/**
 * Health checks tripped by real conditions: a peer that stops, an event loop blocked for
 * 500 ms, a disk below the free-space threshold; each raises one notification at its
 * priority, none while it stays failing, and one recovery notification when it clears.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { nodeHealthProbes } from '../../node/automation/probes.ts'
import { createMeshAutomation, TASK_NAMES } from '../../protocol/automation/index.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import { testClock } from './helpers.ts'
import type { MeshAutomation } from '../../protocol/automation/index.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'

function healthAlerts (node: MeshNode, check: string): Array<{ title: string, priority: string }> {
  return node.notifications.list({ type: 'system_alert', limit: 500 }).items
    .filter(n => n.data.check === check)
    .map(n => ({ title: n.title, priority: n.priority }))
    .reverse()
}

async function check (automation: MeshAutomation, name: string): Promise<{ ok: boolean, priority: string | null }> {
  const run = await automation.engine.runNow(TASK_NAMES.healthCheck)
  expect(run.outcome).toBe('success')
  const state = automation.health.states().find(s => s.name === name)
  if (state == null) { throw new Error(`no check ${name}`) }
  return { ok: state.ok, priority: state.priority }
}

describe('health checks', () => {
  const mesh = new TestMesh()
  const automations: MeshAutomation[] = []
  afterAll(async () => {
    await Promise.allSettled(automations.map(async a => { await a.stop() }))
    await mesh.cleanup()
  })

  async function watched (node: MeshNode, init: Parameters<typeof createMeshAutomation>[1] = {}): Promise<MeshAutomation> {
    // scheduled runs off: the test runs the checks itself
    const settings = Object.fromEntries(Object.values(TASK_NAMES).filter(t => t !== TASK_NAMES.backup).map(t => [t, { enabled: false }]))
    const automation = createMeshAutomation(node, { settings, healthGraceMs: 0, ...init })
    automations.push(automation)
    await automation.start()
    return automation
  }

  it('trips when the only peer stops and clears when a peer connects again, one notification each way', async () => {
    const a = await mesh.add({ transport: 'tcp' })
    const b = await mesh.add({ transport: 'tcp' })
    await connect(a.node, b.node)
    const automation = await watched(a.node, { minConnections: 1 })
    expect(await check(automation, 'peers')).toEqual({ ok: true, priority: null })
    expect(await check(automation, 'connections')).toEqual({ ok: true, priority: null })
    expect(healthAlerts(a.node, 'peers')).toEqual([])

    await b.stop()
    await waitFor(() => a.node.libp2p.getPeers().length === 0, 'a to see b gone')
    expect(await check(automation, 'peers')).toEqual({ ok: false, priority: 'high' })
    expect(automation.health.states().find(s => s.name === 'connections')).toMatchObject({ ok: false, priority: 'medium' })
    // still failing: no repeat
    await check(automation, 'peers')
    await check(automation, 'peers')
    expect(healthAlerts(a.node, 'peers')).toEqual([{ title: 'Health check peers failing', priority: 'high' }])
    expect(healthAlerts(a.node, 'connections')).toEqual([{ title: 'Health check connections failing', priority: 'medium' }])

    const c = await mesh.add({ transport: 'tcp' })
    await connect(a.node, c.node)
    expect(await check(automation, 'peers')).toEqual({ ok: true, priority: null })
    await check(automation, 'peers')
    expect(healthAlerts(a.node, 'peers')).toEqual([
      { title: 'Health check peers failing', priority: 'high' },
      { title: 'Health check peers recovered', priority: 'low' }
    ])
    expect(healthAlerts(a.node, 'connections').map(n => n.title)).toEqual(['Health check connections failing', 'Health check connections recovered'])
  })

  it('trips when the event loop is blocked for 500 ms and clears after', async () => {
    const { node } = await mesh.add()
    // a limit above what a busy shared test machine shows by itself, well below the block
    const automation = await watched(node, { thresholds: { lagMs: 300 } })
    await waitFor(async () => (await check(automation, 'event-loop-lag')).ok, 'a quiet event loop', 5000, 60)
    const earlier = healthAlerts(node, 'event-loop-lag').length
    const until = performance.now() + 500
    while (performance.now() < until) { /* block the event loop */ }
    const blocked = await check(automation, 'event-loop-lag')
    expect(blocked).toEqual({ ok: false, priority: 'high' })
    expect(automation.health.states().find(s => s.name === 'event-loop-lag')?.value).toBeGreaterThanOrEqual(400)
    // the monitor's timer runs on time again (it ticks every 50 ms)
    await waitFor(async () => (await check(automation, 'event-loop-lag')).ok, 'the lag check to clear', 5000, 60)
    expect(healthAlerts(node, 'event-loop-lag').slice(earlier)).toEqual([
      { title: 'Health check event-loop-lag failing', priority: 'high' },
      { title: 'Health check event-loop-lag recovered', priority: 'low' }
    ])
  })

  it('does not notify in the grace after start, and does once a check still fails after it', async () => {
    const { node } = await mesh.add()
    const clock = testClock(Date.UTC(2026, 11, 8, 12))
    const automation = await watched(node, { clock, healthGraceMs: 180_000 })
    expect(await check(automation, 'peers')).toEqual({ ok: false, priority: 'high' })
    expect(healthAlerts(node, 'peers')).toEqual([])
    await clock.advance(181_000)
    expect(await check(automation, 'peers')).toEqual({ ok: false, priority: 'high' })
    expect(healthAlerts(node, 'peers')).toEqual([{ title: 'Health check peers failing', priority: 'high' }])
  })

  it('measures the data dir\'s real free disk: emergency below the floor', async () => {
    const { node, dataDir } = await mesh.add()
    const automation = await watched(node, { probes: nodeHealthProbes(dataDir), thresholds: { diskEmergencyBytes: Number.MAX_SAFE_INTEGER } })
    expect(await check(automation, 'disk')).toEqual({ ok: false, priority: 'emergency' })
    expect(healthAlerts(node, 'disk')).toHaveLength(1)
    expect(await check(automation, 'memory')).toEqual({ ok: true, priority: null })
  })
})
