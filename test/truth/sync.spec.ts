/**
 * Catch-up over /liberation/truth-sync/1.0.0: paginated bulk catch-up, backdated messages
 * found by range fingerprints, spread learnt from digests and fetches, the responder's
 * bounds (malformed requests, oversize fetches, rate limit), and a lying responder.
 */
import { lpStream, pbStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../protocol/crypto/index.ts'
import { BUCKET_MS } from '../../protocol/truth/digest.ts'
import { SYNC_PROTOCOL, truthTopic } from '../../protocol/truth/index.ts'
import { SignedTruth, SyncRequest, SyncResponse } from '../../protocol/truth/pb/truth.ts'
import { SyncError } from '../../protocol/truth/sync.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'
import type { TruthRejection } from '../../protocol/truth/index.ts'
import type { Stream } from '@libp2p/interface'

const HOUR = 60 * 60_000
const DAY = 24 * HOUR

/** sync only when the test says so */
const manual = { sync: { intervalMs: 0, onConnect: false } }

describe('truth catch-up', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('catches up 1,500 messages over days in pages, then only the backdated ones', async () => {
    let clock = Date.now() - 3 * DAY
    const init = { truth: { ...manual, now: () => clock, authorRate: { perSecond: 1e6, burst: 1e6 } } }
    const a = await mesh.add({ init })
    // budgets out of the way: this is about paging (budgets: see below)
    const b = await mesh.add({ init: { truth: { ...manual, authorRate: { perSecond: 1e6, burst: 1e6 }, peerRate: { perSecond: 1e6, burst: 1e6 } } } })
    for (let i = 0; i < 1500; i++) {
      clock += 2 * DAY / 1500
      await a.node.truth.post(`history ${i}`, { channels: ['billboard'] })
    }
    clock = Date.now()
    await connect(b.node, a.node)
    const first = await b.node.truth.syncWith(a.node.libp2p.peerId)
    expect(first.fetched).toBe(1500)
    expect(first.stored).toBe(1500)
    expect(b.node.truth.stats().messages).toBe(1500)
    // 1 digest + 2 id pages (1,024 per page) + 6 fetches (256 ids each)
    expect(first.requests).toBe(9)

    // in sync: one digest request, nothing fetched
    const idle = await b.node.truth.syncWith(a.node.libp2p.peerId)
    expect(idle).toMatchObject({ requests: 1, fetched: 0 })

    // messages backdated into the middle of the history, while b is away
    await b.stop()
    clock = Date.now() - 2 * DAY + 5 * HOUR
    const backdated: string[] = []
    for (let i = 0; i < 10; i++) { backdated.push((await a.node.truth.post(`late news ${i}`, { channels: ['media'] })).id) }
    clock = Date.now()
    // b2 does not subscribe to the channel they went to, so gossip (IHAVE from a's message
    // cache as b2 joins) cannot bring them first: sync must bring all of them
    const b2 = await mesh.add({ dataDir: b.dataDir, init: { truth: { ...manual, channels: ['billboard'] } } })
    let byGossip = 0
    b2.node.truth.addEventListener('message', evt => { if (evt.detail.origin === 'gossip') { byGossip++ } })
    await connect(b2.node, a.node)
    const third = await b2.node.truth.syncWith(a.node.libp2p.peerId)
    expect(third.stored).toBe(10)
    expect(byGossip).toBe(0)
    // 32-day slice, then days, then hours differ; one id list and one fetch
    expect(third.requests).toBeLessThanOrEqual(6)
    for (const id of backdated) { expect(await b2.node.truth.get(id)).not.toBeNull() }
    expect(b2.node.truth.stats().messages).toBe(1510)
  })

  it('learns spread from fetches and matching digests', async () => {
    const a = await mesh.add({ init: { truth: manual } })
    const b = await mesh.add({ init: { truth: manual } })
    const m = await a.node.truth.post('held by whom?')
    expect((await a.node.truth.get(m.id))?.spread).toBe(1)
    await connect(a.node, b.node)
    await b.node.truth.syncWith(a.node.libp2p.peerId)
    // a served it to b: a receipt
    expect((await a.node.truth.get(m.id))?.spread).toBe(2)
    // b knows itself and the author
    expect((await b.node.truth.get(m.id))?.spread).toBe(2)
    const c = await mesh.add({ init: { truth: manual } })
    await connect(c.node, b.node)
    await c.node.truth.syncWith(b.node.libp2p.peerId)
    // b's fingerprints now equal c's: c holds everything in those ranges
    await b.node.truth.syncWith(c.node.libp2p.peerId)
    const onB = await b.node.truth.get(m.id)
    expect(onB?.spread).toBe(3)
  })

  it('syncs on connect and again after a partition heals', async () => {
    const a = await mesh.add({ init: { truth: { sync: { intervalMs: 0, minGapMs: 0 } } } })
    const b = await mesh.add({ init: { truth: { sync: { intervalMs: 0, minGapMs: 0 } } } })
    await a.node.truth.post('before we met')
    await connect(a.node, b.node)
    await waitFor(() => b.node.truth.stats().messages === 1, 'sync on connect')
    // partition: the link goes down, each side posts, the link comes back
    await a.node.libp2p.hangUp(b.node.libp2p.peerId)
    await waitFor(() => a.node.libp2p.getConnections(b.node.libp2p.peerId).length === 0, 'the link to drop')
    await a.node.truth.post('news on side a')
    await b.node.truth.post('news on side b')
    await connect(a.node, b.node)
    await waitFor(() => a.node.truth.stats().messages === 3 && b.node.truth.stats().messages === 3, 'both sides to converge')
  })

  it('also syncs periodically with connected peers', async () => {
    const a = await mesh.add({ init: { truth: { sync: { onConnect: false, intervalMs: 200, minGapMs: 0 } } } })
    const b = await mesh.add({ init: { truth: { sync: { onConnect: false, intervalMs: 200, minGapMs: 0 } } } })
    await connect(a.node, b.node)
    // not over gossip: b does not subscribe to the channel a posts on
    b.node.truth.unsubscribe('billboard')
    await a.node.truth.post('only on billboard', { channels: ['billboard'] })
    await waitFor(() => b.node.truth.stats().messages === 1, 'the periodic sync', 5000)
    expect(b.node.events.history({ category: 'truth', type: 'synced' }).length).toBeGreaterThan(0)
  })
})

