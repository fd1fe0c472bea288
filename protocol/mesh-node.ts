/**
 * The Liberation core: wires the protocol services onto a running libp2p node. Runtimes
 * (node/, web-client/, simulations/) build libp2p with their transports and storage and
 * hand it here; everything above the transport is the same on every platform.
 */
import { createBootstrapStatus } from './connectivity/bootstrap-status.ts'
import { createConnectionKeeper } from './connectivity/connection-keeper.ts'
import { createEventLog } from './events/index.ts'
import { createKnowledgeService } from './knowledge/index.ts'
import { createLedger } from './ledger/index.ts'
import { createNotificationService } from './notifications/index.ts'
import { gossipScore } from './pubsub/gossip.ts'
import { createInbox } from './routing/inbox.ts'
import { createRoutingService } from './routing/index.ts'
import { openStore } from './storage/index.ts'
import { createTruthService } from './truth/index.ts'
import type { Clock } from './clock.ts'
import type { BootstrapStatus, BootstrapStatusInit } from './connectivity/bootstrap-status.ts'
import type { ConnectionKeeper, ConnectionKeeperInit } from './connectivity/connection-keeper.ts'
import type { RecordCrypto } from './crypto/index.ts'
import type { EventLog, EventLogInit } from './events/index.ts'
import type { KnowledgeInit, KnowledgeService } from './knowledge/index.ts'
import type { LedgerInit, LedgerService } from './ledger/index.ts'
import type { NotificationService, NotificationServiceInit } from './notifications/index.ts'
import type { GossipSub } from './pubsub/gossip.ts'
import type { Inbox, InboxInit } from './routing/inbox.ts'
import type { RoutingInit, RoutingService } from './routing/index.ts'
import type { MeshDatabase } from './storage/index.ts'
import type { TruthInit, TruthService } from './truth/index.ts'
import type { Identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'

export interface MeshServices extends Record<string, unknown> {
  pubsub: GossipSub
  identify: Identify
  ping: Ping
  dht?: KadDHT
}

export type MeshLibp2p = Libp2p<MeshServices>

export interface MeshNodeComponents {
  libp2p: MeshLibp2p
  db: MeshDatabase
  crypto: RecordCrypto
  /** the routing's time source (default: the system clock); tests pass one they advance */
  clock?: Clock
}

export interface MeshNodeInit {
  connections?: ConnectionKeeperInit
  /** the bootstrap addresses, whose reachability node status reports */
  bootstrap?: BootstrapStatusInit
  events?: EventLogInit
  notifications?: NotificationServiceInit
  truth?: TruthInit
  routing?: RoutingInit
  /** the direct-message inbox: routed messages received, bounded */
  inbox?: InboxInit
  ledger?: LedgerInit
  knowledge?: KnowledgeInit
}

/** A started-or-stoppable part of the core. */
export interface Startable {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

export interface MeshNode {
  readonly libp2p: MeshLibp2p
  readonly db: MeshDatabase
  readonly crypto: RecordCrypto
  readonly events: EventLog
  readonly connections: ConnectionKeeper
  readonly bootstrap: BootstrapStatus
  readonly notifications: NotificationService
  readonly truth: TruthService
  readonly routing: RoutingService
  /** routed messages this node received, kept across restarts */
  readonly inbox: Inbox
  readonly ledger: LedgerService
  readonly knowledge: KnowledgeService
  readonly startedAt: number
  start(): Promise<void>
  /** stops services (newest first), then libp2p; storage is closed by its owner */
  stop(): Promise<void>
}

export function createMeshNode (components: MeshNodeComponents, init: MeshNodeInit = {}): MeshNode {
  const { libp2p, db, crypto, clock } = components
  const logger = libp2p.logger
  const events = createEventLog({ store: openStore(db, 'events') }, init.events)
  const connections = createConnectionKeeper({ libp2p, logger }, init.connections)
  const bootstrap = createBootstrapStatus({ libp2p, logger }, init.bootstrap)
  const notifications = createNotificationService({ db, events, logger }, init.notifications)
  const truth = createTruthService({ libp2p, db, crypto, events, logger }, init.truth)
  const routing = createRoutingService({
    libp2p,
    crypto,
    events,
    logger,
    clock,
    gossipScore: peer => libp2p.services.pubsub == null ? 0 : gossipScore(libp2p.services.pubsub, peer)
  }, init.routing)
  const inbox = createInbox({ routing, events, store: openStore(db, 'inbox') }, init.inbox)
  const ledger = createLedger({ libp2p, db, crypto, events }, init.ledger)
  const knowledge = createKnowledgeService({ libp2p, db, crypto, events, logger }, init.knowledge)

  // start order; stop runs in reverse
  const services: Startable[] = [connections, notifications, truth, routing, inbox, ledger, knowledge, bootstrap]

  // one event per change of state: libp2p reports a disconnect also for a connection that
  // closed before it was counted (e.g. the losing side of a simultaneous dial), for a peer
  // that may still be, or never was, connected
  const connected = new Set<string>()
  libp2p.addEventListener('peer:connect', evt => {
    const id = evt.detail.toString()
    if (connected.has(id)) { return }
    connected.add(id)
    events.emitEvent('mesh', 'peer:connected', { peerId: id })
  })
  libp2p.addEventListener('peer:disconnect', evt => {
    const id = evt.detail.toString()
    if (libp2p.getConnections(evt.detail).some(c => c.status === 'open') || !connected.delete(id)) { return }
    events.emitEvent('mesh', 'peer:disconnected', { peerId: id })
  })

  const node: MeshNode = {
    libp2p,
    db,
    crypto,
    events,
    connections,
    bootstrap,
    notifications,
    truth,
    routing,
    inbox,
    ledger,
    knowledge,
    startedAt: Date.now(),
    async start () {
      // the stored history first: what happens from here follows it
      await events.open()
      if (libp2p.status !== 'started') { await libp2p.start() }
      for (const s of services) {
        await s.start()
      }(node as { startedAt: number }).startedAt = Date.now()
      events.emitEvent('system', 'node:started', { peerId: libp2p.peerId.toString() })
    },
    async stop () {
      for (const s of [...services].reverse()) { await s.stop() }
      await libp2p.stop()
      await events.close()
    }
  }
  return node
}
