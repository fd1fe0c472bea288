/**
 * Knowledge sharing: typed entries (Markdown, tags, the author's confidence) signed by
 * their author node, with every version kept, retraction by the author only, and
 * effectiveness ratings (0–5, each rater's latest counts). Records travel on the gossip
 * topic `liberation/knowledge/1`, are caught up over `/liberation/knowledge-sync/1.0.0`
 * (catch-up.ts), stored in LevelDB (store.ts) and searchable (search.ts).
 *
 * Every gossip copy passes a validator that rejects anything not exactly a well-formed,
 * canonical, correctly signed record within the limits (codec.ts): rejection lowers the
 * sender's gossipsub score. New records are bounded per author and per peer (token
 * buckets: over them a copy is ignored, and arrives later by sync) and by stored totals
 * per author, per entry and per rater (store.ts), on gossip and sync alike.
 */
import { DefaultKnowledgeService } from './service.ts'
import type { CatchUpInit, CatchUpReport } from './catch-up.ts'
import type { KnowledgeRejectReason, KnowledgeType } from './codec.ts'
import type { SessionInit, SessionService } from './sessions.ts'
import type { StoreLimits } from './store.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { GossipSub } from '../pubsub/gossip.ts'
import type { MeshDatabase } from '../storage/index.ts'
import type { ComponentLogger, Libp2p, PeerId } from '@libp2p/interface'
import type { TypedEventEmitter } from 'main-event'

export * from './codec.ts'
export { CATCH_UP_PROTOCOL } from './catch-up.ts'
export * from './sessions.ts'
export type { CatchUpReport } from './catch-up.ts'

/** An entry as the API shows it (its current version). */
export interface KnowledgeEntry {
  /** hex entry id: stable across versions */
  id: string
  title: string
  /** Markdown */
  content: string
  type: KnowledgeType
  tags: string[]
  /** peer id of the author node */
  author: string
  author_key: string
  /** the author's confidence, 0..1 */
  confidence: number
  version: number
  /** versions held */
  versions: number
  retracted: boolean
  /** the learning session it came from, or null */
  session: string | null
  /** first version's created_at (author's clock, ms) */
  created_at: number
  /** current version's created_at */
  updated_at: number
  rating: { mean: number | null, count: number }
  /** hex id of the current version's record */
  record_id: string
}

export interface KnowledgeVersion {
  record_id: string
  version: number
  title: string
  content: string
  type: KnowledgeType
  tags: string[]
  confidence: number
  retracted: boolean
  created_at: number
}

export interface EntryDraft {
  title: string
  content: string
  type?: KnowledgeType
  tags?: string[]
  /** 0..1, default 0.5 */
  confidence?: number
  session?: string
}

export type EntryPatch = Partial<EntryDraft>

export interface KnowledgeListQuery {
  type?: string
  tag?: string
  /** peer id of the author */
  author?: string
  /** created_at >= since */
  since?: number
  /** created_at < until */
  until?: number
  include_retracted?: boolean
  limit?: number
  offset?: number
}

export interface KnowledgeSearchQuery extends KnowledgeListQuery {
  q: string
}

export interface KnowledgeSearchHit {
  entry: Omit<KnowledgeEntry, 'content'>
  score: number
  /** HTML-escaped excerpt with `<mark>` around matched terms */
  snippet: string
  title_html: string
}

export interface KnowledgeStats {
  entries: number
  sessions: number
  retracted: number
  records: number
  ratings: number
  rejected: number
  syncs: number
  indexed: number
  /** how the search index came up on start: loaded from its snapshot, or rebuilt */
  index_source: 'loaded' | 'rebuilt' | 'empty'
  index_ms: number
  by_type: Record<string, number>
}

export type KnowledgeOrigin = 'local' | 'gossip' | 'sync'

export interface KnowledgeRejection {
  reason: KnowledgeRejectReason | 'rate-limited' | 'quota'
  detail: string
  peer: string
  origin: 'gossip' | 'sync'
  id?: string
  action: 'reject' | 'ignore'
}

export interface KnowledgeEvents {
  /** an entry was created or changed (new version, retraction) */
  entry: CustomEvent<{ entry: Omit<KnowledgeEntry, 'content'>, origin: KnowledgeOrigin }>
  /** a rating changed an entry's aggregate */
  rating: CustomEvent<{ entry_id: string, rater: string, score: number, mean: number | null, count: number, origin: KnowledgeOrigin }>
  rejected: CustomEvent<KnowledgeRejection>
}

export interface KnowledgeService extends TypedEventEmitter<KnowledgeEvents> {
  start(): Promise<void>
  stop(): Promise<void>
  add(draft: EntryDraft): Promise<KnowledgeEntry>
  /** a new version of one of this node's entries */
  edit(id: string, patch: EntryPatch): Promise<KnowledgeEntry>
  retract(id: string): Promise<KnowledgeEntry>
  rate(id: string, score: number): Promise<KnowledgeEntry>
  get(id: string): Promise<KnowledgeEntry | null>
  versions(id: string): Promise<KnowledgeVersion[] | null>
  list(query?: KnowledgeListQuery): Promise<{ items: Array<Omit<KnowledgeEntry, 'content'>>, total: number }>
  search(query: KnowledgeSearchQuery): Promise<{ items: KnowledgeSearchHit[], total: number }>
  related(id: string, limit?: number): Promise<KnowledgeSearchHit[] | null>
  /** the stored SignedKnowledge bytes of a record */
  getRaw(recordId: string): Promise<Uint8Array | null>
  syncWith(peer: PeerId): Promise<CatchUpReport>
  stats(): KnowledgeStats
  /** learning sessions (sessions.ts) */
  readonly sessions: SessionService
}

export interface KnowledgeComponents {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  db: MeshDatabase
  crypto: RecordCrypto
  events: EventLog
  logger: ComponentLogger
}

export interface KnowledgeInit extends Partial<StoreLimits> {
  maxClockSkewMs?: number
  /** new records per author from gossip (and local writes): default 5/s, burst 100 */
  authorRate?: { perSecond: number, burst: number }
  /** new records per gossip peer, whoever wrote them: default 50/s, burst 1,000 */
  peerRate?: { perSecond: number, burst: number }
  sync?: CatchUpInit & { onConnect?: boolean, intervalMs?: number }
  /** learning sessions: bounds on sessions held and followed, and the charter rate */
  sessions?: SessionInit
  now?(): number
}
export function createKnowledgeService (components: KnowledgeComponents, init: KnowledgeInit = {}): KnowledgeService {
  return new DefaultKnowledgeService(components, init)
}
