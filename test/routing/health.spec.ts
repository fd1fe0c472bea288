import { TopicValidatorResult } from '@libp2p/gossipsub'
import { byteStream } from '@libp2p/utils'
import { afterAll, describe, expect, it } from 'vitest'
import { registerTopicScore } from '../../protocol/pubsub/gossip.ts'
import { healthComponents, healthScore, linkCost } from '../../protocol/routing/health.ts'
import { PROBE_PROTOCOL } from '../../protocol/routing/link-monitor.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, id, wire } from './helpers.ts'
import type { PeerHealthChange } from '../../protocol/routing/index.ts'
import type { TestNode } from '../utils/mesh.ts'

const BASE = { loss: 0, connectedMs: 600_000, gossipScore: 0, invalid: 0 }

describe('health score formula', () => {
  it('stays in [0, 1] and falls with RTT, jitter, loss, invalid messages and a negative gossip score', () => {
    const clean = healthScore({ ...BASE, rttMs: 2, jitterMs: 1 })
    expect(clean).toBeGreaterThan(0.9)
    expect(clean).toBeLessThanOrEqual(1)
    expect(healthScore({ ...BASE, rttMs: 200, jitterMs: 1 })).toBeLessThan(clean)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 100 })).toBeLessThan(clean)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 1, loss: 0.3 })).toBeLessThan(clean)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 1, invalid: 1 })).toBeCloseTo(clean / 2, 5)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 1, gossipScore: -100 })).toBeCloseTo(clean / 2, 5)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 1, gossipScore: 50 })).toBe(clean)
    expect(healthScore({ ...BASE, rttMs: 2, jitterMs: 1, connectedMs: 0 })).toBeLessThan(clean)
    const worst = healthScore({ rttMs: 1e9, jitterMs: 1e9, loss: 1, connectedMs: 0, gossipScore: -1e9, invalid: 1e9 })
    expect(worst).toBeGreaterThanOrEqual(0)
    expect(worst).toBeLessThan(0.01)
    const c = healthComponents({ ...BASE, rttMs: 100, jitterMs: 50, loss: 0.25 })
    expect(c).toMatchObject({ latency: 0.5, jitter: 0.5, delivery: 0.75, gossip: 1, validity: 1 })
  })

  it('link cost grows with RTT and loss (ETX) and with poor health', () => {
    const clean = linkCost({ rttMs: 2, loss: 0, health: 1 })
    expect(linkCost({ rttMs: 100, loss: 0, health: 1 })).toBeGreaterThan(clean * 5)
    expect(linkCost({ rttMs: 2, loss: 0.5, health: 1 })).toBeCloseTo(clean * 2, 5)
    expect(linkCost({ rttMs: 2, loss: 0, health: 0 })).toBeCloseTo(clean * 2, 5)
  })
})

/** A, B, C, D with A–B–D and A–C–D; returns [a, b, c, d] */
async function diamond (mesh: TestMesh, latency: { b?: number, c?: number } = {}): Promise<TestNode[]> {
  // the memory transport delays chunks one after the other (30 ms each), so a probe
  // round trip over a slow link takes several hundred ms: give probes time
  const latencies = [undefined, latency.b, latency.c, undefined]
  const nodes = await addNodes(mesh, 4, i => ({ latency: latencies[i], routing: { probeTimeoutMs: 3000 } }))
  // the memory transport delays traffic of connections dialled TO a node with latency:
  // a→b, d→b (and a→c, d→c) so both links of the slow relay are slow
  await wire(nodes, [[0, 1], [3, 1], [0, 2], [3, 2]])
  return nodes
}

/** make `node` leave every other probe unanswered (50 % loss as the prober sees it) */
async function dropEveryOtherProbe (node: TestNode): Promise<void> {
  const libp2p = node.node.libp2p
  await libp2p.unhandle(PROBE_PROTOCOL)
  let count = 0
  await libp2p.handle(PROBE_PROTOCOL, async (stream) => {
    if (count++ % 2 === 0) {
      return // never answered: the prober times out
    }
    const bytes = byteStream(stream)
    await bytes.write(await bytes.read({ bytes: 32 }))
    await stream.close()
  }, { runOnLimitedConnection: true })
}

function path (from: TestNode, to: TestNode): string | undefined {
  return from.node.routing.route(id(to))?.path.join(' > ')
}

