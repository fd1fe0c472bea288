/**
 * Persistent knowledge records plus the in-memory state derived from them.
 *
 * r!<id>                 StoredKnowledge (SignedKnowledge bytes as received + receive time)
 * t!<created_at>!<id>    (empty)  time index: catch-up reads id ranges from it
 * v!<entry>!<version>!<id> (empty) the versions of an entry, in order
 * i!search               the search index snapshot (see text-index/), written on stop
 *
 * Every record ever accepted is kept: all versions of an entry, every rating. What the
 * API shows is derived, the same on every node holding the same set of records: an
 * entry's current version is its highest version number (ties: the higher record id);
 * it is retracted when any version is a retraction; each rater's latest rating (by
 * created_at, then record id) counts once in the mean. The derived state (metadata of the
 * current version, not its content; ratings per rater) lives in memory, rebuilt on open.
 */
import { fromHex, toHex } from '../crypto/index.ts'
import { createGroupCommit } from '../storage/group-commit.ts'
import { openStore, sortableNumber } from '../storage/index.ts'
import { SingleFlight } from '../storage/single-flight.ts'
import { idsInRange, timeKey } from '../storage/time-index.ts'
import { RangeIndex } from '../truth/digest.ts'
import { KnowledgeBody, SignedKnowledge, StoredKnowledge } from './pb/knowledge.ts'
import type { VerifiedRecord } from './codec.ts'
import type { EntryVersion } from './pb/knowledge.ts'
import type { BatchOp, GroupWrite } from '../storage/group-commit.ts'
import type { MeshDatabase, MeshStore } from '../storage/index.ts'
import type { IdPosition } from '../storage/time-index.ts'

export type { IdPosition }

export interface VersionRef {
  idHex: string
  version: number
  createdAt: number
  retracted: boolean
}

/** An entry's derived state; `current` is the winning version's fields without content. */
export interface EntryState {
  entryId: string
  authorKey: string
  current: Omit<EntryVersion, 'content' | 'entryId' | 'nonce'> & { idHex: string, createdAt: number }
  /** created_at of the first version known */
  createdAt: number
  versions: VersionRef[]
  retracted: boolean
  /** rater key hex → latest rating */
  ratings: Map<string, { score: number, createdAt: number, idHex: string }>
}

export interface StoreLimits {
  /** versions one entry may have (default 256) */
  maxVersionsPerEntry: number
  /** rating records one rater may leave on one entry (default 16) */
  maxRatingsPerRater: number
  /** records one author key may have stored here in all (default 100,000) */
  maxRecordsPerAuthor: number
}

export type PutOutcome =
  | { stored: true, kind: 'entry' | 'rating', entryId: string, changed: boolean }
  | { stored: false, why: 'duplicate' | 'quota', detail?: string }

const EMPTY = new Uint8Array(0)

export class KnowledgeStore {
  readonly ranges = new RangeIndex()
  readonly entries = new Map<string, EntryState>()
  /** ratings whose entry is not (yet) held: entry id → rater → latest */
  private readonly orphanRatings = new Map<string, Map<string, { score: number, createdAt: number, idHex: string }>>()
  private readonly ratingRecords = new Map<string, number>()
  private readonly authorRecords = new Map<string, number>()
  private readonly versionCounts = new Map<string, number>()
  private readonly ids = new Set<string>()
  private readonly store: MeshStore
  private readonly inflight = new SingleFlight<PutOutcome>()
  private ratingCount = 0
  /** group commit (see protocol/storage/group-commit.ts) */
  private readonly write: GroupWrite

  constructor (db: MeshDatabase, private readonly limits: StoreLimits, name = 'knowledge') {
    this.store = openStore(db, name)
    this.write = createGroupCommit(this.store)
  }

  get size (): number {
    return this.ids.size
  }

  get ratingsTotal (): number {
    return this.ratingCount
  }

  async open (): Promise<void> {
    for await (const [key, value] of this.store.iterator({ gte: 'r!', lt: 'r"' })) {
      const idHex = key.slice(2)
      const signed = SignedKnowledge.decode(StoredKnowledge.decode(value).signed)
      const body = KnowledgeBody.decode(signed.body)
      this.count(body, 1)
      this.apply(idHex, body)
    }
  }

  has (idHex: string): boolean {
    return this.ids.has(idHex)
  }

  async getSigned (idHex: string): Promise<Uint8Array | undefined> {
    const v = await this.store.get(`r!${idHex}`)
    return v == null ? undefined : StoredKnowledge.decode(v).signed
  }

  async getSignedMany (idHexes: string[]): Promise<Array<Uint8Array | undefined>> {
    if (idHexes.length === 0) { return [] }
    const values = await this.store.getMany(idHexes.map(id => `r!${id}`))
    return values.map(v => v == null ? undefined : StoredKnowledge.decode(v).signed)
  }

  async getBodies (idHexes: string[]): Promise<Array<KnowledgeBody | undefined>> {
    return (await this.getSignedMany(idHexes)).map(s => s == null ? undefined : KnowledgeBody.decode(SignedKnowledge.decode(s).body))
  }

  async hasMany (idHexes: string[]): Promise<boolean[]> {
    return idHexes.map(id => this.ids.has(id) || this.inflight.has(id))
  }

  /** Store a verified record unless held or over a bound; concurrent puts of one id store it once. */
  async put (record: VerifiedRecord, receivedAt: number): Promise<PutOutcome> {
    return this.inflight.run(record.idHex, async () => this.putOnce(record, receivedAt), { stored: false, why: 'duplicate' })
  }

