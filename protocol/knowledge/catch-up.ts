/**
 * Catch-up for knowledge records: range-based set reconciliation over record ids bucketed
 * by created_at, with truth sync's request/response messages on its own protocol id. The
 * requester is the shared one (protocol/sync/range-requester.ts); this module adds the
 * responder over a `ReconcileSource`.
 *
 * The service only sees the `CatchUp` interface (a stream handler and a requester), so a
 * shared reconciliation core can replace this module without touching the service. It is
 * generic over what is reconciled: the store answers digests, id pages and fetches; the
 * caller's `accept` checks and stores each fetched record exactly like a gossip message.
 *
 * Bounds: request/response sizes, slices/ids/records per response, requests per session,
 * a session deadline, and per-peer request and byte rates on the responder.
 */
import { toHex } from '../crypto/index.ts'
import { RANGE_LEVELS, runRangeRequester } from '../sync/range-requester.ts'
import { createRangeResponder } from '../sync/range-responder.ts'
import { BUCKET_MS } from '../truth/digest.ts'
import { SyncRequest, SyncResponse } from '../truth/pb/truth.ts'
import type { RangeSyncReport } from '../sync/range-requester.ts'
import type { RangeIndex } from '../truth/digest.ts'
import type { RangeDigest } from '../truth/pb/truth.ts'
import type { Logger, PeerId, Stream, Connection } from '@libp2p/interface'

export const CATCH_UP_PROTOCOL = '/liberation/knowledge-sync/1.0.0'
export const CATCH_UP_LEVELS = RANGE_LEVELS

export const CATCH_UP_LIMITS = {
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 2 * 1024 * 1024,
  maxSlicesPerResponse: 1024,
  maxIdsPerResponse: 1024,
  maxFetchIds: 256,
  maxFetchBytes: 1536 * 1024,
  listThreshold: 256
} as const

/** What a node reconciles: its id ranges and the records behind them. */
export interface ReconcileSource {
  ranges: RangeIndex
  idsInRange(from: number, to: number, after: { createdAt: number, idHex: string } | undefined, limit: number): Promise<{ ids: Array<{ id: Uint8Array, createdAt: number }>, more: boolean }>
  getSignedMany(idHexes: string[]): Promise<Array<Uint8Array | undefined>>
  hasMany(idHexes: string[]): Promise<boolean[]>
}

export interface CatchUpContext<T> {
  source: ReconcileSource
  log: Logger
  /** the latest created_at worth asking about (this node's clock + allowed skew) */
  horizon(): number
  /** decode and verify a fetched record exactly as gossip would; throws CatchUpError for a bad one */
  check(bytes: Uint8Array, from: string): Promise<{ idHex: string, record: T }>
  /** store a checked record that was asked for; true when it was new */
  store(record: T, from: string): Promise<boolean>
}

export interface CatchUpInit {
  requestsPerSecond?: number
  bytesPerSecond?: number
  maxRequestsPerSession?: number
  sessionTimeoutMs?: number
}

export type CatchUpReport = RangeSyncReport

export interface CatchUp {
  readonly protocol: string
  handle(stream: Stream, connection: Connection): Promise<void>
  run(stream: Stream, peer: PeerId, abort?: AbortSignal): Promise<CatchUpReport>
}

/** why a session ended early: refused, a protocol breach, or an invalid record */
export { RangeSyncError as CatchUpError } from '../sync/range-requester.ts'

export function createRangeCatchUp<T> (ctx: CatchUpContext<T>, init: CatchUpInit = {}): CatchUp {
  const maxRequests = init.maxRequestsPerSession ?? 4096
  const timeoutMs = init.sessionTimeoutMs ?? 60_000

  async function answer (req: SyncRequest): Promise<SyncResponse> {
    const parts = [req.digest, req.ids, req.fetch].filter(p => p != null).length
    if (parts !== 1) { return { error: 'a request carries exactly one of digest, ids, fetch' } }
    if (req.digest != null) {
      const { from, to, step } = req.digest
      if (from % BUCKET_MS !== 0 || step < BUCKET_MS || step % BUCKET_MS !== 0 || !(to > from) || to > Number.MAX_SAFE_INTEGER) {
        return { error: 'digest: from and step must be whole hours, to > from' }
      }
      const { slices, truncated } = ctx.source.ranges.slices(from, to, step, CATCH_UP_LIMITS.maxSlicesPerResponse)
      return { digest: { slices: slices as RangeDigest[], truncated }, error: '' }
    }
    if (req.ids != null) {
      const { from, to, afterTime, afterId } = req.ids
      if (!(to > from) || to > Number.MAX_SAFE_INTEGER || (afterId.length !== 0 && afterId.length !== 32)) { return { error: 'ids: bad range or position' } }
      const after = afterId.length === 32 ? { createdAt: afterTime, idHex: toHex(afterId) } : undefined
      const page = await ctx.source.idsInRange(from, to, after, CATCH_UP_LIMITS.maxIdsPerResponse)
      return { ids: { ids: page.ids.map(p => ({ id: p.id as Uint8Array<ArrayBuffer>, createdAt: p.createdAt })), more: page.more }, error: '' }
    }
    const ids = req.fetch?.ids ?? []
    if (ids.length > CATCH_UP_LIMITS.maxFetchIds || ids.some(id => id.length !== 32)) { return { error: `fetch: at most ${CATCH_UP_LIMITS.maxFetchIds} ids of 32 bytes` } }
    const found = await ctx.source.getSignedMany(ids.map(toHex))
    const messages: Array<Uint8Array<ArrayBuffer>> = []
    let bytes = 0
    for (const m of found) {
      if (m == null) { continue }
      if (bytes + m.length > CATCH_UP_LIMITS.maxFetchBytes && messages.length > 0) { break }
      messages.push(m as Uint8Array<ArrayBuffer>)
      bytes += m.length
    }
    return { fetch: { messages }, error: '' }
  }

  return {
    protocol: CATCH_UP_PROTOCOL,

    handle: createRangeResponder({
      maxRequestBytes: CATCH_UP_LIMITS.maxRequestBytes,
      requestsPerSecond: init.requestsPerSecond ?? 50,
      bytesPerSecond: init.bytesPerSecond ?? 8 * 1024 * 1024,
      maxRequestsPerSession: maxRequests,
      sessionTimeoutMs: timeoutMs,
      log: ctx.log,
      name: 'catch-up'
    }, answer),

    async run (stream, peer, abort) {
      const from = peer.toString()
      return runRangeRequester<T>({
        ranges: ctx.source.ranges,
        hasMany: async ids => ctx.source.hasMany(ids),
        horizon: ctx.horizon(),
        check: async bytes => ctx.check(bytes, from),
        // stored together: their writes share one batch
        store: async records => (await Promise.all(records.map(async r => ctx.store(r, from)))).map(stored => stored ? 'stored' : 'known')
      }, stream, peer, { limits: CATCH_UP_LIMITS, maxRequests, timeoutMs, abort })
    }
  }
}
