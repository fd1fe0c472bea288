/**
 * The start/stop skeleton shared by the services that gossip signed records on pubsub
 * topics and catch up over a stream protocol (truth, knowledge): each topic gets the
 * owner's validator and the mesh's score parameters; the catch-up protocol is handled and
 * its peers tracked as they connect; a catch-up runs with each peer that connects and
 * with one connected peer every interval; stop leaves the topics, unhandles the protocol
 * and waits for sessions and writes in flight, so the owner may then close the database.
 *
 * What a record is, how it is checked and stored, and how a session runs stay with the
 * owner.
 */
import { registerTopicScore } from '../pubsub/gossip.ts'
import type { GossipSub } from '../pubsub/gossip.ts'
import type { TopicValidatorFn } from '@libp2p/gossipsub'
import type { Libp2p, PeerId, StreamHandler } from '@libp2p/interface'

export interface SignedTopicServiceComponents {
  libp2p: Libp2p<{ pubsub: GossipSub }>
}

export interface SignedTopicServiceInit {
  /** names the service in errors ("<name> service is not running") */
  name: string
  /** the catch-up protocol id */
  protocol: string
  /** the catch-up responder, made at each start */
  createHandler(): StreamHandler
  /** put on every topic joined */
  validator: TopicValidatorFn
  /** topics joined at each start */
  topics(): Iterable<string>
  /** opens what the service keeps: once, at the first start */
  open?(): Promise<void>
  /** start a catch-up with `peer` in the background (the owner logs its failure) */
  syncInBackground(peer: PeerId): void
  /** sync with each peer that connects (default true) */
  syncOnConnect?: boolean
  /** sync with one connected peer this often, ms (0 = never) */
  intervalMs: number
  /** the peer the periodic sync picks; default: one connected peer at random */
  pickPeer?(peers: ReadonlyMap<string, PeerId>): PeerId | undefined
  /** inbound and outbound catch-up streams per connection (default 2) */
  maxStreams?: number
}

export interface SignedTopicService {
  /** between start() and stop() */
  readonly running: boolean
  /** aborted by stop(): sessions end on it */
  readonly signal: AbortSignal
  /** connected peers that speak the catch-up protocol, by peer id string */
  readonly peers: ReadonlyMap<string, PeerId>
  /** catch-up sessions in flight */
  readonly sessions: number
  readonly pubsub: GossipSub
  start(): Promise<void>
  stop(): Promise<void>
  /** validator, score parameters, subscription; left again by leave() or stop() */
  join(topic: string): void
  leave(topic: string): void
  /** throws unless running */
  assertRunning(): void
  /** run a catch-up session (only while running); stop() aborts `signal` and waits for it */
  session<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T>
  /** a write stop() waits for; returns `p` */
  track<T>(p: Promise<T>): Promise<T>
}

class DefaultSignedTopicService implements SignedTopicService {
  private readonly components: SignedTopicServiceComponents
  private readonly init: SignedTopicServiceInit
  private readonly joined = new Set<string>()
  private readonly connected = new Map<string, PeerId>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly writes = new Set<Promise<unknown>>()
  private isRunning = false
  private opened = false
  private abort = new AbortController()
  private topologyId?: string
  private timer?: ReturnType<typeof setInterval>

  constructor (components: SignedTopicServiceComponents, init: SignedTopicServiceInit) {
    this.components = components
    this.init = init
  }

  get running (): boolean { return this.isRunning }
  get signal (): AbortSignal { return this.abort.signal }
  get peers (): ReadonlyMap<string, PeerId> { return this.connected }
  get sessions (): number { return this.inFlight.size }
  get pubsub (): GossipSub { return this.components.libp2p.services.pubsub }

  async start (): Promise<void> {
    if (this.isRunning) { return }
    if (!this.opened) {
      await this.init.open?.()
      this.opened = true
    }
    this.isRunning = true
    this.abort = new AbortController()
    for (const topic of this.init.topics()) { this.join(topic) }
    const { libp2p } = this.components
    const { protocol } = this.init
    const streams = this.init.maxStreams ?? 2
    await libp2p.handle(protocol, this.init.createHandler(), { maxInboundStreams: streams, maxOutboundStreams: streams })
    this.topologyId = await libp2p.register(protocol, {
      onConnect: (peer) => {
        this.connected.set(peer.toString(), peer)
        if (this.init.syncOnConnect ?? true) { this.init.syncInBackground(peer) }
      },
      onDisconnect: (peer) => { this.connected.delete(peer.toString()) }
    })
    if (this.init.intervalMs > 0) {
      this.timer = setInterval(() => { this.periodicSync() }, this.init.intervalMs)
    }
  }

  async stop (): Promise<void> {
    if (!this.isRunning) { return }
    this.isRunning = false
    this.abort.abort()
    if (this.timer != null) { clearInterval(this.timer) }
    this.timer = undefined
    const { libp2p } = this.components
    if (this.topologyId != null) { libp2p.unregister(this.topologyId) }
    this.topologyId = undefined
    await libp2p.unhandle(this.init.protocol)
    for (const topic of [...this.joined]) { this.leave(topic) }
    this.connected.clear()
    // sessions end (aborted) and writes in flight finish before the owner closes the database
    await Promise.allSettled([...this.inFlight])
    await Promise.allSettled([...this.writes])
  }

  join (topic: string): void {
    this.pubsub.topicValidators.set(topic, this.init.validator)
    registerTopicScore(this.pubsub, topic)
    this.pubsub.subscribe(topic)
    this.joined.add(topic)
  }

  leave (topic: string): void {
    this.joined.delete(topic)
    this.pubsub.unsubscribe(topic)
    this.pubsub.topicValidators.delete(topic)
  }

  assertRunning (): void {
    if (!this.isRunning) { throw new Error(`${this.init.name} service is not running`) }
  }

  async session<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.assertRunning()
    const session = run(this.abort.signal)
    this.inFlight.add(session)
    try {
      return await session
    } finally {
      this.inFlight.delete(session)
    }
  }

  async track<T>(p: Promise<T>): Promise<T> {
    this.writes.add(p)
    const done = (): void => { this.writes.delete(p) }
    p.then(done, done)
    return p
  }

  private periodicSync (): void {
    const pick = this.init.pickPeer != null ? this.init.pickPeer(this.connected) : randomPeer(this.connected)
    if (pick != null) { this.init.syncInBackground(pick) }
  }
}

function randomPeer (peers: ReadonlyMap<string, PeerId>): PeerId | undefined {
  const all = [...peers.values()]
  return all.length > 0 ? all[Math.floor(Math.random() * all.length)] : undefined
}

export function createSignedTopicService (components: SignedTopicServiceComponents, init: SignedTopicServiceInit): SignedTopicService {
  return new DefaultSignedTopicService(components, init)
}
