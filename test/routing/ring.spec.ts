import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, waitForPath, wire } from './helpers.ts'
import type { RouteChange } from '../../protocol/routing/index.ts'
import type { TestNode } from '../utils/mesh.ts'

// default beacon timers (15 s refresh): recovery must come from the triggered updates
const DEFAULT_TIMERS = { probeIntervalMs: 5000 }

describe('ring of 6: a node is cut off', () => {
  const mesh = new TestMesh()
  let ring: TestNode[]

  beforeAll(async () => {
    ring = await addNodes(mesh, 6, { routing: { beaconIntervalMs: 15_000, reachIntervalMs: 30_000, beaconMinIntervalMs: 250, reachMinIntervalMs: 2000, ...DEFAULT_TIMERS } })
    await wire(ring, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 0]])
    await waitFor(() => ring.every(n => n.node.routing.routes().length === 5), 'every node routes to the 5 others')
  })
  afterAll(async () => { await mesh.cleanup() })

  it('reroutes around a stopped node within 5 s and still delivers the other way round', async () => {
    const [victim, left, , , , right] = ring
    // before: left reaches right through the victim (2 hops), not the long way (4 hops)
    await waitForPath(left, right, [left, victim, right])
    const changes: RouteChange[] = []
    left.node.routing.addEventListener('route:changed', evt => { changes.push(evt.detail) })

    const survivors = ring.filter(n => n !== victim)
    const victimId = id(victim)
    const cut = Date.now()
    await victim.stop()
    const avoidsVictim = (n: TestNode): boolean => {
      const routes = n.node.routing.routes()
      return routes.length === 4 && routes.every(r => !r.path.includes(victimId)) && n.node.routing.route(victimId) == null
    }
    await waitFor(() => survivors.every(avoidsVictim), 'every survivor routes around the stopped node', 5000, 20)
    const recoveryMs = Date.now() - cut
    expect(recoveryMs).toBeLessThan(5000)

    const route = left.node.routing.route(id(right))
    expect(route?.path).toEqual([1, 2, 3, 4, 5].map(i => id(ring[i])))
    const change = changes.find(c => c.target === id(right))
    expect(change?.previous?.nextHop).toBe(victimId)
    expect(change?.route?.nextHop).toBe(id(ring[2]))
    expect(changes.some(c => c.target === victimId && c.route == null)).toBe(true)
    expect(left.node.events.history({ category: 'routes', type: 'route:changed' }).length).toBeGreaterThan(0)

    const result = await left.node.routing.send(id(right), new TextEncoder().encode('the long way'))
    expect(result.path).toEqual([1, 2, 3, 4, 5].map(i => id(ring[i])))
    expect(result.hops).toBe(4)
    process.stdout.write(`ring of 6: routes avoided the stopped node after ${recoveryMs} ms; message acknowledged over 4 hops in ${result.latencyMs.toFixed(1)} ms\n`)
  })
})
