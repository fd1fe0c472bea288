/**
 * The simulated network of the in-process mode: a libp2p transport over memory (modelled
 * on `@libp2p/memory`) whose links have their own latency, jitter and loss, and a network
 * that can cut links (partitions, crashed nodes) and refuse dials across a cut.
 *
 * Why not `@libp2p/memory`'s own `latency` option: it belongs to the listening node, not
 * to the link, and it delays each chunk only after the previous one was delivered, so a
 * link with 20 ms carries at most 50 chunks/s and a busy link's queue grows without
 * bound; here every chunk is delivered `latency ± jitter` after it was sent, in order
 * (a stream is FIFO, as over TCP), whatever the load.
 *
 * A lost chunk cannot vanish from a reliable stream without breaking the encryption
 * above it; as with TCP it arrives one retransmission timeout later, and everything
 * behind it waits (head-of-line blocking).
 */
import { ConnectionFailedError, serviceCapabilities, transportSymbol } from '@libp2p/interface'
import { AbstractMultiaddrConnection } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import type { Random } from '../random.ts'
import type { LinkProfile } from '../topology.ts'
import type { ComponentLogger, Connection, CreateListenerOptions, DialTransportOptions, Listener, ListenerEvents, Logger, PeerId, Transport, Upgrader } from '@libp2p/interface'
import type { AbstractMultiaddrConnectionInit } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'

/** the minimum TCP retransmission timeout on Linux */
const MIN_RTO_MS = 200
const MAX_CHUNK = 65_536

export interface SimNetworkInit {
  /** the link between two nodes (indices) */
  linkOf(a: number, b: number): LinkProfile
  /** draws for jitter and loss */
  random: Random
  /** unique prefix of this network's addresses */
  name?: string
}

export interface SimTrafficStats {
  chunks: number
  bytes: number
  /** chunks that took a retransmission delay */
  retransmits: number
}

interface Delivery { at: number, data: Uint8ArrayList | null }

/**
 * When pipes are due: one timer per simulated millisecond that has deliveries, shared by
 * every pipe due then, instead of a timer per chunk. Each timer is an event of the virtual
 * clock's pump (a yield to the real event loop), so a large mesh, where many chunks land
 * in the same millisecond, saves most of them. Pipes due in the same millisecond deliver in
 * the order they asked, so a run repeats.
 */
export class DeliveryCalendar {
  private readonly due = new Map<number, Array<{ deliver(): void }>>()

  /** `pipe.deliver()` at time `at` (whole ms of `performance.now()`) */
  wake (pipe: { deliver(): void }, at: number): void {
    let pipes = this.due.get(at)
    if (pipes == null) {
      pipes = []
      this.due.set(at, pipes)
      setTimeout(() => { this.fire(at) }, Math.max(0, at - performance.now()))
    }
    pipes.push(pipe)
  }

  private fire (at: number): void {
    const pipes = this.due.get(at)
    this.due.delete(at)
    for (const pipe of pipes ?? []) { pipe.deliver() }
  }
}

/** one direction of a link: delivers chunks in order, each at send time + its delay */
class Pipe {
  private readonly queue: Delivery[] = []
  private head = 0
  private lastAt = 0
  /** the calendar slot this pipe waits for, if any */
  private wakeAt?: number
  private closed = false

  constructor (
    private readonly network: SimNetwork,
    private readonly profile: LinkProfile,
    private readonly onData: (data: Uint8ArrayList) => void,
    private readonly onEnd: () => void
  ) {}

  private delay (): number {
    const { latency, jitter, loss } = this.profile
    const rand = this.network.random
    let d = latency
    if (jitter > 0) { d += (rand.next() * 2 - 1) * jitter }
    if (loss > 0 && rand.next() < loss) {
      d += Math.max(MIN_RTO_MS, 2 * (latency + jitter))
      this.network.stats.retransmits++
    }
    return Math.max(0, d)
  }

  send (data: Uint8ArrayList | null): void {
    if (this.closed) { return }
    // whole milliseconds: the clock's timers fire on whole ms, and chunks due in the same ms share one
    const at = Math.max(Math.round(performance.now() + this.delay()), this.lastAt)
    this.lastAt = at
    this.queue.push({ at, data })
    if (data != null) {
      this.network.stats.chunks++
      this.network.stats.bytes += data.byteLength
    }
    this.schedule()
  }

