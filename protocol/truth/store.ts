/**
 * Persistent truth messages: one record per id plus two key-only indexes, by time and by
 * channel then time, so feeds and catch-up read ranges in order without scanning.
 *
 * m!<id>                       StoredTruth (the SignedTruth bytes as received + receive time)
 * t!<created_at>!<id>          (empty)  time index
 * c!<channel>!<created_at>!<id> (empty)  channel index
 *
 * `created_at` is a fixed-width hex number (`sortableNumber`), so keys sort by time, then
 * by id. Writes are atomic batches; concurrent writes are grouped into one batch (group
 * commit), which is what keeps a busy node's store cost per message low. On open, the
 * time index is scanned once to rebuild the in-memory range fingerprints, the counts and
 * a filter of the ids held (see IdFilter), so that "do we have it?" for a new message (the
 * common case on the receive path) is answered without a database read. Layout and
 * ordering are described in docs/protocols/truth.md §5.
 */
import { fromHex } from '../crypto/index.ts'
import { createGroupCommit } from '../storage/group-commit.ts'
import { openStore, sortableNumber } from '../storage/index.ts'
import { SingleFlight } from '../storage/single-flight.ts'
import { idsInRange, parseTimeKey, timeKey, timeKeys } from '../storage/time-index.ts'
import { IdFilter, RangeIndex } from './digest.ts'
import { SignedTruth, StoredTruth, TruthBody } from './pb/truth.ts'
import type { VerifiedTruth } from './codec.ts'
import type { BatchOp, GroupWrite } from '../storage/group-commit.ts'
import type { MeshDatabase, MeshStore } from '../storage/index.ts'
import type { IdPosition } from '../storage/time-index.ts'

export type { IdPosition }

export interface StoredEntry {
  idHex: string
  body: TruthBody
  /** SignedTruth bytes exactly as received */
  signed: Uint8Array
  signature: Uint8Array
  receivedAt: number
}

export interface StoreListQuery {
  channel?: string
  /** created_at >= since */
  since?: number
  /** created_at < until */
  until?: number
  /** from a previous page's `nextCursor` */
  cursor?: string
  limit: number
  order: 'asc' | 'desc'
}

const CURSOR = /^[0-9a-f]{14}![0-9a-f]{64}$/
const EMPTY = new Uint8Array(0)
const END = '\uffff'

export function isCursor (s: unknown): s is string {
  return typeof s === 'string' && CURSOR.test(s)
}

export class TruthStore {
  readonly ranges = new RangeIndex()
  /** messages per channel */
  readonly channelCounts = new Map<string, number>()
  private store: MeshStore
  private total = 0
  private readonly inflight = new SingleFlight<boolean>()
  /** every id stored or being stored; false positives only cost a database read */
  private readonly known = new IdFilter()
  /** group commit (see protocol/storage/group-commit.ts) */
  private readonly write: GroupWrite

  constructor (db: MeshDatabase, name = 'truth') {
    this.store = openStore(db, name)
    this.write = createGroupCommit(this.store)
  }

  get size (): number {
    return this.total
  }

  /** Rebuild the in-memory fingerprints and counts from the indexes. */
  async open (): Promise<void> {
    for await (const key of timeKeys(this.store)) {
      const { createdAt, idHex } = parseTimeKey(key)
      this.ranges.add(createdAt, fromHex(idHex))
      this.known.add(idHex)
      this.total++
    }
    for await (const key of this.store.keys({ gte: 'c!', lt: 'c"' })) {
      const channel = key.slice(2, key.indexOf('!', 2))
      this.channelCounts.set(channel, (this.channelCounts.get(channel) ?? 0) + 1)
    }
  }

  /** ids held that start with `prefix` (lowercase hex), at most `limit` */
  async idsWithPrefix (prefix: string, limit: number): Promise<string[]> {
    const ids: string[] = []
    // 'g' sorts right after 'f': the range is every hex continuation of the prefix
    for await (const key of this.store.keys({ gte: `m!${prefix}`, lt: `m!${prefix}g`, limit })) { ids.push(key.slice(2)) }
    return ids
  }

  async getRecord (idHex: string): Promise<StoredTruth | undefined> {
    const value = await this.store.get(`m!${idHex}`)
    return value == null ? undefined : StoredTruth.decode(value)
  }

  async getSigned (idHex: string): Promise<Uint8Array | undefined> {
    return (await this.getRecord(idHex))?.signed
  }

  /** false: certainly not held; true: held, being stored, or (rarely) a filter false positive */
  mightHave (idHex: string): boolean {
    return this.inflight.has(idHex) || this.known.has(idHex)
  }

