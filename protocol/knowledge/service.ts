/**
 * The knowledge service (see index.ts for what it does and its types): gossip and sync
 * receive, local writes, queries over the store and the search index.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { fromHex, peerIdFromRawKey, toHex } from '../crypto/index.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { createSignedTopicService } from '../sync/signed-topic-service.ts'
import { CatchUpError, createRangeCatchUp } from './catch-up.ts'
import { checkRecord, DEFAULT_CONFIDENCE, DEFAULT_MAX_CLOCK_SKEW_MS, entryIdOf, entryProblem, KNOWLEDGE_TOPIC, KnowledgeInputError, signRecord } from './codec.ts'
import { createLiveIndex, toSearchDoc } from './live-index.ts'
import { snippet } from './search.ts'
import { SessionService } from './sessions.ts'
import { KnowledgeStore } from './store.ts'
import type { CatchUp, CatchUpReport } from './catch-up.ts'
import type { CheckOptions, KnowledgeType, VerifiedRecord } from './codec.ts'
import type { KnowledgeComponents, KnowledgeEntry, KnowledgeEvents, KnowledgeInit, KnowledgeListQuery, KnowledgeOrigin, KnowledgeRejection, KnowledgeSearchHit, KnowledgeSearchQuery, KnowledgeService, KnowledgeStats, KnowledgeVersion, EntryDraft, EntryPatch } from './index.ts'
import type { LiveIndex } from './live-index.ts'
import type { EntryVersion } from './pb/knowledge.ts'
import type { EntryState } from './store.ts'
import type { SignedTopicService } from '../sync/signed-topic-service.ts'
import type { Message } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'

const ENTRY_ID = /^[0-9a-f]{64}$/

export class DefaultKnowledgeService extends TypedEventEmitter<KnowledgeEvents> implements KnowledgeService {
  private readonly log: Logger
  private readonly store: KnowledgeStore
  private readonly index: LiveIndex
  private readonly now: () => number
  private readonly maxClockSkewMs: number
  private readonly authorRate: TokenBuckets
  private readonly peerRate: TokenBuckets
  private readonly catchUp: CatchUp
  private readonly topic: SignedTopicService
  private readonly authorIds = new Map<string, string>()
  private counters = { rejected: 0, syncs: 0 }
  readonly sessions: SessionService

  constructor (private readonly components: KnowledgeComponents, init: KnowledgeInit = {}) {
    super()
    this.log = components.logger.forComponent('liberation:knowledge')
    this.store = new KnowledgeStore(components.db, {
      maxVersionsPerEntry: init.maxVersionsPerEntry ?? 256,
      maxRatingsPerRater: init.maxRatingsPerRater ?? 16,
      maxRecordsPerAuthor: init.maxRecordsPerAuthor ?? 100_000
    })
    this.index = createLiveIndex({ store: this.store, log: this.log, bulkLoading: () => this.topic.sessions > 0 })
    this.now = init.now ?? Date.now
    this.maxClockSkewMs = init.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
    this.authorRate = new TokenBuckets(init.authorRate?.perSecond ?? 5, init.authorRate?.burst ?? 100)
    this.peerRate = new TokenBuckets(init.peerRate?.perSecond ?? 50, init.peerRate?.burst ?? 1000)
    this.catchUp = createRangeCatchUp({
      source: this.store,
      log: this.log,
      horizon: () => this.now() + this.maxClockSkewMs,
      check: async (bytes, from) => {
        const checked = await checkRecord(bytes, this.components.crypto.verifier, this.checkOptions())
        if (!checked.ok) {
          this.rejected({ reason: checked.reason, detail: checked.detail, peer: from, origin: 'sync', id: checked.idHex, action: 'reject' })
          throw new CatchUpError(`${from} sent an invalid record (${checked.reason})`, 'invalid-record')
        }
        return { idHex: checked.record.idHex, record: checked.record }
      },
      store: async (record, from) => this.ingest(record, 'sync', from)
    }, init.sync)
    this.topic = createSignedTopicService(components, {
      name: 'knowledge',
      protocol: this.catchUp.protocol,
      createHandler: () => this.catchUp.handle,
      validator: this.validate.bind(this),
      topics: () => [KNOWLEDGE_TOPIC],
      open: async () => {
        await this.store.open()
        await this.index.open()
      },
      syncInBackground: peer => { this.backgroundSync(peer) },
      syncOnConnect: init.sync?.onConnect ?? true,
      intervalMs: init.sync?.intervalMs ?? 60_000
    })
    this.sessions = new SessionService({
      libp2p: components.libp2p,
      db: components.db,
      crypto: components.crypto,
      log: this.log,
      checkOptions: () => this.checkOptions(),
      publishSolution: async (s) => {
        const content = `## Problem\n\n${s.problem}\n\n## Solution\n\n${s.solution}\n`
        const entry = await this.add({ title: s.title, content, type: 'solution', tags: ['session'], session: s.id })
        return entry.id
      }
    }, init.sessions)
    this.sessions.addEventListener('change', evt => { this.components.events.emitEvent('knowledge', 'session', evt.detail, evt.detail.id) })
    this.sessions.addEventListener('rejected', evt => {
      this.counters.rejected++
      this.components.events.emitEvent('knowledge', 'rejected', { ...evt.detail, origin: 'session' })
    })
  }

  private checkOptions (): CheckOptions {
    return { now: this.now(), maxClockSkewMs: this.maxClockSkewMs }
  }

  async start (): Promise<void> {
    if (this.topic.running) { return }
    await this.topic.start()
    await this.sessions.start()
  }

  async stop (): Promise<void> {
    if (!this.topic.running) { return }
    await this.sessions.stop()
    await this.topic.stop()
    await this.index.save()
  }

  // ---- receiving ----

  private async validate (peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    if (!this.topic.running) { return TopicValidatorResult.Ignore }
    const from = peer.toString()
    const result = await checkRecord(msg.data, this.components.crypto.verifier, this.checkOptions(), async id => this.store.has(id) ? this.store.getSigned(id) : undefined)
    if (!result.ok) {
      this.rejected({ reason: result.reason, detail: result.detail, peer: from, origin: 'gossip', id: result.idHex, action: 'reject' })
      return TopicValidatorResult.Reject
    }
    if (result.known === true) { return TopicValidatorResult.Ignore }
    const { record } = result
    const now = this.now()
    if (!this.authorRate.take(toHex(record.body.author), 1, now) || !this.peerRate.take(from, 1, now)) {
      this.rejected({ reason: 'rate-limited', detail: 'author or peer over its record rate', peer: from, origin: 'gossip', id: record.idHex, action: 'ignore' })
      return TopicValidatorResult.Ignore
    }
    const bound = this.store.boundProblem(record.body)
    if (bound != null) {
      this.rejected({ reason: 'quota', detail: bound, peer: from, origin: 'gossip', id: record.idHex, action: 'ignore' })
      return TopicValidatorResult.Ignore
    }
    void this.topic.track(this.ingest(record, 'gossip', from).catch(err => { this.log.error('storing %s failed: %s', record.idHex, err.message) }))
    return TopicValidatorResult.Accept
  }

  /** store a verified record, update the index, emit events; true when newly stored */
  private async ingest (record: VerifiedRecord, origin: KnowledgeOrigin, from?: string): Promise<boolean> {
    const out = await this.store.put(record, this.now())
    if (!out.stored) {
      if (out.why === 'quota' && from != null) {
        this.rejected({ reason: 'quota', detail: out.detail ?? '', peer: from, origin: origin === 'gossip' ? 'gossip' : 'sync', id: record.idHex, action: 'ignore' })
      }
      return false
    }
    if (!out.changed) { return true }
    const state = this.store.entries.get(out.entryId)
    if (out.kind === 'entry' && state != null) {
      if (state.retracted) { this.index.queue(state.entryId, null) } else if (state.current.idHex === record.idHex && record.body.entry != null) { this.index.queue(state.entryId, toSearchDoc(state, record.body.entry)) }
      const entry = this.summary(state)
      this.safeDispatchEvent('entry', { detail: { entry, origin } })
      // a catch-up reports once ('synced'): thousands of entries would push everything
      // else out of the feed's history
      if (origin !== 'sync') { this.components.events.emitEvent('knowledge', 'entry', { ...entry, origin }, state.entryId) }
    } else if (out.kind === 'rating') {
      const agg = state == null ? { mean: null, count: 0 } : aggregate(state)
      const detail = { entry_id: out.entryId, rater: this.authorId(record.body.author), score: record.body.rating?.score ?? 0, ...agg, origin }
      this.safeDispatchEvent('rating', { detail })
      if (origin !== 'sync') { this.components.events.emitEvent('knowledge', 'rating', detail, out.entryId) }
    }
    return true
  }

  private rejected (r: KnowledgeRejection): void {
    this.counters.rejected++
    this.log('%s %s from %s: %s', r.action, r.reason, r.peer, r.detail)
    this.safeDispatchEvent('rejected', { detail: r })
    this.components.events.emitEvent('knowledge', 'rejected', r)
  }

  // ---- local writes ----

  private async publishLocal (body: Parameters<typeof signRecord>[1]): Promise<VerifiedRecord> {
    this.topic.assertRunning()
    const { signer } = this.components.crypto
    const record = await signRecord(signer, body)
    const bound = this.store.boundProblem(record.body)
    if (bound != null) { throw new KnowledgeInputError('quota', bound) }
    if (!this.authorRate.take(toHex(signer.publicKey), 1, this.now())) {
      throw new KnowledgeInputError('rate-limited', 'writing faster than peers accept from one author; try again shortly')
    }
    await this.ingest(record, 'local')
    try {
      await this.topic.pubsub.publish(KNOWLEDGE_TOPIC, record.signed)
    } catch (err: any) {
      // stored anyway: peers get it by sync
      this.log('publish failed: %s', err.message)
    }
    return record
  }

  async add (draft: EntryDraft): Promise<KnowledgeEntry> {
    const nonce = crypto.getRandomValues(new Uint8Array(16))
    const entryId = await entryIdOf(this.components.crypto.signer.publicKey, nonce)
    const entry = draftToVersion(draft, entryId, nonce, 1)
    await this.publishLocal({ entry, createdAt: this.now() })
    return await this.get(toHex(entryId)) as KnowledgeEntry
  }

  private ownEntry (id: string): EntryState {
    const state = this.store.entries.get(checkId(id))
    if (state == null) { throw new KnowledgeInputError('not-found', `no knowledge entry ${id}`) }
    if (state.authorKey !== toHex(this.components.crypto.signer.publicKey)) {
      throw new KnowledgeInputError('not-author', 'only the author of an entry may edit or retract it')
    }
    if (state.retracted) { throw new KnowledgeInputError('retracted', 'the entry is retracted') }
    return state
  }

  async edit (id: string, patch: EntryPatch): Promise<KnowledgeEntry> {
    const state = this.ownEntry(id)
    const [body] = await this.store.getBodies([state.current.idHex])
    const cur = body?.entry as EntryVersion
    const merged: EntryDraft = {
      title: patch.title ?? cur.title,
      content: patch.content ?? cur.content,
      type: patch.type ?? cur.type as KnowledgeType,
      tags: patch.tags ?? cur.tags,
      confidence: patch.confidence ?? cur.confidence / 1000,
      session: patch.session ?? (cur.session === '' ? undefined : cur.session)
    }
    const entry = draftToVersion(merged, cur.entryId, cur.nonce, state.current.version + 1)
    await this.publishLocal({ entry, createdAt: Math.max(this.now(), state.current.createdAt) })
    return await this.get(id) as KnowledgeEntry
  }

  async retract (id: string): Promise<KnowledgeEntry> {
    const state = this.ownEntry(id)
    const [body] = await this.store.getBodies([state.current.idHex])
    const cur = body?.entry as EntryVersion
    const entry: EntryVersion = { entryId: cur.entryId, nonce: cur.nonce, version: state.current.version + 1, title: '', content: '', type: cur.type, tags: [], confidence: cur.confidence, retracted: true, session: '' }
    await this.publishLocal({ entry, createdAt: Math.max(this.now(), state.current.createdAt) })
    return await this.get(id) as KnowledgeEntry
  }

  async rate (id: string, score: number): Promise<KnowledgeEntry> {
    const state = this.store.entries.get(checkId(id))
    if (state == null) { throw new KnowledgeInputError('not-found', `no knowledge entry ${id}`) }
    if (state.retracted) { throw new KnowledgeInputError('retracted', 'the entry is retracted') }
    if (!Number.isInteger(score) || score < 0 || score > 5) { throw new KnowledgeInputError('score', 'score must be an integer from 0 to 5') }
    const prev = state.ratings.get(toHex(this.components.crypto.signer.publicKey))
    // the latest rating wins by created_at: never sign one older than our previous
    const createdAt = Math.max(this.now(), (prev?.createdAt ?? 0) + 1)
    await this.publishLocal({ rating: { entryId: fromHex(id) as Uint8Array<ArrayBuffer>, score }, createdAt })
    return await this.get(id) as KnowledgeEntry
  }

  // ---- reading ----

  private authorId (key: Uint8Array | string): string {
    const hex = typeof key === 'string' ? key : toHex(key)
    let id = this.authorIds.get(hex)
    if (id == null) {
      id = peerIdFromRawKey(fromHex(hex)).toString()
      if (this.authorIds.size >= 10_000) { this.authorIds.delete(this.authorIds.keys().next().value as string) }
      this.authorIds.set(hex, id)
    }
    return id
  }

  private summary (s: EntryState): Omit<KnowledgeEntry, 'content'> {
    const c = s.current
    return {
      id: s.entryId,
      title: c.title,
      type: c.type as KnowledgeType,
      tags: [...c.tags],
      author: this.authorId(s.authorKey),
      author_key: s.authorKey,
      confidence: c.confidence / 1000,
      version: c.version,
      versions: s.versions.length,
      retracted: s.retracted,
      session: c.session === '' ? null : c.session,
      created_at: s.createdAt,
      updated_at: c.createdAt,
      rating: aggregate(s),
      record_id: c.idHex
    }
  }

  async get (id: string): Promise<KnowledgeEntry | null> {
    const state = this.store.entries.get(checkId(id))
    if (state == null) { return null }
    const [body] = await this.store.getBodies([state.current.idHex])
    return { ...this.summary(state), content: body?.entry?.content ?? '' }
  }

  async versions (id: string): Promise<KnowledgeVersion[] | null> {
    const state = this.store.entries.get(checkId(id))
    if (state == null) { return null }
    const ids = state.versions.map(v => v.idHex)
    const bodies = await this.store.getBodies(ids)
    return bodies.map((b, i) => {
      const e = b?.entry as EntryVersion
      return { record_id: ids[i], version: e.version, title: e.title, content: e.content, type: e.type as KnowledgeType, tags: [...e.tags], confidence: e.confidence / 1000, retracted: e.retracted, created_at: b?.createdAt ?? 0 }
    })
  }

  private matcher (q: KnowledgeListQuery): (s: EntryState) => boolean {
    const authorKey = q.author == null ? undefined : authorKeyOf(q.author)
    return s => (q.include_retracted === true || !s.retracted) &&
      (q.type == null || s.current.type === q.type) &&
      (q.tag == null || s.current.tags.includes(q.tag)) &&
      (authorKey == null || s.authorKey === authorKey) &&
      (q.since == null || s.createdAt >= q.since) &&
      (q.until == null || s.createdAt < q.until)
  }

  async list (query: KnowledgeListQuery = {}): Promise<{ items: Array<Omit<KnowledgeEntry, 'content'>>, total: number }> {
    const { limit, offset } = checkPage(query)
    const match = this.matcher(query)
    const all = [...this.store.entries.values()].filter(match)
    all.sort((a, b) => b.current.createdAt - a.current.createdAt || (a.entryId < b.entryId ? -1 : 1))
    return { items: all.slice(offset, offset + limit).map(s => this.summary(s)), total: all.length }
  }

  private async hits (found: Array<{ id: string, score: number, terms: string[] }>): Promise<KnowledgeSearchHit[]> {
    const states = found.map(h => this.store.entries.get(h.id) as EntryState)
    const bodies = await this.store.getBodies(states.map(s => s.current.idHex))
    return found.map((h, i) => ({
      entry: this.summary(states[i]),
      score: h.score,
      snippet: snippet(bodies[i]?.entry?.content ?? '', h.terms),
      title_html: snippet(states[i].current.title, h.terms, 256)
    }))
  }

  private acceptEntry (id: string, match: (s: EntryState) => boolean): boolean {
    const s = this.store.entries.get(id)
    return s != null && match(s)
  }

  async search (query: KnowledgeSearchQuery): Promise<{ items: KnowledgeSearchHit[], total: number }> {
    if (typeof query.q !== 'string' || query.q.trim().length === 0 || query.q.length > 256) {
      throw new KnowledgeInputError('q', 'q must be a non-empty search text of at most 256 characters')
    }
    const { limit, offset } = checkPage(query)
    const match = this.matcher({ ...query, include_retracted: false })
    // type, tag and author are checked inside the index; the time window (first version's
    // time, which can move as older versions arrive) against the stored state
    const byTime = query.since != null || query.until != null
    const { hits, total } = this.index.current().search(query.q, {
      type: query.type,
      tag: query.tag,
      author: query.author == null ? undefined : authorKeyOf(query.author),
      accept: byTime ? id => this.acceptEntry(id, match) : undefined
    }, offset + limit)
    return { items: await this.hits(hits.slice(offset)), total }
  }

  async related (id: string, limit = 5): Promise<KnowledgeSearchHit[] | null> {
    const state = this.store.entries.get(checkId(id))
    if (state == null) { return null }
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) { throw new KnowledgeInputError('limit', 'limit must be an integer from 1 to 50') }
    const text = [state.current.title, ...state.current.tags].join(' ')
    const { hits } = this.index.current().search(text, { exclude: id }, limit, 'OR')
    return this.hits(hits)
  }

  async getRaw (recordId: string): Promise<Uint8Array | null> {
    return await this.store.getSigned(checkId(recordId)) ?? null
  }

  stats (): KnowledgeStats {
    const byType: Record<string, number> = {}
    let retracted = 0
    for (const s of this.store.entries.values()) {
      if (s.retracted) { retracted++; continue }
      byType[s.current.type] = (byType[s.current.type] ?? 0) + 1
    }
    return {
      entries: this.store.entries.size - retracted,
      sessions: this.sessions.size,
      retracted,
      records: this.store.size,
      ratings: this.store.ratingsTotal,
      rejected: this.counters.rejected,
      syncs: this.counters.syncs,
      indexed: this.index.current().size,
      index_source: this.index.info.source,
      index_ms: this.index.info.ms,
      by_type: byType
    }
  }

  // ---- catch-up ----

  async syncWith (peer: PeerId): Promise<CatchUpReport> {
    return this.topic.session(async abort => {
      const signal = AbortSignal.any([abort, AbortSignal.timeout(60_000)])
      const stream = await this.components.libp2p.dialProtocol(peer, this.catchUp.protocol, { signal })
      const report = await this.catchUp.run(stream, peer, abort)
      this.counters.syncs++
      this.components.events.emitEvent('knowledge', 'synced', report)
      return report
    })
  }

  private backgroundSync (peer: PeerId): void {
    if (!this.topic.running) { return }
    this.syncWith(peer).catch(err => { this.log('catch-up with %s failed: %s', peer, err.message) })
  }
}

