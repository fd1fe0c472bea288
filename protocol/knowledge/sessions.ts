/**
 * Learning sessions: a Yjs document per session (problem, notes, proposals, solution)
 * that its participants edit at once, with presence (y-protocols awareness).
 *
 * The owner signs the charter: who may write (owner + participants), and the closing.
 * Charters travel on one topic every node follows, so every node can list sessions.
 * A participant (or anyone who opens a session) subscribes to the session's own topic,
 * where each Yjs update and each presence change is a record signed by its author; an
 * update whose author the charter in force does not list is refused, whatever its bytes.
 * Catch-up over `/liberation/knowledge-session/1.0.0` pages through a peer's log of
 * signed updates when a node joins a session, reconnects, or sees a new charter.
 * Closing (owner only) publishes the solution as a knowledge entry of type `solution`
 * linking back to the session, then a closing charter naming that entry.
 *
 * Bounds: record and update sizes, participants per charter, updates and bytes kept per
 * session, sessions held (in all and per owner), sessions followed (in all, and those other
 * owners' charters make a node join), per-author update, presence and charter rates, sync
 * pages per session.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { fromHex, toHex } from '../crypto/index.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { registerTopicScore } from '../pubsub/gossip.ts'
import { openStore, sortableNumber } from '../storage/index.ts'
import { KnowledgeInputError } from './codec.ts'
import { CharterTable } from './session-charters.ts'
import { checkSessionRecord, SESSION_FIELDS, SESSION_LIMITS, sessionIdOf, SESSIONS_TOPIC, sessionTopic, signCharter, signUpdate, UPDATE_KIND } from './session-codec.ts'
import { charterInputProblem, checkSessionId, deferred, diffOf, keyOfPeer, replaceText, utf8Length } from './session-edit.ts'
import { pullCharters, pullSession, serveSessionSync, SESSION_SYNC_PROTOCOL } from './session-sync.ts'
import { autoJoinAllowed, mayWrite, sessionView } from './session-view.ts'
import type { CheckOptions } from './codec.ts'
import type { SessionCharter } from './pb/knowledge.ts'
import type { CharterState } from './session-charters.ts'
import type { SessionBounds, SessionField, SessionOutcome, SessionRejection, VerifiedSessionRecord } from './session-codec.ts'
import type { SessionSyncHost } from './session-sync.ts'
import type { SessionView } from './session-view.ts'
import type { RecordCrypto } from '../crypto/index.ts'
import type { GossipSub } from '../pubsub/gossip.ts'
import type { MeshDatabase, MeshStore } from '../storage/index.ts'
import type { Message } from '@libp2p/gossipsub'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'

export * from './session-codec.ts'
export * from './session-view.ts'

export { SESSION_SYNC_PROTOCOL } from './session-sync.ts'
/** a session pulls from a peer at most this often when it sees a gap */
const GAP_PULL_MS = 2000
const LOCAL = Symbol('local')

export type SessionEdit = { field: SessionField, text: string } | { field: SessionField, at: number, delete?: number, insert?: string }

export interface SessionEvents {
  /** a session's charter or document changed */
  change: CustomEvent<{ id: string, kind: 'charter' | 'doc' | 'presence' }>
  rejected: CustomEvent<SessionRejection>
}

export interface SessionComponents {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  db: MeshDatabase
  crypto: RecordCrypto
  log: Logger
  checkOptions(): CheckOptions
  /** publish the closing solution as a knowledge entry; resolves with its id */
  publishSolution(session: { id: string, title: string, problem: string, solution: string }): Promise<string>
}

export interface SessionInit {
  /** sessions held and followed (defaults in SESSION_LIMITS) */
  bounds?: Partial<SessionBounds>
  /** new charters per owner from peers: default 1/s, burst 20 */
  charterRate?: { perSecond: number, burst: number }
}