  private schedule (): void {
    if (this.wakeAt != null || this.head >= this.queue.length) { return }
    this.wakeAt = this.queue[this.head].at
    this.network.calendar.wake(this, this.wakeAt)
  }

  /** called by the calendar: hand over every chunk due by now */
  deliver (): void {
    this.wakeAt = undefined
    const now = performance.now()
    while (!this.closed && this.head < this.queue.length && this.queue[this.head].at <= now + 0.5) {
      const item = this.queue[this.head++]
      if (item.data == null) {
        this.closed = true
        this.onEnd()
      } else {
        this.onData(item.data)
      }
    }
    // delivered chunks must not stay reachable from the queue: most links never see 1,024
    // chunks in flight, so an emptied queue is reset and a long one compacted
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    if (!this.closed) { this.schedule() }
  }

  /** drop whatever is in flight (the link was cut); a calendar slot it still holds finds it closed */
  cut (): void {
    this.closed = true
    this.queue.length = 0
    this.head = 0
  }
}

interface SimConnInit extends AbstractMultiaddrConnectionInit {
  link: SimLink
}

class SimConnection extends AbstractMultiaddrConnection {
  pipe?: Pipe
  readonly link: SimLink

  constructor (init: SimConnInit) {
    super(init)
    this.link = init.link
  }

  sendData (data: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } {
    this.pipe?.send(data)
    return { sentBytes: data.byteLength, canSendMore: true }
  }

  sendReset (): void {
    // a reset travels no faster than data would; the far end is told when it arrives
    this.pipe?.send(null)
    this.link.reset(this)
  }

  async sendClose (): Promise<void> {
    this.pipe?.send(null)
  }

  sendPause (): void {
    // read backpressure is not modelled (nor is it by @libp2p/memory)
  }

  sendResume (): void {}
}

/** a connection between two nodes: both ends and both directions */
class SimLink {
  readonly a: number
  readonly b: number
  dialer!: SimConnection
  listener!: SimConnection
  private readonly network: SimNetwork

  constructor (network: SimNetwork, a: number, b: number) {
    this.network = network
    this.a = a
    this.b = b
  }

  wire (profile: LinkProfile): void {
    const { dialer, listener } = this
    dialer.pipe = new Pipe(this.network, profile, d => { listener.onData(d) }, () => { listener.onTransportClosed() })
    listener.pipe = new Pipe(this.network, profile, d => { dialer.onData(d) }, () => { dialer.onTransportClosed() })
  }

  reset (from: SimConnection): void {
    const other = from === this.dialer ? this.listener : this.dialer
    other.pipe?.cut()
    this.network.forget(this)
  }

  /** the link is cut: both ends fail at once, whatever was in flight is lost */
  cut (reason: string): void {
    this.dialer.pipe?.cut()
    this.listener.pipe?.cut()
    this.network.forget(this)
    const err = new ConnectionFailedError(reason)
    this.dialer.abort(err)
    this.listener.abort(err)
  }
}

interface ListenerEntry {
  index: number
  upgrader: Upgrader
  signal: AbortSignal
}

export class SimNetwork {
  readonly random: Random
  readonly stats: SimTrafficStats = { chunks: 0, bytes: 0, retransmits: 0 }
  readonly calendar = new DeliveryCalendar()
  private readonly linkOf: (a: number, b: number) => LinkProfile
  private readonly name: string
  private readonly listeners = new Map<string, ListenerEntry>()
  private readonly links = new Set<SimLink>()
  private readonly down = new Set<number>()
  /** node → side while a partition holds */
  private side?: Uint8Array

  constructor (init: SimNetworkInit) {
    this.linkOf = init.linkOf
    this.random = init.random
    this.name = init.name ?? `sim${Math.floor(Math.random() * 1e9).toString(36)}`
  }

  /** the listen address of node `index` */
  address (index: number): string {
    return `/memory/${this.name}-${index}`
  }

  /** may `a` and `b` talk right now? */
  reachable (a: number, b: number): boolean {
    if (this.down.has(a) || this.down.has(b)) { return false }
    if (this.side != null && (this.side[a] ?? 0) !== (this.side[b] ?? 0)) { return false }
    return true
  }

  /** split the network: `side` on one side, everyone else on the other; cuts crossing links */
  partition (side: Iterable<number>, nodes: number): void {
    const s = new Uint8Array(nodes)
    for (const i of side) { s[i] = 1 }
    this.side = s
    this.cutWhere(l => !this.reachable(l.a, l.b), 'partitioned')
  }

  heal (): void {
    this.side = undefined
  }

