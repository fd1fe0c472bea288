/**
 * Catch-up after a heal: a node that learns a recent batch by sync gossips it on, so the
 * nodes behind it get it in a gossip round rather than one hop per periodic sync.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LEDGER_TOPIC } from '../../protocol/ledger/index.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import type { TestNode } from '../utils/mesh.ts'

/** a periodic sync far longer than the test: past the first hop only gossip can carry a batch */
const SYNC_INTERVAL_MS = 120_000

let mesh: TestMesh
afterEach(async () => { await mesh?.cleanup() })

async function addNode (now?: () => number): Promise<TestNode> {
  return mesh.add({ init: { ledger: { sync: { intervalMs: SYNC_INTERVAL_MS }, compactIntervalMs: 0, now } } })
}

async function subscribed (a: TestNode, b: TestNode): Promise<void> {
  await waitFor(() => a.node.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.equals(b.node.libp2p.peerId)) &&
    b.node.libp2p.services.pubsub.getSubscribers(LEDGER_TOPIC).some(p => p.equals(a.node.libp2p.peerId)), 'ledger topic subscriptions to be exchanged')
}

async function holds (n: TestNode, id: string): Promise<boolean> {
  return (await n.node.ledger.getHuman(id)) !== undefined
}

describe('ledger catch-up after a heal', () => {
  it('gossips on recent batches learnt by sync, so the far end of a line gets them well within one sync interval; old ones are not re-gossiped', async () => {
    mesh = new TestMesh()
    // a line B - C - D, and two authors cut off from it: A writes now, O with a clock an hour behind
    const [b, c, d] = [await addNode(), await addNode(), await addNode()]
    const a = await addNode()
    const old = await addNode(() => Date.now() - 3_600_000)
    await connect(b.node, c.node)
    await connect(c.node, d.node)
    await subscribed(b, c)
    await subscribed(c, d)
    await old.node.ledger.registerHuman({ id: 'written-an-hour-ago' })
    await Promise.all(Array.from({ length: 20 }, async (_, i) => a.node.ledger.registerHuman({ id: `cut-off-${i}` })))

    // heal: only B meets the authors, and learns their batches by the sync on connect
    const healed = Date.now()
    await connect(old.node, b.node)
    await connect(a.node, b.node)
    await waitFor(async () => await holds(b, 'cut-off-19') && await holds(b, 'written-an-hour-ago'), 'B to sync from both authors', 10_000)
    await waitFor(async () => holds(d, 'cut-off-19'), 'D, two hops from the heal, to get the batch', 10_000)
    const elapsed = Date.now() - healed
    expect(elapsed).toBeLessThan(SYNC_INTERVAL_MS / 10)
    expect((await d.node.ledger.stats()).totalHumans).toBe(20)
    expect(a.node.libp2p.getConnections(d.node.libp2p.peerId)).toHaveLength(0)
    expect(a.node.libp2p.getConnections(c.node.libp2p.peerId)).toHaveLength(0)

    // the hour-old batch stayed at B: what is old is what everyone else already has
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(await holds(c, 'written-an-hour-ago')).toBe(false)
    expect(await holds(d, 'written-an-hour-ago')).toBe(false)
    expect((await c.node.ledger.stats()).batchesRejected).toBe(0)
  })

  it('re-gossips at most 256 batches per 10 s, each once, and never what it got by gossip', async () => {
    mesh = new TestMesh()
    const [a, b, c] = [await addNode(), await addNode(), await addNode()]
    await connect(b.node, c.node)
    await subscribed(b, c)
    const published = countPublished(b)
    // one batch per write: each waits for the previous one
    for (let i = 0; i < 300; i++) { await a.node.ledger.registerHuman({ id: `offline-${i}` }) }
    expect((await a.node.ledger.stats()).documents).toBe(1)

    const healed = Date.now()
    await connect(a.node, b.node)
    await waitFor(async () => (await b.node.ledger.stats()).totalHumans === 300, 'B to sync 300 batches from A', 20_000)
    const windows = Math.ceil((Date.now() - healed) / 10_000)
    await waitFor(async () => (await c.node.ledger.stats()).totalHumans >= 256, 'C to get the re-gossiped ones', 10_000)
    // all in one 10 s window unless the machine is very slow
    if (windows === 1) { expect(published.count).toBe(256) } else { expect(published.count).toBeLessThanOrEqual(256 * windows) }
    const count = published.count
    // pulling again stores nothing new and re-gossips nothing
    const again = await b.node.ledger.sync(a.node.libp2p.peerId)
    expect(again.applied).toBe(0)
    // a batch B receives by gossip is forwarded by gossipsub, not published again by B
    await subscribed(a, b)
    await a.node.ledger.registerHuman({ id: 'online' })
    await waitFor(async () => holds(c, 'online'), 'C to get the gossiped batch through B')
    expect(published.count).toBe(count)
  })
})

function countPublished (n: TestNode): { count: number } {
  const counter = { count: 0 }
  const pubsub = n.node.libp2p.services.pubsub
  const publish = pubsub.publish.bind(pubsub)
  pubsub.publish = async (topic, ...rest) => {
    if (topic === LEDGER_TOPIC) { counter.count++ }
    return publish(topic, ...rest)
  }
  return counter
}