interface Live {
  doc: Y.Doc
  awareness: Awareness
  updateIds: Set<string>
  bytes: number
  /** local Yjs updates applied but not yet signed and sent */
  outbox: Uint8Array[]
  sendTimer?: ReturnType<typeof setTimeout>
  sent?: { promise: Promise<void>, resolve(): void, reject(err: unknown): void }
  /** signed updates go out one after the other */
  sending: Promise<void>
  /** when a gap (an update missing what it builds on) last made this session pull */
  gapPulledAt: number
}

export class SessionService extends TypedEventEmitter<SessionEvents> {
  private readonly store: MeshStore
  private readonly charters = new CharterTable()
  private readonly live = new Map<string, Live>()
  private readonly updateRate = new TokenBuckets(30, 300)
  private readonly presenceRate = new TokenBuckets(10, 50)
  /** new charters (sessions and their new versions) per owner from peers */
  private readonly charterRate: TokenBuckets
  private readonly bounds: SessionBounds
  private readonly selfKey: string
  private readonly validator = this.validate.bind(this)
  private running = false
  private opened = false
  private topologyId?: string
  private readonly syncHost: SessionSyncHost

  constructor (private readonly c: SessionComponents, init: SessionInit = {}) {
    super()
    this.bounds = { ...SESSION_LIMITS, ...init.bounds }
    this.charterRate = new TokenBuckets(init.charterRate?.perSecond ?? 1, init.charterRate?.burst ?? 20)
    this.store = openStore(c.db, 'knowledge-sessions')
    this.selfKey = toHex(c.crypto.signer.publicKey)
    this.syncHost = {
      charters: this.charters,
      store: this.store,
      log: c.log,
      libp2p: c.libp2p,
      verifier: c.crypto.verifier,
      checkOptions: () => c.checkOptions(),
      // a catch-up pages through what a peer holds: its pace is the sync's, not the gossip rate's
      accept: async (rec, from) => this.accept(rec, from, 'sync'),
      rejected: r => { this.rejected(r) },
      stateVector: id => {
        const live = this.live.get(id)
        return live == null ? undefined : Y.encodeStateVector(live.doc)
      },
      pullFrom: (id, requester) => {
        const live = this.live.get(id)
        if (live != null) { this.pullGap(id, live, requester) }
      }
    }
  }

  private get pubsub (): GossipSub {
    return this.c.libp2p.services.pubsub
  }

  async start (): Promise<void> {
    if (this.running) { return }
    if (!this.opened) {
      for await (const value of this.store.values({ gte: 'c!', lt: 'c"' })) {
        const checked = await checkSessionRecord(value, { verify: async () => true }, { now: Number.MAX_SAFE_INTEGER, maxClockSkewMs: 0 })
        if (checked.ok && checked.record.kind === 'charter') { this.charters.hold(toHex(checked.record.charter.sessionId), { charter: checked.record.charter, idHex: checked.record.idHex, signed: value }) }
      }
      this.opened = true
    }
    this.running = true
    this.pubsub.topicValidators.set(SESSIONS_TOPIC, this.validator)
    registerTopicScore(this.pubsub, SESSIONS_TOPIC)
    this.pubsub.subscribe(SESSIONS_TOPIC)
    await this.c.libp2p.handle(SESSION_SYNC_PROTOCOL, (stream, conn) => { void serveSessionSync(this.syncHost, stream, conn) }, { maxInboundStreams: 4 })
    this.topologyId = await this.c.libp2p.register(SESSION_SYNC_PROTOCOL, {
      onConnect: (peer) => {
        void this.catchUpCharters(peer).catch(err => { this.c.log('charter catch-up failed: %s', err.message) })
        for (const id of this.live.keys()) { void this.catchUp(id, [peer]).catch(() => {}) }
      }
    })
    for (const id of this.charters.keys()) { if (this.shouldAutoJoin(id)) { await this.join(id) } }
  }

