/**
 * How browser nodes find each other: `@libp2p/pubsub-peer-discovery` over gossipsub. A
 * Node node relaying for browsers subscribes to the topic, so an announcement from one
 * tab reaches the others through it; each tab then dials the announced
 * `/p2p-circuit/webrtc` address and gets a direct WebRTC connection.
 *
 * The library announces on a timer and skips announcing while nobody listens, so the
 * first useful announcement (after the relay reservation gives us a circuit address)
 * could wait a whole interval: we also announce as soon as our addresses change or a
 * peer joins the topic. Gossipsub drops a repeat of identical bytes as a duplicate, so
 * extra announcements of unchanged addresses cost nothing on the wire.
 */
import { pubsubPeerDiscovery, TOPIC } from '@libp2p/pubsub-peer-discovery'
import type { PeerDiscovery } from '@libp2p/interface'
import type { PubSubPeerDiscoveryComponents } from '@libp2p/pubsub-peer-discovery'

export { TOPIC as DISCOVERY_TOPIC }

export interface BrowserDiscoveryInit {
  intervalMs?: number
}

interface Announcer extends PeerDiscovery {
  _broadcast(): void
  isStarted(): boolean
  afterStart(): void
}

export function browserPeerDiscovery (init: BrowserDiscoveryInit = {}): (components: any) => PeerDiscovery {
  const create = pubsubPeerDiscovery({ interval: init.intervalMs ?? 10_000 })
  return (components: PubSubPeerDiscoveryComponents & { events: EventTarget }) => {
    const discovery = create(components) as Announcer
    const announce = (): void => {
      if (!discovery.isStarted()) { return }
      try {
        discovery._broadcast()
      } catch {
        // stopping, or pubsub gone: the timer retries
      }
    }
    const onSubscriptions = (evt: Event): void => {
      const detail = (evt as CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>).detail
      if (detail.subscriptions.some(s => s.topic === TOPIC && s.subscribe)) { announce() }
    }
    // services (pubsub) exist only once libp2p has started
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
