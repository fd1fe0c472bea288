/**
 * Truth messages (docs/domain.md): short public posts signed by their author node,
 * gossiped over one gossipsub topic per channel (`liberation/truth/<channel>/1`), kept in
 * the node's database and caught up over `/liberation/truth-sync/1.0.0`.
 *
 * Receiving: every gossip copy goes through a topic validator that rejects anything not
 * exactly a well-formed, canonical, correctly signed message within the limits (see
 * codec.ts); rejection lowers the sender's gossipsub score (each topic gets score
 * parameters). A valid message is forwarded while it is being stored. A copy of a message
 * already held is ignored, except the first copy on each of its other channels, which is
 * forwarded (not stored again) so subscribers of only that channel get it too.
 *
 * This is the API the CLI, the HTTP API and the browser use: `post`, `get`, `list`,
 * `channels`, and the `message` / `rejected` events (also sent to the node's event log
 * under category 'truth'). Wire format and limits: docs/protocols/truth.md. This module
 * holds the types and the factory; the service itself is service.ts.
 */
import { DefaultTruthService } from './service.ts'
import type { TruthRejectReason } from './codec.ts'
import type { SpreadInit } from './spread.ts'
import type { SyncInit, SyncReport } from './sync.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { GossipSub } from '../pubsub/gossip.ts'
import type { MeshDatabase } from '../storage/index.ts'
import type { ComponentLogger, Libp2p, PeerId } from '@libp2p/interface'
import type { TypedEventEmitter } from 'main-event'

export * from './codec.ts'
export { SYNC_PROTOCOL, SYNC_LIMITS } from './sync.ts'
export type { SyncReport, SyncInit } from './sync.ts'
export type { SpreadInit } from './spread.ts'

/** A stored truth message as the API shows it (snake_case, as in the HTTP API). */
export interface TruthMessage {
  /** hex SHA-256 of the signed body: the same on every node */
  id: string
  content: string
  /** where the author took it from; '' when not given */
  source: string
  /** 1 (low) .. 5 (urgent) */
  priority: number
  channels: string[]
  /** author's clock, ms since epoch */
  created_at: number
  /** peer id of the author node */
  author: string
  /** hex raw Ed25519 public key of the author */
  author_key: string
  /** hex Ed25519 signature */
  signature: string
  /** this node's clock when it stored the message, ms */
  received_at: number
  /** distinct peers known to hold it, this node included (see spread.ts for the evidence used) */
  spread: number
  /** spread / known audience (holders ∪ this node ∪ current subscribers of its channels), 0..1 */
  effectiveness: number
}

export interface PostOptions {
  /** default: `TruthInit.defaultChannels` */
  channels?: string[]
  /** 1..5, default 3 */
  priority?: number
  source?: string
  /** event correlation id (e.g. the API request's) */
  correlationId?: string
}

export interface PostResult extends TruthMessage {
  /** peers the gossip copies went to directly */
  recipients: string[]
}

export interface TruthListQuery {
  channel?: string
  /** created_at >= since (ms) */
  since?: number
  /** created_at < until (ms) */
  until?: number
  /** `next_cursor` of the previous page */
  cursor?: string
  /** 1..500, default 50 */
  limit?: number
  /** default 'desc' (newest first) */
  order?: 'asc' | 'desc'
}

export interface TruthPage {
  items: TruthMessage[]
  /** pass as `cursor` for the next page; null on the last */
  next_cursor: string | null
}

export interface ChannelInfo {
  channel: string
  topic: string
  /** this node subscribes to it */
  subscribed: boolean
  /** peers known to subscribe (connected peers per gossipsub), plus this node when subscribed */
  reach: number
  /** messages stored on this channel */
  messages: number
  /** mean effectiveness of this channel's recent messages, 0..1 */
  conversion_rate: number
}

export type TruthOrigin = 'local' | 'gossip' | 'sync'

export interface TruthMessageEvent extends TruthMessage {
  origin: TruthOrigin
  /** the peer it came from (gossip, sync) */
  from?: string
}

export interface TruthRejection {
  reason: TruthRejectReason | 'rate-limited'
  detail: string
  /** the peer that sent it */
  peer: string
  origin: 'gossip' | 'sync'
  topic?: string
  /** id of the offending body, when it could be decoded */
  id?: string
  /** 'reject' penalises the sender's gossip score; 'ignore' drops quietly (rate limits) */
  action: 'reject' | 'ignore'
}

export interface TruthEvents {
  /** a message stored for the first time (posted here, or received) */
  message: CustomEvent<TruthMessageEvent>
  /** a message refused on receipt */
  rejected: CustomEvent<TruthRejection>
}

export interface TruthStats {
  messages: number
  channels: number
  rejected: number
  syncs: number
}

export interface TruthService extends TypedEventEmitter<TruthEvents> {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Sign, store and gossip a message from this node. Throws TruthInputError (with `code`
   * naming the field, or 'rate-limited') on bad input; nothing is stored then.
   */
  post(content: string, opts?: PostOptions): Promise<PostResult>
  /** null when not held; throws TruthInputError on a malformed id */
  get(id: string): Promise<TruthMessage | null>
  /** the SignedTruth bytes exactly as stored and served (null when not held) */
  getRaw(id: string): Promise<Uint8Array | null>
  /**
   * the full id of the one held message whose id starts with `prefix` (4-64 hex, as lists
   * show them shortened); MeshError not_found or ambiguous_id otherwise
   */
  resolveId(prefix: string): Promise<string>
  /** throws TruthInputError on a malformed query */
  list(query?: TruthListQuery): Promise<TruthPage>
  /** the standard channels, subscribed ones and those with stored messages, by name */
  channels(): ChannelInfo[]
  /** channels this node subscribes to */
  subscriptions(): string[]
  subscribe(channel: string): void
  unsubscribe(channel: string): void
  /** run a catch-up session with a connected peer now */
  syncWith(peer: PeerId): Promise<SyncReport>
  stats(): TruthStats
}

export interface TruthComponents {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  db: MeshDatabase
  crypto: RecordCrypto
  events: EventLog
  logger: ComponentLogger
}

export interface TruthSyncInit extends SyncInit {
  /** sync with each peer that connects (default true) */
  onConnect?: boolean
  /** also sync with one connected peer (least recently synced) this often, ms (default 30 s; 0 = never) */
  intervalMs?: number
  /** no new session with a peer sooner than this after the last, ms (default 2 s) */
  minGapMs?: number
  /** sessions this node runs as requester at once (default 2) */
  maxConcurrent?: number
}

export interface TruthInit {
  /** channels to subscribe to (default: the standard ones) */
  channels?: string[]
  /** channels of a post that names none (default ['social']) */
  defaultChannels?: string[]
  /** created_at may be at most this far ahead of our clock (default 5 min) */
  maxClockSkewMs?: number
  /**
   * New messages per author accepted from gossip (and posted here): a token bucket of
   * `perSecond` with `burst` (default 10/s, burst 200). Over it, gossip copies are ignored
   * (not penalised: honest peers forward bursts); they still arrive later by sync.
   */
  authorRate?: { perSecond: number, burst: number }
  /**
   * New messages accepted from one gossip peer, whoever wrote them (default 100/s, burst
   * 1,000): a peer forwarding a flood of fresh authors is slowed the same way.
   */
  peerRate?: { perSecond: number, burst: number }
  spread?: SpreadInit
  sync?: TruthSyncInit
  /** clock, for tests */
  now?(): number
}

export function createTruthService (components: TruthComponents, init: TruthInit = {}): TruthService {
  return new DefaultTruthService(components, init)
}