describe('truth sync pays the same author and peer budgets as gossip', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('stores what the budgets allow, leaves the rest for a later pull, and loses nothing', async () => {
    // the server: a peer with its own valid key serving 400 valid messages of one author
    const server = await mesh.add({ init: { truth: { ...manual, authorRate: { perSecond: 1e6, burst: 1e6 } } } })
    for (let i = 0; i < 400; i++) { await server.node.truth.post(`flood ${i}`, { channels: ['billboard'] }) }
    let clock = Date.now()
    const victim = await mesh.add({ init: { truth: { ...manual, now: () => clock, authorRate: { perSecond: 1, burst: 50 }, peerRate: { perSecond: 2, burst: 300 } } } })
    await connect(victim.node, server.node)

    const first = await victim.node.truth.syncWith(server.node.libp2p.peerId)
    // the author's burst, no more
    expect(first.stored).toBe(50)
    expect(first.deferred).toBe(350)
    expect(victim.node.truth.stats().messages).toBe(50)

    // 30 s later the author has 30 more tokens: the next pull brings them
    clock += 30_000
    const second = await victim.node.truth.syncWith(server.node.libp2p.peerId)
    expect(second.stored).toBe(30)
    expect(victim.node.truth.stats().messages).toBe(80)

    // many authors through one peer: the peer budget (300, of which 80 spent, +2/s) ends the session
    const others = await mesh.add({ init: { truth: { ...manual } } })
    for (let i = 0; i < 150; i++) { await others.node.truth.post(`other ${i}`, { channels: ['billboard'] }) }
    // the server holds them too (a relay of many authors)
    await connect(server.node, others.node)
    await server.node.truth.syncWith(others.node.libp2p.peerId)
    const third = await victim.node.truth.syncWith(server.node.libp2p.peerId)
    expect(third.stored).toBeLessThanOrEqual(300 - 80 + 60 + 2)
    expect(third.deferred).toBeGreaterThan(0)

    // nothing is lost: with budgets refilled, pulls bring every message
    clock += 3_600_000
    for (let i = 0; i < 10 && victim.node.truth.stats().messages < 550; i++) {
      clock += 600_000
      await victim.node.truth.syncWith(server.node.libp2p.peerId)
    }
    expect(victim.node.truth.stats().messages).toBe(550)
  })
})