  /** the node drops off the network: every link is cut, dials to and from it fail */
  takeDown (index: number): void {
    this.down.add(index)
    this.cutWhere(l => l.a === index || l.b === index, 'node down')
  }

  bringUp (index: number): void {
    this.down.delete(index)
  }

  isDown (index: number): boolean {
    return this.down.has(index)
  }

  /** open links (each connection counted once) */
  linkCount (): number {
    return this.links.size
  }

  forget (link: SimLink): void {
    this.links.delete(link)
  }

  private cutWhere (match: (l: SimLink) => boolean, reason: string): void {
    for (const l of [...this.links]) { if (match(l)) { l.cut(reason) } }
  }

  /** the libp2p transport for node `index` */
  transport (index: number): (components: { peerId: PeerId, logger: ComponentLogger }) => Transport {
    return components => new SimTransport(this, index, components.logger.forComponent('liberation:sim-transport'))
  }

  registerListener (address: string, entry: ListenerEntry): void {
    if (this.listeners.has(address)) { throw new Error(`address ${address} already in use`) }
    this.listeners.set(address, entry)
  }

  unregisterListener (address: string): void {
    this.listeners.delete(address)
  }

  async dial (from: number, ma: Multiaddr, log: Logger, signal: AbortSignal): Promise<SimConnection> {
    const address = ma.toString().split('/p2p/')[0]
    const target = this.listeners.get(address)
    if (target == null) { throw new ConnectionFailedError(`no node listens at ${address}`) }
    if (!this.reachable(from, target.index)) { throw new ConnectionFailedError(`${address} is unreachable from node ${from}`) }
    const profile = this.linkOf(from, target.index)
    const link = new SimLink(this, from, target.index)
    const init = (direction: 'inbound' | 'outbound', remoteAddr: Multiaddr): SimConnInit => ({
      link, direction, remoteAddr, log, maxMessageSize: MAX_CHUNK
    } as unknown as SimConnInit)
    link.dialer = new SimConnection(init('outbound', ma))
    link.listener = new SimConnection(init('inbound', multiaddr(`${this.address(from)}`)))
    link.wire(profile)
    this.links.add(link)
    // connection set-up costs a round trip
    await new Promise(resolve => setTimeout(resolve, 2 * profile.latency))
    signal.throwIfAborted()
    if (!this.reachable(from, target.index) || target.signal.aborted) {
      link.cut('unreachable')
      throw new ConnectionFailedError(`${address} became unreachable while dialling`)
    }
    target.upgrader.upgradeInbound(link.listener, { signal: target.signal }).catch(err => {
      link.listener.abort(err)
    })
    return link.dialer
  }
}

class SimTransport implements Transport {
  readonly [transportSymbol] = true as const
  readonly [Symbol.toStringTag] = '@liberation/sim-transport'
  readonly [serviceCapabilities] = ['@libp2p/transport']

  constructor (
    private readonly network: SimNetwork,
    private readonly index: number,
    private readonly log: Logger
  ) {}

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    options.signal.throwIfAborted()
    const maConn = await this.network.dial(this.index, ma, this.log, options.signal)
    try {
      return await options.upgrader.upgradeOutbound(maConn, { ...options })
    } catch (err: any) {
      maConn.link.cut(err?.message ?? 'upgrade failed')
      throw err
    }
  }

  createListener (options: CreateListenerOptions): Listener {
    return new SimListener(this.network, this.index, options.upgrader)
  }

  listenFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(ma => ma.toString().startsWith('/memory/'))
  }

  dialFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return this.listenFilter(multiaddrs)
  }
}

class SimListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private address?: string
  private readonly shutdown = new AbortController()

  constructor (
    private readonly network: SimNetwork,
    private readonly index: number,
    private readonly upgrader: Upgrader
  ) {
    super()
  }

  async listen (ma: Multiaddr): Promise<void> {
    this.address = ma.toString()
    this.network.registerListener(this.address, { index: this.index, upgrader: this.upgrader, signal: this.shutdown.signal })
    queueMicrotask(() => { this.safeDispatchEvent('listening') })
  }

  getAddrs (): Multiaddr[] {
    return this.address == null ? [] : [multiaddr(this.address)]
  }

  updateAnnounceAddrs (): void {}

  async close (): Promise<void> {
    if (this.address != null) { this.network.unregisterListener(this.address) }
    this.shutdown.abort()
    queueMicrotask(() => { this.safeDispatchEvent('close') })
  }
}
