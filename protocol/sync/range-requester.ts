/**
 * The requester side of range-based set reconciliation over created_at, shared by truth
 * sync and knowledge catch-up (same SyncRequest/SyncResponse messages, each on its own
 * protocol id). It asks for the fingerprints of a range cut into slices (32 days, then
 * days, then hours), compares them with its own (RangeIndex), descends only into slices
 * that differ, lists the ids of small or finest slices, and fetches the records it lacks.
 *
 * What is reconciled stays with the caller: `check` decodes and verifies one fetched
 * record exactly as gossip would, `store` keeps a response's checked records, and an
 * optional budget ends the session early, leaving the rest for a later pull.
 */
import { pbStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { toHex } from '../crypto/index.ts'
import { BUCKET_MS, bucketOf } from '../truth/digest.ts'
import { SyncRequest, SyncResponse } from '../truth/pb/truth.ts'
import type { RangeIndex, Slice } from '../truth/digest.ts'
import type { PeerId, Stream } from '@libp2p/interface'

/** slice widths the requester descends through */
export const RANGE_LEVELS = [32 * 24 * BUCKET_MS, 24 * BUCKET_MS, BUCKET_MS] as const

export interface RangeRequesterLimits {
  maxResponseBytes: number
  maxSlicesPerResponse: number
  maxIdsPerResponse: number
  maxFetchIds: number
  /** below this many remote ids in a differing slice, list ids instead of descending */
  listThreshold: number
}

/** what became of one fetched record: stored, held already, or left for a later pull by a budget */
export type RecordOutcome = 'stored' | 'known' | 'deferred'

export interface RangeRequesterHooks<T> {
  /** this node's range fingerprints */
  ranges: RangeIndex
  hasMany(idHexes: string[]): Promise<boolean[]>
  /**
   * the newest created_at worth asking about (this node's clock + allowed skew): a peer
   * whose clock runs ahead holds records this node would refuse as from the future, so
   * the ranges end there and later ids wait for a later pull
   */
  horizon: number
  /**
   * decode and verify one fetched record; throws to end the session on a bad one. No
   * `record`: refused only for being ahead of this node's clock, no fault of the peer
   * (deferred to a later pull)
   */
  check(bytes: Uint8Array): Promise<{ idHex: string, record?: T }>
  /** keep one response's checked records (asked for, in order); what became of each */
  store(records: T[]): Promise<RecordOutcome[]>
  /** a budget that, once spent, ends the session: what is left waits for a later pull */
  spent?(): boolean
  /** the peer holds this id (listed or sent) */
  holds?(idHex: string): void
  /** the peer holds what this node holds in [from, to) */
  holdsRange?(from: number, to: number): void
}

export interface RangeRequesterInit {
  limits: RangeRequesterLimits
  /** requests one session may make (default 4096) */
  maxRequests?: number
  /** the session's deadline, ms (default 60 s) */
  timeoutMs?: number
  abort?: AbortSignal
}

export interface RangeSyncReport {
  peer: string
  requests: number
  /** records received that this node lacked */
  fetched: number
  /** of which newly stored (others arrived meanwhile by gossip) */
  stored: number
  /** bytes of responses read */
  bytes: number
  /** records left for a later pull because a budget was spent: fetched and dropped, or not fetched */
  deferred: number
  ms: number
}

export class RangeSyncError extends Error {
  constructor (message: string, readonly code: 'refused' | 'protocol' | 'invalid-message' | 'invalid-record') {
    super(message)
    this.name = 'SyncError'
  }
}

interface Range { from: number, to: number, step: number }

/**
 * One reconciliation session with `peer` over an open stream. Resolves with what it did;
 * throws RangeSyncError (or what `check` throws) when the peer refused or misbehaved.
 */
export async function runRangeRequester<T> (hooks: RangeRequesterHooks<T>, stream: Stream, peer: PeerId, init: RangeRequesterInit): Promise<RangeSyncReport> {
  const { limits } = init
  const peerStr = peer.toString()
  const started = Date.now()
  const deadline = AbortSignal.timeout(init.timeoutMs ?? 60_000)
  const signal = init.abort == null ? deadline : AbortSignal.any([deadline, init.abort])
  const maxRequests = init.maxRequests ?? 4096
  const pb = pbStream(stream, { maxDataLength: limits.maxResponseBytes })
  const report: RangeSyncReport = { peer: peerStr, requests: 0, fetched: 0, stored: 0, bytes: 0, deferred: 0, ms: 0 }
  const spent = (): boolean => hooks.spent?.() === true

  async function send (req: SyncRequest): Promise<void> {
    if (report.requests >= maxRequests) { throw new RangeSyncError('session request budget spent', 'protocol') }
    report.requests++
    await pb.write(req, SyncRequest, { signal })
  }

  async function receive (): Promise<SyncResponse> {
    // counts the bytes as they are decoded (encoding the response again to measure it cost
    // as much as decoding it)
    const res = await pb.read<SyncResponse>({
      decode: (buf, opts) => {
        report.bytes += buf.byteLength
        return SyncResponse.decode(buf, opts)
      }
    }, {
      signal,
      limits: {
        digest: { slices: limits.maxSlicesPerResponse },
        ids: { ids: limits.maxIdsPerResponse },
        fetch: { messages: limits.maxFetchIds }
      }
    })
    if (res.error !== '') { throw new RangeSyncError(`${peerStr} refused: ${res.error}`, 'refused') }
    return res
  }

  async function request (req: SyncRequest): Promise<SyncResponse> {
    await send(req)
    return receive()
  }

  const wanted: string[] = []
  const wantedSet = new Set<string>()

  async function fetchWanted (all: boolean): Promise<void> {
    // a full batch, or with `all` whatever is left
    const due = (): boolean => wanted.length >= limits.maxFetchIds || (all && wanted.length > 0)
    const ask = async (): Promise<string[]> => {
      const ids = wanted.splice(0, limits.maxFetchIds)
      await send({ fetch: { ids: ids.map(h => fromHexId(h)) } })
      return ids
    }
    // one request ahead: the peer reads and sends the next batch while this one is checked
    let next = !spent() && due() ? await ask() : undefined
    while (next != null) {
      const batch = next
      const res = await receive()
      next = !spent() && due() ? await ask() : undefined
      const asked = new Set(batch)
      const checked = await Promise.all((res.fetch?.messages ?? []).map(async bytes => hooks.check(bytes)))
      const records: T[] = []
      for (const { idHex, record } of checked) {
        if (!asked.has(idHex)) { throw new RangeSyncError(`${peerStr} sent a record that was not asked for`, 'protocol') }
        asked.delete(idHex)
        if (record === undefined) {
          report.deferred++
          continue
        }
        hooks.holds?.(idHex)
        records.push(record)
      }
      const got = checked.length
      report.fetched += records.length
      const outcomes = await hooks.store(records)
      for (const o of outcomes) {
        if (o === 'stored') { report.stored++ } else if (o === 'deferred') { report.deferred++ }
      }
      // a byte-capped response returns a prefix: ask again for the rest, unless nothing came
      if (got > 0 && asked.size > 0) { wanted.unshift(...batch.filter(h => asked.has(h))) }
      for (const h of batch) { if (!asked.has(h) || got === 0) { wantedSet.delete(h) } }
      if (next == null && !spent() && due()) { next = await ask() }
    }
  }

  async function listIds (from: number, to: number): Promise<void> {
    let after: { time: number, id: Uint8Array } | undefined
    while (true) {
      const res = await request({ ids: { from, to, afterTime: after?.time ?? 0, afterId: (after?.id ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> } })
      const page = res.ids
      if (page == null) { throw new RangeSyncError('ids request answered without ids', 'protocol') }
      const hexes: string[] = []
      for (const e of page.ids) {
        if (e.id.length !== 32 || e.createdAt < from || e.createdAt >= to) { throw new RangeSyncError('id outside the requested range', 'protocol') }
        if (e.createdAt > hooks.horizon) {
          report.deferred++
          continue
        }
        hexes.push(toHex(e.id))
      }
      const have = await hooks.hasMany(hexes)
      hexes.forEach((h, i) => {
        hooks.holds?.(h)
        if (!have[i] && !wantedSet.has(h)) { wanted.push(h); wantedSet.add(h) }
      })
      await fetchWanted(false)
      if (spent() || !page.more || page.ids.length === 0) { break }
      const last = page.ids[page.ids.length - 1]
      after = { time: last.createdAt, id: last.id }
    }
  }

  try {
    // up to the end of the hour of the horizon, not a whole top-level slice past it
    const queue: Range[] = [{ from: 0, to: bucketOf(hooks.horizon) + BUCKET_MS, step: RANGE_LEVELS[0] }]
    while (queue.length > 0 && !spent()) {
      const range = queue.shift() as Range
      const res = await request({ digest: range })
      if (res.digest == null) { throw new RangeSyncError('digest request answered without digest', 'protocol') }
      const remote = res.digest.slices
      const own = new Map<number, Slice>()
      for (const s of hooks.ranges.slices(range.from, range.to, range.step, Number.MAX_SAFE_INTEGER).slices) { own.set(s.start, s) }
      let prev = -1
      for (const s of remote) {
        if (s.start <= prev || s.start < range.from || s.start >= range.to || (s.start - range.from) % range.step !== 0 || s.count === 0) {
          throw new RangeSyncError('malformed digest slice', 'protocol')
        }
        prev = s.start
        const mine = own.get(s.start)
        // the last slice of a range may be cut short by the horizon
        const end = Math.min(s.start + range.step, range.to)
        if (mine != null && mine.count === s.count && uint8ArrayEquals(mine.fingerprint, s.fingerprint)) {
          hooks.holdsRange?.(s.start, end)
          continue
        }
        const finer = RANGE_LEVELS.find(l => l < range.step)
        if (finer == null || mine == null || s.count <= limits.listThreshold) { await listIds(s.start, end) } else { queue.push({ from: s.start, to: end, step: finer }) }
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
