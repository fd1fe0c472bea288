/**
 * The Node runtime's libp2p: TCP, WebSockets (browsers reach us), WebRTC and the
 * circuit-relay transport; a circuit-relay server so browsers can signal WebRTC through
 * us; noise, yamux, identify, ping, gossipsub, Kad-DHT, mDNS and a bootstrap list.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { meshMuxer } from '../protocol/muxer.ts'
import { meshGossipsub } from '../protocol/pubsub/gossip.ts'
import type { MeshLibp2p } from '../protocol/mesh-node.ts'
import type { GossipInit } from '../protocol/pubsub/gossip.ts'
import type { PeerDiscovery, PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'

/** the Liberation DHT: a network of its own, not the IPFS one */
export const DHT_PROTOCOL = '/liberation/kad/1.0.0'
export const MDNS_SERVICE_TAG = 'liberation-mesh.local'

export interface NodeLibp2pInit {
  privateKey: PrivateKey
  listen: string[]
  bootstrap?: string[]
  mdns?: boolean
  /** mDNS query interval, ms */
  mdnsInterval?: number
  dht?: boolean
  relay?: boolean
  maxConnections?: number
  /** multiaddr prefixes exempt from connection limits (tests, simulations) */
  allow?: string[]
  gossip?: GossipInit
  /**
   * Load the WebRTC transport. Default: only when a listen address asks for `/webrtc`
   * (node-datachannel adds markedly to startup time and memory, see docs/benchmarks.md;
   * browsers reach a Node node over WebSockets and use WebRTC between themselves).
   */
  webrtc?: boolean
  /** ICE servers for WebRTC; none by default here (a server node is publicly reachable) */
  iceServers?: RTCIceServer[]
  /**
   * prom-client registry for libp2p's own metrics (one per node: several nodes may share a
   * process); without one, libp2p collects no metrics
   */
  metricsRegistry?: Registry
  start?: boolean
}

export async function createNodeLibp2p (init: NodeLibp2pInit): Promise<MeshLibp2p> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (init.mdns !== false) {
    peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: init.mdnsInterval ?? 10_000 }))
  }
  if ((init.bootstrap ?? []).length > 0) {
    peerDiscovery.push(bootstrap({ list: init.bootstrap ?? [] }))
  }

  const services: Record<string, any> = {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    pubsub: meshGossipsub(init.gossip)
  }
  if (init.dht !== false) {
    services.dht = kadDHT({
      protocol: DHT_PROTOCOL,
      // nodes run on LANs and loopback as well as the internet: keep every address
      peerInfoMapper: passthroughMapper,
      clientMode: false
    })
  }
  if (init.relay !== false) {
    services.relay = circuitRelayServer({ reservations: { maxReservations: 128 } })
    // browsers behind this relay announce themselves on the pubsub discovery topic
    // (web-client/src/discovery.ts); subscribing (listen-only) lets gossip carry the
    // announcements from tab to tab through us
    peerDiscovery.push(pubsubPeerDiscovery({ listenOnly: true }))
  }

  const transports: any[] = [tcp(), webSockets(), circuitRelayTransport()]
  if (init.webrtc ?? init.listen.some(a => a.includes('/webrtc'))) {
    const { webRTC } = await import('@libp2p/webrtc')
    transports.push(webRTC({ rtcConfiguration: { iceServers: init.iceServers ?? [] } }))
  }

  const node = await createLibp2p({
    privateKey: init.privateKey,
    metrics: init.metricsRegistry != null ? prometheusMetrics({ registry: init.metricsRegistry }) : undefined,
    start: init.start ?? true,
    addresses: { listen: init.listen },
    transports,
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    peerDiscovery,
    connectionManager: {
      maxConnections: init.maxConnections ?? 64,
      allow: init.allow
    },
    // the routing service's link monitor is the one liveness check: libp2p's own pings
    // would share the ping protocol's one outbound stream with it, and on that local error
    // abort a healthy connection (see protocol/routing/link-monitor.ts)
    connectionMonitor: { enabled: false },
    services
  })
  return node as unknown as MeshLibp2p
}
