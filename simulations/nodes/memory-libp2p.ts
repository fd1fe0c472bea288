/**
 * In-process libp2p for simulations and tests: the `@libp2p/memory` transport (optional
 * injected latency), noise, yamux (the node's, protocol/muxer.ts), identify, ping, gossipsub
 * and optionally the DHT.
 * No sockets, so hundreds of nodes fit in one process.
 */
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import { DHT_PROTOCOL } from '../../node/libp2p.ts'
import { meshMuxer } from '../../protocol/muxer.ts'
import { meshGossipsub } from '../../protocol/pubsub/gossip.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { GossipInit } from '../../protocol/pubsub/gossip.ts'
import type { ComponentLogger, ConnectionEncrypter, Logger, PeerId, PrivateKey, Transport } from '@libp2p/interface'

export interface MemoryLibp2pInit {
  privateKey?: PrivateKey
  /** unique memory address name, e.g. "node-3" */
  name: string
  /** one-way latency added to every chunk sent by this node, ms */
  latency?: number
  dht?: boolean
  gossip?: GossipInit
  maxConnections?: number
  /**
   * the transport instead of `@libp2p/memory` (the simulator's network, with per-link
   * latency and partitions); `latency` is ignored then
   */
  transport?(components: { peerId: PeerId, logger: ComponentLogger }): Transport
  /**
   * the connection encrypter instead of noise: simulations may swap in a cheaper one
   * (e.g. `@libp2p/plaintext`) to reach more nodes; never in a real node
   */
  connectionEncrypter?(components: any): ConnectionEncrypter
  /**
   * a busy simulation process answers pings and handshakes late: give connections more
   * time before libp2p gives up on them (dial and upgrade timeouts)
   */
  patient?: boolean
  /**
   * libp2p's logger: by default a silent one unless `DEBUG` is set, since creating a
   * `debug` logger per stream and connection (a tty check each) is a visible share of a
   * large simulation's CPU
   */
  logger?: ComponentLogger
}

/** a logger that logs nothing and costs nothing to create */
export function silentLogger (): ComponentLogger {
  const log = Object.assign((): void => {}, { error: (): void => {}, trace: (): void => {}, enabled: false, newScope: (): Logger => log }) as Logger
  return { forComponent: () => log }
}

export async function createMemoryLibp2p (init: MemoryLibp2pInit): Promise<MeshLibp2p> {
  const services: Record<string, any> = {
    identify: identify(),
    ping: ping(),
    pubsub: meshGossipsub({ ...init.gossip })
  }
  if (init.dht === true) {
    services.dht = kadDHT({ protocol: DHT_PROTOCOL, peerInfoMapper: passthroughMapper, clientMode: false })
  }
  const node = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    logger: init.logger ?? (process.env.DEBUG == null || process.env.DEBUG === '' ? silentLogger() : undefined),
    addresses: { listen: [`/memory/${init.name}`] },
    transports: [init.transport ?? memory({ latency: init.latency })],
    connectionEncrypters: [init.connectionEncrypter ?? noise()],
    // the real node's muxer (stream window capped), so a simulation runs what nodes run
    streamMuxers: [meshMuxer()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 256,
      ...(init.patient === true ? { dialTimeout: 60_000, addressDialTimeout: 60_000, inboundUpgradeTimeout: 60_000, maxIncomingPendingConnections: 64 } : {})
    },
    // the routing service's link monitor is the one liveness check (see its module comment)
    connectionMonitor: { enabled: false },
    services
  })
  return node as unknown as MeshLibp2p
}
