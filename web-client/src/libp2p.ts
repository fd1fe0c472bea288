/**
 * The browser's libp2p: WebSockets to reach Node nodes, the circuit-relay transport
 * through them, and WebRTC for direct tab-to-tab connections (signalled over a relayed
 * stream); noise, yamux with the mesh's capped stream window (protocol/muxer.ts; WebRTC
 * streams are data channels, not yamux), identify, ping, and the mesh's gossipsub settings.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { isPrivate } from '@libp2p/utils'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { meshMuxer } from '../../protocol/muxer.ts'
import { meshGossipsub } from '../../protocol/pubsub/gossip.ts'
import { browserPeerDiscovery } from './discovery.ts'
import { installInitChannelFix } from './webrtc-init-race.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface BrowserLibp2pInit {
  privateKey: PrivateKey
  /** WebSocket multiaddrs (with /p2p/<id>) of the nodes this tab joins through */
  bootstrap: string[]
  /** ICE servers for WebRTC; undefined = libp2p's default public STUN servers */
  iceServers?: RTCIceServer[]
  maxConnections?: number
  discoveryIntervalMs?: number
}

/** transport part of an address: what comes before its first /p2p/ */
export function transportPart (addr: string): string {
  const i = addr.indexOf('/p2p/')
  return i < 0 ? addr : addr.slice(0, i)
}

/**
 * The browser default gater refuses plain `ws://` and private/loopback addresses (a page
 * should not probe the LAN). The nodes the user configured are exempt, and so is
 * anything reached through them (circuit and WebRTC-over-circuit addresses).
 */
export function createConnectionGater (bootstrap: string[]): ConnectionGater {
  const trusted = [...new Set(bootstrap.map(transportPart))]
  return {
    denyDialMultiaddr: async (ma: Multiaddr) => {
      const s = ma.toString()
      if (trusted.some(t => s === t || s.startsWith(t + '/'))) { return false }
      const names = ma.getComponents().map(c => c.name)
      const secure = names.includes('wss') || names.includes('tls')
      if (names.includes('ws') && !secure) { return true }
      return isPrivate(ma)
    }
  }
}

export async function createBrowserLibp2p (init: BrowserLibp2pInit): Promise<MeshLibp2p> {
  for (const a of init.bootstrap) { multiaddr(a) }
  installInitChannelFix()
  const node = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: {
      // a reservation on a relay gives us a /p2p-circuit address; /webrtc makes it dialable for WebRTC
      listen: ['/p2p-circuit', '/webrtc']
    },
    transports: [
      webSockets(),
      webRTC(init.iceServers != null ? { rtcConfiguration: { iceServers: init.iceServers } } : {}),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    connectionGater: createConnectionGater(init.bootstrap),
    peerDiscovery: [browserPeerDiscovery({ intervalMs: init.discoveryIntervalMs })],
    connectionManager: {
      maxConnections: init.maxConnections ?? 32
    },
    // the routing service's link monitor is the one liveness check (protocol/routing/link-monitor.ts)
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      pubsub: meshGossipsub()
    }
  })
  return node as unknown as MeshLibp2p
}