  /** the stored SignedTruth bytes, skipping the read when the id is certainly unknown */
  async getSignedIfKnown (idHex: string): Promise<Uint8Array | undefined> {
    await this.inflight.settled(idHex)
    if (!this.known.has(idHex)) { return undefined }
    return this.getSigned(idHex)
  }

  async getEntry (idHex: string): Promise<StoredEntry | undefined> {
    const record = await this.getRecord(idHex)
    return record == null ? undefined : toEntry(idHex, record)
  }

  async hasMany (idHexes: string[]): Promise<boolean[]> {
    const out = idHexes.map(id => this.mightHave(id))
    const check = idHexes.filter((_, i) => out[i])
    if (check.length === 0) { return out }
    await Promise.all(check.map(async id => this.inflight.settled(id)))
    const values = await this.store.getMany(check.map(id => `m!${id}`))
    let j = 0
    return out.map(maybe => maybe ? values[j++] != null : false)
  }

  async getSignedMany (idHexes: string[]): Promise<Array<Uint8Array | undefined>> {
    if (idHexes.length === 0) { return [] }
    const values = await this.store.getMany(idHexes.map(id => `m!${id}`))
    return values.map(v => v == null ? undefined : StoredTruth.decode(v).signed)
  }

  /**
   * Store a verified message unless it is already there. Resolves true when this call
   * stored it; concurrent puts of one id store it once.
   */
  async put (truth: VerifiedTruth, receivedAt: number): Promise<boolean> {
    return this.inflight.run(truth.idHex, async () => this.putOnce(truth, receivedAt), false)
  }

  private async putOnce (truth: VerifiedTruth, receivedAt: number): Promise<boolean> {
    if (this.known.has(truth.idHex) && await this.store.get(`m!${truth.idHex}`) != null) { return false }
    const time = sortableNumber(truth.body.createdAt)
    const ops: BatchOp[] = [
      { type: 'put', key: `m!${truth.idHex}`, value: StoredTruth.encode({ signed: truth.signed as Uint8Array<ArrayBuffer>, receivedAt }) },
      { type: 'put', key: timeKey(truth.body.createdAt, truth.idHex), value: EMPTY }
    ]
    for (const c of truth.body.channels) { ops.push({ type: 'put', key: `c!${c}!${time}!${truth.idHex}`, value: EMPTY }) }
    await this.write(ops)
    this.known.add(truth.idHex)
    this.ranges.add(truth.body.createdAt, truth.id)
    this.total++
    for (const c of truth.body.channels) { this.channelCounts.set(c, (this.channelCounts.get(c) ?? 0) + 1) }
    return true
  }

  /** A page of messages in time order; `nextCursor` is null on the last page. */
  async list (q: StoreListQuery): Promise<{ entries: StoredEntry[], nextCursor: string | null }> {
    const prefix = q.channel == null ? 't!' : `c!${q.channel}!`
    let lower = prefix + (q.since != null ? sortableNumber(Math.max(0, q.since)) : '')
    let upper = prefix + (q.until != null ? sortableNumber(Math.max(0, q.until)) : END)
    if (q.cursor != null) {
      const at = prefix + q.cursor
      if (q.order === 'desc') { if (at < upper) { upper = at } } else if (at + '\u0000' > lower) { lower = at + '\u0000' }
    }
    const keys: string[] = []
    if (lower < upper) {
      for await (const key of this.store.keys({ gte: lower, lt: upper, reverse: q.order === 'desc', limit: q.limit + 1 })) { keys.push(key) }
    }
    const more = keys.length > q.limit
    const page = keys.slice(0, q.limit)
    const ids = page.map(k => k.slice(-64))
    const values = ids.length === 0 ? [] : await this.store.getMany(ids.map(id => `m!${id}`))
    const entries: StoredEntry[] = []
    values.forEach((v, i) => { if (v != null) { entries.push(toEntry(ids[i], StoredTruth.decode(v))) } })
    const last = page[page.length - 1]
    return { entries, nextCursor: more && last != null ? last.slice(prefix.length) : null }
  }

  /** Ids with created_at in [from, to), in (time, id) order, after a position. */
  async idsInRange (from: number, to: number, after: { createdAt: number, idHex: string } | undefined, limit: number): Promise<{ ids: IdPosition[], more: boolean }> {
    return idsInRange(this.store, from, to, after, limit)
  }
}

function toEntry (idHex: string, record: StoredTruth): StoredEntry {
  const signed = SignedTruth.decode(record.signed)
  return { idHex, body: TruthBody.decode(signed.body), signed: record.signed, signature: signed.signature, receivedAt: record.receivedAt }
}
