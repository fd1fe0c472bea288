/**
 * Topologies for the routing tests: memory nodes wired by hand (TestMesh nodes never dial
 * by themselves), with fast timers so a test takes seconds.
 */
import { connect, waitFor } from '../utils/mesh.ts'
import type { RoutingInit } from '../../protocol/routing/index.ts'
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
}

export async function addNodes (mesh: TestMesh, count: number, spec: NodeSpec | ((i: number) => NodeSpec) = {}): Promise<TestNode[]> {
  const out: TestNode[] = []
  for (let i = 0; i < count; i++) {
    const s = typeof spec === 'function' ? spec(i) : spec
    out.push(await mesh.add({ latency: s.latency, init: { routing: { ...FAST_ROUTING, ...s.routing } } }))
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
