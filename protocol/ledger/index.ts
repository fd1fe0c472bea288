/**
 * The distribution ledger: the resource pool, humans and weekly distribution (docs/domain.md) as a
 * replicated, authenticated CRDT.
 *
 * - **State**: one Yjs document per author and ISO week (`doc`), single-writer and
 * append-only; stored in LevelDB as the log of the author's signed batches (each one a
 * Yjs update) plus an entry index written in the same atomic `sync: true` LevelDB
 * batch. A restart rebuilds the derived views from the index; `verifyIntegrity()`
 * rebuilds them from the log and compares. Small batches of this node's own documents
 * are periodically compacted: re-signed as one batch covering the same clocks (the
 * snapshot of that range), which receivers swap in after checking it says the same.
 * - **Authenticity**: see `batch.ts`. Nothing reaches the store or the views before the
 * signature and the update's structure are checked; equivocation (two signed batches
 * that contradict each other) is proved, the proof kept and spread, and the author's
 * entries stop counting everywhere (all of them: which branch was "real" cannot be
 * told, and any partial rule would depend on arrival order).
 * - **Rules** (`rules.ts`, docs/ledger-rules.md): a human is (registrar, id) and only its
 * registrar shapes its record; a payment counts only at the human's weekly flow and only
 * while the human is active for its week (a status change written in week V governs
 * the weeks after V), once per (human, week) whoever records it; the charter (`charter.ts`: pool total, record
 * maxima) names the topic and sync protocol; counted payments are funded in (week,
 * fixed key) order while the pool lasts, the rest shown as unfunded. All of it is a
 * function of the set of entries, so converged nodes show the same figures.
 * - **Parts** (`ledger.ts` composes them): `held.ts` (store, views, state vector,
 * reconciliation index, the serial queue), `writer.ts`, `receiver.ts`, `sync-host.ts`
 * with `sync.ts`, `compaction.ts`, `queries.ts`.
 * - **Durability**: a write resolves only after LevelDB synced it; it is gossiped after.
 * Concurrent writes are grouped into one signed batch (group commit), which is what
 * makes tens of thousands of signed, durable entries per second possible.
 * - **Replication**: every batch this node writes is gossiped on the charter's topic (and
 * gossipsub forwards what others accept); on every new connection, and every 30 s with
 * one peer, both peers pull what they lack over the charter's sync protocol, which
 * finds the differing documents by range-based set reconciliation (`sync.ts`,
 * `protocol/reconcile`, docs/protocols/ledger.md) in bounded messages. A
 * batch learnt by sync that is recent (signed < 10 min ago) and that this node has not
 * seen on gossip is gossiped on, at most 256 batches and 16 MiB per 10 s: a healed
 * partition or a node back from offline then converges in about one gossip round, not
 * one hop per periodic sync. Old batches (a fresh node's catch-up) are not: everyone
 * else has them.
 * - **Write quota**: a node accepts at most `authorQuota` from each other author: a token
 * bucket of batches (default 200/s, burst 2,000) and one of new entries (default
 * 50,000/s, burst 1,000,000). A batch with a valid signature that adds clocks this
 * node does not hold pays one batch and those entries; one adding none costs nothing
 * if it is held already (nobody can drain an author's quota by replaying its old
 * batches) and one batch if it replaces held ones (a compaction). Budgeting both
 * bounds floods of tiny batches (each costs a signature check and a write) and of huge
 * ones, while an honest bulk writer groups up to 1,000 entries per batch: 24k
 * entries/s is ~24 batches/s, far inside both, and a 100,000-entry import fits in the
 * entry burst. Over quota, a gossip copy is ignored, not rejected (honest peers
 * forward an author's burst, so the sender's score is not hurt) and not stored; it
 * comes again by sync. Sync pays the same buckets (one budget per author, whatever the
 * path), and once an author is over quota the rest of its batches in that session are
 * skipped unchecked. So a flooding author, or a peer serving its flood, gets in at most
 * burst + rate × time on any node, and a flood is delayed, not lost: every node still
 * ends up with the same data, at the quota rate, one pull (on connect, every 30 s) at a
 * time. A fresh node catching up on one author's history larger than the entry burst
 * takes about a burst per pull. The check comes after the signature, so nobody can
 * spend another author's quota. 10,000 authors' buckets are kept; a forgotten one
 * starts full again.
 * - **Peer quota**: keys are free, so each gossip or sync peer also has buckets
 * (`peerQuota`, default 400 batches/s burst 4,000, 100,000 entries/s burst 2,000,000,
 * 100 new authors/s burst 1,000), charged on the batch's claimed fields before the
 * signature check: a peer bringing batches of many fresh keys is slowed like a peer
 * bringing one author's. Over it, gossip copies are ignored and the rest of a sync
 * session is skipped; they come again at the next pull. Not limited: this node's own
 * writes and direct `receiveBatch` calls.
 *
 * Money is integer cents inside and canonical decimal strings ("800.00") at this API.
 * Errors for bad calls are `LedgerError`s with a `code` (see errors.ts).
 *
 * @example
 * ```ts
 * const ledger = createLedger({ libp2p, db, crypto, events }, { poolTotal: '19000000000000.00' })
 * await ledger.start()
 * await ledger.registerHuman({ id: 'ada', weeklyFlow: '800.00' })
 * const week = await ledger.distributeWeekly()        // pays every active human its flow, once
 * const ada = await ledger.getHuman('ada')            // { totalReceived: '800.00', unfunded: '0.00', ... }
 * const { remainingWealth } = await ledger.stats()    // never below zero
 * ```
 */
