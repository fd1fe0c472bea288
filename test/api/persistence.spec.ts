/**
 * Problem #15 (part) of the operator's node: the event history and the direct-message inbox
 * are kept in LevelDB, bounded, and are there again after a restart on the same data dir.
 * Real nodes over TCP on 127.0.0.1, read over HTTP; the stored keys are counted in LevelDB.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../node/storage.ts'
import { openStore } from '../../protocol/storage/index.ts'
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
    const bounds = { events: { historySize: EVENTS }, inbox: { size: INBOX } }
    const a = await startApiNode({}, bounds)
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

    const again = await startApiNode({ dataDir: a.dataDir }, bounds)
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
})
