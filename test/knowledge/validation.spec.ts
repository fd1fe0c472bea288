/**
 * Acceptance (issue 16): forged, tampered, oversized and malformed records; an edit or a
 * retraction of another author's entry; a second rating by the same rater; a rating flood
 * past the per-rater bound; a lying catch-up responder. Each is rejected by every honest
 * node and stored nowhere. The attacker is a plain libp2p node speaking the wire protocol
 * with its own valid keys.
 */
import { pbStream } from '@libp2p/utils'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRecordCrypto } from '../../node/crypto.ts'
import { generateIdentity, toHex } from '../../protocol/crypto/index.ts'
import { CATCH_UP_PROTOCOL, entryIdOf, KNOWLEDGE_LIMITS, KNOWLEDGE_TOPIC, signingBytes } from '../../protocol/knowledge/index.ts'
import { KnowledgeBody, SignedKnowledge } from '../../protocol/knowledge/pb/knowledge.ts'
import { gossipScore } from '../../protocol/pubsub/gossip.ts'
import { BUCKET_MS } from '../../protocol/truth/digest.ts'
import { SyncRequest, SyncResponse } from '../../protocol/truth/pb/truth.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import type { Signer } from '../../protocol/crypto/index.ts'
import type { KnowledgeRejection } from '../../protocol/knowledge/index.ts'
import type { EntryVersion } from '../../protocol/knowledge/pb/knowledge.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { TestNode } from '../utils/mesh.ts'

const HONEST = 3

interface Attacker { libp2p: MeshLibp2p, signer: Signer }

async function version (signer: Signer, fields: Partial<EntryVersion> = {}): Promise<EntryVersion> {
  const nonce = crypto.getRandomValues(new Uint8Array(16))
  return {
    entryId: await entryIdOf(signer.publicKey, nonce) as Uint8Array<ArrayBuffer>,
    nonce,
    version: 1,
    title: 'A valid-looking entry',
    content: 'Some **markdown**.',
    type: 'technical',
    tags: ['ok'],
    confidence: 500,
    retracted: false,
    session: '',
    ...fields
  }
}

async function signed (signer: Signer, body: Partial<KnowledgeBody>, mutate?: (b: Uint8Array) => Uint8Array): Promise<{ bytes: Uint8Array, id: string }> {
  const bodyBytes = KnowledgeBody.encode({ createdAt: Date.now(), author: signer.publicKey as Uint8Array<ArrayBuffer>, ...body })
  const signature = await signer.sign(signingBytes(bodyBytes))
  const sent = mutate == null ? bodyBytes : mutate(bodyBytes)
  return { bytes: SignedKnowledge.encode({ body: sent as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> }), id: toHex((await sha256.digest(sent)).digest) }
}

