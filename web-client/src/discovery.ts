/**
 * How browser nodes find each other: `@libp2p/pubsub-peer-discovery` over gossipsub. A
 * Node node relaying for browsers subscribes to the topic, so an announcement from one
 * tab reaches the others through it; each tab then dials the announced
 * `/p2p-circuit/webrtc` address and gets a direct WebRTC connection.
 *
 * Three adjustments to the library.
 *
 * Our gossipsub ids messages by content (StrictNoSign: no sender, no seqno), so a repeat of
 * an announcement within gossipsub's seen-cache time (2 min) would be dropped as a
 * duplicate everywhere, and a tab that reloads could not be found again for minutes. Each
 * announcement carries its send time in an extra protobuf field (3, varint), which makes
 * it unique; the library's decoder skips unknown fields.
 *
 * Two tabs that see each other's announcements at once would dial each other at once, and
 * two crossing WebRTC handshakes can both fail: the tab with the smaller peer id acts on an
 * announcement at once, the other only if nothing connected them a few seconds later (an
 * announcement can take a while through gossip); direct-upgrade.ts retries failures.
 *
 * The library announces on a timer and skips announcing while nobody listens, so the first
 * useful announcement (once the relay reservation gives us a circuit address) could wait
 * a whole interval: we also announce when our addresses change or a peer joins the topic.
 *
 * A tab that starts (or reloads) learns of the others only from their next periodic
 * announcement, up to an interval later; the others may still hold a dying connection to
 * its previous page and not dial. So the announcements of a node's first minute say
 * "hello" (field 4), and whoever hears a hello answers with an announcement of its own,
 * at most one answer per {@link BrowserDiscoveryInit.answerGapMs} however many hellos
 * arrive. Answers are not hellos, so two tabs never keep answering each other.
 */
import { pubsubPeerDiscovery, TOPIC } from '@libp2p/pubsub-peer-discovery'
import { reader } from 'protons-runtime'
import type { PeerDiscovery, PeerId, PeerInfo } from '@libp2p/interface'
import type { PubSubPeerDiscoveryComponents } from '@libp2p/pubsub-peer-discovery'
import type { Multiaddr } from '@multiformats/multiaddr'

export { TOPIC as DISCOVERY_TOPIC }

export interface BrowserDiscoveryInit {
  /** re-announce this often, ms (default 20 s) */
  intervalMs?: number
  /** the tab with the larger peer id dials a discovered tab if nothing connected them after this long, ms (default 3 s) */
  fallbackDelayMs?: number
  /** announcements this long after start are hellos, ms (default 60 s) */
  helloWindowMs?: number
  /** answer hellos at most this often, ms (default 2 s) */
  answerGapMs?: number
}

interface Announcer extends PeerDiscovery {
  _broadcast(): void
  isStarted(): boolean
  afterStart(): void
  stop(): void
}

type PubSub = NonNullable<PubSubPeerDiscoveryComponents['pubsub']>

