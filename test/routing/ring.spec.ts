import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { FAST_ROUTING, addNodes, id, waitForPath, wire } from './helpers.ts'
import type { RouteChange, RoutingInit } from '../../protocol/routing/index.ts'
import type { TestNode } from '../utils/mesh.ts'

// the production defaults (beacons every 30 s, scope 2: the far side of the ring is known
// by distance vector): recovery must come from the triggered updates and retractions
const DEFAULTS: RoutingInit = Object.fromEntries(Object.keys(FAST_ROUTING).map(k => [k, undefined]))

describe('ring of 6: a node is cut off', () => {
  const mesh = new TestMesh()
  let ring: TestNode[]

  beforeAll(async () => {
    ring = await addNodes(mesh, 6, { routing: DEFAULTS })
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
    // a far route shows its next hop only: follow the next hops node by node
    const byId = new Map(survivors.map(n => [id(n), n]))
    const hops = (from: TestNode, target: string): string[] | undefined => {
      const chain = [id(from)]
      let at: TestNode | undefined = from
      while (at != null && chain.length <= 6) {
        const next = at.node.routing.route(target)?.nextHop
        if (next == null) {
          return undefined
        }
        chain.push(next)
        if (next === target) {
          return chain
        }
        at = byId.get(next)
      }
      return undefined
    }
    const avoidsVictim = (n: TestNode): boolean => {
      const targets = survivors.filter(t => t !== n).map(id)
      return n.node.routing.route(victimId) == null &&
        n.node.routing.routes().every(r => r.target !== victimId && !r.path.includes(victimId)) &&
        targets.every(t => hops(n, t)?.includes(victimId) === false)
    }
    await waitFor(() => survivors.every(avoidsVictim), 'every survivor routes around the stopped node', 5000, 20)
    const recoveryMs = Date.now() - cut
    expect(recoveryMs).toBeLessThan(5000)

    expect(hops(left, id(right))).toEqual([1, 2, 3, 4, 5].map(i => id(ring[i])))
    // right's route left the victim (maybe first lost, then back by distance vector)
    const toRight = changes.filter(c => c.target === id(right))
    expect(toRight[0]?.previous?.nextHop).toBe(victimId)
    expect(toRight[toRight.length - 1]?.route?.nextHop).toBe(id(ring[2]))
    expect(changes.some(c => c.target === victimId && c.route == null)).toBe(true)
    expect(left.node.events.history({ category: 'routes', type: 'route:changed' }).length).toBeGreaterThan(0)

    const result = await left.node.routing.send(id(right), new TextEncoder().encode('the long way'))
    expect(result.path).toEqual([1, 2, 3, 4, 5].map(i => id(ring[i])))
    expect(result.hops).toBe(4)
    process.stdout.write(`ring of 6: routes avoided the stopped node after ${recoveryMs} ms; message acknowledged over 4 hops in ${result.latencyMs.toFixed(1)} ms\n`)
  })
})