describe('knowledge validation against a malicious peer', () => {
  const mesh = new TestMesh()
  const honest: TestNode[] = []
  const rejections = new Map<TestNode, KnowledgeRejection[]>()
  const attackers: MeshLibp2p[] = []
  let victimEntry = ''

  beforeAll(async () => {
    for (let i = 0; i < HONEST; i++) {
      const n = await mesh.add({ init: { knowledge: { sync: { intervalMs: 0, onConnect: false } } } })
      const list: KnowledgeRejection[] = []
      rejections.set(n, list)
      n.node.knowledge.addEventListener('rejected', evt => { list.push(evt.detail) })
      honest.push(n)
    }
    await connect(honest[0].node, honest[1].node)
    await connect(honest[1].node, honest[2].node)
    await waitFor(() => honest.every(h => h.node.libp2p.services.pubsub.getSubscribers(KNOWLEDGE_TOPIC).length > 0), 'subscriptions')
    victimEntry = (await honest[0].node.knowledge.add({ title: 'Owned by node 0', content: 'original', type: 'process' })).id
    await waitFor(async () => (await Promise.all(honest.map(async h => h.node.knowledge.get(victimEntry)))).every(e => e != null), 'victim entry everywhere')
  }, 30_000)

  afterAll(async () => {
    await Promise.allSettled(attackers.map(async a => { await a.stop() }))
    await mesh.cleanup()
  })

  async function newAttacker (): Promise<Attacker> {
    const privateKey = await generateIdentity()
    const libp2p = await createMemoryLibp2p({ privateKey, name: `k-attacker-${Date.now()}-${Math.random()}` })
    await libp2p.start()
    attackers.push(libp2p)
    libp2p.services.pubsub.subscribe(KNOWLEDGE_TOPIC)
    for (const h of honest) { await connect({ libp2p } as any, h.node) }
    await waitFor(() => libp2p.services.pubsub.getSubscribers(KNOWLEDGE_TOPIC).length === HONEST, 'attacker to see the honest subscriptions')
    // gossipsub sends only over a peer's outbound stream, and seeing a peer's subscription
    // says nothing of ours to it: a record published before every honest node has heard
    // the attacker's subscription (sent over that stream) may go to some of them only
    await waitFor(() => honest.every(h => h.node.libp2p.services.pubsub.getSubscribers(KNOWLEDGE_TOPIC).some(p => p.equals(libp2p.peerId))), 'every honest node to see the attacker\'s subscription')
    return { libp2p, signer: createNodeRecordCrypto(privateKey).signer }
  }

  async function expectRejected (reason: string, make: (a: Attacker) => Promise<{ bytes: Uint8Array, id?: string }>): Promise<void> {
    const attacker = await newAttacker()
    const attackerId = attacker.libp2p.peerId.toString()
    const before = honest.map(h => h.node.knowledge.stats().records)
    const { bytes, id } = await make(attacker)
    await attacker.libp2p.services.pubsub.publish(KNOWLEDGE_TOPIC, bytes)
    await waitFor(() => honest.every(h => (rejections.get(h) ?? []).some(r => r.peer === attackerId)), `every receiver to reject (${reason})`, 5000)
    for (const h of honest) {
      const r = (rejections.get(h) ?? []).filter(r => r.peer === attackerId)
      expect(r.map(x => x.reason)).toEqual([reason])
      expect(r[0].action).toBe('reject')
    }
    honest.forEach((h, i) => { expect(h.node.knowledge.stats().records).toBe(before[i]) })
    if (id != null) { for (const h of honest) { expect(await h.node.knowledge.getRaw(id)).toBeNull() } }
    await waitFor(() => honest.every(h => gossipScore(h.node.libp2p.services.pubsub, attackerId) < 0), `the attacker's score to fall (${reason})`, 5000)
  }

  it('accepts a well-formed entry from a stranger (control)', async () => {
    const a = await newAttacker()
    const entry = await version(a.signer, { title: 'stranger knowledge' })
    await a.libp2p.services.pubsub.publish(KNOWLEDGE_TOPIC, (await signed(a.signer, { entry })).bytes)
    await waitFor(async () => (await Promise.all(honest.map(async h => h.node.knowledge.get(toHex(entry.entryId))))).every(e => e?.title === 'stranger knowledge'), 'stored everywhere')
  })

  it('rejects a forged signature (impersonating node 0)', async () => {
    await expectRejected('invalid-signature', async () => {
      const victim = honest[0].node.crypto.signer
      const bodyBytes = KnowledgeBody.encode({ entry: await version(victim), createdAt: Date.now(), author: victim.publicKey as Uint8Array<ArrayBuffer> })
      return { bytes: SignedKnowledge.encode({ body: bodyBytes, signature: crypto.getRandomValues(new Uint8Array(64)) }) }
    })
  })

  it('rejects content tampered under a genuine signature', async () => {
    await expectRejected('invalid-signature', async a => signed(a.signer, { entry: await version(a.signer, { content: 'use port 1000' }) }, b => {
      // flip a byte of the content itself (the first '1' may sit in the random key or nonce)
      const copy = b.slice()
      const at = Buffer.from(copy).indexOf('port 1000') + 'port '.length
      expect(at).toBeGreaterThan(4)
      copy[at] = '9'.charCodeAt(0)
      return copy
    }))
  })

  it('rejects an oversized record', async () => {
    await expectRejected('oversized', async a => signed(a.signer, { entry: await version(a.signer, { content: 'x'.repeat(KNOWLEDGE_LIMITS.maxRecordBytes + 1024) }) }))
  })

  it('rejects Markdown content over its limit inside a record under the size limit', async () => {
    await expectRejected('bad-content', async a => signed(a.signer, { entry: await version(a.signer, { content: 'y'.repeat(KNOWLEDGE_LIMITS.maxContentBytes + 1) }) }))
  })

  it('rejects malformed protobuf', async () => {
    await expectRejected('malformed', async () => ({ bytes: Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]) }))
  })

  it('rejects an edit of another author\'s entry', async () => {
    await expectRejected('not-author', async a => {
      const raw = await honest[0].node.knowledge.versions(victimEntry)
      expect(raw).toHaveLength(1)
      const original = KnowledgeBody.decode(SignedKnowledge.decode(await honest[0].node.knowledge.getRaw(raw?.[0].record_id ?? '') as Uint8Array).body).entry as EntryVersion
      return signed(a.signer, { entry: { ...original, version: 2, content: 'hijacked' } })
    })
    expect((await honest[2].node.knowledge.get(victimEntry))?.content).toBe('original')
  })

  it('rejects a retraction of another author\'s entry', async () => {
    await expectRejected('not-author', async a => {
      const rid = (await honest[1].node.knowledge.versions(victimEntry))?.[0].record_id ?? ''
      const original = KnowledgeBody.decode(SignedKnowledge.decode(await honest[1].node.knowledge.getRaw(rid) as Uint8Array).body).entry as EntryVersion
      return signed(a.signer, { entry: { ...original, version: 9, title: '', content: '', retracted: true } })
    })
    for (const h of honest) { expect((await h.node.knowledge.get(victimEntry))?.retracted).toBe(false) }
  })

  it('rejects an out-of-range rating', async () => {
    await expectRejected('bad-score', async a => signed(a.signer, { rating: { entryId: Uint8Array.from(Buffer.from(victimEntry, 'hex')), score: 9 } }))
  })

  it('counts one rater once however often it rates, and bounds its rating records', async () => {
    const a = await newAttacker()
    const entryId = Uint8Array.from(Buffer.from(victimEntry, 'hex'))
    const base = Date.now() - 60_000
    const sent: Uint8Array[] = []
    for (let i = 0; i < 20; i++) {
      // 0s and 5s up to i = 14, then 5s: see the last assertion
      const r = await signed(a.signer, { rating: { entryId, score: i < 15 && i % 2 === 0 ? 0 : 5 }, createdAt: base + i })
      sent.push(r.bytes)
      await a.libp2p.services.pubsub.publish(KNOWLEDGE_TOPIC, r.bytes)
    }
    // the same rating again: a duplicate, not a second vote
    await a.libp2p.services.pubsub.publish(KNOWLEDGE_TOPIC, sent[0]).catch(() => {})
    await waitFor(async () => (await Promise.all(honest.map(async h => h.node.knowledge.get(victimEntry)))).every(e => e?.rating.count === 1), 'the rating counted once everywhere')
    // each node stores 16 and refuses 4. Which 16 depends on the order copies reached it (by
    // several paths), but any 16 of the 20 include one with i >= 15, so the latest stored, the
    // one that counts, is a 5; counting the first (a 0) or every rating would not give 5
    const attackerId = a.libp2p.peerId.toString()
    const quotaRefusals = (h: TestNode): number => (rejections.get(h) ?? []).filter(r => r.peer === attackerId && r.reason === 'quota').length
    await waitFor(() => honest.every(h => quotaRefusals(h) === 4), 'ratings past the bound refused')
    for (const h of honest) { expect((await h.node.knowledge.get(victimEntry))?.rating).toEqual({ mean: 5, count: 1 }) }
  })

  it('refuses a forged record served by a lying catch-up responder, and stores nothing', async () => {
    const privateKey = await generateIdentity()
    const liar = await createMemoryLibp2p({ privateKey, name: `k-liar-${Date.now()}` })
    attackers.push(liar)
    await liar.start()
    const victim = honest[0].node.crypto.signer
    const bodyBytes = KnowledgeBody.encode({ entry: await version(victim, { title: 'forged via sync' }), createdAt: Date.now() - 1000, author: victim.publicKey as Uint8Array<ArrayBuffer> })
    const forged = SignedKnowledge.encode({ body: bodyBytes, signature: new Uint8Array(64).fill(7) })
    const id = (await sha256.digest(bodyBytes)).digest
    const createdAt = Date.now() - 1000
    await liar.handle(CATCH_UP_PROTOCOL, async (stream) => {
      const pb = pbStream(stream)
      for (let i = 0; i < 8; i++) {
        const req = await pb.read(SyncRequest).catch(() => undefined)
        if (req == null) { break }
        let res: SyncResponse = { error: '' }
        if (req.digest != null) { res = { error: '', digest: { slices: [{ start: req.digest.from + Math.floor((createdAt - req.digest.from) / req.digest.step) * req.digest.step, count: 1, fingerprint: new Uint8Array(32) }], truncated: false } } }
        if (req.ids != null) { res = { error: '', ids: { ids: [{ id, createdAt }], more: false } } }
        if (req.fetch != null) { res = { error: '', fetch: { messages: [forged] } } }
        await pb.write(res, SyncResponse)
      }
    })
    const target = honest[2]
    await connect({ libp2p: liar } as any, target.node)
    const before = target.node.knowledge.stats().records
    await expect(target.node.knowledge.syncWith(liar.peerId)).rejects.toThrow(/invalid record \(invalid-signature\)/)
    expect(target.node.knowledge.stats().records).toBe(before)
    expect(await target.node.knowledge.getRaw(toHex(id))).toBeNull()
    expect((rejections.get(target) ?? []).some(r => r.origin === 'sync' && r.reason === 'invalid-signature')).toBe(true)
    expect(BUCKET_MS).toBeGreaterThan(0)
  })
})
