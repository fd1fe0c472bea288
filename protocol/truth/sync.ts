/**
 * Catch-up over `/liberation/truth-sync/1.0.0`: gossip only reaches peers online at the
 * time, so a node that joins late, restarts or heals from a partition pulls what it
 * missed from its peers.
 *
 * The requester reconciles created_at ranges (range-based set reconciliation): it asks
 * for the fingerprints of a range cut into slices (32 days, then days, then hours), up to
 * the hour of its own clock plus the allowed skew, compares them with its own (see digest.ts), descends only into slices that differ,
 * lists the ids of small or finest slices, and fetches the messages it lacks, each checked
 * exactly like a gossip message. Nodes in sync exchange one short digest per session;
 * backdated messages are found too, since any insert changes its range's fingerprint.
 * The responder is stateless. Specification: docs/protocols/truth.md §3.
 *
 * Bounds: request and response sizes (length prefix limits), slices/ids/messages per
 * response, requests per session, a session deadline, a per-peer request rate and byte
 * rate on the responder (token buckets), and at most a few sessions at once per node.
 */
import { toHex } from '../crypto/index.ts'
import { RANGE_LEVELS, RangeSyncError, runRangeRequester } from '../sync/range-requester.ts'
import { createRangeResponder } from '../sync/range-responder.ts'
import { checkSigned } from './codec.ts'
import { BUCKET_MS } from './digest.ts'
import { SyncRequest, SyncResponse } from './pb/truth.ts'
import type { CheckOptions, TruthRejectReason, VerifiedTruth } from './codec.ts'
import type { RangeDigest } from './pb/truth.ts'
import type { SpreadTracker } from './spread.ts'
import type { TruthStore } from './store.ts'
import type { Verifier } from '../crypto/index.ts'
import type { RangeSyncReport, RecordOutcome } from '../sync/range-requester.ts'
import type { RangeResponder } from '../sync/range-responder.ts'
import type { Logger, PeerId, Stream } from '@libp2p/interface'

export const SYNC_PROTOCOL = '/liberation/truth-sync/1.0.0'

/** slice widths the requester descends through */
export const SYNC_LEVELS = RANGE_LEVELS

export const SYNC_LIMITS = {
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 1024 * 1024 + 64 * 1024,
  maxSlicesPerResponse: 1024,
  maxIdsPerResponse: 1024,
  maxFetchIds: 256,
  /** a fetch response stops adding messages past this many bytes */
  maxFetchBytes: 1024 * 1024,
  /** below this many remote ids in a differing slice, list ids instead of descending */
  listThreshold: 256
} as const

export interface SyncInit {
  /** responder: requests per second per peer (default 50) */
  requestsPerSecond?: number
  /** responder: response bytes per second per peer (default 4 MiB) */
  bytesPerSecond?: number
  /** requests one session may make or answer (default 4096) */
  maxRequestsPerSession?: number
  /** a session's deadline, ms (default 60 s) */
  sessionTimeoutMs?: number
}

/** what the author and peer budgets say about one more message: 'peer' ends the session */
export type Admission = 'ok' | 'author' | 'peer'

export interface SyncContext {
  store: TruthStore
  spread: SpreadTracker
  verifier: Verifier
  log: Logger
  checkOptions(): CheckOptions
  /** store a verified message; true when it was new */
  ingest(truth: VerifiedTruth, from: string): Promise<boolean>
  /** take one message from its author's and this peer's budgets (shared with gossip) */
  admit(truth: VerifiedTruth, from: string): Admission
  reject(reason: TruthRejectReason, detail: string, peer: string, idHex?: string): void
}

/** why a session ended early: refused, a protocol breach, or an invalid message */
export { RangeSyncError as SyncError } from '../sync/range-requester.ts'
/** what one session did; `deferred`: messages left for a later pull because their author or this peer was over the budget gossip pays too */
export type SyncReport = RangeSyncReport

/** The responder: answers a session of requests on one inbound stream. */
export function createSyncResponder (ctx: SyncContext, init: SyncInit = {}): RangeResponder {
  return createRangeResponder({
    maxRequestBytes: SYNC_LIMITS.maxRequestBytes,
    requestsPerSecond: init.requestsPerSecond ?? 50,
    bytesPerSecond: init.bytesPerSecond ?? 4 * 1024 * 1024,
    maxRequestsPerSession: init.maxRequestsPerSession ?? 4096,
    sessionTimeoutMs: init.sessionTimeoutMs ?? 60_000,
    log: ctx.log,
    name: 'sync'
  }, async (req, peer) => answer(ctx, req, peer))
}

function refusal (error: string): SyncResponse {
  return { error }
}