function aggregate (s: EntryState): { mean: number | null, count: number } {
  let sum = 0
  for (const r of s.ratings.values()) { sum += r.score }
  const count = s.ratings.size
  return { mean: count === 0 ? null : Math.round(sum / count * 1000) / 1000, count }
}

function draftToVersion (d: EntryDraft, entryId: Uint8Array, nonce: Uint8Array, version: number): EntryVersion {
  if (typeof d.title !== 'string' || typeof d.content !== 'string') { throw new KnowledgeInputError('title', 'title and content must be strings') }
  const confidence = d.confidence ?? DEFAULT_CONFIDENCE / 1000
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) { throw new KnowledgeInputError('confidence', 'confidence must be a number from 0 to 1') }
  const entry: EntryVersion = {
    entryId: entryId as Uint8Array<ArrayBuffer>,
    nonce: nonce as Uint8Array<ArrayBuffer>,
    version,
    title: d.title,
    content: d.content,
    type: d.type ?? 'insight',
    tags: d.tags ?? [],
    confidence: Math.round(confidence * 1000),
    retracted: false,
    session: d.session ?? ''
  }
  const problem = entryProblem(entry)
  if (problem != null) { throw new KnowledgeInputError(problem.reason.replace(/^bad-/, ''), problem.detail) }
  return entry
}

function checkId (id: string): string {
  if (typeof id !== 'string' || !ENTRY_ID.test(id)) { throw new KnowledgeInputError('id', 'an id is 64 lowercase hex characters') }
  return id
}

function checkPage (q: KnowledgeListQuery): { limit: number, offset: number } {
  const limit = q.limit ?? 20
  const offset = q.offset ?? 0
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) { throw new KnowledgeInputError('limit', 'limit must be an integer from 1 to 200') }
  if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) { throw new KnowledgeInputError('offset', 'offset must be an integer from 0 to 10000') }
  return { limit, offset }
}

function authorKeyOf (author: string): string {
  if (/^[0-9a-f]{64}$/.test(author)) { return author }
  try {
    // a peer id names an Ed25519 key inline
    const pk = peerIdFromString(author).publicKey
    if (pk == null) { throw new Error('no key') }
    return toHex(pk.raw)
  } catch {
    throw new KnowledgeInputError('author', 'author must be a peer id or a 64-hex public key')
  }
}
