/**
 * Retries of a routed message: the routing of the four nodes runs on one fake clock the
 * test advances (sends' timeouts, beacons, recomputation), so a timeout is a number of
 * clock ms, not a wait; the nodes and their streams are real (memory transport).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { RouteReply } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { RouteError } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, serveRoutes, steppingClock, wire } from './helpers.ts'
import type { SteppingClock } from './helpers.ts'
import type { RoutedMessage } from '../../protocol/routing/routing.ts'
import type { TestNode } from '../utils/mesh.ts'

/** the settled value of a promise, for polling */
function track <T> (p: Promise<T>): { done(): boolean, value(): Promise<T> } {
  let settled = false
  const q = p.finally(() => { settled = true })
  q.catch(() => {})
  return { done: () => settled, value: async () => q }
}

/** A–B–D and A–C–D; resolves once A routes to D, returning [a, relayOnRoute, otherRelay, d] */
async function diamond (mesh: TestMesh, clock: SteppingClock): Promise<TestNode[]> {
  const [a, b, c, d] = await addNodes(mesh, 4, () => ({ clock }))
  await wire([a, b, c, d], [[0, 1], [1, 3], [0, 2], [2, 3]])
  // both relays' links to D known in both directions
  const linked = (x: TestNode, y: TestNode): boolean => a.node.routing.topology().links.some(l => l.from === id(x) && l.to === id(y) && l.symmetric)
  await clock.advanceUntil(() => a.node.routing.route(id(d))?.hops === 2 && linked(b, d) && linked(d, b) && linked(c, d) && linked(d, c), 'A knows both ways to D', 100_000)
  const via = a.node.routing.route(id(d))?.nextHop
  return via === id(b) ? [a, b, c, d] : [a, c, b, d]
}

describe('retry on the next-best route', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('a relay that swallows messages costs one attempt; the next-best route delivers', async () => {
    const clock = steppingClock(50)
    const [a, bad, good, d] = await diamond(mesh, clock)
    await serveRoutes(bad, () => undefined)
    const received: RoutedMessage[] = []
    d.node.routing.addEventListener('message', evt => { received.push(evt.detail) })
    const sending = track(a.node.routing.send(id(d), new Uint8Array([7]), { timeoutMs: 3000 }))
    // the swallowed attempt ends only when the clock reaches its share of the timeout
    await clock.advanceUntil(sending.done, 'the send to settle', 100_000)
    const result = await sending.value()
    expect(result.attempts).toBe(2)
    expect(result.path).toEqual([a, good, d].map(id))
    // the first attempt's share of 3 s over 3 attempts
    expect(result.totalMs).toBeGreaterThanOrEqual(1000)
    await waitFor(() => received.length === 1, 'delivery at D')
    // the failed link is avoided by the next message straight away: no clock time passes
    const next = track(a.node.routing.send(id(d), new Uint8Array([8]), { timeoutMs: 3000 }))
    await waitFor(next.done, 'the next send')
    expect((await next.value()).attempts).toBe(1)
    expect((await next.value()).path).toEqual([a, good, d].map(id))
    expect((await next.value()).totalMs).toBe(0)
  })

  it('a relay that reports its next hop as failed makes the sender retry at once', async () => {
    const clock = steppingClock(50)
    const [a, bad, good, d] = await diamond(mesh, clock)
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
    // the clock does not move: the retry waits for no timeout
    const sending = track(a.node.routing.send(id(d), new Uint8Array([9])))
    await waitFor(sending.done, 'the send to settle')
    const result = await sending.value()
    expect(asked).toBe(1)
    expect(result.attempts).toBe(2)
    expect(result.path).toEqual([a, good, d].map(id))
    expect(result.totalMs).toBe(0)
  })

  it('fails with a clear error when every route fails', async () => {
    const clock = steppingClock(50)
    const [a, bad, good, d] = await diamond(mesh, clock)
    await serveRoutes(bad, () => undefined)
    await serveRoutes(good, () => undefined)
    const sending = track(a.node.routing.send(id(d), new Uint8Array([1]), { timeoutMs: 1500 }))
    await clock.advanceUntil(sending.done, 'the send to fail', 100_000)
    const err = await sending.value().catch(e => e)
    expect(err).toBeInstanceOf(RouteError)
    expect(['FAILED', 'TIMEOUT', 'NO_ROUTE']).toContain((err as RouteError).reason)
    expect((err as RouteError).attempts).toBeGreaterThanOrEqual(2)
  })
})
