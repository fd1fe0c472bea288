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
 */
import { pubsubPeerDiscovery, TOPIC } from '@libp2p/pubsub-peer-discovery'
import type { PeerDiscovery, PeerId, PeerInfo } from '@libp2p/interface'
import type { PubSubPeerDiscoveryComponents } from '@libp2p/pubsub-peer-discovery'
import type { Multiaddr } from '@multiformats/multiaddr'

export { TOPIC as DISCOVERY_TOPIC }

export interface BrowserDiscoveryInit {
  /** re-announce this often, ms (default 20 s) */
  intervalMs?: number
  /** the tab with the larger peer id dials a discovered tab if nothing connected them after this long, ms (default 3 s) */
  fallbackDelayMs?: number
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

function stamped (pubsub: PubSub): PubSub {
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
      const out = new Uint8Array(data.length + stamp.length)
      out.set(data)
      out.set(stamp, data.length)
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
  return (components: PubSubPeerDiscoveryComponents & { events: EventTarget, connectionManager: { getConnections(peer: PeerId): unknown[] } }) => {
    let pubsub: PubSub | undefined
    // services (pubsub) exist only once libp2p has started: look it up when the library does
    const view = Object.create(components, {
      pubsub: { get: () => (pubsub ??= stamped(components.pubsub as PubSub)) }
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
    const stop = discovery.stop.bind(discovery)
    discovery.stop = () => {
      for (const t of deferred.values()) { clearTimeout(t) }
      deferred.clear()
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
    const onSubscriptions = (evt: Event): void => {
      const detail = (evt as CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>).detail
      if (detail.subscriptions.some(s => s.topic === TOPIC && s.subscribe)) { announce() }
    }
    const afterStart = discovery.afterStart.bind(discovery)
    discovery.afterStart = () => {
      afterStart()
      // libp2p's internal event bus carries self:peer:update (our addresses changed)
      components.events.addEventListener('self:peer:update', announce)
      ;(components.pubsub as unknown as EventTarget).addEventListener('subscription-change', onSubscriptions)
    }
    return discovery
  }
}