  async stop (): Promise<void> {
    if (!this.running) { return }
    this.running = false
    if (this.topologyId != null) { this.c.libp2p.unregister(this.topologyId) }
    await this.c.libp2p.unhandle(SESSION_SYNC_PROTOCOL)
    // what was typed is signed and stored before the documents go
    await Promise.allSettled([...this.live].map(async ([id, live]) => { this.flush(id, live); await live.sending }))
    for (const id of [...this.live.keys()]) { this.leave(id) }
    this.pubsub.unsubscribe(SESSIONS_TOPIC)
    this.pubsub.topicValidators.delete(SESSIONS_TOPIC)
  }

  // ---- charters ----

  private checkFollowBound (): void {
    if (this.live.size >= this.bounds.maxJoined) { throw new KnowledgeInputError('quota', `this node follows ${this.live.size} sessions, the most it follows at once (a restart drops the closed ones)`) }
  }

  /** follow a session without being asked? (see `autoJoinAllowed`) */
  private shouldAutoJoin (id: string): boolean {
    const st = this.charters.get(id)
    if (st == null || this.live.has(id)) { return false }
    return autoJoinAllowed(st.charter, this.selfKey, [...this.live.keys()].map(j => this.charters.get(j)?.charter.owner), this.bounds)
  }

  private async publishCharter (rec: VerifiedSessionRecord): Promise<void> {
    await this.accept(rec, 'local')
    await this.pubsub.publish(SESSIONS_TOPIC, rec.signed).catch(err => { this.c.log('charter publish failed: %s', err.message) })
  }

  async create (init: { title: string, description?: string, problem?: string, participants?: string[] }): Promise<SessionView> {
    // refused before anything is signed or sent: a session its owner cannot follow would be half made
    this.checkFollowBound()
    const nonce = crypto.getRandomValues(new Uint8Array(16))
    const sessionId = await sessionIdOf(this.c.crypto.signer.publicKey, nonce)
    const participants = (init.participants ?? []).map(keyOfPeer).filter(k => toHex(k) !== this.selfKey)
    const rec = await signCharter(this.c.crypto.signer, { sessionId: sessionId as Uint8Array<ArrayBuffer>, nonce, version: 1, title: init.title ?? '', description: init.description ?? '', participants: participants as Array<Uint8Array<ArrayBuffer>>, closed: false, solutionEntry: new Uint8Array(0), createdAt: this.c.checkOptions().now })
    if (rec.kind === 'charter') { this.checkCharterInput(rec.charter) }
    await this.publishCharter(rec)
    const id = toHex(sessionId)
    if (init.problem != null && init.problem !== '') { await this.edit(id, { field: 'problem', text: init.problem }) }
    return this.view(id)
  }

  private checkCharterInput (c: SessionCharter): void {
    const problem = charterInputProblem(c)
    if (problem != null) { throw new KnowledgeInputError('session', problem) }
  }

  private own (id: string): CharterState {
    const st = this.charters.get(checkSessionId(id))
    if (st == null) { throw new KnowledgeInputError('not-found', `no session ${id}`) }
    if (toHex(st.charter.owner) !== this.selfKey) { throw new KnowledgeInputError('not-owner', 'only the owner of a session may change who takes part or close it') }
    if (st.charter.closed) { throw new KnowledgeInputError('closed', 'the session is closed') }
    return st
  }

  async invite (id: string, peers: string[]): Promise<SessionView> {
    const st = this.own(id)
    const keys = new Map<string, Uint8Array>(st.charter.participants.map(p => [toHex(p), p]))
    for (const p of peers.map(keyOfPeer)) { if (toHex(p) !== this.selfKey) { keys.set(toHex(p), p) } }
    const rec = await signCharter(this.c.crypto.signer, { ...st.charter, version: st.charter.version + 1, participants: [...keys.values()] as Array<Uint8Array<ArrayBuffer>>, createdAt: Math.max(this.c.checkOptions().now, st.charter.createdAt) })
    if (rec.kind === 'charter') { this.checkCharterInput(rec.charter) }
    await this.publishCharter(rec)
    return this.view(id)
  }

