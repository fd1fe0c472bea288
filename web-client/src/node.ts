/**
 * Assembles a full mesh node in a tab: the profile's IndexedDB, its persisted identity,
 * the browser libp2p, and the isomorphic core (`createMeshNode`) on top. The browser
 * counterpart of node/runtime.ts.
 */
import { KEEP_ALIVE } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2pRecordCrypto } from '../../protocol/crypto/index.ts'
import { createMeshNode } from '../../protocol/mesh-node.ts'
import { createDirectUpgrader } from './direct-upgrade.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { createBrowserLibp2p } from './libp2p.ts'
import { claimProfile, openBrowserDatabase } from './storage.ts'
import type { WebConfig } from './config.ts'
import type { DirectUpgrader } from './direct-upgrade.ts'
import type { MeshNode, MeshNodeInit } from '../../protocol/mesh-node.ts'
import type { MeshDatabase } from '../../protocol/storage/index.ts'

export interface BrowserNode {
  readonly node: MeshNode
  readonly db: MeshDatabase
  readonly profile: string
  readonly config: WebConfig
  /** dial the bootstrap nodes now (also done on start and when the browser comes back online) */
  reconnect(): Promise<void>
  stop(): Promise<void>
}

export async function startBrowserNode (config: WebConfig, init: MeshNodeInit = {}): Promise<BrowserNode> {
  const profile = await claimProfile(config.profile)
  let db: MeshDatabase | undefined
  let node: MeshNode | undefined
  let upgrader: DirectUpgrader | undefined
  try {
    db = await openBrowserDatabase(profile.name)
    const privateKey = await loadOrCreateIdentity(db)
    performance.mark('liberation:storage-ready')
    const libp2p = await createBrowserLibp2p({
      privateKey,
      bootstrap: config.bootstrap,
      iceServers: config.iceServers,
      discoveryIntervalMs: config.discoveryIntervalMs
    })
    performance.mark('liberation:libp2p-created')
    node = createMeshNode({ libp2p, db, crypto: createLibp2pRecordCrypto(privateKey) }, {
      connections: { minConnections: 2, maxConnections: 32 },
      ...init
    })
    await node.start()
    upgrader = createDirectUpgrader({ libp2p })
    upgrader.start()
  } catch (err) {
    await node?.stop().catch(() => {})
    await db?.close().catch(() => {})
    profile.release()
    throw err
  }
  const started = { node, db }

  async function reconnect (): Promise<void> {
    await Promise.allSettled(config.bootstrap.map(async addr => {
      const ma = multiaddr(addr)
      const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) { return }
      const peerId = peerIdFromString(id)
      // tagged keep-alive: libp2p redials the node whenever the connection drops
      await started.node.libp2p.peerStore.merge(peerId, { multiaddrs: [ma], tags: { [`${KEEP_ALIVE}-bootstrap`]: { value: 50 } } })
      if (started.node.libp2p.getConnections(peerId).length > 0) { return }
      await started.node.libp2p.dial(ma, { signal: AbortSignal.timeout(15_000) })
    }))
  }

  markMilestones(started.node)
  const onOnline = (): void => { void reconnect() }
  globalThis.addEventListener?.('online', onOnline)
  void reconnect()

  let stopping: Promise<void> | undefined
  return {
    node: started.node,
    db: started.db,
    profile: profile.name,
    config,
    reconnect,
    async stop () {
      stopping ??= (async () => {
        globalThis.removeEventListener?.('online', onOnline)
        upgrader?.stop()
        await started.node.stop()
        await started.db.close()
        profile.release()
      })()
      return stopping
    }
  }
}

/**
 * User Timing marks (relative to navigation start) of the moments a user waits for, read
 * by bench/web.ts: `liberation:node-started`, `liberation:first-peer`,
 * `liberation:first-webrtc` (a direct tab-to-tab link) and `liberation:first-truth`
 * (the first truth message that came from the mesh rather than from this tab).
 */
export const MILESTONES = ['liberation:node-started', 'liberation:first-peer', 'liberation:first-webrtc', 'liberation:first-truth'] as const

function markOnce (name: typeof MILESTONES[number]): void {
  if (globalThis.performance?.mark == null || performance.getEntriesByName(name, 'mark').length > 0) { return }
  performance.mark(name)
}

function markMilestones (node: MeshNode): void {
  markOnce('liberation:node-started')
  node.libp2p.addEventListener('peer:connect', () => { markOnce('liberation:first-peer') })
  node.libp2p.addEventListener('connection:open', evt => {
    if (evt.detail.limits == null && evt.detail.remoteAddr.toString().includes('/webrtc')) { markOnce('liberation:first-webrtc') }
  })
  node.truth.addEventListener('message', evt => {
    if (evt.detail.origin !== 'local') { markOnce('liberation:first-truth') }
  })
}
