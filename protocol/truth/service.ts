/**
 * The truth service (see index.ts for what it does and its types): gossip receive with
 * its duplicate and rate checks, posting, queries, spread, and catch-up scheduling.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { TypedEventEmitter } from 'main-event'
import { peerIdFromRawKey, toHex } from '../crypto/index.ts'
import { resolveIdPrefix } from '../errors.ts'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { WindowBudget } from '../limits/window-budget.ts'
import { createSignedTopicService } from '../sync/signed-topic-service.ts'
import { checkFrame, encodeFrame, DEFAULT_MAX_CLOCK_SKEW_MS, isChannelName, signTruth, STANDARD_CHANNELS, TruthInputError, truthTopic } from './codec.ts'
import { SpreadTracker } from './spread.ts'
import { isCursor, TruthStore } from './store.ts'
import { createSyncResponder, runSyncSession, SYNC_PROTOCOL } from './sync.ts'
import type { CheckOptions, VerifiedTruth } from './codec.ts'
import type { ChannelInfo, PostOptions, PostResult, TruthComponents, TruthEvents, TruthInit, TruthListQuery, TruthMessage, TruthMessageEvent, TruthOrigin, TruthPage, TruthRejection, TruthService, TruthStats, TruthSyncInit } from './index.ts'
import type { StoredEntry } from './store.ts'
import type { SyncContext, SyncInit, SyncReport } from './sync.ts'
import type { SignedTopicService } from '../sync/signed-topic-service.ts'
import type { Message } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'

const FORWARDED_CAPACITY = 65_536

export class DefaultTruthService extends TypedEventEmitter<TruthEvents> implements TruthService {
  private readonly components: TruthComponents
  private readonly log: Logger
  private readonly store: TruthStore
  private readonly spreadTracker: SpreadTracker
  private readonly now: () => number
  private readonly maxClockSkewMs: number
  private readonly authorRate: TokenBuckets
  private readonly peerRate: TokenBuckets
  private readonly defaultChannels: string[]
  private readonly syncInit: Required<Pick<TruthSyncInit, 'onConnect' | 'intervalMs' | 'minGapMs' | 'maxConcurrent'>> & SyncInit
  private readonly subscribed = new Set<string>()
  /** `<channel>:<id>` already forwarded: later copies on that topic are duplicates */
  private readonly forwarded = new Set<string>()
  private readonly authorIds = new Map<string, string>()
  private readonly selfId: string
  private readonly topic: SignedTopicService
  private counters = { rejected: 0, syncs: 0 }
  // sync scheduling
  private readonly lastSync = new Map<string, number>()
  private readonly regossipBudget = new WindowBudget(10_000, REGOSSIP_PER_10S)
  private readonly syncQueue: PeerId[] = []
  private readonly syncing = new Set<string>()
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>()
  private snapshot = new Map<string, Set<string>>()
  private snapshotAt = 0
  private readonly validator = this.validate.bind(this)

  constructor (components: TruthComponents, init: TruthInit = {}) {
    super()
    this.components = components
    this.log = components.logger.forComponent('liberation:truth')
    this.store = new TruthStore(components.db)
    this.spreadTracker = new SpreadTracker(init.spread)
    this.now = init.now ?? Date.now
    this.maxClockSkewMs = init.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
    this.authorRate = new TokenBuckets(init.authorRate?.perSecond ?? 10, init.authorRate?.burst ?? 200)
    this.peerRate = new TokenBuckets(init.peerRate?.perSecond ?? 100, init.peerRate?.burst ?? 1000)
    this.defaultChannels = init.defaultChannels ?? ['social']
    this.syncInit = { onConnect: true, intervalMs: 30_000, minGapMs: 2000, maxConcurrent: 2, ...init.sync }
    this.selfId = components.libp2p.peerId.toString()
    const channels = init.channels ?? [...STANDARD_CHANNELS]
    for (const c of [...channels, ...this.defaultChannels]) {
      if (!isChannelName(c)) { throw new TruthInputError('channels', `invalid channel name ${JSON.stringify(c)}`) }
    }
    for (const c of channels) { this.subscribed.add(c) }
    this.topic = createSignedTopicService(components, {
      name: 'truth',
      protocol: SYNC_PROTOCOL,
      createHandler: () => createSyncResponder(this.syncContext(), this.syncInit),
      validator: this.validator,
      topics: () => [...this.subscribed].map(truthTopic),
      open: async () => {
        await this.store.open()
        // holders of recent messages are not persisted: start from what is certain
        const recent = await this.store.list({ limit: 10_000, order: 'desc' })
        for (const e of recent.entries.reverse()) {
          this.spreadTracker.track(e.idHex, e.body.createdAt, e.body.channels, [this.selfId, this.authorId(e.body.author)])
        }
      },
      syncInBackground: peer => { this.scheduleSync(peer) },
      syncOnConnect: this.syncInit.onConnect,
      intervalMs: this.syncInit.intervalMs,
      pickPeer: peers => this.leastRecentlySynced(peers)
    })
  }

  private checkOptions (): CheckOptions {
    return { now: this.now(), maxClockSkewMs: this.maxClockSkewMs }
  }

  async start (): Promise<void> {
    await this.topic.start()
  }

  async stop (): Promise<void> {
    if (!this.topic.running) { return }
    for (const t of this.retryTimers) { clearTimeout(t) }
    this.retryTimers.clear()
    this.syncQueue.length = 0
    await this.topic.stop()
  }

  subscriptions (): string[] {
    return [...this.subscribed]
  }

  subscribe (channel: string): void {
    if (!isChannelName(channel)) { throw new TruthInputError('channel', `invalid channel name ${JSON.stringify(channel)}`) }
    if (this.subscribed.has(channel)) { return }
    this.subscribed.add(channel)
    if (this.topic.running) { this.topic.join(truthTopic(channel)) }
  }

  unsubscribe (channel: string): void {
    if (!this.subscribed.delete(channel)) { return }
    if (this.topic.running) { this.topic.leave(truthTopic(channel)) }
  }

  private authorId (key: Uint8Array): string {
    const hex = toHex(key)
    let id = this.authorIds.get(hex)
    if (id == null) {
      id = peerIdFromRawKey(key).toString()
      if (this.authorIds.size >= 10_000) { this.authorIds.delete(this.authorIds.keys().next().value as string) }
      this.authorIds.set(hex, id)
    }
    return id
  }

  private markForwarded (key: string): boolean {
    if (this.forwarded.has(key)) { return false }
    if (this.forwarded.size >= FORWARDED_CAPACITY) { this.forwarded.delete(this.forwarded.keys().next().value as string) }
    this.forwarded.add(key)
    return true
  }

  /** gossipsub topic validator: Reject for bad input (penalises the sender), Ignore for duplicates */
  private async validate (peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    if (!this.topic.running) { return TopicValidatorResult.Ignore }
    const from = peer.toString()
    const result = await checkFrame(msg.data, msg.topic, this.components.crypto.verifier, this.checkOptions(), async id => this.store.getSignedIfKnown(id))
    if (!result.ok) {
      this.rejected({ reason: result.reason, detail: result.detail, peer: from, origin: 'gossip', topic: msg.topic, id: result.idHex, action: 'reject' })
      return TopicValidatorResult.Reject
    }
    const { truth } = result
    const channel = msg.topic.split('/')[2]
    if (result.known !== true) {
      const now = this.now()
      if (!this.authorRate.take(toHex(truth.body.author), 1, now)) {
        this.rejected({ reason: 'rate-limited', detail: 'author over its message rate', peer: from, origin: 'gossip', topic: msg.topic, id: truth.idHex, action: 'ignore' })
        return TopicValidatorResult.Ignore
      }
      if (!this.peerRate.take(from, 1, now)) {
        this.rejected({ reason: 'rate-limited', detail: 'peer over its message rate', peer: from, origin: 'gossip', topic: msg.topic, id: truth.idHex, action: 'ignore' })
        return TopicValidatorResult.Ignore
      }
      // forwarded while it is written: a hop costs no database round trip
      void this.ingest(truth, 'gossip', from).catch(err => { this.log.error('storing %s failed: %s', truth.idHex, err.message) })
    }
    this.spreadTracker.holds(truth.idHex, from)
    return this.markForwarded(`${channel}:${truth.idHex}`) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  /** store a verified message; emits `message` when it is new */
  private async ingest (truth: VerifiedTruth, origin: TruthOrigin, from?: string, correlationId?: string): Promise<boolean> {
    const stored = await this.topic.track(this.store.put(truth, this.now()))
    if (!stored) { return false }
    this.afterStore(truth, origin, from, correlationId)
    return true
  }

  private afterStore (truth: VerifiedTruth, origin: TruthOrigin, from?: string, correlationId?: string): void {
    const holders = [this.selfId, this.authorId(truth.body.author)]
    if (from != null) { holders.push(from) }
    this.spreadTracker.track(truth.idHex, truth.body.createdAt, truth.body.channels, holders)
    const message: TruthMessageEvent = {
      ...this.toMessage({ idHex: truth.idHex, body: truth.body, signed: truth.signed, signature: truth.signature, receivedAt: this.now() }, this.subscriberSnapshot()),
      origin
    }
    if (from != null) { message.from = from }
    this.safeDispatchEvent('message', { detail: message })
    // the message id ties its later events (API requests, syncs) to this one
    this.components.events.emitEvent('truth', 'message', message, correlationId ?? truth.idHex)
  }

  private rejected (r: TruthRejection): void {
    this.counters.rejected++
    this.log('%s %s from %s: %s', r.action, r.reason, r.peer, r.detail)
    this.safeDispatchEvent('rejected', { detail: r })
    this.components.events.emitEvent('truth', 'rejected', r)
  }

  async post (content: string, opts: PostOptions = {}): Promise<PostResult> {
    this.topic.assertRunning()
    const draft = {
      content,
      source: opts.source,
      priority: opts.priority,
      channels: opts.channels ?? this.defaultChannels,
      createdAt: this.now()
    }
    const { signer } = this.components.crypto
    const truth = await signTruth(signer, draft)
    if (!this.authorRate.take(toHex(signer.publicKey), 1, this.now())) {
      throw new TruthInputError('rate-limited', 'posting faster than peers accept from one author; try again shortly')
    }
    const recipients = new Set<string>()
    const publishing = truth.body.channels.map(async channel => {
      this.markForwarded(`${channel}:${truth.idHex}`)
      try {
        const res = await this.topic.pubsub.publish(truthTopic(channel), encodeFrame(channel, truth))
        for (const p of res.recipients) { recipients.add(p.toString()) }
      } catch (err: any) {
        // stored anyway: peers get it by sync
        this.log('publish on %s failed: %s', channel, err.message)
      }
    })
    // written while the first hop is on its way
    const storing = this.ingest(truth, 'local', undefined, opts.correlationId)
    await Promise.all(publishing)
    await storing
    for (const p of recipients) { this.spreadTracker.holds(truth.idHex, p) }
    const entry: StoredEntry = { idHex: truth.idHex, body: truth.body, signed: truth.signed, signature: truth.signature, receivedAt: draft.createdAt }
    return { ...this.toMessage(entry), recipients: [...recipients] }
  }

  async get (id: string): Promise<TruthMessage | null> {
    const entry = await this.store.getEntry(checkId(id))
    return entry == null ? null : this.toMessage(entry)
  }

  async resolveId (prefix: string): Promise<string> {
    if (typeof prefix !== 'string' || !/^[0-9a-f]{4,64}$/.test(prefix)) { throw new TruthInputError('id', 'a message id is 4 to 64 lowercase hex characters (a unique prefix)') }
    return resolveIdPrefix(prefix, await this.store.idsWithPrefix(prefix, 4), 'truth message')
  }

  async getRaw (id: string): Promise<Uint8Array | null> {
    return await this.store.getSigned(checkId(id)) ?? null
  }

  async list (query: TruthListQuery = {}): Promise<TruthPage> {
    const { channel, since, until, cursor } = query
    const limit = query.limit ?? 50
    const order = query.order ?? 'desc'
    if (channel != null && !isChannelName(channel)) { throw new TruthInputError('channel', `invalid channel name ${JSON.stringify(channel)}`) }
    if (since != null && !(Number.isSafeInteger(since) && since >= 0)) { throw new TruthInputError('since', 'since must be a non-negative integer (ms)') }
    if (until != null && !(Number.isSafeInteger(until) && until >= 0)) { throw new TruthInputError('until', 'until must be a non-negative integer (ms)') }
    if (cursor != null && !isCursor(cursor)) { throw new TruthInputError('cursor', 'malformed cursor') }
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) { throw new TruthInputError('limit', 'limit must be an integer from 1 to 500') }
    if (order !== 'asc' && order !== 'desc') { throw new TruthInputError('order', "order must be 'asc' or 'desc'") }
    const page = await this.store.list({ channel, since, until, cursor, limit, order })
    const audiences = new Map<string, Set<string>>()
    return { items: page.entries.map(e => this.toMessage(e, audiences)), next_cursor: page.nextCursor }
  }

  channels (): ChannelInfo[] {
    const names = new Set([...STANDARD_CHANNELS, ...this.subscribed, ...this.store.channelCounts.keys()])
    const audiences = new Map<string, Set<string>>()
    return [...names].sort().map(channel => {
      const ids = this.spreadTracker.idsOnChannel(channel).slice(-100)
      let sum = 0
      for (const id of ids) { sum += this.effectiveness(id, this.spreadTracker.channels(id) ?? [channel], audiences).effectiveness }
      return {
        channel,
        topic: truthTopic(channel),
        subscribed: this.subscribed.has(channel),
        reach: this.subscribers(channel, audiences).size,
        messages: this.store.channelCounts.get(channel) ?? 0,
        conversion_rate: ids.length === 0 ? 0 : sum / ids.length
      }
    })
  }

  /**
   * Subscribers for the receive path: refreshed at most once a second, since listing a
   * topic's subscribers costs more than the rest of delivering a message.
   */
  private subscriberSnapshot (): Map<string, Set<string>> {
    const now = Date.now()
    if (now - this.snapshotAt > 1000) {
      this.snapshot = new Map()
      this.snapshotAt = now
    }
    return this.snapshot
  }

  /** known subscribers of a channel: connected gossipsub subscribers, plus this node */
  private subscribers (channel: string, cache: Map<string, Set<string>>): Set<string> {
    let s = cache.get(channel)
    if (s == null) {
      s = new Set(this.topic.pubsub.getSubscribers(truthTopic(channel)).map(p => p.toString()))
      if (this.subscribed.has(channel)) { s.add(this.selfId) }
      cache.set(channel, s)
    }
    return s
  }

  private effectiveness (idHex: string, channels: string[], cache: Map<string, Set<string>>): { spread: number, effectiveness: number } {
    const holders = this.spreadTracker.holders(idHex) ?? new Set([this.selfId])
    const audience = new Set(holders)
    audience.add(this.selfId)
    for (const c of channels) { for (const p of this.subscribers(c, cache)) { audience.add(p) } }
    return { spread: holders.size, effectiveness: holders.size / audience.size }
  }

  private toMessage (e: StoredEntry, cache = new Map<string, Set<string>>()): TruthMessage {
    const { spread, effectiveness } = this.effectiveness(e.idHex, e.body.channels, cache)
    return {
      id: e.idHex,
      content: e.body.content,
      source: e.body.source,
      priority: e.body.priority,
      channels: [...e.body.channels],
      created_at: e.body.createdAt,
      author: this.authorId(e.body.author),
      author_key: toHex(e.body.author),
      signature: toHex(e.signature),
      received_at: e.receivedAt,
      spread,
      effectiveness
    }
  }

  stats (): TruthStats {
    return { messages: this.store.size, channels: this.store.channelCounts.size, rejected: this.counters.rejected, syncs: this.counters.syncs }
  }

  // ---- catch-up ----

  private syncContext (): SyncContext {
    return {
      store: this.store,
      spread: this.spreadTracker,
      verifier: this.components.crypto.verifier,
      log: this.log,
      checkOptions: () => this.checkOptions(),
      ingest: async (truth, from) => {
        const stored = await this.ingest(truth, 'sync', from)
        if (stored) { this.regossip(truth) }
        return stored
      },
      reject: (reason, detail, peer, id) => {
        this.rejected({ reason, detail, peer, origin: 'sync', id, action: 'reject' })
      },
      // the same author and peer budgets as gossip: a pull path is no way around them
      admit: (truth, from) => {
        const now = this.now()
        if (!this.peerRate.has(from, 1, now)) { return 'peer' }
        if (!this.authorRate.take(toHex(truth.body.author), 1, now)) { return 'author' }
        this.peerRate.take(from, 1, now)
        return 'ok'
      }
    }
  }

  async syncWith (peer: PeerId): Promise<SyncReport> {
    return this.topic.session(async signal => this.runSync(peer, signal))
  }

  private async runSync (peer: PeerId, abort: AbortSignal): Promise<SyncReport> {
    const key = peer.toString()
    this.syncing.add(key)
    this.lastSync.set(key, this.now())
    try {
      const signal = AbortSignal.any([abort, AbortSignal.timeout(this.syncInit.sessionTimeoutMs ?? 60_000)])
      const stream = await this.components.libp2p.dialProtocol(peer, SYNC_PROTOCOL, { signal })
      const report = await runSyncSession(this.syncContext(), stream, peer, this.syncInit, abort)
      this.counters.syncs++
      this.log('synced with %s: %d requests, %d new messages (%d left for a later pull) in %d ms', key, report.requests, report.stored, report.deferred, report.ms)
      this.components.events.emitEvent('truth', 'synced', report)
      return report
    } finally {
      this.syncing.delete(key)
      this.lastSync.set(key, this.now())
    }
  }

  private scheduleSync (peer: PeerId): void {
    const key = peer.toString()
    if (!this.topic.running || this.syncing.has(key) || this.syncQueue.some(p => p.equals(peer))) { return }
    this.syncQueue.push(peer)
    this.pumpSync()
  }

  private pumpSync (): void {
    while (this.topic.running && this.syncing.size < this.syncInit.maxConcurrent && this.syncQueue.length > 0) {
      const peer = this.syncQueue.shift() as PeerId
      const key = peer.toString()
      const wait = (this.lastSync.get(key) ?? 0) + this.syncInit.minGapMs - this.now()
      if (wait > 0) {
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer)
          this.scheduleSync(peer)
        }, wait)
        this.retryTimers.add(timer)
        continue
      }
      this.syncWith(peer)
        .catch(err => { this.log('sync with %s failed: %s', key, err.message) })
        .finally(() => { this.pumpSync() })
    }
  }

  /**
   * A recent message that reached us by sync (written offline, or on the other side of a
   * healed partition) is gossiped on, so the rest of the mesh has it within a gossip round
   * instead of one hop per periodic sync. Old messages (a fresh node's catch-up) are not:
   * everyone else has them. Peers that already hold it ignore the copy by id, unpenalised.
   */
  private regossip (truth: VerifiedTruth): void {
    const now = this.now()
    if (!this.topic.running || now - truth.body.createdAt > REGOSSIP_WINDOW_MS) { return }
    if (!this.regossipBudget.take(0, now)) { return }
    for (const channel of truth.body.channels) {
      this.markForwarded(`${channel}:${truth.idHex}`)
      this.topic.pubsub.publish(truthTopic(channel), encodeFrame(channel, truth)).catch((err: any) => {
        this.log('re-gossip on %s failed: %s', channel, err.message)
      })
    }
  }

  /** the periodic sync's pick: the connected peer synced longest ago, not syncing now */
  private leastRecentlySynced (peers: ReadonlyMap<string, PeerId>): PeerId | undefined {
    let pick: PeerId | undefined
    let oldest = Infinity
    for (const [key, peer] of peers) {
      const last = this.lastSync.get(key) ?? 0
      if (last < oldest && !this.syncing.has(key)) { oldest = last; pick = peer }
    }
    return pick
  }
}

function checkId (id: string): string {
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) { throw new TruthInputError('id', 'a message id is 64 lowercase hex characters') }
  return id
}

/** sync-fetched messages younger than this are gossiped on (see regossip) */
const REGOSSIP_WINDOW_MS = 10 * 60_000
/** at most this many re-gossips per 10 s, so a large heal cannot flood the mesh */
const REGOSSIP_PER_10S = 256