  async close (id: string): Promise<SessionView> {
    const st = this.own(id)
    const live = await this.join(id)
    const text = (f: SessionField): string => live.doc.getText(f).toString()
    const entryId = await this.c.publishSolution({ id, title: st.charter.title, problem: text('problem'), solution: text('solution') })
    const rec = await signCharter(this.c.crypto.signer, { ...st.charter, version: st.charter.version + 1, closed: true, solutionEntry: fromHex(entryId) as Uint8Array<ArrayBuffer>, createdAt: Math.max(this.c.checkOptions().now, st.charter.createdAt) })
    await this.publishCharter(rec)
    return this.view(id)
  }

  // ---- documents ----

  /** Follow a session: load its document, subscribe to its topic, catch up from peers. */
  async join (id: string): Promise<Live> {
    checkSessionId(id)
    let live = this.live.get(id)
    if (live != null) { return live }
    if (!this.charters.has(id)) { throw new KnowledgeInputError('not-found', `no session ${id}`) }
    this.checkFollowBound()
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    live = { doc, awareness, updateIds: new Set(), bytes: 0, outbox: [], sending: Promise.resolve(), gapPulledAt: 0 }
    this.live.set(id, live)
    for await (const value of this.store.values({ gte: `u!${id}!`, lt: `u!${id}"` })) {
      const checked = await checkSessionRecord(value, { verify: async () => true }, { now: Number.MAX_SAFE_INTEGER, maxClockSkewMs: 0 })
      if (!checked.ok || checked.record.kind !== 'update') { continue }
      live.updateIds.add(checked.record.idHex)
      live.bytes += checked.record.update.data.length
      Y.applyUpdate(doc, checked.record.update.data, 'store')
    }
    const self = this.c.libp2p.peerId.toString()
    awareness.setLocalState({ peer: self, cursor: null })
    awareness.on('update', ({ added, updated, removed }: { added: number[], updated: number[], removed: number[] }, origin: unknown) => {
      if (origin === 'local' && this.running) {
        void this.publishUpdate(id, UPDATE_KIND.awareness, encodeAwarenessUpdate(awareness, [doc.clientID])).catch(err => { this.c.log('presence publish failed: %s', err.message) })
      }
      if (added.length + updated.length + removed.length > 0) { this.safeDispatchEvent('change', { detail: { id, kind: 'presence' } }) }
    })
    const topic = sessionTopic(id)
    this.pubsub.topicValidators.set(topic, this.validator)
    registerTopicScore(this.pubsub, topic)
    this.pubsub.subscribe(topic)
    void this.catchUp(id).catch(err => { this.c.log('session catch-up failed: %s', err.message) })
    return live
  }

  leave (id: string): void {
    const live = this.live.get(id)
    if (live == null) { return }
    clearTimeout(live.sendTimer)
    live.sent?.reject(new KnowledgeInputError('closed', 'left the session before the change was sent'))
    live.awareness.destroy()
    live.doc.destroy()
    this.live.delete(id)
    const topic = sessionTopic(id)
    this.pubsub.unsubscribe(topic)
    this.pubsub.topicValidators.delete(topic)
  }

  /** the live Y.Doc of a joined session (tests, embedding) */
  doc (id: string): Y.Doc | undefined {
    return this.live.get(id)?.doc
  }

  /** Apply an edit (joining the session first) and send it; resolves with the session as it is then. */
  async edit (id: string, edit: SessionEdit): Promise<SessionView> {
    this.writable(id)
    await this.join(id)
    await this.change(id, edit)
    return this.view(id)
  }

