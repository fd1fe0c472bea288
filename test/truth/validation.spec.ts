/**
 * Acceptance (issue 3): forged signature, tampered content, oversized, malformed protobuf,
 * out-of-range priority (and clock skew, non-canonical bytes, wrong topic) are each
 * rejected by every receiver, stored nowhere, and lower the sender's gossipsub score. The
 * attacker is a plain libp2p node publishing raw bytes with its own gossipsub.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRecordCrypto } from '../../node/crypto.ts'
import { generateIdentity, toHex } from '../../protocol/crypto/index.ts'
import { gossipScore } from '../../protocol/pubsub/gossip.ts'
import { messageId, signingBytes, TRUTH_LIMITS, truthTopic } from '../../protocol/truth/index.ts'
import { SignedTruth, TruthBody, TruthFrame } from '../../protocol/truth/pb/truth.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import type { Signer } from '../../protocol/crypto/index.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { TruthRejection } from '../../protocol/truth/index.ts'
import type { TestNode } from '../utils/mesh.ts'
import type { Message } from '@libp2p/gossipsub'

const CHANNEL = 'social'
const TOPIC = truthTopic(CHANNEL)
const HONEST = 3

interface Attacker { libp2p: MeshLibp2p, signer: Signer }

function body (signer: Signer, fields: Partial<TruthBody> = {}): TruthBody {
  return {
    content: 'an honest-looking message',
    source: '',
    priority: 3,
    channels: [CHANNEL],
    createdAt: Date.now(),
    author: signer.publicKey as Uint8Array<ArrayBuffer>,
    ...fields
  }
}

async function frameOf (signer: Signer, b: TruthBody, mutate?: (bodyBytes: Uint8Array) => Uint8Array): Promise<{ frame: Uint8Array, id: string }> {
  const signedBody = TruthBody.encode(b)
  const signature = await signer.sign(signingBytes(signedBody))
  const sent = mutate == null ? signedBody : mutate(signedBody)
  const frame = TruthFrame.encode({ channel: CHANNEL, message: { body: sent as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> } })
  return { frame, id: toHex(await messageId(sent)) }
}

describe('truth validation against a malicious peer', () => {
  const mesh = new TestMesh()
  const honest: TestNode[] = []
  const rejections = new Map<TestNode, TruthRejection[]>()
  const attackers: MeshLibp2p[] = []

  beforeAll(async () => {
    for (let i = 0; i < HONEST; i++) {
      const n = await mesh.add()
      const list: TruthRejection[] = []
      rejections.set(n, list)
      n.node.truth.addEventListener('rejected', evt => { list.push(evt.detail) })
      honest.push(n)
    }
    await connect(honest[0].node, honest[1].node)
    await connect(honest[1].node, honest[2].node)
  })

  afterAll(async () => {
    await Promise.allSettled(attackers.map(async a => { await a.stop() }))
    await mesh.cleanup()
  })

  /** a fresh attacker (fresh score) connected to every honest node, knowing their subscriptions */
  async function newAttacker (): Promise<Attacker> {
    const privateKey = await generateIdentity()
    const libp2p = await createMemoryLibp2p({ privateKey, name: `attacker-${Date.now()}-${Math.random()}` })
    await libp2p.start()
    attackers.push(libp2p)
    for (const h of honest) { await connect({ libp2p } as any, h.node) }
    await waitFor(() => libp2p.services.pubsub.getSubscribers(TOPIC).length === HONEST, 'attacker to see the honest subscriptions')
    return { libp2p, signer: createNodeRecordCrypto(privateKey).signer }
  }

  /** publish `frame` from a fresh attacker; every honest node must reject it for `reason` */
  async function expectRejected (reason: string, make: (a: Attacker) => Promise<{ frame: Uint8Array, id?: string }>): Promise<void> {
    const attacker = await newAttacker()
    const attackerId = attacker.libp2p.peerId.toString()
    const before = honest.map(h => gossipScore(h.node.libp2p.services.pubsub, attackerId))
    const storedBefore = honest.map(h => h.node.truth.stats().messages)
    const { frame, id } = await make(attacker)
    await attacker.libp2p.services.pubsub.publish(TOPIC, frame)
    await waitFor(() => honest.every(h => (rejections.get(h) ?? []).some(r => r.peer === attackerId)), `every receiver to reject (${reason})`, 5000)
    for (const h of honest) {
      const r = (rejections.get(h) ?? []).filter(r => r.peer === attackerId)
      expect(r.map(x => x.reason)).toEqual([reason])
      expect(r[0].action).toBe('reject')
    }
    // stored nowhere
    honest.forEach((h, i) => { expect(h.node.truth.stats().messages).toBe(storedBefore[i]) })
    if (id != null) { for (const h of honest) { expect(await h.node.truth.get(id)).toBeNull() } }
    // the score gossipsub gives the sender falls (scores are cached for one heartbeat)
    await waitFor(() => honest.every((h, i) => gossipScore(h.node.libp2p.services.pubsub, attackerId) < Math.min(0, before[i])),
      `the attacker's score to fall on every receiver (${reason})`, 5000)
  }

  it('accepts a well-formed raw publish (control)', async () => {
    const attacker = await newAttacker()
    const { frame, id } = await frameOf(attacker.signer, body(attacker.signer, { content: 'a valid raw message' }))
    await attacker.libp2p.services.pubsub.publish(TOPIC, frame)
    await waitFor(async () => (await Promise.all(honest.map(async h => h.node.truth.get(id)))).every(m => m != null), 'every node to store the valid message')
    for (const h of honest) { expect((rejections.get(h) ?? []).filter(r => r.peer === attacker.libp2p.peerId.toString())).toEqual([]) }
  })

  it('rejects a forged signature (impersonating an honest node)', async () => {
    await expectRejected('invalid-signature', async () => {
      const victim = honest[0].node.crypto.signer
      const b = TruthBody.encode(body(victim, { content: 'words put in the mouth of node 0' }))
      const frame = TruthFrame.encode({ channel: CHANNEL, message: { body: b, signature: crypto.getRandomValues(new Uint8Array(64)) } })
      return { frame, id: toHex(await messageId(b)) }
    })
  })

  it('rejects tampered content under a genuine signature', async () => {
    await expectRejected('invalid-signature', async () => {
      // a genuine message by node 0, its content changed in transit
      const victim = honest[0].node.crypto.signer
      return frameOf(victim, body(victim, { content: 'pay 100 to alice' }), bytes => {
        const copy = bytes.slice()
        const at = copy.indexOf('1'.charCodeAt(0))
        copy[at] = '9'.charCodeAt(0)
        return copy
      })
    })
  })

  it('rejects an oversized message', async () => {
    await expectRejected('oversized', async a => frameOf(a.signer, body(a.signer, { content: 'x'.repeat(TRUTH_LIMITS.maxFrameBytes + 4096) })))
  })

  it('rejects malformed protobuf', async () => {
    await expectRejected('malformed', async () => ({ frame: Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]) }))
  })

  it('rejects an out-of-range priority, correctly signed', async () => {
    await expectRejected('priority-out-of-range', async a => frameOf(a.signer, body(a.signer, { priority: 9 })))
  })

  it('rejects a created_at far ahead of the receiver clock', async () => {
    await expectRejected('clock-skew', async a => frameOf(a.signer, body(a.signer, { createdAt: Date.now() + 60 * 60_000 })))
  })

  it('rejects non-canonical bytes of a valid message', async () => {
    await expectRejected('non-canonical', async a => {
      const { frame } = await frameOf(a.signer, body(a.signer))
      // an unknown field appended to the frame: same message, second encoding
      const padded = new Uint8Array(frame.length + 2)
      padded.set(frame)
      padded.set([0x18, 0x01], frame.length)
      return { frame: padded }
    })
  })

  it('rejects a message published on a channel it does not name', async () => {
    await expectRejected('wrong-topic', async a => {
      const b = TruthBody.encode(body(a.signer, { channels: ['media'] }))
      const signature = await a.signer.sign(signingBytes(b))
      return { frame: TruthFrame.encode({ channel: CHANNEL, message: { body: b, signature: signature as Uint8Array<ArrayBuffer> } }) }
    })
  })

  it('ignores (does not reject) a duplicate by id', async () => {
    const n = honest[0].node
    const validator = n.libp2p.services.pubsub.topicValidators.get(TOPIC)
    expect(validator).toBeDefined()
    const author = (await newAttacker()).signer
    const { frame, id } = await frameOf(author, body(author, { content: 'seen twice' }))
    const msg: Message = { type: 'unsigned', topic: TOPIC, data: frame }
    const from = honest[1].node.libp2p.peerId
    expect(await validator?.(from, msg)).toBe(TopicValidatorResult.Accept)
    expect(await validator?.(from, msg)).toBe(TopicValidatorResult.Ignore)
    expect(await n.truth.get(id)).not.toBeNull()
    // the same body with another valid-length but wrong signature is still a forgery
    const genuine = TruthFrame.decode(frame).message as SignedTruth
    const forged: Message = { type: 'unsigned', topic: TOPIC, data: TruthFrame.encode({ channel: CHANNEL, message: { body: genuine.body, signature: new Uint8Array(64) } }) }
    expect(await validator?.(from, forged)).toBe(TopicValidatorResult.Reject)
  })
})