describe('truth sync across clocks that disagree', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('from a responder whose clock runs ahead, takes what its own clock allows, ends as a success and blames no one; a later pull brings the rest', async () => {
    // within one hour bucket, so the early messages fall inside the requester's last slice
    const base = Math.floor(Date.now() / HOUR) * HOUR + 5 * 60_000
    let ahead = base
    const responder = await mesh.add({ init: { truth: { ...manual, now: () => ahead } } })
    for (let i = 0; i < 5; i++) { await responder.node.truth.post(`on time ${i}`, { channels: ['billboard'] }) }
    // the responder's clock now runs 20 minutes ahead (the skew rule allows 5)
    ahead = base + 20 * 60_000
    const early: string[] = []
    for (let i = 0; i < 3; i++) { early.push((await responder.node.truth.post(`from the future ${i}`, { channels: ['billboard'] })).id) }

    let clock = base
    const requester = await mesh.add({ init: { truth: { ...manual, now: () => clock } } })
    const rejections: TruthRejection[] = []
    requester.node.truth.addEventListener('rejected', e => { rejections.push(e.detail) })
    await connect(requester.node, responder.node)

    const first = await requester.node.truth.syncWith(responder.node.libp2p.peerId)
    expect(first.stored).toBe(5)
    expect(first.deferred).toBe(3)
    expect(rejections).toEqual([])
    expect(requester.node.truth.stats().messages).toBe(5)
    for (const id of early) { expect(await requester.node.truth.get(id)).toBeNull() }

    // the requester's clock catches up: the next pull brings them
    clock = base + 20 * 60_000
    const second = await requester.node.truth.syncWith(responder.node.libp2p.peerId)
    expect(second.stored).toBe(3)
    expect(rejections).toEqual([])
    for (const id of early) { expect(await requester.node.truth.get(id)).not.toBeNull() }
  })

  it('a fetched message refused only for being ahead of this clock ends nothing and counts no rejection', async () => {
    let ahead = Date.now() + 30 * 60_000
    const author = await mesh.add({ init: { truth: { ...manual, now: () => ahead } } })
    const future = await author.node.truth.post('ahead of its time')
    const raw = await author.node.truth.getRaw(future.id) as Uint8Array
    ahead = Date.now()
    const onTime = await author.node.truth.post('on time')
    const onTimeRaw = await author.node.truth.getRaw(onTime.id) as Uint8Array
    const victim = await mesh.add({ init: { truth: manual } })
    const rejections: TruthRejection[] = []
    victim.node.truth.addEventListener('rejected', e => { rejections.push(e.detail) })

    // a responder that lists the future message under a present time, then serves both
    const createdAt = onTime.created_at
    const liar = await createMemoryLibp2p({ privateKey: await generateIdentity(), name: `ahead-${Date.now()}` })
    await liar.start()
    const asked: SyncRequest[] = []
    await liar.handle(SYNC_PROTOCOL, async (stream) => {
      const pb = pbStream(stream)
      for (let i = 0; i < 3; i++) {
        const req = await pb.read(SyncRequest)
        asked.push(req)
        if (req.digest != null) {
          const start = req.digest.from + Math.floor((createdAt - req.digest.from) / req.digest.step) * req.digest.step
          await pb.write({ digest: { slices: [{ start, count: 2, fingerprint: new Uint8Array(32).fill(7) }], truncated: false }, error: '' }, SyncResponse)
        } else if (req.ids != null) {
          await pb.write({ ids: { ids: [{ id: Buffer.from(future.id, 'hex'), createdAt }, { id: Buffer.from(onTime.id, 'hex'), createdAt }], more: false }, error: '' }, SyncResponse)
        } else {
          await pb.write({ fetch: { messages: [raw as Uint8Array<ArrayBuffer>, onTimeRaw as Uint8Array<ArrayBuffer>] }, error: '' }, SyncResponse)
        }
      }
      await stream.close()
    })
    try {
      await connect(victim.node, { libp2p: liar } as unknown as MeshNode)
      const report = await victim.node.truth.syncWith(liar.peerId)
      expect(report).toMatchObject({ fetched: 1, stored: 1, deferred: 1 })
      expect(rejections).toEqual([])
      expect(await victim.node.truth.get(onTime.id)).not.toBeNull()
      expect(await victim.node.truth.get(future.id)).toBeNull()
      // the first range reached no further than this node's clock plus the allowed skew, to the hour
      const digest = asked[0].digest
      expect(digest?.to).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + HOUR)
      expect(digest?.to).toBeGreaterThan(Date.now() + 5 * 60_000 - 60_000)
    } finally {
      await liar.stop()
    }
  })
})