/** protobuf field 3 (wire type 0): a varint */
export function timeField (ms: number): Uint8Array {
  const out = [0x18]
  let n = Math.max(0, Math.floor(ms))
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** protobuf field 4 (wire type 0) = 1: this announcement is a hello */
export const HELLO_FIELD = Uint8Array.of(0x20, 0x01)

/** whether an announcement carries field 4 = 1; false for anything that does not parse */
export function isHello (data: Uint8Array): boolean {
  try {
    const r = reader(data)
    while (r.pos < r.len) {
      const tag = r.uint32()
      if (tag === 0x20) { return r.uint32() === 1 }
      r.skipType(tag & 7)
    }
  } catch {
    // not an announcement
  }
  return false
}

function stamped (pubsub: PubSub, hello: () => boolean): PubSub {
  return {
    subscribe: (topic: string) => { pubsub.subscribe(topic) },
    unsubscribe: (topic: string) => { pubsub.unsubscribe(topic) },
    getSubscribers: (topic: string) => pubsub.getSubscribers(topic),
    addEventListener: pubsub.addEventListener.bind(pubsub),
    removeEventListener: pubsub.removeEventListener.bind(pubsub),
    dispatchEvent: pubsub.dispatchEvent.bind(pubsub),
    safeDispatchEvent: (pubsub as any).safeDispatchEvent?.bind(pubsub),
    listenerCount: (pubsub as any).listenerCount?.bind(pubsub),
    publish (topic: string, data: Uint8Array) {
      const stamp = timeField(Date.now())
      const flag = hello() ? HELLO_FIELD : new Uint8Array(0)
      const out = new Uint8Array(data.length + stamp.length + flag.length)
      out.set(data)
      out.set(stamp, data.length)
      out.set(flag, data.length + stamp.length)
      return pubsub.publish(topic, out)
    }
  } as unknown as PubSub
}

/**
 * A peer reachable over WebRTC is dialled only that way: given its plain relayed address
 * too, libp2p may settle for the relayed (limited) connection, which carries no gossip.
 */
export function dialableAddresses (addrs: Multiaddr[]): Multiaddr[] {
  const webrtc = addrs.filter(a => a.toString().includes('/p2p-circuit/webrtc'))
  if (webrtc.length === 0) { return addrs }
  return addrs.filter(a => !a.toString().includes('/p2p-circuit') || a.toString().includes('/p2p-circuit/webrtc'))
}

export function browserPeerDiscovery (init: BrowserDiscoveryInit = {}): (components: any) => PeerDiscovery {
  const create = pubsubPeerDiscovery({ interval: init.intervalMs ?? 20_000 })
  const fallbackDelayMs = init.fallbackDelayMs ?? 3000
  const helloWindowMs = init.helloWindowMs ?? 60_000
  const answerGapMs = init.answerGapMs ?? 2000
  return (components: PubSubPeerDiscoveryComponents & { events: EventTarget, connectionManager: { getConnections(peer: PeerId): unknown[] } }) => {
    let pubsub: PubSub | undefined
    let startedAt = Number.POSITIVE_INFINITY
    let answering = false
    const hello = (): boolean => !answering && Date.now() - startedAt < helloWindowMs
    // services (pubsub) exist only once libp2p has started: look it up when the library does
    const view = Object.create(components, {
      pubsub: { get: () => (pubsub ??= stamped(components.pubsub as PubSub, hello)) }
    }) as PubSubPeerDiscoveryComponents
    const discovery = create(view) as Announcer
    const self = components.peerId.toString()
    const dispatch = discovery.safeDispatchEvent.bind(discovery)
    const deferred = new Map<string, ReturnType<typeof setTimeout>>()
    discovery.safeDispatchEvent = ((type: string, init?: CustomEventInit<PeerInfo>) => {
      const peer = init?.detail
      if (type !== 'peer' || peer == null) { return dispatch(type as 'peer', init as CustomEventInit<PeerInfo>) }
      const found = (): boolean => dispatch('peer', { detail: { ...peer, multiaddrs: dialableAddresses(peer.multiaddrs) } })
      const id = peer.id.toString()
      if (self < id) { return found() }
      // the other tab dials; if its dial has not begun after a while (it may not have our
      // announcement yet), we do
      if (!deferred.has(id)) {
        deferred.set(id, setTimeout(() => {
          deferred.delete(id)
          if (discovery.isStarted() && components.connectionManager.getConnections(peer.id).length === 0) { found() }
        }, fallbackDelayMs))
      }
      return true
    }) as Announcer['safeDispatchEvent']
    let answerTimer: ReturnType<typeof setTimeout> | undefined
    let lastAnswer = Number.NEGATIVE_INFINITY
    const stop = discovery.stop.bind(discovery)
    discovery.stop = () => {
      for (const t of deferred.values()) { clearTimeout(t) }
      deferred.clear()
      clearTimeout(answerTimer)
      answerTimer = undefined
      ;(components.pubsub as unknown as EventTarget | undefined)?.removeEventListener('message', onMessage)
      stop()
    }
    const announce = (): void => {
      if (!discovery.isStarted()) { return }
      try {
        discovery._broadcast()
      } catch {
        // stopping: nothing to announce
      }
    }
    const answer = (): void => {
      answerTimer = undefined
      lastAnswer = Date.now()
      answering = true
      try {
        announce()
      } finally {
        answering = false
      }
    }
    const onMessage = (evt: Event): void => {
      const msg = (evt as CustomEvent<{ topic: string, data: Uint8Array }>).detail
      if (msg.topic !== TOPIC || answerTimer != null || !isHello(msg.data)) { return }
      answerTimer = setTimeout(answer, Math.max(0, lastAnswer + answerGapMs - Date.now()))
    }
    const onSubscriptions = (evt: Event): void => {
      const detail = (evt as CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>).detail
      if (detail.subscriptions.some(s => s.topic === TOPIC && s.subscribe)) { announce() }
    }
    const afterStart = discovery.afterStart.bind(discovery)
    discovery.afterStart = () => {
      startedAt = Date.now()
      afterStart()
      // libp2p's internal event bus carries self:peer:update (our addresses changed)
      components.events.addEventListener('self:peer:update', announce)
      ;(components.pubsub as unknown as EventTarget).addEventListener('subscription-change', onSubscriptions)
      ;(components.pubsub as unknown as EventTarget).addEventListener('message', onMessage)
    }
    return discovery
  }
}
