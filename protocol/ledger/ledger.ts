/**
 * The ledger service behind `createLedger`: a thin composition of its parts, each in its
 * own module (see `index.ts` for the design):
 *
 * - `held.ts`: what the ledger holds (store, views, state vector, reconciliation index,
 * exclusions) and the serial queue every write goes through
 * - `writer.ts`: this node's own entries, group-committed
 * - `receiver.ts`: gossiped, synced and direct batches and proofs: checks, quotas,
 * group commit, equivocation
 * - `sync-host.ts` + `sync.ts`: catch-up with peers by range reconciliation
 * - `compaction.ts`: re-signing runs of own small batches as one
 * - `queries.ts`: humans, history, figures, integrity
 */
import { newCorrelationId } from '../events/index.ts'
import { ledgerSyncProtocol } from './charter.ts'
import { createLedgerCompaction } from './compaction.ts'
import { createLedgerHeld } from './held.ts'
import { createLedgerQueries } from './queries.ts'
import { createLedgerReceiver } from './receiver.ts'
import { createLedgerSyncHost } from './sync-host.ts'
import { createLedgerSync } from './sync.ts'
import { createLedgerWriter } from './writer.ts'
import type { Charter } from './charter.ts'
import type { LedgerCompaction } from './compaction.ts'
import type { LedgerHeld } from './held.ts'
import type { LedgerComponents, LedgerInit, LedgerService } from './index.ts'
import type { LedgerQueries } from './queries.ts'
import type { LedgerReceiver } from './receiver.ts'
import type { LedgerSync, SyncResult } from './sync.ts'
import type { LedgerWriter } from './writer.ts'
import type { PeerId } from '@libp2p/interface'

export class Ledger implements LedgerService {
  readonly topic: string
  readonly charter: Charter
  private readonly held: LedgerHeld
  private readonly writer: LedgerWriter
  private readonly receiver: LedgerReceiver
  private readonly syncer: LedgerSync
  private readonly compaction: LedgerCompaction
  private readonly queries: LedgerQueries

  constructor (components: LedgerComponents, init: LedgerInit) {
    this.held = createLedgerHeld(components, init)
    this.topic = this.held.topic
    this.charter = this.held.charter
    this.queries = createLedgerQueries(this.held)
    this.writer = createLedgerWriter(this.held, { ...init, humanOf: this.queries.humanOf })
    this.receiver = createLedgerReceiver(this.held, init)
    this.syncer = createLedgerSync(components.libp2p, createLedgerSyncHost(this.held, this.receiver, init.sync), { ...init.sync, protocol: ledgerSyncProtocol(this.charter) })
    this.compaction = createLedgerCompaction(this.held, init)
    const q = this.queries
    this.getHuman = q.getHuman
    this.listHumans = q.listHumans
    this.history = q.history
    this.stats = q.stats
    this.batches = q.batches
    this.equivocations = q.equivocations
    this.derivedState = q.derivedState
    this.verifyIntegrity = q.verifyIntegrity
    this.document = q.document
    this.registerHuman = this.writer.registerHuman
    this.setStatus = this.writer.setStatus
    this.distributeWeekly = this.writer.distributeWeekly
    this.receiveBatch = this.receiver.receiveBatch
    this.receiveProof = this.receiver.receiveProof
  }

  readonly getHuman: LedgerService['getHuman']
  readonly listHumans: LedgerService['listHumans']
  readonly history: LedgerService['history']
  readonly stats: LedgerService['stats']
  readonly batches: LedgerService['batches']
  readonly equivocations: LedgerService['equivocations']
  readonly derivedState: LedgerService['derivedState']
  readonly verifyIntegrity: LedgerService['verifyIntegrity']
  readonly document: LedgerService['document']
  readonly registerHuman: LedgerService['registerHuman']
  readonly setStatus: LedgerService['setStatus']
  readonly distributeWeekly: LedgerService['distributeWeekly']
  readonly receiveBatch: LedgerService['receiveBatch']
  readonly receiveProof: LedgerService['receiveProof']

  async start (): Promise<void> {
    if (this.held.running) { return }
    this.writer.start()
    await this.held.load()
    this.receiver.start()
    this.held.setRunning(true)
    await this.syncer.start()
    this.compaction.start()
  }

  async stop (): Promise<void> {
    if (!this.held.running) { return }
    this.held.setRunning(false)
    this.compaction.stop()
    await this.syncer.stop()
    this.receiver.stop()
    await this.writer.stop()
  }

  async sync (peer: PeerId): Promise<SyncResult> {
    this.held.requireRunning()
    return this.syncer.syncWith(peer, newCorrelationId())
  }

  async compact (): Promise<{ batches: number, into: number }> {
    return this.compaction.compact()
  }
}
