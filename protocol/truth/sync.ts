/**
 * Catch-up over `/liberation/truth-sync/1.0.0`: gossip only reaches peers online at the
 * time, so a node that joins late, restarts or heals from a partition pulls what it
 * missed from its peers.
 *
 * The requester reconciles created_at ranges (range-based set reconciliation): it asks
 * for the fingerprints of a range cut into slices (32 days, then days, then hours), up to
 * the hour of its own clock plus the allowed skew,
 * compares them with its own (see digest.ts), descends only into slices that differ,
 * lists the ids of small or finest slices, and fetches the messages it lacks, each checked
 * exactly like a gossip message. Nodes in sync exchange one short digest per session;
 * backdated messages are found too, since any insert changes its range's fingerprint.
 * The responder is stateless. Specification: docs/protocols/truth.md §3.
 *
 * Bounds: request and response sizes (length prefix limits), slices/ids/messages per
 * response, requests per session, a session deadline, a per-peer request rate and byte
 * rate on the responder (token buckets), and at most a few sessions at once per node.
 */
import { pbStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { toHex } from '../crypto/index.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { checkSigned } from './codec.ts'
import { BUCKET_MS, bucketOf } from './digest.ts'
import { SyncRequest, SyncResponse } from './pb/truth.ts'
import type { CheckOptions, TruthRejectReason, VerifiedTruth } from './codec.ts'
import type { Slice } from './digest.ts'
import type { IdsResponse, RangeDigest } from './pb/truth.ts'
import type { SpreadTracker } from './spread.ts'
import type { TruthStore } from './store.ts'
import type { Verifier } from '../crypto/index.ts'
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'

export const SYNC_PROTOCOL = '/liberation/truth-sync/1.0.0'

/** slice widths the requester descends through */
export const SYNC_LEVELS = [32 * 24 * BUCKET_MS, 24 * BUCKET_MS, BUCKET_MS] as const

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

export interface SyncReport {
  peer: string
  requests: number
  /** messages received that this node lacked */
  fetched: number
  /** of which newly stored (others arrived meanwhile by gossip) */
  stored: number
  /** bytes of responses read */
  bytes: number
  /**
   * messages left for a later pull because their author or this peer was over its budget
   * (the same budgets gossip pays): fetched and dropped, or not fetched at all
   */
  deferred: number
  ms: number
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

export class SyncError extends Error {
  constructor (message: string, readonly code: 'refused' | 'protocol' | 'invalid-message') {
    super(message)
    this.name = 'SyncError'
  }
}

function isEof (err: any): boolean {
  return err?.name === 'UnexpectedEOFError' || err?.name === 'StreamClosedError' || err?.name === 'StreamStateError'
}

/** The responder: answers a session of requests on one inbound stream. */
export function createSyncResponder (ctx: SyncContext, init: SyncInit = {}): (stream: Stream, connection: Connection) => Promise<void> {
  const requestRate = new TokenBuckets(init.requestsPerSecond ?? 50, (init.requestsPerSecond ?? 50) * 2)
  const byteRate = new TokenBuckets(init.bytesPerSecond ?? 4 * 1024 * 1024, (init.bytesPerSecond ?? 4 * 1024 * 1024) * 2)
  const maxRequests = init.maxRequestsPerSession ?? 4096
  const timeoutMs = init.sessionTimeoutMs ?? 60_000

  return async function handle (stream, connection) {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(timeoutMs)
    const pb = pbStream(stream, { maxDataLength: SYNC_LIMITS.maxRequestBytes })
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
        if (requests > maxRequests) { res = refusal('too many requests in one session') } else if (!requestRate.take(peer)) { res = refusal('rate limited') } else { res = await answer(ctx, req, peer) }
        const size = SyncResponse.encode(res).length
        if (res.error === '' && !byteRate.take(peer, size)) { res = refusal('rate limited') }
        await pb.write(res, SyncResponse, { signal })
        if (res.error !== '') {
          ctx.log('sync: refused %s: %s', peer, res.error)
          break
        }
      }
      await stream.close({ signal })
    } catch (err: any) {
      ctx.log('sync: session with %s failed: %s', peer, err.message)
      stream.abort(err)
    }
  }
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

interface Range { from: number, to: number, step: number }

/**
 * The requester: one reconciliation session with `peer` over an open stream. Resolves
 * with what it did; throws SyncError when the peer refused or misbehaved.
 */
export async function runSyncSession (ctx: SyncContext, stream: Stream, peer: PeerId, init: SyncInit = {}, abort?: AbortSignal): Promise<SyncReport> {
  const peerStr = peer.toString()
  const started = Date.now()
  const deadline = AbortSignal.timeout(init.sessionTimeoutMs ?? 60_000)
  const signal = abort == null ? deadline : AbortSignal.any([deadline, abort])
  const maxRequests = init.maxRequestsPerSession ?? 4096
  const pb = pbStream(stream, { maxDataLength: SYNC_LIMITS.maxResponseBytes })
  const report: SyncReport = { peer: peerStr, requests: 0, fetched: 0, stored: 0, bytes: 0, deferred: 0, ms: 0 }
  /** the peer's budget is spent: what is left waits for a later pull */
  let spent = false
  // the ranges end with the hour of this node's clock plus the allowed skew: a responder
  // whose clock runs ahead holds messages this node would refuse as from the future
  const opts = ctx.checkOptions()
  const latest = opts.now + opts.maxClockSkewMs
  const horizon = bucketOf(latest) + BUCKET_MS

  async function request (req: SyncRequest): Promise<SyncResponse> {
    if (report.requests >= maxRequests) { throw new SyncError('session request budget spent', 'protocol') }
    report.requests++
    await pb.write(req, SyncRequest, { signal })
    const res = await pb.read(SyncResponse, {
      signal,
      limits: {
        digest: { slices: SYNC_LIMITS.maxSlicesPerResponse },
        ids: { ids: SYNC_LIMITS.maxIdsPerResponse },
        fetch: { messages: SYNC_LIMITS.maxFetchIds }
      }
    })
    report.bytes += SyncResponse.encode(res).length
    if (res.error !== '') { throw new SyncError(`${peerStr} refused: ${res.error}`, 'refused') }
    return res
  }

  const wanted: string[] = []
  const wantedSet = new Set<string>()

  async function fetchWanted (all: boolean): Promise<void> {
    // `spent` is set by the budget check of the stores this loop awaits
    // eslint-disable-next-line no-unmodified-loop-condition
    while (!spent && (wanted.length >= SYNC_LIMITS.maxFetchIds || (all && wanted.length > 0))) {
      const batch = wanted.splice(0, SYNC_LIMITS.maxFetchIds)
      const res = await request({ fetch: { ids: batch.map(h => fromHexId(h)) } })
      const messages = res.fetch?.messages ?? []
      const asked = new Set(batch)
      let got = 0
      for (const bytes of messages) {
        const checked = await checkSigned(bytes, ctx.verifier, ctx.checkOptions())
        if (!checked.ok && checked.reason === 'clock-skew' && checked.idHex != null && asked.has(checked.idHex)) {
          // ahead of this node's clock only: an honest peer whose clock runs ahead serves
          // it; no fault of the peer, and a later pull brings it once our clock catches up
          asked.delete(checked.idHex)
          got++
          report.deferred++
          continue
        }
        if (!checked.ok) {
          ctx.reject(checked.reason, checked.detail, peerStr, checked.idHex)
          throw new SyncError(`${peerStr} sent an invalid message (${checked.reason})`, 'invalid-message')
        }
        if (!asked.has(checked.truth.idHex)) { throw new SyncError(`${peerStr} sent a message that was not asked for`, 'protocol') }
        asked.delete(checked.truth.idHex)
        got++
        report.fetched++
        ctx.spread.holds(checked.truth.idHex, peerStr)
        const admission = spent ? 'peer' : ctx.admit(checked.truth, peerStr)
        if (admission !== 'ok') {
          // not stored: the next pull finds it missing again
          report.deferred++
          if (admission === 'peer') { spent = true }
          continue
        }
        if (await ctx.ingest(checked.truth, peerStr)) { report.stored++ }
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
      const page = res.ids as IdsResponse
      if (page == null) { throw new SyncError('ids request answered without ids', 'protocol') }
      const hexes: string[] = []
      for (const e of page.ids) {
        if (e.id.length !== 32 || e.createdAt < from || e.createdAt >= to) { throw new SyncError('id outside the requested range', 'protocol') }
        // past our clock's allowed skew: this node would refuse it, a later pull brings it
        if (e.createdAt > latest) {
          report.deferred++
          continue
        }
        hexes.push(toHex(e.id))
      }
      const have = await ctx.store.hasMany(hexes)
      hexes.forEach((h, i) => {
        ctx.spread.holds(h, peerStr)
        if (!have[i] && !wantedSet.has(h)) { wanted.push(h); wantedSet.add(h) }
      })
      await fetchWanted(false)
      if (spent || !page.more || page.ids.length === 0) { break }
      const last = page.ids[page.ids.length - 1]
      after = { time: last.createdAt, id: last.id }
    }
  }

  try {
    const queue: Range[] = [{ from: 0, to: horizon, step: SYNC_LEVELS[0] }]
    // `spent` is set by the budget check of the stores this loop awaits
    // eslint-disable-next-line no-unmodified-loop-condition
    while (queue.length > 0 && !spent) {
      const range = queue.shift() as Range
      const res = await request({ digest: range })
      if (res.digest == null) { throw new SyncError('digest request answered without digest', 'protocol') }
      const remote = res.digest.slices
      const own = new Map<number, Slice>()
      for (const s of ctx.store.ranges.slices(range.from, range.to, range.step, Number.MAX_SAFE_INTEGER).slices) { own.set(s.start, s) }
      let prev = -1
      for (const s of remote) {
        if (s.start <= prev || s.start < range.from || s.start >= range.to || (s.start - range.from) % range.step !== 0 || s.count === 0) {
          throw new SyncError('malformed digest slice', 'protocol')
        }
        prev = s.start
        const mine = own.get(s.start)
        // the last slice of a range may be cut short by the horizon
        const end = Math.min(s.start + range.step, range.to)
        if (mine != null && mine.count === s.count && uint8ArrayEquals(mine.fingerprint, s.fingerprint)) {
          ctx.spread.holdsRange(s.start, end, peerStr)
          continue
        }
        const finer = SYNC_LEVELS.find(l => l < range.step)
        if (finer == null || mine == null || s.count <= SYNC_LIMITS.listThreshold) { await listIds(s.start, end) } else { queue.push({ from: s.start, to: end, step: finer }) }
      }
      if (res.digest.truncated && remote.length > 0) {
        queue.unshift({ from: remote[remote.length - 1].start + range.step, to: range.to, step: range.step })
      }
    }
    await fetchWanted(true)
    report.deferred += wanted.length
    await stream.close({ signal })
  } catch (err: any) {
    stream.abort(err)
    throw err
  } finally {
    report.ms = Date.now() - started
  }
  return report
}

function fromHexId (hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) { out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) }
  return out
}
