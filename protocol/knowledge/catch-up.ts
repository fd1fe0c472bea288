/**
 * Catch-up for knowledge records: range-based set reconciliation over record ids bucketed
 * by created_at, the approach of truth's sync (see protocol/truth/sync.ts and digest.ts),
 * with the same request/response messages on its own protocol id.
 *
 * The service only sees the `CatchUp` interface (a stream handler and a requester), so a
 * shared reconciliation core can replace this module without touching the service. It is
 * generic over what is reconciled: the store answers digests, id pages and fetches; the
 * caller's `accept` checks and stores each fetched record exactly like a gossip message.
 *
 * Bounds: request/response sizes, slices/ids/records per response, requests per session,
 * a session deadline, and per-peer request and byte rates on the responder.
 */
import { pbStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { toHex } from '../crypto/index.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { BUCKET_MS, bucketOf } from '../truth/digest.ts'
import { SyncRequest, SyncResponse } from '../truth/pb/truth.ts'
import { hexToBytes } from './store.ts'
import type { RangeIndex, Slice } from '../truth/digest.ts'
import type { RangeDigest } from '../truth/pb/truth.ts'
import type { Logger, PeerId, Stream, Connection } from '@libp2p/interface'

export const CATCH_UP_PROTOCOL = '/liberation/knowledge-sync/1.0.0'
export const CATCH_UP_LEVELS = [32 * 24 * BUCKET_MS, 24 * BUCKET_MS, BUCKET_MS] as const

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

export interface CatchUpContext {
  source: ReconcileSource
  log: Logger
  /** the latest created_at worth asking about (this node's clock + allowed skew) */
  horizon(): number
  /** check and store a fetched record: its id, whether it was new; throws CatchUpError for a bad one */
  accept(bytes: Uint8Array, from: string): Promise<{ idHex: string, stored: boolean }>
}

export interface CatchUpInit {
  requestsPerSecond?: number
  bytesPerSecond?: number
  maxRequestsPerSession?: number
  sessionTimeoutMs?: number
}

export interface CatchUpReport {
  peer: string
  requests: number
  fetched: number
  stored: number
  bytes: number
  ms: number
}

export interface CatchUp {
  readonly protocol: string
  handle(stream: Stream, connection: Connection): Promise<void>
  run(stream: Stream, peer: PeerId, abort?: AbortSignal): Promise<CatchUpReport>
}

export class CatchUpError extends Error {
  constructor (message: string, readonly code: 'refused' | 'protocol' | 'invalid-record') {
    super(message)
    this.name = 'CatchUpError'
  }
}

function isEof (err: any): boolean {
  return err?.name === 'UnexpectedEOFError' || err?.name === 'StreamClosedError' || err?.name === 'StreamStateError'
}

export function createRangeCatchUp (ctx: CatchUpContext, init: CatchUpInit = {}): CatchUp {
  const requestRate = new TokenBuckets(init.requestsPerSecond ?? 50, (init.requestsPerSecond ?? 50) * 2)
  const byteRate = new TokenBuckets(init.bytesPerSecond ?? 8 * 1024 * 1024, (init.bytesPerSecond ?? 8 * 1024 * 1024) * 2)
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

    async handle (stream, connection) {
      const peer = connection.remotePeer.toString()
      const signal = AbortSignal.timeout(timeoutMs)
      const pb = pbStream(stream, { maxDataLength: CATCH_UP_LIMITS.maxRequestBytes })
      let requests = 0
      try {
        while (true) {
          let req: SyncRequest
          try {
            req = await pb.read(SyncRequest, { signal })
          } catch (err: any) {
            if (isEof(err)) { break }
            throw err
          }
          requests++
          let res: SyncResponse
          if (requests > maxRequests) { res = { error: 'too many requests in one session' } } else if (!requestRate.take(peer)) { res = { error: 'rate limited' } } else { res = await answer(req) }
          if (res.error === '' && !byteRate.take(peer, SyncResponse.encode(res).length)) { res = { error: 'rate limited' } }
          await pb.write(res, SyncResponse, { signal })
          if (res.error !== '') { break }
        }
        await stream.close({ signal })
      } catch (err: any) {
        ctx.log('catch-up: session with %s failed: %s', peer, err.message)
        stream.abort(err)
      }
    },

    async run (stream, peer, abort) {
      const peerStr = peer.toString()
      const started = Date.now()
      const deadline = AbortSignal.timeout(timeoutMs)
      const signal = abort == null ? deadline : AbortSignal.any([deadline, abort])
      const pb = pbStream(stream, { maxDataLength: CATCH_UP_LIMITS.maxResponseBytes })
      const report: CatchUpReport = { peer: peerStr, requests: 0, fetched: 0, stored: 0, bytes: 0, ms: 0 }

      async function request (req: SyncRequest): Promise<SyncResponse> {
        if (report.requests >= maxRequests) { throw new CatchUpError('session request budget spent', 'protocol') }
        report.requests++
        await pb.write(req, SyncRequest, { signal })
        const res = await pb.read(SyncResponse, {
          signal,
          limits: {
            digest: { slices: CATCH_UP_LIMITS.maxSlicesPerResponse },
            ids: { ids: CATCH_UP_LIMITS.maxIdsPerResponse },
            fetch: { messages: CATCH_UP_LIMITS.maxFetchIds }
          }
        })
        report.bytes += SyncResponse.encode(res).length
        if (res.error !== '') { throw new CatchUpError(`${peerStr} refused: ${res.error}`, 'refused') }
        return res
      }

      const wanted: string[] = []
      const wantedSet = new Set<string>()

      async function fetchWanted (all: boolean): Promise<void> {
        // `all` is this call's mode; `wanted` shrinks in the loop
        // eslint-disable-next-line no-unmodified-loop-condition
        while (wanted.length >= CATCH_UP_LIMITS.maxFetchIds || (all && wanted.length > 0)) {
          const batch = wanted.splice(0, CATCH_UP_LIMITS.maxFetchIds)
          const res = await request({ fetch: { ids: batch.map(h => hexToBytes(h) as Uint8Array<ArrayBuffer>) } })
          const asked = new Set(batch)
          let got = 0
          // checked and stored together: their writes share one batch
          const results = await Promise.all((res.fetch?.messages ?? []).map(async bytes => ctx.accept(bytes, peerStr)))
          for (const { idHex, stored } of results) {
            if (!asked.has(idHex)) { throw new CatchUpError(`${peerStr} sent a record that was not asked for`, 'protocol') }
            asked.delete(idHex)
            got++
            report.fetched++
            if (stored) { report.stored++ }
          }
          // a byte-capped response returns a prefix: ask again for the rest, unless nothing came
          if (got > 0 && asked.size > 0) { wanted.unshift(...batch.filter(h => asked.has(h))) }
          for (const h of batch) { if (!asked.has(h) || got === 0) { wantedSet.delete(h) } }
        }
      }

      async function listIds (from: number, to: number): Promise<void> {
        let after: { time: number, id: Uint8Array } | undefined
        while (true) {
          const res = await request({ ids: { from, to, afterTime: after?.time ?? 0, afterId: (after?.id ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> } })
          const page = res.ids
          if (page == null) { throw new CatchUpError('ids request answered without ids', 'protocol') }
          const hexes: string[] = []
          for (const e of page.ids) {
            if (e.id.length !== 32 || e.createdAt < from || e.createdAt >= to) { throw new CatchUpError('id outside the requested range', 'protocol') }
            hexes.push(toHex(e.id))
          }
          const have = await ctx.source.hasMany(hexes)
          hexes.forEach((h, i) => {
            if (!have[i] && !wantedSet.has(h)) { wanted.push(h); wantedSet.add(h) }
          })
          await fetchWanted(false)
          if (!page.more || page.ids.length === 0) { break }
          const last = page.ids[page.ids.length - 1]
          after = { time: last.createdAt, id: last.id }
        }
      }

      try {
        const horizon = bucketOf(ctx.horizon()) + BUCKET_MS
        const top = CATCH_UP_LEVELS[0]
        const queue: Array<{ from: number, to: number, step: number }> = [{ from: 0, to: Math.ceil(horizon / top) * top, step: top }]
        while (queue.length > 0) {
          const range = queue.shift() as { from: number, to: number, step: number }
          const res = await request({ digest: range })
          if (res.digest == null) { throw new CatchUpError('digest request answered without digest', 'protocol') }
          const own = new Map<number, Slice>()
          for (const s of ctx.source.ranges.slices(range.from, range.to, range.step, Number.MAX_SAFE_INTEGER).slices) { own.set(s.start, s) }
          let prev = -1
          for (const s of res.digest.slices) {
            if (s.start <= prev || s.start < range.from || s.start >= range.to || (s.start - range.from) % range.step !== 0 || s.count === 0) {
              throw new CatchUpError('malformed digest slice', 'protocol')
            }
            prev = s.start
            const mine = own.get(s.start)
            if (mine != null && mine.count === s.count && uint8ArrayEquals(mine.fingerprint, s.fingerprint)) { continue }
            const finer = CATCH_UP_LEVELS.find(l => l < range.step)
            const end = s.start + range.step
            if (finer == null || mine == null || s.count <= CATCH_UP_LIMITS.listThreshold) { await listIds(s.start, end) } else { queue.push({ from: s.start, to: end, step: finer }) }
          }
          const remote = res.digest.slices
          if (res.digest.truncated && remote.length > 0) { queue.unshift({ from: remote[remote.length - 1].start + range.step, to: range.to, step: range.step }) }
        }
        await fetchWanted(true)
        await stream.close({ signal })
      } catch (err: any) {
        stream.abort(err)
        throw err
      } finally {
        report.ms = Date.now() - started
      }
      return report
    }
  }
}
