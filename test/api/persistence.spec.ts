/**
 * Problem #15 (part) of the operator's node: the event history and the direct-message inbox
 * are kept in LevelDB, bounded by the config's `eventHistorySize` and `inboxSize`, and are
 * there again after a restart on the same data dir; an event too large to store whole is
 * stored without its data, and a damaged stored entry is skipped. Real nodes over TCP on
 * 127.0.0.1, read over HTTP; the stored keys are counted (and damaged) in LevelDB.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../node/storage.ts'
import { openStore, sortableNumber } from '../../protocol/storage/index.ts'
import { waitFor } from '../utils/wait.ts'
import { api, startApiNode, stopAll } from './utils.ts'

const EVENTS = 40
const INBOX = 3

async function storedKeys (dataDir: string, name: string): Promise<string[]> {
  const db = await openNodeDatabase(dataDir)
  try {
    const keys: string[] = []
    for await (const key of openStore(db, name).keys()) { keys.push(key) }
    return keys
  } finally {
    await db.close()
  }
}

describe('event history and inbox across a restart (#15)', () => {
  afterAll(stopAll)

  it('are stored, bounded, and read back on the same data dir', async () => {
    const bounds = { eventHistorySize: EVENTS, inboxSize: INBOX }
    const a = await startApiNode(bounds)
    const b = await startApiNode()
    const idA = a.runtime.node.libp2p.peerId.toString()
    await b.runtime.node.libp2p.dial(a.runtime.node.libp2p.getMultiaddrs()[0])
    await waitFor(() => b.runtime.node.routing.peers().some(p => p.peerId === idA && p.status === 'connected'), 'b connected to a')

    // more messages than the inbox holds, more events than the history holds
    const sent = 45
    for (let i = 0; i < sent; i++) {
      const res = await api(b.url, 'POST', '/api/v1/mesh/send', { target: idA, payload: `hello ${i}` })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
    }
    await waitFor(async () => (await api(a.url, 'GET', '/api/v1/mesh/messages')).body.items.at(-1)?.payload === `hello ${sent - 1}`, 'last message in the inbox')
    const inboxBefore = (await api(a.url, 'GET', '/api/v1/mesh/messages')).body.items
    expect(inboxBefore.map((m: any) => m.payload)).toEqual([`hello ${sent - 3}`, `hello ${sent - 2}`, `hello ${sent - 1}`])
    const eventsBefore = (await api(a.url, 'GET', '/api/v1/events?limit=500')).body.items
    expect(eventsBefore).toHaveLength(EVENTS)
    expect(eventsBefore.filter((e: any) => e.type === 'message').at(-1).data.payload).toBe(`hello ${sent - 1}`)

    await a.stop()
    // bounded on disk too
    expect(await storedKeys(a.dataDir, 'inbox')).toHaveLength(INBOX)
    const eventKeys = await storedKeys(a.dataDir, 'events')
    expect(eventKeys).toHaveLength(EVENTS)

    const again = await startApiNode({ ...bounds, dataDir: a.dataDir })
    expect(again.runtime.node.libp2p.peerId.toString()).toBe(idA)
    const inboxAfter = (await api(again.url, 'GET', '/api/v1/mesh/messages')).body.items
    expect(inboxAfter).toEqual(inboxBefore)
    const eventsAfter = (await api(again.url, 'GET', '/api/v1/events?limit=500')).body.items
    expect(eventsAfter).toHaveLength(EVENTS)
    // the stored history, then what happened since (the start), numbered on from it
    const lastSeq = eventsBefore.at(-1).seq
    const kept = eventsAfter.filter((e: any) => e.seq <= lastSeq)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept).toEqual(eventsBefore.slice(-kept.length))
    const since = eventsAfter.filter((e: any) => e.seq > lastSeq)
    expect(since.map((e: any) => e.type)).toContain('node:started')
    expect(since.map((e: any) => e.seq)).toEqual(since.map((_: any, i: number) => lastSeq + 1 + i))
    // a message after the restart is numbered after the stored ones
    await b.runtime.node.libp2p.dial(again.runtime.node.libp2p.getMultiaddrs()[0])
    await waitFor(async () => (await api(b.url, 'POST', '/api/v1/mesh/send', { target: idA, payload: 'after restart' })).status === 200, 'sent after restart', 20_000, 250)
    const latest = (await api(again.url, 'GET', '/api/v1/mesh/messages')).body.items
    expect(latest.at(-1).payload).toBe('after restart')
    expect(latest.at(-1).seq).toBeGreaterThan(inboxBefore.at(-1).seq)
    expect(latest).toHaveLength(INBOX)
  })

  it('store a too large event without its data, skip damaged entries, and refuse bounds out of range', async () => {
    const a = await startApiNode({}, { events: { maxStoredBytes: 1024 } })
    const b = await startApiNode()
    const idA = a.runtime.node.libp2p.peerId.toString()
    await b.runtime.node.libp2p.dial(a.runtime.node.libp2p.getMultiaddrs()[0])
    await waitFor(() => b.runtime.node.routing.peers().some(p => p.peerId === idA && p.status === 'connected'), 'b connected to a')
    const large = 'x'.repeat(3000)
    expect((await api(b.url, 'POST', '/api/v1/mesh/send', { target: idA, payload: large })).status).toBe(200)
    await waitFor(async () => (await api(a.url, 'GET', '/api/v1/mesh/messages')).body.items.length === 1, 'message in the inbox')
    const before = (await api(a.url, 'GET', '/api/v1/events?type=message')).body.items
    expect(before).toHaveLength(1)
    expect(before[0].data.payload).toBe(large)
    const lastSeq = (await api(a.url, 'GET', '/api/v1/events?limit=500')).body.items.at(-1).seq
    await a.stop()

    // damage: an entry that is no JSON and one that is JSON but no event, after the last
    const db = await openNodeDatabase(a.dataDir)
    try {
      const events = openStore(db, 'events')
      await events.put(sortableNumber(lastSeq + 1), new TextEncoder().encode('{"seq": 1e400, not json'))
      await events.put(sortableNumber(lastSeq + 2), new TextEncoder().encode(JSON.stringify({ seq: -5, type: 'peer:connected', category: 'mesh' })))
    } finally {
      await db.close()
    }

    const again = await startApiNode({ dataDir: a.dataDir })
    const after = (await api(again.url, 'GET', '/api/v1/events?limit=500'))
    expect(after.status).toBe(200)
    // the stored history read back up to the damage; what happened since is numbered on from it
    expect(after.body.items.filter((e: any) => e.seq <= lastSeq).at(-1).seq).toBe(lastSeq)
    expect(after.body.items.every((e: any) => typeof e.type === 'string' && e.seq > 0)).toBe(true)
    expect(after.body.items.find((e: any) => e.seq > lastSeq).seq).toBe(lastSeq + 1)
    const message = after.body.items.find((e: any) => e.type === 'message')
    expect(message.seq).toBe(before[0].seq)
    expect(message.data).toEqual({ truncated: true, bytes: expect.any(Number) })
    expect(message.data.bytes).toBeGreaterThan(3000)
    // the inbox holds the message whole
    expect((await api(again.url, 'GET', '/api/v1/mesh/messages')).body.items.map((m: any) => m.payload)).toEqual([large])

    // the bounds are config: out of range is refused before anything starts
    await expect(startApiNode({ dataDir: a.dataDir, eventHistorySize: 0 })).rejects.toThrow(/eventHistorySize/)
    await expect(startApiNode({ dataDir: a.dataDir, inboxSize: 1.5 })).rejects.toThrow(/inboxSize/)
  })
})
