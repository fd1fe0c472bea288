/**
 * The truth core API as the CLI, HTTP API and browser use it: post input checks, get,
 * list with channel/time filters and cursor pagination, channels with reach, events,
 * persistence across a restart, and forwarding across channels.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { gossipScore } from '../../protocol/pubsub/gossip.ts'
import { TruthInputError, TRUTH_LIMITS, truthTopic } from '../../protocol/truth/index.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import type { TruthMessageEvent, TruthRejection } from '../../protocol/truth/index.ts'

const quiet = { sync: { intervalMs: 0 } }

describe('truth API', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('refuses bad posts with a clear error and stores nothing', async () => {
    const { node } = await mesh.add({ init: { truth: quiet } })
    const events: TruthMessageEvent[] = []
    node.truth.addEventListener('message', e => { events.push(e.detail) })
    const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
      ['empty content', async () => node.truth.post(''), 'content', /non-empty/],
      ['content too long', async () => node.truth.post('é'.repeat(TRUTH_LIMITS.maxContentBytes / 2 + 1)), 'content', /8194 bytes, the limit is 8192/],
      ['not a string', async () => node.truth.post(42 as any), 'content', /non-empty string/],
      ['priority 0', async () => node.truth.post('x', { priority: 0 }), 'priority', /from 1 to 5/],
      ['priority 6', async () => node.truth.post('x', { priority: 6 }), 'priority', /from 1 to 5/],
      ['priority 2.5', async () => node.truth.post('x', { priority: 2.5 }), 'priority', /integer/],
      ['no channel', async () => node.truth.post('x', { channels: [] }), 'channels', /at least one/],
      ['bad channel name', async () => node.truth.post('x', { channels: ['Bad!'] }), 'channels', /invalid channel name "Bad!"/],
      ['long channel name', async () => node.truth.post('x', { channels: ['a'.repeat(33)] }), 'channels', /invalid channel name/],
      ['channel twice', async () => node.truth.post('x', { channels: ['social', 'social'] }), 'channels', /listed twice/],
      ['too many channels', async () => node.truth.post('x', { channels: Array.from({ length: 9 }, (_, i) => `c${i}`) }), 'channels', /at most 8/],
      ['source too long', async () => node.truth.post('x', { source: 's'.repeat(257) }), 'source', /at most 256 bytes/]
    ]
    for (const [what, run, code, message] of cases) {
      const err = await run().then(() => undefined, (e: unknown) => e)
      expect(err, what).toBeInstanceOf(TruthInputError)
      expect((err as TruthInputError).field, what).toBe(code)
      expect((err as Error).message, what).toMatch(message)
    }
    expect(node.truth.stats().messages).toBe(0)
    expect((await node.truth.list()).items).toEqual([])
    expect(events).toEqual([])
  })

  it('gets by id, and refuses malformed ids and queries', async () => {
    const { node } = await mesh.add({ init: { truth: quiet } })
    const m = await node.truth.post('one truth', { channels: ['media', 'direct'], priority: 5, source: 'https://example.org/a' })
    expect(m.id).toMatch(/^[0-9a-f]{64}$/)
    const got = await node.truth.get(m.id)
    expect(got).toMatchObject({ id: m.id, content: 'one truth', channels: ['media', 'direct'], priority: 5, source: 'https://example.org/a', author: node.libp2p.peerId.toString(), spread: 1, effectiveness: 1 })
    expect(got?.author_key).toBe(Buffer.from(node.crypto.signer.publicKey).toString('hex'))
    expect(await node.truth.get('0'.repeat(64))).toBeNull()
    await expect(node.truth.get('xyz')).rejects.toThrow(/64 lowercase hex/)
    await expect(node.truth.list({ channel: 'NO' })).rejects.toThrow(TruthInputError)
    await expect(node.truth.list({ cursor: 'abc' })).rejects.toThrow(/malformed cursor/)
    await expect(node.truth.list({ limit: 0 })).rejects.toThrow(/limit/)
    await expect(node.truth.list({ limit: 501 })).rejects.toThrow(/limit/)
    await expect(node.truth.list({ since: -1 })).rejects.toThrow(/since/)
    await expect(node.truth.list({ order: 'up' as any })).rejects.toThrow(/order/)
    // the event log carries it too, for the WebSocket feed
    const logged = node.events.history({ category: 'truth', type: 'message' })
    expect(logged.map(e => (e.data as TruthMessageEvent).id)).toEqual([m.id])
    expect((logged[0].data as TruthMessageEvent).origin).toBe('local')
  })

  it('lists by time and channel with cursor pagination, and keeps it all across a restart', async () => {
    let clock = Date.UTC(2026, 0, 1)
    const init = { truth: { ...quiet, now: () => clock } }
    const first = await mesh.add({ init })
    const posted: Array<{ id: string, at: number, channels: string[] }> = []
    const channelSets = [['social', 'media'], ['social'], ['billboard']]
    const channelsFor = (i: number): string[] => channelSets[i % 3]
    for (let i = 0; i < 25; i++) {
      clock += 60_000
      const m = await first.node.truth.post(`post ${i}`, { channels: channelsFor(i) })
      posted.push({ id: m.id, at: clock, channels: channelsFor(i) })
    }
    async function pages (q: Parameters<typeof first.node.truth.list>[0]): Promise<string[][]> {
      const out: string[][] = []
      let cursor: string | undefined
      do {
        const page = await first.node.truth.list({ ...q, cursor })
        out.push(page.items.map(m => m.id))
        cursor = page.next_cursor ?? undefined
      } while (cursor != null)
      return out
    }
    const newestFirst = [...posted].reverse().map(p => p.id)
    expect((await first.node.truth.list()).items.map(m => m.id)).toEqual(newestFirst)
    const byTen = await pages({ limit: 10 })
    expect(byTen.map(p => p.length)).toEqual([10, 10, 5])
    expect(byTen.flat()).toEqual(newestFirst)
    expect((await pages({ limit: 7, order: 'asc' })).flat()).toEqual(posted.map(p => p.id))
    const social = posted.filter(p => p.channels.includes('social'))
    expect((await pages({ channel: 'social', limit: 4, order: 'asc' })).flat()).toEqual(social.map(p => p.id))
    expect((await first.node.truth.list({ channel: 'direct' })).items).toEqual([])
    const since = posted[10].at
    const until = posted[20].at
    expect((await pages({ since, until, limit: 3, order: 'asc' })).flat()).toEqual(posted.slice(10, 20).map(p => p.id))
    expect((await pages({ channel: 'media', since, limit: 2 })).flat()).toEqual(posted.slice(10).filter(p => p.channels.includes('media')).reverse().map(p => p.id))
    const channelsBefore = first.node.truth.channels()
    expect(channelsBefore.find(c => c.channel === 'social')?.messages).toBe(social.length)

    await first.stop()
    const again = await mesh.add({ dataDir: first.dataDir, init })
    expect(again.node.truth.stats().messages).toBe(25)
    expect(again.node.libp2p.peerId.equals(first.node.libp2p.peerId)).toBe(true)
    const after = await again.node.truth.list({ limit: 500 })
    expect(after.items.map(m => m.id)).toEqual(newestFirst)
    expect(again.node.truth.channels().map(c => [c.channel, c.messages])).toEqual(channelsBefore.map(c => [c.channel, c.messages]))
    for (const p of posted) { expect(await again.node.truth.getRaw(p.id)).not.toBeNull() }
  })

  it('reports per-channel reach from gossipsub subscribers', async () => {
    const a = await mesh.add({ init: { truth: { ...quiet, channels: ['social', 'media'] } } })
    const b = await mesh.add({ init: { truth: { ...quiet, channels: ['social'] } } })
    const c = await mesh.add({ init: { truth: { ...quiet, channels: ['social', 'direct'] } } })
    await connect(a.node, b.node)
    await connect(a.node, c.node)
    await waitFor(() => a.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).length === 2, 'subscriptions')
    const reach = Object.fromEntries(a.node.truth.channels().map(ch => [ch.channel, [ch.reach, ch.subscribed]]))
    // social: a, b, c; media: a only; direct: c (a does not subscribe); billboard: nobody
    expect(reach).toEqual({ social: [3, true], media: [1, true], direct: [1, false], billboard: [0, false] })
    const m = await a.node.truth.post('to everyone on social', { channels: ['social'] })
    expect(new Set(m.recipients)).toEqual(new Set([b.node.libp2p.peerId.toString(), c.node.libp2p.peerId.toString()]))
    expect(m.spread).toBe(3)
    expect(m.effectiveness).toBe(1)
    const social = a.node.truth.channels().find(ch => ch.channel === 'social')
    expect(social?.messages).toBe(1)
    expect(social?.conversion_rate).toBe(1)
    // unsubscribing drops the topic
    a.node.truth.unsubscribe('media')
    expect(a.node.truth.subscriptions()).toEqual(['social'])
    expect(a.node.libp2p.services.pubsub.getTopics()).not.toContain(truthTopic('media'))
    expect(() => { a.node.truth.subscribe('Not A Channel') }).toThrow(TruthInputError)
  })

  it('ignores (without penalty) gossip over the per-author and per-peer rates; a later sync, within the same budgets, brings it', async () => {
    const manual = { intervalMs: 0, onConnect: false }
    // x, y -- a -- b: everything b gets comes through a
    const a = await mesh.add({ init: { truth: { sync: manual } } })
    let later = 0
    const b = await mesh.add({ init: { truth: { sync: manual, now: () => Date.now() + later, authorRate: { perSecond: 0.001, burst: 3 }, peerRate: { perSecond: 0.001, burst: 5 } } } })
    const x = await mesh.add({ init: { truth: { sync: manual } } })
    const y = await mesh.add({ init: { truth: { sync: manual } } })
    await connect(a.node, b.node)
    await connect(x.node, a.node)
    await connect(y.node, a.node)
    await waitFor(() => [a, x, y].every(n => n.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).length >= 1) &&
      a.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).length === 3, 'subscriptions')
    const ignored: TruthRejection[] = []
    b.node.truth.addEventListener('rejected', e => { ignored.push(e.detail) })
    for (let i = 0; i < 5; i++) { await a.node.truth.post(`burst ${i}`) }
    await waitFor(() => b.node.truth.stats().messages === 3 && ignored.length === 2, 'b to take 3 of a\'s 5')
    expect(ignored.map(r => [r.reason, r.action, r.detail])).toEqual(Array(2).fill(['rate-limited', 'ignore', 'author over its message rate']))
    // other authors, forwarded by the same peer: 2 more fit in a's peer budget of 5
    await x.node.truth.post('x speaks')
    await waitFor(() => b.node.truth.stats().messages === 4, 'b to take x\'s message')
    await y.node.truth.post('y speaks')
    await y.node.truth.post('y speaks again')
    await waitFor(() => b.node.truth.stats().messages === 5 && ignored.length === 3, 'b to take one of y\'s two')
    expect(ignored[2]).toMatchObject({ reason: 'rate-limited', action: 'ignore', detail: 'peer over its message rate', peer: a.node.libp2p.peerId.toString() })
    // ignoring is not punishing
    expect(gossipScore(b.node.libp2p.services.pubsub, a.node.libp2p.peerId.toString())).toBeGreaterThanOrEqual(0)
    // catch-up pays the same budgets: a pull now stores nothing and defers the rest...
    const early = await b.node.truth.syncWith(a.node.libp2p.peerId)
    expect(early.stored).toBe(0)
    expect(early.deferred).toBeGreaterThan(0)
    expect(b.node.truth.stats().messages).toBe(5)
    // ...which a pull two hours later, the budgets refilled, brings in
    later = 2 * 3_600_000
    const report = await b.node.truth.syncWith(a.node.libp2p.peerId)
    expect(report.stored).toBe(3)
    expect(b.node.truth.stats().messages).toBe(8)
  })

  it('forwards a multi-channel message to subscribers of only its second channel', async () => {
    // a -- b -- c: c subscribes to media only; b gets the social copy first and must still forward the media copy
    const a = await mesh.add({ init: { truth: { ...quiet, channels: ['social', 'media'] } } })
    const b = await mesh.add({ init: { truth: { ...quiet, channels: ['social', 'media'] } } })
    const c = await mesh.add({ init: { truth: { ...quiet, channels: ['media'] } } })
    await connect(a.node, b.node)
    await connect(b.node, c.node)
    await waitFor(() => b.node.libp2p.services.pubsub.getSubscribers(truthTopic('media')).length === 2 &&
      a.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).length === 1, 'subscriptions')
    const got: TruthMessageEvent[] = []
    c.node.truth.addEventListener('message', e => { got.push(e.detail) })
    const bGot: TruthMessageEvent[] = []
    b.node.truth.addEventListener('message', e => { bGot.push(e.detail) })
    const m = await a.node.truth.post('both channels', { channels: ['social', 'media'] })
    await waitFor(() => got.length === 1, 'c to receive it by gossip')
    expect(got[0]).toMatchObject({ id: m.id, origin: 'gossip', from: b.node.libp2p.peerId.toString() })
    // stored once on b although it arrived on two topics
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(bGot.map(e => e.id)).toEqual([m.id])
    expect(b.node.truth.stats().messages).toBe(1)
  })
})
