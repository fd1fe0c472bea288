import { afterAll, describe, expect, it } from 'vitest'
import { RouteReply } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { RouteError } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, serveRoutes, wire } from './helpers.ts'
import type { RoutedMessage } from '../../protocol/routing/routing.ts'
import type { TestNode } from '../utils/mesh.ts'

/** A–B–D and A–C–D; resolves once A routes to D, returning [a, relayOnRoute, otherRelay, d] */
async function diamond (mesh: TestMesh): Promise<TestNode[]> {
  const [a, b, c, d] = await addNodes(mesh, 4)
  await wire([a, b, c, d], [[0, 1], [1, 3], [0, 2], [2, 3]])
  // both relays' links to D known in both directions
  const linked = (x: TestNode, y: TestNode): boolean => a.node.routing.topology().links.some(l => l.from === id(x) && l.to === id(y) && l.symmetric)
  await waitFor(() => a.node.routing.route(id(d))?.hops === 2 && linked(b, d) && linked(d, b) && linked(c, d) && linked(d, c), 'A knows both ways to D')
  const via = a.node.routing.route(id(d))?.nextHop
  return via === id(b) ? [a, b, c, d] : [a, c, b, d]
}

describe('retry on the next-best route', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('a relay that swallows messages costs one attempt; the next-best route delivers', async () => {
    const [a, bad, good, d] = await diamond(mesh)
    await serveRoutes(bad, () => undefined)
    const received: RoutedMessage[] = []
    d.node.routing.addEventListener('message', evt => { received.push(evt.detail) })
    const result = await a.node.routing.send(id(d), new Uint8Array([7]), { timeoutMs: 3000 })
    expect(result.attempts).toBe(2)
    expect(result.path).toEqual([a, good, d].map(id))
    expect(result.totalMs).toBeGreaterThanOrEqual(900)
    await waitFor(() => received.length === 1, 'delivery at D')
    // the failed link is avoided by the next message straight away
    const next = await a.node.routing.send(id(d), new Uint8Array([8]), { timeoutMs: 3000 })
    expect(next.attempts).toBe(1)
    expect(next.path).toEqual([a, good, d].map(id))
  })

  it('a relay that reports its next hop as failed makes the sender retry at once', async () => {
    const [a, bad, good, d] = await diamond(mesh)
    let asked = 0
    await serveRoutes(bad, () => {
      asked++
      return {
        status: RouteReply.Status.HOP_FAILED,
        ack: new Uint8Array(0),
        ackSignature: new Uint8Array(0),
        failedFrom: peerIdToBytes(id(bad)) as Uint8Array<ArrayBuffer>,
        failedTo: peerIdToBytes(id(d)) as Uint8Array<ArrayBuffer>,
        error: 'next hop not connected',
        trace: [peerIdToBytes(id(a)), peerIdToBytes(id(bad))] as Array<Uint8Array<ArrayBuffer>>
      }
    })
    const result = await a.node.routing.send(id(d), new Uint8Array([9]))
    expect(asked).toBe(1)
    expect(result.attempts).toBe(2)
    expect(result.path).toEqual([a, good, d].map(id))
    // well before the 3.3 s a first attempt may take (10 s over 3 attempts)
    expect(result.totalMs).toBeLessThan(2500)
  })

  it('fails with a clear error when every route fails', async () => {
    const [a, bad, good, d] = await diamond(mesh)
    await serveRoutes(bad, () => undefined)
    await serveRoutes(good, () => undefined)
    const err = await a.node.routing.send(id(d), new Uint8Array([1]), { timeoutMs: 1500 }).catch(e => e)
    expect(err).toBeInstanceOf(RouteError)
    expect(['FAILED', 'TIMEOUT', 'NO_ROUTE']).toContain((err as RouteError).reason)
    expect((err as RouteError).attempts).toBeGreaterThanOrEqual(2)
  })
})