  /**
   * Apply this node's edit to a joined session now: the document holds it when this
   * returns, so an editor places the next keystroke by the index it sees. Signing and
   * sending follow; edits made within `sendAfterMs` of the first go out as one signed
   * update. Resolves once sent. Throws (before changing anything) on a bad edit.
   */
  change (id: string, edit: SessionEdit, opts: { sendAfterMs?: number } = {}): Promise<void> {
    this.writable(id)
    const live = this.live.get(id)
    if (live == null) { throw new KnowledgeInputError('not-found', `session ${id} is not joined`) }
    if (!(SESSION_FIELDS as readonly string[]).includes(edit.field)) { throw new KnowledgeInputError('field', `field must be one of ${SESSION_FIELDS.join(', ')}`) }
    const text = live.doc.getText(edit.field)
    let inserted: string
    if ('text' in edit) {
      if (typeof edit.text !== 'string') { throw new KnowledgeInputError('text', 'text must be a string') }
      inserted = diffOf(text.toString(), edit.text).insert
    } else {
      const at = edit.at
      if (!Number.isInteger(at) || at < 0 || at > text.length) { throw new KnowledgeInputError('at', `at must be an integer from 0 to ${text.length}`) }
      const del = edit.delete ?? 0
      if (!Number.isInteger(del) || del < 0 || at + del > text.length) { throw new KnowledgeInputError('delete', 'delete must fit inside the text') }
      if (edit.insert != null && typeof edit.insert !== 'string') { throw new KnowledgeInputError('insert', 'insert must be a string') }
      inserted = edit.insert ?? ''
    }
    // refused before it is applied: an update applied here but never sent would part this copy from the others for good
    if (utf8Length(inserted) > SESSION_LIMITS.maxUpdateBytes - 1024) { throw new KnowledgeInputError('text', `one change inserts at most ${SESSION_LIMITS.maxUpdateBytes - 1024} bytes; make it in parts`) }
    let update: Uint8Array | undefined
    const capture = (u: Uint8Array, origin: unknown): void => { if (origin === LOCAL) { update = u } }
    live.doc.on('update', capture)
    try {
      live.doc.transact(() => {
        if ('text' in edit) {
          replaceText(text, edit.text)
        } else {
          if ((edit.delete ?? 0) > 0) { text.delete(edit.at, edit.delete ?? 0) }
          if (edit.insert != null && edit.insert !== '') { text.insert(edit.at, edit.insert) }
        }
      }, LOCAL)
    } finally {
      live.doc.off('update', capture)
    }
    if (update == null) { return Promise.resolve() }
    live.outbox.push(update)
    live.sent ??= deferred()
    const sent = live.sent.promise
    const after = opts.sendAfterMs ?? 0
    if (after <= 0) {
      this.flush(id, live)
    } else {
      live.sendTimer ??= setTimeout(() => { this.flush(id, live) }, after)
    }
    return sent
  }

