/**
 * Acceptance (issue 3): 10 real libp2p nodes in a random connected topology, 100 messages
 * posted from random nodes, every node ends with all 100 byte-identical and none twice;
 * a node started afterwards and a node restarted from its data dir catch up by sync.
 */
import { equals } from 'uint8arrays/equals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { truthTopic } from '../../protocol/truth/index.ts'
import { connect, randomConnectedEdges, TestMesh, waitFor } from '../utils/mesh.ts'
import type { TruthMessageEvent } from '../../protocol/truth/index.ts'
import type { TestNode } from '../utils/mesh.ts'

const N = 10
const MESSAGES = 100
const CHANNELS = ['billboard', 'social', 'media', 'direct']

describe('truth messages across a 10-node mesh', () => {
  const mesh = new TestMesh()
  const nodes: TestNode[] = []
  const received = new Map<TestNode, TruthMessageEvent[]>()
  const posted: Array<{ id: string, by: TestNode }> = []
  let restarting: TestNode
  let restartDir: string

  function record (n: TestNode): void {
    const list: TruthMessageEvent[] = []
    received.set(n, list)
    n.node.truth.addEventListener('message', evt => { list.push(evt.detail) })
  }

  async function countOf (n: TestNode): Promise<number> {
    return n.node.truth.stats().messages
  }

  async function allIds (n: TestNode): Promise<string[]> {
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await n.node.truth.list({ limit: 37, cursor, order: 'asc' })
      ids.push(...page.items.map(m => m.id))
      cursor = page.next_cursor ?? undefined
    } while (cursor != null)
    return ids
  }

  async function expectAll (n: TestNode): Promise<void> {
    const ids = await allIds(n)
    expect(ids.length).toBe(MESSAGES)
    expect(new Set(ids).size).toBe(MESSAGES)
    expect(new Set(ids)).toEqual(new Set(posted.map(p => p.id)))
    for (const p of posted) {
      const mine = await n.node.truth.getRaw(p.id)
      const original = await p.by.node.truth.getRaw(p.id)
      expect(mine).not.toBeNull()
      expect(equals(mine as Uint8Array, original as Uint8Array)).toBe(true)
    }
  }

  beforeAll(async () => {
    // periodic sync off: deliveries inside the test must come from gossip (or on-connect sync)
    const init = { truth: { sync: { intervalMs: 0 } } }
    for (let i = 0; i < N; i++) {
      const n = await mesh.add({ init })
      record(n)
      nodes.push(n)
    }
    const edges = randomConnectedEdges(N, 5, 7)
    await Promise.all(edges.map(async ([a, b]) => { await connect(nodes[a].node, nodes[b].node) }))
    // a node that will be stopped halfway and restarted from its data dir
    restarting = await mesh.add({ init })
    restartDir = restarting.dataDir
    record(restarting)
    await connect(restarting.node, nodes[0].node)
    await connect(restarting.node, nodes[5].node)
    // gossip needs to know its neighbours' subscriptions before the first publish
    const degree = (i: number): number => edges.filter(([a, b]) => a === i || b === i).length
    await waitFor(() => nodes.every((n, i) => CHANNELS.every(c =>
      n.node.libp2p.services.pubsub.getSubscribers(truthTopic(c)).length >= degree(i))), 'subscriptions to propagate')
  })

  afterAll(async () => { await mesh.cleanup() })

  it('delivers 100 messages from random nodes to every node, byte-identical, none twice', async () => {
    const firstHalfArrived = async (): Promise<boolean> => await countOf(restarting) === MESSAGES / 2
    let seed = 42
    const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n }
    for (let i = 0; i < MESSAGES; i++) {
      const by = nodes[rand(N)]
      const channels = [CHANNELS[rand(CHANNELS.length)]]
      if (i % 5 === 0) { channels.push(CHANNELS[(CHANNELS.indexOf(channels[0]) + 1) % CHANNELS.length]) }
      const m = await by.node.truth.post(`message ${i}: the truth, from ${by.node.libp2p.peerId.toString().slice(-6)}`, { channels, priority: 1 + (i % 5) })
      posted.push({ id: m.id, by })
      if (i === MESSAGES / 2 - 1) {
        await waitFor(firstHalfArrived, 'the restarting node to get the first half', 10_000)
        await restarting.stop()
      }
    }
    await waitFor(async () => {
      const counts = await Promise.all(nodes.map(countOf))
      return counts.every(c => c >= MESSAGES)
    }, 'all nodes to hold all messages', 20_000)
    for (const n of nodes) {
      await expectAll(n)
      const events = received.get(n) ?? []
      // stored once each: one `message` event per id
      expect(events.length).toBe(MESSAGES)
      expect(new Set(events.map(e => e.id)).size).toBe(MESSAGES)
      // the receivers got them by gossip, not by a later sync
      const own = posted.filter(p => p.by === n).length
      expect(events.filter(e => e.origin === 'local').length).toBe(own)
      expect(events.filter(e => e.origin === 'gossip').length).toBe(MESSAGES - own)
    }
    // spread: every node holds every message; the author knows at least its neighbours do
    const first = await posted[0].by.node.truth.get(posted[0].id)
    expect(first?.spread).toBeGreaterThanOrEqual(2)
  })

  it('a node started after the posts catches up by sync, without re-posting', async () => {
    const t0 = Date.now()
    const late = await mesh.add()
    record(late)
    await connect(late.node, nodes[3].node)
    await waitFor(async () => await countOf(late) === MESSAGES, 'the late node to catch up', 10_000)
    // "within seconds"
    expect(Date.now() - t0).toBeLessThan(5000)
    await expectAll(late)
    const events = received.get(late) ?? []
    expect(events.length).toBe(MESSAGES)
    expect(events.every(e => e.origin === 'sync')).toBe(true)
  })

  it('a node restarted with its data dir keeps what it had and catches up on the rest', async () => {
    const t0 = Date.now()
    const again = await mesh.add({ dataDir: restartDir, start: false })
    // it kept the first half across the restart
    await again.node.start()
    expect(again.node.truth.stats().messages).toBe(MESSAGES / 2)
    record(again)
    await connect(again.node, nodes[7].node)
    await waitFor(async () => await countOf(again) === MESSAGES, 'the restarted node to catch up', 10_000)
    expect(Date.now() - t0).toBeLessThan(5000)
    await expectAll(again)
    const events = received.get(again) ?? []
    expect(events.length).toBe(MESSAGES / 2)
    expect(events.every(e => e.origin === 'sync')).toBe(true)
  })
})
