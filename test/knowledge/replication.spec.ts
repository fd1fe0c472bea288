/**
 * Acceptance (issue 16): ten nodes over the memory transport converge on the same
 * entries, versions and rating aggregates; a late joiner and a restarted node catch up
 * (by sync), and the restarted node loads its search index from its snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, randomConnectedEdges, TestMesh, waitFor } from '../utils/mesh.ts'
import type { MeshNode, MeshNodeInit } from '../../protocol/mesh-node.ts'
import type { TestNode } from '../utils/mesh.ts'

const N = 10
const init: MeshNodeInit = { knowledge: { sync: { intervalMs: 1000 } }, truth: { sync: { intervalMs: 0, onConnect: false } } }

/** everything a user can see of the collection, in a stable order */
async function view (node: MeshNode): Promise<string> {
  const { items } = await node.knowledge.list({ include_retracted: true, limit: 200 })
  const rows = await Promise.all(items.sort((a, b) => a.id < b.id ? -1 : 1).map(async e => {
    const versions = await node.knowledge.versions(e.id)
    return { id: e.id, title: e.title, version: e.version, retracted: e.retracted, rating: e.rating, versions: versions?.map(v => v.record_id) }
  }))
  return JSON.stringify(rows)
}

describe('knowledge replication', () => {
  const mesh = new TestMesh()
  const nodes: TestNode[] = []

  beforeAll(async () => {
    for (let i = 0; i < N; i++) { nodes.push(await mesh.add({ init })) }
    for (const [a, b] of randomConnectedEdges(N, 6, 16)) { await connect(nodes[a].node, nodes[b].node) }
    // gossipsub meshes form on the heartbeat (1 s)
    await waitFor(() => nodes.every(n => n.node.libp2p.services.pubsub.getSubscribers('liberation/knowledge/1').length > 0), 'knowledge topic subscriptions')
  }, 30_000)
  afterAll(async () => { await mesh.cleanup() })

  it('ten nodes converge on entries, versions, retractions and rating aggregates', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const k = nodes[i].node.knowledge
      ids.push((await k.add({ title: `Fix ${i}: mesh repair`, content: `# Steps\nRestart the relay ${i} and re-dial.`, type: 'technical', tags: ['mesh', `n${i}`] })).id)
      ids.push((await k.add({ title: `Insight ${i}`, content: 'Small batches beat big ones.', type: 'insight', confidence: 0.8 })).id)
    }
    const edited = await nodes[0].node.knowledge.edit(ids[0], { content: 'Restart the relay, then re-dial the peers.' })
    expect(edited.version).toBe(2)
    await nodes[0].node.knowledge.edit(ids[0], { tags: ['mesh', 'relay'] })
    await nodes[1].node.knowledge.retract(ids[3])
    // every node rates entry 0; node 3 changes its mind: only its latest counts
    for (let i = 0; i < N; i++) {
      await waitFor(async () => await nodes[i].node.knowledge.get(ids[0]) != null, `node ${i} holds entry 0`)
      await nodes[i].node.knowledge.rate(ids[0], i % 2 === 0 ? 4 : 2)
    }
    await nodes[3].node.knowledge.rate(ids[0], 5)

    await waitFor(async () => {
      const views = await Promise.all(nodes.map(async n => view(n.node)))
      return views.every(v => v === views[0]) && JSON.parse(views[0])[0]?.rating != null
    }, 'all ten views equal', 20_000, 200)
    const final = JSON.parse(await view(nodes[9].node))
    expect(final).toHaveLength(10)
    const e0 = await nodes[7].node.knowledge.get(ids[0])
    expect(e0).toMatchObject({ version: 3, versions: 3, tags: ['mesh', 'relay'], content: 'Restart the relay, then re-dial the peers.' })
    // five 4s, four 2s, and node 3's 5 instead of its 2
    expect(e0?.rating).toEqual({ mean: (5 * 4 + 4 * 2 + 5) / 10, count: 10 })
    expect((await nodes[8].node.knowledge.get(ids[3]))?.retracted).toBe(true)
    // searchable everywhere, retracted entries excluded
    const found = await nodes[5].node.knowledge.search({ q: 'relay' })
    expect(found.items.map(h => h.entry.id)).toContain(ids[0])
    expect((await nodes[5].node.knowledge.search({ q: 'Insight 1' })).items.map(h => h.entry.id)).not.toContain(ids[3])
  }, 60_000)

  it('a late joiner and a restarted node catch up', async () => {
    const restarted = nodes[4]
    await restarted.stop()
    const more: string[] = []
    for (let i = 0; i < 3; i++) { more.push((await nodes[0].node.knowledge.add({ title: `While away ${i}`, content: 'written during the outage', type: 'process' })).id) }
    // the rater must hold the entry first (gossip takes a moment on a busy machine)
    await waitFor(async () => await nodes[2].node.knowledge.get(more[0]) != null, 'new entry at the rater')
    await nodes[2].node.knowledge.rate(more[0], 3)

    const late = await mesh.add({ init })
    await connect(late.node, nodes[6].node)
    const back = await mesh.add({ init, dataDir: restarted.dataDir })
    expect(back.node.knowledge.stats().index_source).toBe('loaded')
    await connect(back.node, nodes[1].node)
    const reference = await view(nodes[0].node)
    await waitFor(async () => await view(late.node) === reference && await view(back.node) === reference, 'late joiner and restarted node converge', 20_000, 200)
    expect((await late.node.knowledge.get(more[0]))?.rating).toEqual({ mean: 3, count: 1 })
    expect(back.node.knowledge.stats().indexed).toBe(nodes[0].node.knowledge.stats().indexed)
    expect((await back.node.knowledge.search({ q: 'outage' })).total).toBe(3)
  }, 60_000)
})
