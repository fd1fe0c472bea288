/**
 * Gossipsub settings shared by every runtime.
 *
 * Liberation payloads carry their own author signature (truth messages, ledger batches,
 * beacons), so gossipsub's per-message signature is redundant work: we run with
 * `StrictNoSign` and a content-addressed message id. `fastMsgIdFn` lets gossipsub drop
 * duplicate copies before any decoding or validation (DESIGN.md: +54% deliveries/s).
 */
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { sha256 } from 'multiformats/hashes/sha2'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'

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

/** 32-bit FNV-1a over the payload: a cheap first-pass duplicate filter. */
export function fastMessageId (msg: { data?: Uint8Array | null }): string {
  let h = 0x811c9dc5
  const d = msg.data ?? new Uint8Array(0)
  for (let i = 0; i < d.length; i++) {
    h ^= d[i]
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36) + ':' + d.length.toString(36)
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