import { createCharter, ledgerTopic } from './charter.ts'
import { Ledger } from './ledger.ts'
import type { Charter } from './charter.ts'
import type { HumanStatus } from './entries.ts'
import type { AuthorQuotaInit, PeerQuotaInit } from './quota.ts'
import type { LedgerSyncInit, SyncResult } from './sync.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { EventLog } from '../events/index.ts'
import type { GossipSub } from '../pubsub/gossip.ts'
import type { MeshDatabase } from '../storage/index.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type * as Y from 'yjs'

export { LedgerError, isLedgerError } from './errors.ts'
export type { LedgerErrorCode } from './errors.ts'
export { LEDGER_SYNC_PROTOCOL } from './sync.ts'
export type { SyncResult } from './sync.ts'
export type { HumanStatus, LedgerEntry } from './entries.ts'
export { formatCents, parseAmount } from './money.ts'
export { isoWeek, isIsoWeek } from './week.ts'
export { DEFAULT_AUTHOR_QUOTA, DEFAULT_PEER_QUOTA } from './quota.ts'
export type { AuthorQuotaInit, PeerQuotaInit } from './quota.ts'

export { createCharter, DEFAULT_CHARTER, ledgerSyncProtocol, ledgerTopic } from './charter.ts'
export type { Charter, CharterInit } from './charter.ts'

/** the gossip topic under the default charter */
export const LEDGER_TOPIC = ledgerTopic(createCharter())

export { DEFAULT_HOUSING_CREDIT, DEFAULT_INVESTMENT_POOL, DEFAULT_POOL_TOTAL, DEFAULT_WEEKLY_FLOW, LEDGER_EVENTS } from './constants.ts'
export { findConflict } from './doc-state.ts'

/** What the ledger uses of a libp2p node: gossipsub, the protocol registrar, dialling. */
export type LedgerLibp2p = Libp2p<{ pubsub: GossipSub }>

export interface LedgerComponents {
  libp2p: LedgerLibp2p
  db: MeshDatabase
  crypto: RecordCrypto
  events: EventLog
}

export interface LedgerInit {
  /** the resource pool, decimal string (default "19000000000000.00"); part of the charter: same on every node */
  poolTotal?: string
  /** charter bounds of a record (defaults "800.00", "104000.00", "104000.00"); same on every node */
  maxWeeklyFlow?: string
  maxHousingCredit?: string
  maxInvestmentPool?: string
  /** defaults for `registerHuman` (unset: the domain's, or the charter's maxima where lower) */
  weeklyFlow?: string
  housingCredit?: string
  investmentPool?: string
  /** gossipsub topic (default: the charter's, `ledgerTopic(charter)`) */
  topic?: string
  /** most entries per signed batch written by this node (default 1000) */
  maxBatchEntries?: number
  /** catch-up settings; `intervalMs` is the periodic anti-entropy pull (default 30 s) */
  sync?: LedgerSyncInit
  /** what this node accepts from each other author, by gossip and sync together (see the module docs) */
  authorQuota?: AuthorQuotaInit
  /** what this node accepts from each gossip or sync peer, whatever the authors (see the module docs) */
  peerQuota?: PeerQuotaInit
  /** compact own small batches this often, ms (default 60 s; 0 = never) */
  compactIntervalMs?: number
  /** batches with fewer entries than this are compaction candidates (default 64) */
  compactBelow?: number
  /** weeks of payment winners kept in memory (default 4) */
  hotWeeks?: number
  /** clock (tests) */
  now?(): number
}

