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
import { createPeerScoreThresholds, createTopicScoreParams } from '@libp2p/gossipsub/score'
import { sha256 } from '@noble/hashes/sha2.js'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'

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
  return sha256(msg.data)
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
    scoreParams: liberationPeerScoreParams(whitelist),
    scoreThresholds: LIBERATION_SCORE_THRESHOLDS,
    ...init.overrides
  })
}

/** the score decay tick, ms (gossipsub's decayInterval): every counter decays once per tick */
export const SCORE_DECAY_INTERVAL_MS = 1000
const DECAY_TO_ZERO = 0.01

/**
 * The per-tick factor that takes a score counter down to DECAY_TO_ZERO in `ms` (the
 * `ScoreParameterDecay` of the gossipsub v1.1 spec and its Go implementation).
 */
export function scoreDecay (ms: number): number {
  return DECAY_TO_ZERO ** (SCORE_DECAY_INTERVAL_MS / ms)
}

/**
 * The score thresholds (gossipsub's defaults, written down so the document in
 * docs/gossip-scoring.md and the code cannot drift apart): below -10 no gossip to or from a
 * peer, below -50 none of our own messages published to it, below -80 everything it sends
 * is ignored (graylisted).
 */
export const LIBERATION_SCORE_THRESHOLDS: PeerScoreThresholds = createPeerScoreThresholds({
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20
})

/**
 * Peer-level score parameters (see docs/gossip-scoring.md): gossipsub's defaults, except
 * that counters forget over minutes, not seconds, so a penalty outlives a reconnect-and-retry
 * loop. Hosts in `colocationWhitelist` (tests, simulations) skip the IP-colocation penalty.
 */
export function liberationPeerScoreParams (colocationWhitelist: Set<string> = new Set()): Partial<PeerScoreParams> {
  return {
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: colocationWhitelist,
    // broken promises and GRAFTs during backoff: -10 × excess², forgotten over 10 minutes
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 0,
    behaviourPenaltyDecay: scoreDecay(10 * 60_000),
    decayInterval: SCORE_DECAY_INTERVAL_MS,
    decayToZero: DECAY_TO_ZERO,
    // a peer that drops and comes back keeps its score this long
    retainScore: 60 * 60_000
  }
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
    // P4: -100 × count² per invalid message (our validators reject only what is provably
    // bad: a forged or malformed message, never a rate-limited one), forgotten over 30 min:
    // one invalid message is graylisted for ~45 s, three for ~8 min, ten for ~16 min
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: scoreDecay(30 * 60_000)
  })
}

/** Give `topic` score parameters on a running gossipsub (see liberationTopicScoreParams). */
export function registerTopicScore (pubsub: GossipSub, topic: string, params: TopicScoreParams = liberationTopicScoreParams()): void {
  const score = (pubsub as unknown as { score?: { params?: { topics?: Record<string, TopicScoreParams> } } }).score
  const topics = score?.params?.topics
  if (topics == null) { throw new Error('gossipsub does not expose peer score parameters') }
  topics[topic] = params
}

/** The gossipsub score this node gives `peer` (0 when unknown). */
export function gossipScore (pubsub: GossipSub, peer: string): number {
  const impl = pubsub as unknown as { getScore?(peer: string): number }
  return impl.getScore?.(peer) ?? 0
}
