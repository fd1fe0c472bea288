/**
 * The sync host: what the ledger gives `createLedgerSync` (sync.ts). Reconciliation runs
 * over the held documents' ids (the index `held.ts` keeps up to date); the transfer
 * names this node's state of the documents only it holds, and answers a peer's
 * requests with the proofs it lacks and every stored batch past its clocks. Received
 * batches go through the receiver like gossiped ones, with the session's quota state.
 */
import { fromHex, toHex } from '../crypto/index.ts'
import { ID_BYTES, Reconciler } from '../reconcile/index.ts'
import { ledgerSyncProtocol } from './charter.ts'
import { LEDGER_EVENTS } from './constants.ts'
import { claimedAuthor, contiguous, embedBatch, maxEnd } from './doc-state.ts'
import { bytesEqual } from './entries.ts'
import { EquivocationProof, SignedBatch, SyncResponse } from './pb/ledger.ts'
import { proofKey } from './store.ts'
import { SESSION_STATES } from './sync.ts'
import type { Bytes } from './batch.ts'
import type { DocState } from './doc-state.ts'
import type { LedgerHeld } from './held.ts'
import type { ReceiveOptions, ReceiveResult } from './index.ts'
import type { SyncRequest } from './pb/ledger.ts'
import type { LedgerReceiver } from './receiver.ts'
import type { LedgerSyncInit, SyncHost, SyncSession } from './sync.ts'

/** What one serve session remembers across the peer's transfer requests. */
interface ServeState {
  /** the peer's state of documents it holds (author!doc) */
  theirs: Map<string, { clock: number, fingerprint: Uint8Array }>
  theirExcluded: Set<string>
  /** documents already sent in this session */
  served: Set<string>
  first: boolean
}

export function createLedgerSyncHost (held: LedgerHeld, receiver: LedgerReceiver, init: Pick<LedgerSyncInit, 'idsPerMessage'> = {}): SyncHost {
  /** The transfer: this node's state of the documents only it holds (so the peer sends only what lies past them), and the documents wanted. */
  function syncRequest (have: Uint8Array[], need: Uint8Array[]): Pick<SyncRequest, 'docs' | 'want' | 'excluded'> {
    const docs = []
    for (const id of have) {
      const key = held.docById.get(toHex(id))
      const ds = key === undefined ? undefined : held.docs.get(key)
      if (ds === undefined || held.excluded.has(ds.authorHex)) { continue }
      docs.push({ author: fromHex(ds.authorHex) as Bytes, doc: ds.doc, clock: contiguous(ds), fingerprint: ds.fp as Bytes })
    }
    return { docs, want: need as Bytes[], excluded: [...held.excluded].map(a => fromHex(a) as Bytes) }
  }

  /** Answer one transfer request of a serve session: proofs first (once), then the wanted documents. */
  async function * syncResponses (req: SyncRequest, state: ServeState): AsyncGenerator<Uint8Array> {
    const { theirs, theirExcluded, served } = state
    for (const a of req.excluded) { theirExcluded.add(toHex(a)) }
    if (state.first) {
      state.first = false
      for (const authorHex of held.excluded) {
        if (theirExcluded.has(authorHex)) { continue }
        const proof = await held.store.get(proofKey(authorHex))
        if (proof !== undefined) { yield SyncResponse.encode({ proof: EquivocationProof.decode(proof), done: false }) }
      }
    }
    for (const d of req.docs) {
      if (theirs.size >= SESSION_STATES) { break }
      theirs.set(toHex(d.author) + '!' + d.doc, d)
    }
    const wanted: DocState[] = []
    for (const id of req.want) {
      const key = id.byteLength === ID_BYTES ? held.docById.get(toHex(id)) : undefined
      const ds = key === undefined ? undefined : held.docs.get(key)
      // each document once per session, however often it is asked for
      if (ds === undefined || served.has(key as string)) { continue }
      served.add(key as string)
      wanted.push(ds)
    }
    for (const ds of wanted) {
      const key = ds.authorHex + '!' + ds.doc
      if (held.excluded.has(ds.authorHex) || theirExcluded.has(ds.authorHex)) { continue }
      const t = theirs.get(key)
      let have = t?.clock ?? 0
      if (maxEnd(ds) <= have) {
        // same clocks: send everything only if the batches held differ (a fork, or a compaction)
        if (t === undefined || bytesEqual(t.fingerprint, ds.fp)) { continue }
        have = 0
      }
      for await (const b of held.store.batchesOf(ds.authorHex, ds.doc, have)) {
        yield embedBatch(b.bytes)
      }
    }
  }

  async function syncReceive (msg: SyncResponse, session: SyncSession): Promise<'applied' | 'other'> {
    const opts: ReceiveOptions = { from: session.peer.toString(), correlationId: session.correlationId, via: 'sync' }
    let r: ReceiveResult
    if (msg.batch != null) {
      // once the peer is over its quota, the rest of this session waits for the next pull
      if (session.peerOverQuota === true) {
        held.throttled++
        return 'other'
      }
      const claimed = claimedAuthor(msg.batch)
      // once an author is over its quota, its other batches in this session are not even checked
      if (claimed !== undefined && session.skipAuthors.has(claimed)) {
        held.throttled++
        return 'other'
      }
      r = await receiver.receiveBatch(SignedBatch.encode(msg.batch), opts)
      if (r.status === 'throttled' && r.reason === 'peer over its quota') { session.peerOverQuota = true } else if (r.status === 'throttled' && claimed !== undefined) { session.skipAuthors.add(claimed) }
    } else if (msg.proof != null) { r = await receiver.receiveProof(EquivocationProof.encode(msg.proof), opts) } else { return 'other' }
    return r.status === 'applied' ? 'applied' : 'other'
  }

  return {
    reconciler: (initiator) => new Reconciler(held.index, initiator, { idsPerMessage: init.idsPerMessage }),
    request: (have, need) => syncRequest(have, need),
    responder: () => {
      const state: ServeState = { theirs: new Map(), theirExcluded: new Set(), served: new Set(), first: true }
      return (req) => syncResponses(req, state)
    },
    receive: async (msg, session) => syncReceive(msg, session),
    onSynced: (result, correlationId) => {
      held.events.emitEvent('resources', LEDGER_EVENTS.synced, result, correlationId)
    },
    onCharterMismatch: (peer, protocol) => {
      held.log.error('peer %p runs the ledger under another charter (%s, ours %s): no ledger data is exchanged with it; check pool_total and the record bounds', peer, protocol, ledgerSyncProtocol(held.charter))
      held.events.emitEvent('resources', LEDGER_EVENTS.charterMismatch, { peer: peer.toString(), protocol, charter: held.charter.id })
    },
    log: held.log
  }
}