/** A human as the ledger derives it. Money as decimal strings, times as ISO-8601. */
export interface Human {
  id: string
  weeklyFlow: string
  housingCredit: string
  investmentPool: string
  status: HumanStatus
  /** the registrar's claimed time of registration */
  createdAt: string
  /** peer id of the registrar: a human is (registrar, id) */
  registeredBy: string
  /** the registrar's raw public key, hex */
  registrarKey: string
  /** how many nodes registered this id (each its own record) */
  registrars: number
  /** time of the counted payment of the latest week paid, or null */
  lastDistribution: string | null
  /** ISO week of that payment, or null */
  lastDistributionWeek: string | null
  totalReceived: string
  /** weeks paid (funded) */
  payments: number
  /** counted payments the pool could not fund: never part of totalReceived */
  unfunded: string
  unfundedPayments: number
}

export interface RegisterHumanInput {
  id: string
  /** decimal string or exact two-decimal number; defaults from LedgerInit */
  weeklyFlow?: string | number
  housingCredit?: string | number
  investmentPool?: string | number
  /** default 'active' */
  status?: HumanStatus
}

export interface OperationOptions {
  /** ties the events of this call together (e.g. the API request id) */
  correlationId?: string
}

export interface DistributeInput {
  /** pay only these humans (every record of each id; each must exist); default every registered human */
  humanIds?: string[]
  /** refused: a payment's amount is always the human's weekly flow */
  amountOverride?: string | number
}

export interface DistributionResult {
  /** ISO week paid for */
  week: string
  /** humans paid by this call */
  paid: number
  /** sum paid by this call */
  total: string
  skipped: {
    /** already paid for this week (by any node this one has heard from) */
    alreadyPaid: number
    inactive: number
    /** weekly flow of zero and no override */
    zeroFlow: number
  }
  remainingWealth: string
  payments: Array<{ humanId: string, registrar: string, amount: string }>
}

export interface Page<T> {
  items: T[]
  /** pass as `cursor` for the next page; absent on the last page */
  nextCursor?: string
}

export interface ListHumansQuery {
  cursor?: string
  /** 1..1000, default 50 */
  limit?: number
  status?: HumanStatus
}

export interface HistoryQuery {
  humanId?: string
  week?: string
  cursor?: string
  /** 1..1000, default 50 */
  limit?: number
  /** also list payments that do not count: superseded by another for the same (week, human), or invalid */
  includeSuperseded?: boolean
}

/** One payment (a transaction of the pool). */
export interface LedgerTransaction {
  /** `<week>:<humanId>:<registrar key>:<author peer id>`: one per author, week and human */
  id: string
  humanId: string
  /** peer id of the human's registrar */
  registrar: string
  amount: string
  type: 'weekly_flow'
  week: string
  /** the author's clock when it paid */
  timestamp: string
  /**
   * 'completed' counts; 'unfunded' would count but the pool cannot cover it; 'superseded'
   * lost to another valid payment for the same week; 'invalid' names no such human or an
   * amount other than its weekly flow
   */
  status: 'completed' | 'unfunded' | 'superseded' | 'invalid'
  author: string
  /** where the entry sits: its author's document and Yjs clock, and the author's key */
  metadata: { doc: string, clock: number, authorKey: string, registrarKey: string }
}