describe('truth sync responder bounds', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  async function session (client: MeshNode, server: MeshNode): Promise<{ ask(req: SyncRequest): Promise<SyncResponse>, stream: Stream }> {
    const stream = await client.libp2p.dialProtocol(server.libp2p.peerId, SYNC_PROTOCOL)
    const pb = pbStream(stream, { maxDataLength: 2 * 1024 * 1024 })
    return {
      stream,
      async ask (req) {
        await pb.write(req, SyncRequest)
        return pb.read(SyncResponse)
      }
    }
  }

  it('refuses malformed requests with a reason and closes the session', async () => {
    const server = await mesh.add({ init: { truth: manual } })
    const client = await mesh.add({ init: { truth: manual } })
    await connect(client.node, server.node)
    const bad: Array<[SyncRequest, RegExp]> = [
      [{}, /exactly one of/],
      [{ digest: { from: 0, to: DAY, step: HOUR }, fetch: { ids: [] } }, /exactly one of/],
      [{ digest: { from: 1, to: DAY, step: HOUR } }, /whole hours/],
      [{ digest: { from: 0, to: DAY, step: 1000 } }, /whole hours/],
      [{ digest: { from: DAY, to: 0, step: HOUR } }, /to > from/],
      [{ ids: { from: 0, to: DAY, afterTime: 0, afterId: new Uint8Array(5) } }, /bad range or position/],
      [{ fetch: { ids: Array.from({ length: 257 }, () => new Uint8Array(32)) } }, /at most 256 ids/],
      [{ fetch: { ids: [new Uint8Array(31)] } }, /of 32 bytes/]
    ]
    for (const [req, reason] of bad) {
      const s = await session(client.node, server.node)
      const res = await s.ask(req)
      expect(res.error).toMatch(reason)
      // and the responder ends the session
      await expect(s.ask({ digest: { from: 0, to: DAY, step: HOUR } })).rejects.toThrow()
      s.stream.abort(new Error('done'))
    }
    // times beyond 2^53 (which this side cannot even encode) fail to decode: the session ends unanswered
    const raw = await client.node.libp2p.dialProtocol(server.node.libp2p.peerId, SYNC_PROTOCOL)
    const lp = lpStream(raw)
    const huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10] // varint 2^60
    const digest = [0x10, ...huge, 0x18, 0x80, 0xdd, 0xdb, 0x01] // to = 2^60, step = one hour
    await lp.write(Uint8Array.from([0x0a, digest.length, ...digest]))
    const answer = await lp.read().then(r => SyncResponse.decode(r), () => undefined)
    expect(answer).toBeUndefined()
    raw.abort(new Error('done'))

    // a well-formed request still works
    const s = await session(client.node, server.node)
    const ok = await s.ask({ digest: { from: 0, to: BUCKET_MS * 1_000_000, step: BUCKET_MS * 1000 } })
    expect(ok.error).toBe('')
    expect(ok.digest?.slices).toEqual([])
  })

  it('rate-limits requests per peer', async () => {
    const server = await mesh.add({ init: { truth: { ...manual, sync: { ...manual.sync, requestsPerSecond: 5 } } } })
    const client = await mesh.add({ init: { truth: manual } })
    await connect(client.node, server.node)
    const s = await session(client.node, server.node)
    const answers: string[] = []
    for (let i = 0; i < 20; i++) {
      const res = await s.ask({ digest: { from: 0, to: DAY, step: HOUR } })
      answers.push(res.error)
      if (res.error !== '') { break }
    }
    // burst of 2 × rate, then refused
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(''))
    expect(answers[answers.length - 1]).toBe('rate limited')
    expect(answers.length).toBeLessThanOrEqual(12)
  })

  it('rejects what a lying responder serves and stores none of it', async () => {
    const honest = await mesh.add({ init: { truth: manual } })
    const victim = await mesh.add({ init: { truth: manual } })
    const rejections: TruthRejection[] = []
    victim.node.truth.addEventListener('rejected', e => { rejections.push(e.detail) })
    // a real message, tampered by the liar before serving it
    const real = await honest.node.truth.post('genuine words')
    const raw = await honest.node.truth.getRaw(real.id) as Uint8Array
    const signed = SignedTruth.decode(raw)
    const body = signed.body.slice()
    body[body.indexOf('g'.charCodeAt(0))] = 'G'.charCodeAt(0)
    const tampered = SignedTruth.encode({ body, signature: signed.signature })
    const createdAt = real.created_at

    const liar = await createMemoryLibp2p({ privateKey: await generateIdentity(), name: `liar-${Date.now()}` })
    await liar.start()
    await liar.handle(SYNC_PROTOCOL, async (stream) => {
      const pb = pbStream(stream)
      for (let i = 0; i < 3; i++) {
        const req = await pb.read(SyncRequest)
        if (req.digest != null) {
          const start = req.digest.from + Math.floor((createdAt - req.digest.from) / req.digest.step) * req.digest.step
          await pb.write({ digest: { slices: [{ start, count: 1, fingerprint: new Uint8Array(32).fill(7) }], truncated: false }, error: '' }, SyncResponse)
        } else if (req.ids != null) {
          await pb.write({ ids: { ids: [{ id: Buffer.from(real.id, 'hex'), createdAt }], more: false }, error: '' }, SyncResponse)
        } else {
          await pb.write({ fetch: { messages: [tampered] }, error: '' }, SyncResponse)
        }
      }
      await stream.close()
    })
    try {
      await connect(victim.node, { libp2p: liar } as unknown as MeshNode)
      const err = await victim.node.truth.syncWith(liar.peerId).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(SyncError)
      expect((err as SyncError).code).toBe('invalid-message')
      expect(rejections).toMatchObject([{ reason: 'invalid-signature', origin: 'sync', peer: liar.peerId.toString(), action: 'reject' }])
      expect(victim.node.truth.stats().messages).toBe(0)
      expect(await victim.node.truth.get(real.id)).toBeNull()
    } finally {
      await liar.stop()
    }
  })

  it('gossips on a recent message it learnt by sync, so nodes beyond the healed link get it at once', async () => {
    // no periodic sync: without re-gossip, C (never connected to A) would not get it at all
    const onConnectOnly = { truth: { sync: { intervalMs: 0, minGapMs: 0 } } }
    const a = await mesh.add({ init: onConnectOnly })
    const b = await mesh.add({ init: onConnectOnly })
    const c = await mesh.add({ init: onConnectOnly })
    await connect(b.node, c.node)
    await waitFor(() => b.node.libp2p.services.pubsub.getSubscribers(truthTopic('social')).length === 1, 'B and C subscribed to each other')
    // A posts while cut off from everyone (offline, or across a partition)
    const posted = await a.node.truth.post('written while cut off')
    await connect(a.node, b.node)
    await waitFor(async () => (await b.node.truth.get(posted.id)) != null, 'B to fetch it by sync on connect')
    await waitFor(async () => (await c.node.truth.get(posted.id)) != null, 'C to get it by gossip from B', 5000)
    expect(a.node.libp2p.getConnections(c.node.libp2p.peerId)).toHaveLength(0)
    expect((await c.node.truth.get(posted.id))?.content).toBe('written while cut off')
  })
})