  /** sign and send what the outbox holds, as one update when it fits */
  private flush (id: string, live: Live): void {
    clearTimeout(live.sendTimer)
    live.sendTimer = undefined
    const updates = live.outbox
    live.outbox = []
    const waiter = live.sent
    live.sent = undefined
    if (updates.length === 0) { waiter?.resolve(); return }
    const merged = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)
    const parts = merged.length <= SESSION_LIMITS.maxUpdateBytes ? [merged] : updates
    live.sending = live.sending.then(async () => {
      for (const part of parts) { await this.publishUpdate(id, UPDATE_KIND.doc, part) }
    }).then(() => waiter?.resolve(), (err: unknown) => waiter?.reject(err))
  }

  private writable (id: string): CharterState {
    const st = this.charters.get(checkSessionId(id))
    if (st == null) { throw new KnowledgeInputError('not-found', `no session ${id}`) }
    if (!mayWrite(st.charter, this.selfKey)) { throw new KnowledgeInputError('not-participant', 'this node is not a participant of the session') }
    if (st.charter.closed) { throw new KnowledgeInputError('closed', 'the session is closed') }
    return st
  }

  /** this node's cursor in a session (presence) */
  async setPresence (id: string, state: { name?: string, cursor?: { field: SessionField, index: number } | null }): Promise<void> {
    const live = await this.join(id)
    live.awareness.setLocalState({ peer: this.c.libp2p.peerId.toString(), name: state.name, cursor: state.cursor ?? null })
  }

  private async publishUpdate (id: string, kind: number, data: Uint8Array): Promise<void> {
    if (data.length > SESSION_LIMITS.maxUpdateBytes) { throw new KnowledgeInputError('text', `one change is at most ${SESSION_LIMITS.maxUpdateBytes} bytes; make it in parts`) }
    const rec = await signUpdate(this.c.crypto.signer, { sessionId: fromHex(id) as Uint8Array<ArrayBuffer>, kind, data: data as Uint8Array<ArrayBuffer>, createdAt: this.c.checkOptions().now })
    if (kind === UPDATE_KIND.doc) { await this.accept(rec, 'local') }
    await this.pubsub.publish(sessionTopic(id), rec.signed).catch(err => { this.c.log('session publish failed: %s', err.message) })
  }

  // ---- receiving ----

  private rejected (r: SessionRejection): void {
    this.c.log('session record refused from %s: %s %s', r.peer, r.reason, r.detail)
    this.safeDispatchEvent('rejected', { detail: r })
  }

  private async validate (peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    if (!this.running) { return TopicValidatorResult.Ignore }
    const from = peer.toString()
    const checked = await checkSessionRecord(msg.data, this.c.crypto.verifier, this.c.checkOptions())
    if (!checked.ok) {
      this.rejected({ reason: checked.reason, detail: checked.detail, peer: from })
      return TopicValidatorResult.Reject
    }
    const rec = checked.record
    // a charter only on the charters topic, an update only on its own session's topic
    const expected = rec.kind === 'charter' ? SESSIONS_TOPIC : sessionTopic(toHex(rec.update.sessionId))
    if (msg.topic !== expected) {
      this.rejected({ reason: 'malformed', detail: `record on the wrong topic ${msg.topic}`, peer: from })
      return TopicValidatorResult.Reject
    }
    const outcome = await this.accept(rec, from)
    if (outcome === 'new') { return TopicValidatorResult.Accept }
    if (outcome === 'known' || (outcome === 'rate-limited' && rec.kind === 'update')) { return TopicValidatorResult.Ignore }
    const session = rec.kind === 'update' ? toHex(rec.update.sessionId) : toHex(rec.charter.sessionId)
    if (outcome === 'quota' || outcome === 'rate-limited') {
      // the bound is this node's: the peer forwarding it may hold it rightly, so no penalty
      // (an owner's charters over its rate are reported: they are few unless it floods)
      this.rejected({ reason: outcome, detail: outcome === 'quota' ? 'over a bound of this node' : 'over the owner\'s charter rate', peer: from, session })
      return TopicValidatorResult.Ignore
    }
    this.rejected({ reason: outcome, detail: 'refused by the charter in force', peer: from, session })
    return TopicValidatorResult.Reject
  }

  /** apply a verified record: 'new', 'known', or why it is refused */
  private async accept (rec: VerifiedSessionRecord, from: string, path: 'gossip' | 'sync' = 'gossip'): Promise<SessionOutcome> {
    if (rec.kind === 'charter') {
      const id = toHex(rec.charter.sessionId)
      const cur = this.charters.get(id)
      if (cur != null && (cur.charter.version > rec.charter.version || (cur.charter.version === rec.charter.version && cur.idHex >= rec.idHex))) { return 'known' }
      const owner = toHex(rec.charter.owner)
      const over = cur == null ? this.charters.overBound(owner, this.bounds) : undefined
      if (over != null) {
        if (from === 'local') { throw new KnowledgeInputError('quota', over) }
        return 'quota'
      }
      // each new version makes every node that follows the session catch up: an owner's pace on gossip is bounded
      if (from !== 'local' && path === 'gossip' && !this.charterRate.take(owner)) { return 'rate-limited' }
      // held before the write completes, so that a burst of copies checked at once counts exactly
      this.charters.hold(id, { charter: rec.charter, idHex: rec.idHex, signed: rec.signed })
      try {
        await this.store.put(`c!${id}`, rec.signed)
      } catch (err) {
        this.charters.unhold(id, cur)
        throw err
      }
      this.safeDispatchEvent('change', { detail: { id, kind: 'charter' } })
      if (this.running && this.shouldAutoJoin(id)) { void this.join(id).catch(() => {}) } else if (this.live.has(id) && from !== 'local') { void this.catchUp(id).catch(() => {}) }
      return 'new'
    }
    const u = rec.update
    const id = toHex(u.sessionId)
    const st = this.charters.get(id)
    const live = this.live.get(id)
    if (st == null || live == null) { return 'unknown-session' }
    const author = toHex(u.author)
    if (!mayWrite(st.charter, author)) { return 'not-participant' }
    if (u.kind === UPDATE_KIND.awareness) {
      if (from !== 'local' && !this.presenceRate.take(author)) { return 'rate-limited' }
      try {
        applyAwarenessUpdate(live.awareness, u.data, from)
      } catch {
        return 'bad-update'
      }
      return 'new'
    }
    if (live.updateIds.has(rec.idHex)) { return 'known' }
    // once closed, only what was written before the closing counts
    if (st.charter.closed && u.createdAt > st.charter.createdAt) { return 'closed' }
    if (live.updateIds.size >= SESSION_LIMITS.maxUpdatesPerSession || live.bytes + u.data.length > SESSION_LIMITS.maxSessionBytes) { return 'quota' }
    if (from !== 'local' && !this.updateRate.take(author)) { return 'rate-limited' }
    if (from !== 'local') {
      try {
        Y.applyUpdate(live.doc, u.data, from)
      } catch {
        return 'bad-update'
      }
      // it builds on an update this node lacks (lost, or sent while this node was away): pull it
      if (live.doc.store.pendingStructs != null) { this.pullGap(id, live, from) }
    }
    live.updateIds.add(rec.idHex)
    live.bytes += u.data.length
    await this.store.put(`u!${id}!${sortableNumber(live.updateIds.size)}`, rec.signed)
    this.safeDispatchEvent('change', { detail: { id, kind: 'doc' } })
    return 'new'
  }

  // ---- catch-up ----

  private pullGap (id: string, live: Live, from: string): void {
    const now = Date.now()
    if (!this.running || now - live.gapPulledAt < GAP_PULL_MS) { return }
    live.gapPulledAt = now
    let peer: PeerId | undefined
    try { peer = peerIdFromString(from) } catch { /* not a peer id: ask every connected peer */ }
    void this.catchUp(id, peer == null ? undefined : [peer]).catch(err => { this.c.log('session gap pull failed: %s', err.message) })
  }

  /** pull the charters a peer holds (at most 10,000 / 256 pages) */
  async catchUpCharters (peer: PeerId): Promise<number> {
    return pullCharters(this.syncHost, peer)
  }

  /** pull a session's charter and updates from peers (default: every connected peer, at most 4) */
  async catchUp (id: string, peers?: PeerId[]): Promise<number> {
    const live = this.live.get(id)
    return pullSession(this.syncHost, id, (peers ?? this.c.libp2p.getPeers()).slice(0, 4), () => live == null ? new Uint8Array(0) : Y.encodeStateVector(live.doc))
  }

  // ---- reading ----

  view (id: string): SessionView {
    const st = this.charters.get(checkSessionId(id))
    if (st == null) { throw new KnowledgeInputError('not-found', `no session ${id}`) }
    return sessionView(id, st.charter, this.live.get(id))
  }

  list (): Array<Omit<SessionView, 'fields' | 'presence'>> {
    return [...this.charters.keys()].map(id => {
      const { fields, presence, ...rest } = this.view(id)
      return rest
    }).sort((a, b) => b.created_at - a.created_at)
  }

  get size (): number {
    return this.charters.size
  }
}