/** System statistics (docs/domain.md) plus ledger health. Money as decimal strings. */
export interface SystemStats {
  totalHumans: number
  activeHumans: number
  totalDistributed: string
  distributedThisWeek: string
  remainingWealth: string
  /** totalDistributed / totalHumans, rounded down to the cent */
  averagePerHuman: string
  /** seconds since the ledger started */
  uptime: number
  poolTotal: string
  /** current ISO week */
  week: string
  paymentsThisWeek: number
  /** authors with at least one stored batch */
  authors: number
  documents: number
  excludedAuthors: number
  batchesRejected: number
  /** batches set aside since start because their author was over its quota (they come again by sync) */
  batchesThrottled: number
  /** counted payments the pool cannot fund (shown, never counted) */
  unfundedPayments: number
  unfundedTotal: string
  /** this mesh's charter id (in the topic and sync protocol) */
  charter: string
}

export type ReceiveStatus = 'applied' | 'duplicate' | 'excluded' | 'equivocation' | 'rejected' | 'throttled'

/** Where a received batch came from: gossip and sync pay the author's quota, direct calls do not. */
export type ReceiveVia = 'gossip' | 'sync' | 'direct'

export interface ReceiveOptions {
  /** peer it came from (events, logs) */
  from?: string
  correlationId?: string
  /** default 'direct' */
  via?: ReceiveVia
}

export interface ReceiveResult {
  status: ReceiveStatus
  /** why it was rejected or what it proved */
  reason?: string
  /** entries newly stored */
  entries?: number
}

export interface EquivocationRecord {
  author: string
  authorKey: string
  proof: Uint8Array
}

export interface LedgerService {
  readonly topic: string
  start(): Promise<void>
  stop(): Promise<void>
  /** Register a human. Resolves once durably stored. Throws invalid_input / conflict. */
  registerHuman(input: RegisterHumanInput, opts?: OperationOptions): Promise<Human>
  /**
   * Change the status of this node's record of a human (forbidden for a human this node
   * did not register). It governs payments of the weeks after the current one.
   */
  setStatus(humanId: string, status: HumanStatus, opts?: OperationOptions): Promise<Human>
  /**
   * Pay the weekly flow for the current ISO week to every active human not yet paid
   * this week (or only `humanIds`). Refused whole (insufficient_pool) if the pool cannot
   * cover it; throws not_found for an unknown listed id. Resolves once every payment is
   * durably stored.
   */
  distributeWeekly(input?: DistributeInput, opts?: OperationOptions): Promise<DistributionResult>
  /** The record (registrar, id); without a registrar (peer id or hex key), the id's primary record. */
  getHuman(id: string, registrar?: string): Promise<Human | undefined>
  /** Human records sorted by (id, registrar key), cursor-paginated. */
  listHumans(query?: ListHumansQuery): Promise<Page<Human>>
  /** Payments sorted by week, human, author; cursor-paginated. */
  history(query?: HistoryQuery): Promise<Page<LedgerTransaction>>
  stats(): Promise<SystemStats>
  readonly charter: Charter
  /** Pull what `peer` has and this node lacks. */
  sync(peer: PeerId): Promise<SyncResult>
  /** Check and apply one SignedBatch (what gossip and sync do; `via` says which quota rules apply). */
  receiveBatch(bytes: Uint8Array, opts?: ReceiveOptions): Promise<ReceiveResult>
  /** Check and apply one EquivocationProof. */
  receiveProof(bytes: Uint8Array, opts?: { from?: string, correlationId?: string }): Promise<ReceiveResult>
  /** Every stored signed batch, in key order. */
  batches(): AsyncGenerator<Uint8Array>
  /** Authors excluded for equivocation, with their proofs. */
  equivocations(): Promise<EquivocationRecord[]>
  /** All derived figures in one canonical string (identical on converged nodes). */
  derivedState(): string
  /** Rebuild the derived views from the signed batch log and compare with the live ones. */
  verifyIntegrity(): Promise<{ ok: boolean, batches: number, entries: number }>
  /** The Yjs document of an author (hex key) and week, loaded from stored batches. */
  document(authorHex: string, doc: string): Promise<Y.Doc>
  /** Re-sign runs of this node's small batches as single batches. */
  compact(): Promise<{ batches: number, into: number }>
}

export function createLedger (components: LedgerComponents, init: LedgerInit = {}): LedgerService {
  return new Ledger(components, init)
}