  /** why this record would be refused by a bound now, or undefined */
  boundProblem (body: KnowledgeBody): string | undefined {
    const author = toHex(body.author)
    if ((this.authorRecords.get(author) ?? 0) >= this.limits.maxRecordsPerAuthor) { return `author holds ${this.limits.maxRecordsPerAuthor} records here` }
    if (body.entry != null) {
      if ((this.versionCounts.get(toHex(body.entry.entryId)) ?? 0) >= this.limits.maxVersionsPerEntry) { return `entry has ${this.limits.maxVersionsPerEntry} versions` }
    }
    if (body.rating != null) {
      const key = `${toHex(body.rating.entryId)}!${author}`
      if ((this.ratingRecords.get(key) ?? 0) >= this.limits.maxRatingsPerRater) { return `rater has rated this entry ${this.limits.maxRatingsPerRater} times` }
    }
    return undefined
  }

  private async putOnce (record: VerifiedRecord, receivedAt: number): Promise<PutOutcome> {
    if (this.ids.has(record.idHex)) { return { stored: false, why: 'duplicate' } }
    const bound = this.boundProblem(record.body)
    if (bound != null) { return { stored: false, why: 'quota', detail: bound } }
    const ops: BatchOp[] = [
      { type: 'put', key: `r!${record.idHex}`, value: StoredKnowledge.encode({ signed: record.signed as Uint8Array<ArrayBuffer>, receivedAt }) },
      { type: 'put', key: timeKey(record.body.createdAt, record.idHex), value: EMPTY }
    ]
    const entry = record.body.entry
    if (entry != null) { ops.push({ type: 'put', key: `v!${toHex(entry.entryId)}!${sortableNumber(entry.version)}!${record.idHex}`, value: EMPTY }) }
    // counted before the write, so records validated while it is in flight see the bound
    this.count(record.body, 1)
    try {
      await this.write(ops)
    } catch (err) {
      this.count(record.body, -1)
      throw err
    }
    const changed = this.apply(record.idHex, record.body)
    const entryId = toHex((entry ?? record.body.rating)?.entryId as Uint8Array)
    return { stored: true, kind: entry != null ? 'entry' : 'rating', entryId, changed }
  }

  /** the bounded counts: records per author, rating records per (entry, rater), versions per entry */
  private count (body: KnowledgeBody, delta: number): void {
    const author = toHex(body.author)
    this.authorRecords.set(author, (this.authorRecords.get(author) ?? 0) + delta)
    if (body.rating != null) {
      const key = `${toHex(body.rating.entryId)}!${author}`
      this.ratingRecords.set(key, (this.ratingRecords.get(key) ?? 0) + delta)
    } else if (body.entry != null) {
      const key = toHex(body.entry.entryId)
      this.versionCounts.set(key, (this.versionCounts.get(key) ?? 0) + delta)
    }
  }

  /** Fold one record into the derived state; true when the visible state changed. */
  private apply (idHex: string, body: KnowledgeBody): boolean {
    this.ids.add(idHex)
    this.ranges.add(body.createdAt, fromHex(idHex))
    const author = toHex(body.author)
    if (body.entry != null) { return this.applyVersion(idHex, body.entry, author, body.createdAt) }
    const r = body.rating
    if (r == null) { return false }
    const entryId = toHex(r.entryId)
    const state = this.entries.get(entryId)
    let ratings = state?.ratings ?? this.orphanRatings.get(entryId)
    if (ratings == null) {
      ratings = new Map()
      this.orphanRatings.set(entryId, ratings)
    }
    const prev = ratings.get(author)
    if (prev != null && !later(body.createdAt, idHex, prev.createdAt, prev.idHex)) { return false }
    if (prev == null) { this.ratingCount++ }
    ratings.set(author, { score: r.score, createdAt: body.createdAt, idHex })
    return true
  }

  private applyVersion (idHex: string, v: EntryVersion, author: string, createdAt: number): boolean {
    const entryId = toHex(v.entryId)
    const ref: VersionRef = { idHex, version: v.version, createdAt, retracted: v.retracted }
    const current = { title: v.title, type: v.type, tags: [...v.tags], confidence: v.confidence, version: v.version, retracted: v.retracted, session: v.session, idHex, createdAt }
    let state = this.entries.get(entryId)
    if (state == null) {
      const orphans = this.orphanRatings.get(entryId)
      this.orphanRatings.delete(entryId)
      state = { entryId, authorKey: author, current, createdAt, versions: [ref], retracted: v.retracted, ratings: orphans ?? new Map() }
      this.entries.set(entryId, state)
      return true
    }
    state.versions.push(ref)
    state.versions.sort((a, b) => a.version - b.version || (a.idHex < b.idHex ? -1 : 1))
    if (createdAt < state.createdAt) { state.createdAt = createdAt }
    const wasRetracted = state.retracted
    state.retracted ||= v.retracted
    const cur = state.current
    if (v.version > cur.version || (v.version === cur.version && idHex > cur.idHex)) {
      state.current = current
      return true
    }
    return wasRetracted !== state.retracted
  }

  /** Version records of an entry, in (version, id) order. */
  async versionIds (entryId: string): Promise<string[]> {
    const out: string[] = []
    for await (const key of this.store.keys({ gte: `v!${entryId}!`, lt: `v!${entryId}"` })) { out.push(key.slice(-64)) }
    return out
  }

  async idsInRange (from: number, to: number, after: { createdAt: number, idHex: string } | undefined, limit: number): Promise<{ ids: IdPosition[], more: boolean }> {
    return idsInRange(this.store, from, to, after, limit)
  }

  async getMeta (key: string): Promise<Uint8Array | undefined> {
    return this.store.get(`i!${key}`)
  }

  async putMeta (key: string, value: Uint8Array): Promise<void> {
    await this.store.put(`i!${key}`, value)
  }
}

function later (at: number, id: string, prevAt: number, prevId: string): boolean {
  return at > prevAt || (at === prevAt && id > prevId)
}