async function answer (ctx: SyncContext, req: SyncRequest, peer: string): Promise<SyncResponse> {
  const parts = [req.digest, req.ids, req.fetch].filter(p => p != null).length
  if (parts !== 1) { return refusal('a request carries exactly one of digest, ids, fetch') }
  if (req.digest != null) {
    const { from, to, step } = req.digest
    if (from % BUCKET_MS !== 0 || step < BUCKET_MS || step % BUCKET_MS !== 0 || !(to > from) || to > Number.MAX_SAFE_INTEGER) {
      return refusal('digest: from and step must be whole hours, to > from')
    }
    const { slices, truncated } = ctx.store.ranges.slices(from, to, step, SYNC_LIMITS.maxSlicesPerResponse)
    return { digest: { slices: slices as RangeDigest[], truncated }, error: '' }
  }
  if (req.ids != null) {
    const { from, to, afterTime, afterId } = req.ids
    if (!(to > from) || to > Number.MAX_SAFE_INTEGER || (afterId.length !== 0 && afterId.length !== 32)) { return refusal('ids: bad range or position') }
    const after = afterId.length === 32 ? { createdAt: afterTime, idHex: toHex(afterId) } : undefined
    const page = await ctx.store.idsInRange(from, to, after, SYNC_LIMITS.maxIdsPerResponse)
    return { ids: { ids: page.ids.map(p => ({ id: p.id as Uint8Array<ArrayBuffer>, createdAt: p.createdAt })), more: page.more }, error: '' }
  }
  const ids = req.fetch?.ids ?? []
  if (ids.length > SYNC_LIMITS.maxFetchIds || ids.some(id => id.length !== 32)) { return refusal(`fetch: at most ${SYNC_LIMITS.maxFetchIds} ids of 32 bytes`) }
  const hexes = ids.map(toHex)
  const found = await ctx.store.getSignedMany(hexes)
  const messages: Array<Uint8Array<ArrayBuffer>> = []
  let bytes = 0
  for (let i = 0; i < found.length; i++) {
    const m = found[i]
    if (m == null) { continue }
    if (bytes + m.length > SYNC_LIMITS.maxFetchBytes && messages.length > 0) { break }
    messages.push(m as Uint8Array<ArrayBuffer>)
    bytes += m.length
    // a receipt: the requester validates and keeps what it asked for
    ctx.spread.holds(hexes[i], peer)
  }
  return { fetch: { messages }, error: '' }
}

/**
 * The requester: one reconciliation session with `peer` over an open stream (the shared
 * range requester, with truth's checks, receipts and budgets). Resolves with what it
 * did; throws SyncError when the peer refused or misbehaved.
 */
export async function runSyncSession (ctx: SyncContext, stream: Stream, peer: PeerId, init: SyncInit = {}, abort?: AbortSignal): Promise<SyncReport> {
  const peerStr = peer.toString()
  /** the peer's budget is spent: what is left waits for a later pull */
  let spent = false
  const opts = ctx.checkOptions()
  return runRangeRequester<VerifiedTruth>({
    ranges: ctx.store.ranges,
    hasMany: async ids => ctx.store.hasMany(ids),
    horizon: opts.now + opts.maxClockSkewMs,
    async check (bytes) {
      const checked = await checkSigned(bytes, ctx.verifier, ctx.checkOptions())
      if (!checked.ok && checked.reason === 'clock-skew' && checked.idHex != null) {
        // ahead of this node's clock only: an honest peer whose clock runs ahead serves it;
        // a later pull brings it once this clock has caught up
        return { idHex: checked.idHex }
      }
      if (!checked.ok) {
        ctx.reject(checked.reason, checked.detail, peerStr, checked.idHex)
        throw new RangeSyncError(`${peerStr} sent an invalid message (${checked.reason})`, 'invalid-message')
      }
      return { idHex: checked.truth.idHex, record: checked.truth }
    },
    async store (truths) {
      const outcomes: RecordOutcome[] = []
      for (const truth of truths) {
        const admission = spent ? 'peer' : ctx.admit(truth, peerStr)
        if (admission !== 'ok') {
          // not stored: the next pull finds it missing again
          if (admission === 'peer') { spent = true }
          outcomes.push('deferred')
          continue
        }
        outcomes.push(await ctx.ingest(truth, peerStr) ? 'stored' : 'known')
      }
      return outcomes
    },
    spent: () => spent,
    holds: id => { ctx.spread.holds(id, peerStr) },
    holdsRange: (from, to) => { ctx.spread.holdsRange(from, to, peerStr) }
  }, stream, peer, { limits: SYNC_LIMITS, maxRequests: init.maxRequestsPerSession, timeoutMs: init.sessionTimeoutMs, abort })
}
