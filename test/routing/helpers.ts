/**
 * Topologies for the routing tests: memory nodes wired by hand (TestMesh nodes never dial
 * by themselves), with fast timers so a test takes seconds.
 */
import { pbStream } from '@libp2p/utils'
import { createClock } from '@sinonjs/fake-timers'
import { RouteFrame } from '../../protocol/routing/pb/routing.ts'
import { ROUTE_PROTOCOL } from '../../protocol/routing/routing.ts'
import { connect, waitFor } from '../utils/mesh.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { RoutingInit } from '../../protocol/routing/index.ts'
import type { RouteReply, RoutedEnvelope } from '../../protocol/routing/pb/routing.ts'
import type { TestMesh, TestNode } from '../utils/mesh.ts'

/** Timers for tests: fast probes; beacons only on change plus a 2 s refresh. */
export const FAST_ROUTING: RoutingInit = {
  probeIntervalMs: 300,
  probeTimeoutMs: 1000,
  beaconIntervalMs: 2000,
  beaconMinIntervalMs: 50,
  reachIntervalMs: 2000,
  reachMinIntervalMs: 200,
  recomputeDelayMs: 10
}

export interface NodeSpec {
  latency?: number
  routing?: RoutingInit
  /** the routing's clock (default: the system clock) */
  clock?: Clock
}

export async function addNodes (mesh: TestMesh, count: number, spec: NodeSpec | ((i: number) => NodeSpec) = {}): Promise<TestNode[]> {
  const out: TestNode[] = []
  for (let i = 0; i < count; i++) {
    const s = typeof spec === 'function' ? spec(i) : spec
    out.push(await mesh.add({ latency: s.latency, clock: s.clock, init: { routing: { ...FAST_ROUTING, ...s.routing } } }))
  }
  return out
}

/** connect a→b for each pair (the dialler is the first) */
export async function wire (nodes: TestNode[], edges: Array<[number, number]>): Promise<void> {
  for (const [a, b] of edges) {
    await connect(nodes[a].node, nodes[b].node)
  }
}

export function id (n: TestNode): string {
  return n.node.libp2p.peerId.toString()
}

export async function waitForPath (from: TestNode, to: TestNode, path: TestNode[], timeoutMs = 10_000): Promise<void> {
  const want = path.map(id).join(' > ')
  await waitFor(() => from.node.routing.route(id(to))?.path.join(' > ') === want, `route ${want}`, timeoutMs)
}

/** one routed-message exchange over a fresh route stream, as a (possibly hostile) neighbour would */
export async function exchange (from: TestNode, to: TestNode, envelope: RoutedEnvelope): Promise<RouteReply> {
  const stream = await from.node.libp2p.dialProtocol(to.node.libp2p.peerId, ROUTE_PROTOCOL)
  const pb = pbStream(stream).pb(RouteFrame)
  await pb.write({ id: 1, envelope })
  const frame = await pb.read()
  await stream.close()
  if (frame.reply == null || frame.id !== 1) {
    throw new Error('no reply frame')
  }
  return frame.reply
}

/** replace a node's route handler: `answer` returns the reply, or undefined to swallow the request */
export async function serveRoutes (node: TestNode, answer: (env: RoutedEnvelope) => RouteReply | undefined): Promise<void> {
  await node.node.libp2p.unhandle(ROUTE_PROTOCOL)
  await node.node.libp2p.handle(ROUTE_PROTOCOL, async (stream) => {
    const pb = pbStream(stream).pb(RouteFrame)
    for (;;) {
      const frame = await pb.read().catch(() => undefined)
      if (frame?.envelope == null) {
        return
      }
      const reply = answer(frame.envelope)
      if (reply != null) {
        await pb.write({ id: frame.id, reply })
      }
    }
  })
}

export type SteppingClock = Clock & {
  /**
   * advance the clock `stepMs` at a time, letting the network run between steps, until
   * `check` holds; `each` runs before every step (bounded in clock ms: the real time
   * between steps is only for I/O to happen)
   */
  advanceUntil(check: () => boolean, what: string, maxMs: number, each?: () => void): Promise<void>
}

/** a fake routing clock for tests whose nodes talk over real connections */
export function steppingClock (stepMs: number): SteppingClock {
  const fake = createClock(Date.now())
  return {
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: handle => { fake.clearTimeout(handle as any) },
    async advanceUntil (check, what, maxMs, each) {
      for (let ms = 0; ms <= maxMs; ms += stepMs) {
        each?.()
        if (check()) { return }
        await fake.tickAsync(stepMs)
        await new Promise(resolve => setImmediate(resolve))
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      throw new Error(`the clock ran ${maxMs} ms waiting for ${what}`)
    }
  }
}
