/**
 * Gossipsub settings shared by every runtime.
 *
 * Liberation payloads carry their own author signature (truth messages, ledger batches,
 * beacons), so gossipsub's per-message signature is redundant work: we run with
 * `StrictNoSign` and a content-addressed message id. `fastMsgIdFn` lets gossipsub drop
 * duplicate copies before any decoding or validation, which most copies are on a dense
 * mesh (docs/benchmarks.md). Topics and ids: docs/protocols/README.md.
 */
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { sha256 } from 'multiformats/hashes/sha2'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'

export type { GossipSub }

export interface GossipInit {
  /**
   * Hosts exempt from gossipsub's IP-colocation penalty. Many nodes on one host (tests,
   * simulations) otherwise end up with empty meshes. Never set this in production.
   */
  colocationWhitelist?: string[]
  /** the largest gossip message accepted from the wire, in bytes */
  maxMessageSize?: number
  /** extra gossipsub options, for simulations and benchmarks */
  overrides?: Partial<GossipsubOpts>
}

export const DEFAULT_MAX_GOSSIP_MESSAGE_SIZE = 1024 * 1024

// Per-process random hash keys: gossipsub drops any copy whose fast id it has seen without
// validating it, so a fixed public hash would let a peer craft a colliding message that
// suppresses a real one mesh-wide. With unknown keys a collision works on no other node.
const FAST_ID_SEEDS = crypto.getRandomValues(new Uint32Array(2))

/**
 * Gossipsub's cheap first-pass duplicate filter: two seeded 32-bit FNV-1a lanes over the
 * payload (64 bits) plus its length. The content id (sha256) stays the real message id.
 */
export function fastMessageId (msg: { data?: Uint8Array | null }): string {
  let a = 0x811c9dc5 ^ FAST_ID_SEEDS[0]
  let b = 0x01000193 ^ FAST_ID_SEEDS[1]
  const d = msg.data ?? new Uint8Array(0)
  for (let i = 0; i < d.length; i++) {
    a = Math.imul(a ^ d[i], 0x01000193)
    b = Math.imul(b ^ d[i], 0x5bd1e995)
  }
  return (a >>> 0).toString(36) + ':' + (b >>> 0).toString(36) + ':' + d.length.toString(36)
}

export async function contentMessageId (msg: Message): Promise<Uint8Array> {
  const digest = await sha256.digest(msg.data)
  return digest.digest
}

export function meshGossipsub (init: GossipInit = {}): ReturnType<typeof gossipsub> {
  const whitelist = new Set(init.colocationWhitelist ?? [])
  return gossipsub({
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: contentMessageId,
    fastMsgIdFn: fastMessageId,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    asyncValidation: false,
    emitSelf: false,
    maxInboundDataLength: init.maxMessageSize ?? DEFAULT_MAX_GOSSIP_MESSAGE_SIZE,
    scoreParams: {
      IPColocationFactorWhitelist: whitelist
    },
    ...init.overrides
  })
}

/**
 * Topic score parameters for a Liberation topic. Gossipsub counts invalid deliveries
 * (P4) only on topics that have score parameters, so every topic whose validator rejects
 * messages must be registered here, or rejecting costs the sender nothing.
 */
export function liberationTopicScoreParams (): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 100,
    // no P3 mesh-delivery-rate penalty: quiet channels are normal here
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.5
  })
}

/** Give `topic` score parameters on a running gossipsub (see liberationTopicScoreParams). */
export function registerTopicScore (pubsub: GossipSub, topic: string, params: TopicScoreParams = liberationTopicScoreParams()): void {
  const score = (pubsub as unknown as { score?: { params?: { topics?: Record<string, TopicScoreParams> } } }).score
  const topics = score?.params?.topics
  if (topics == null) throw new Error('gossipsub does not expose peer score parameters')
  topics[topic] = params
}

/** The gossipsub score this node gives `peer` (0 when unknown). */
export function gossipScore (pubsub: GossipSub, peer: string): number {
  const impl = pubsub as unknown as { getScore?: (peer: string) => number }
  return impl.getScore?.(peer) ?? 0
}