describe('link quality drives health and routes', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('a link with injected latency scores lower and routes take the clean path (both ways round)', async () => {
    for (const slow of ['c', 'b'] as const) {
      const [a, b, c, d] = await diamond(mesh, { [slow]: 30 })
      const [clean, lagging] = slow === 'c' ? [b, c] : [c, b]
      const changes: PeerHealthChange[] = []
      a.node.routing.addEventListener('peer:health', evt => { changes.push(evt.detail) })
      const want = [a, clean, d].map(id).join(' > ')
      await waitFor(() => {
        const hc = a.node.routing.health(id(clean))
        const hl = a.node.routing.health(id(lagging))
        return hc?.rttMs != null && hl?.rttMs != null && hl.health < hc.health && path(a, d) === want
      }, `route over the clean relay (${slow} slow)`, 15_000)
      const hClean = a.node.routing.health(id(clean))
      const hLagging = a.node.routing.health(id(lagging))
      expect(hLagging?.rttMs).toBeGreaterThan(50) // 2 × 30 ms injected
      expect(hClean?.rttMs).toBeLessThan(20)
      expect(hLagging?.components.latency).toBeLessThan(hClean?.components.latency ?? 0)
      expect(a.node.routing.route(id(d))?.latencyMs).toBeLessThan(20)
      // the slow path is still known, just dearer
      const topo = a.node.routing.topology()
      const cost = (x: TestNode, y: TestNode): number => topo.links.find(l => l.from === id(x) && l.to === id(y))?.cost ?? NaN
      expect(cost(a, lagging)).toBeGreaterThan(cost(a, clean))
      expect(changes.some(ch => ch.peerId === id(lagging))).toBe(true)
      expect(a.node.events.history({ category: 'mesh', type: 'peer:health' }).length).toBeGreaterThan(0)
    }
  })

  it('a lossy link scores lower and routes take the clean path', async () => {
    const [a, b, c, d] = await diamond(mesh)
    await dropEveryOtherProbe(c)
    const want = [a, b, d].map(id).join(' > ')
    await waitFor(() => {
      const hb = a.node.routing.health(id(b))
      const hc = a.node.routing.health(id(c))
      return hb != null && hc != null && hc.loss >= 0.3 && hc.health < hb.health && path(a, d) === want
    }, 'route over the loss-free relay', 15_000)
    const hb = a.node.routing.health(id(b))
    const hc = a.node.routing.health(id(c))
    expect(hb?.loss).toBe(0)
    expect(hc?.components.delivery).toBeLessThan(0.7)
    const peerC = a.node.routing.peers().find(p => p.peerId === id(c))
    expect(peerC?.probesLost).toBeGreaterThan(0)
    expect(peerC?.status).toBe('connected')
  })

  it('a peer that gossips invalid messages loses health through its gossipsub score', async () => {
    const [a, clean, evil] = await addNodes(mesh, 3)
    await wire([a, clean, evil], [[1, 0], [2, 0]])
    const topic = 'liberation/test/routing-health'
    const pubsub = a.node.libp2p.services.pubsub
    registerTopicScore(pubsub, topic)
    pubsub.topicValidators.set(topic, () => TopicValidatorResult.Reject)
    pubsub.subscribe(topic)
    const evilPubsub = evil.node.libp2p.services.pubsub
    evilPubsub.subscribe(topic)
    await waitFor(() => evilPubsub.getSubscribers(topic).some(p => p.equals(a.node.libp2p.peerId)), 'subscription seen')
    await waitFor(() => a.node.routing.health(id(evil))?.rttMs != null && a.node.routing.health(id(clean))?.rttMs != null, 'probes')
    for (let i = 0; i < 3; i++) {
      await evilPubsub.publish(topic, new TextEncoder().encode(`junk ${i}`))
    }
    await waitFor(() => (a.node.routing.health(id(evil))?.gossipScore ?? 0) < 0, 'a negative gossipsub score')
    const hEvil = a.node.routing.health(id(evil))
    const hClean = a.node.routing.health(id(clean))
    expect(hEvil?.components.gossip).toBeLessThan(0.5)
    expect(hEvil?.health).toBeLessThan((hClean?.health ?? 0) / 2)
    expect(a.node.routing.peers().find(p => p.peerId === id(evil))?.gossipScore).toBeLessThan(0)
  })
})
