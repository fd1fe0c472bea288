import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, wire } from './helpers.ts'
import type { TestNode } from '../utils/mesh.ts'

// beacons travel one hop only: past its neighbours' neighbours a node knows the mesh
// from distance vectors (the fisheye's far zone)
describe('far zone: distance-vector routes beyond the beacon scope', () => {
  const mesh = new TestMesh()
  let line: TestNode[]

  beforeAll(async () => {
    line = await addNodes(mesh, 6, { routing: { scope: 1 } })
    await wire(line, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    await waitFor(() => line.every(n => n.node.routing.routes().length === 5), 'every node routes to the 5 others', 15_000)
  })
  afterAll(async () => { await mesh.cleanup() })

  it('holds beacons only from its scope and reaches the far end by distance vector', async () => {
    const [a, b, c, , , f] = line
    const topo = a.node.routing.topology()
    // only b's beacon arrived (scope 1); c is known from b's beacon, f only by vector
    expect(topo.nodes.filter(n => n.beaconAgeMs != null).map(n => n.id)).toEqual([id(b)])
    expect(topo.nodes.find(n => n.id === id(c))?.zone).toBe('near')
    expect(topo.nodes.find(n => n.id === id(f))).toMatchObject({ zone: 'far', reachable: true, hops: 5 })
    const route = a.node.routing.route(id(f))
    expect(route).toMatchObject({ kind: 'distance-vector', complete: false, nextHop: id(b), hops: 5 })
    expect(route?.path).toEqual([id(a), id(b), id(f)])

    const result = await a.node.routing.send(id(f), new TextEncoder().encode('far away'))
    expect(result.path).toEqual(line.map(id))
    expect(result.hops).toBe(5)
  })

  it('withdraws the far routes of a node that went away', async () => {
    const [a, , , , e, f] = line
    await f.stop()
    await waitFor(() => line.slice(0, 5).every(n => n.node.routing.route(id(f)) == null), 'no route to the stopped node', 10_000)
    expect(a.node.routing.route(id(e))?.kind).toBe('distance-vector')
    const err = await a.node.routing.send(id(f), new Uint8Array([1]), { timeoutMs: 2000 }).catch(e => e)
    expect(err?.code).toBe('no_route')
  })
})
