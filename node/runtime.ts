/**
 * Assembles a full Node mesh node from a validated config: identity, LevelDB, libp2p,
 * the core services and the control API. `stop()` shuts down in reverse order so
 * connections close before storage is flushed and closed.
 */
import { Registry } from 'prom-client'
import { MeshError } from '../protocol/errors.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { createApiServer } from './api/server.ts'
import { createNodeAutomation } from './automation/index.ts'
import { createNodeRecordCrypto } from './crypto.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { createNodeLibp2p } from './libp2p.ts'
import { registerAutomationMetrics } from './metrics/automation.ts'
import { openNodeDatabase } from './storage.ts'
import type { NodeConfig } from './config/index.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'
import type { ApiServer } from './api/server.ts'
import type { Clock, MeshAutomation } from '../protocol/automation/index.ts'
import type { EventLogInit } from '../protocol/events/index.ts'
import type { GossipInit } from '../protocol/pubsub/gossip.ts'
import type { InboxInit } from '../protocol/routing/inbox.ts'

export interface NodeRuntime {
  readonly config: NodeConfig
  readonly node: MeshNode
  readonly api: ApiServer
  /** scheduled tasks; absent when `automation.enabled` is false */
  readonly automation?: MeshAutomation
  stop(): Promise<void>
}

export interface NodeRuntimeOptions {
  /** only for tests and simulations: see GossipInit.colocationWhitelist */
  gossip?: GossipInit
  allow?: string[]
  mdnsInterval?: number
  /** the OpenAPI document generated at build time (see ApiServerInit.openapiDocument) */
  openapiDocument?: string
  /** the automation engine's clock (tests) */
  automationClock?: Clock
  /** more bounds of the stored event history than the config has (tests) */
  events?: EventLogInit
  /** more bounds of the stored direct-message inbox than the config has (tests; 8 MiB of text by default) */
  inbox?: InboxInit
}

/**
 * libp2p's "Some configured addresses failed to be listened on … set
 * transportManager.faultTolerance" names neither the address nor anything a user can set:
 * say which address, and which flag.
 */
function listenError (err: any, config: NodeConfig): Error {
  const text = `${String(err?.message)} ${String(err?.cause?.message ?? '')} ${(err?.errors ?? []).map((e: any) => e?.message).join(' ')}`
  if (err?.name !== 'UnsupportedListenAddressesError' && !/failed to be listened on|EADDRINUSE/.test(text)) { return err }
  const inUse = /EADDRINUSE/.test(text)
  return new MeshError('unavailable', `cannot listen on ${config.listen.join(', ')}${inUse ? ': address already in use' : ''} (another node running? pick other ports with --listen / LIBERATION_LISTEN)`, { field: 'listen', cause: err })
}

function apiListenError (err: any, config: NodeConfig): Error {
  if (err?.code !== 'EADDRINUSE' && err?.code !== 'EACCES' && err?.code !== 'EADDRNOTAVAIL') { return err }
  const what = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EACCES' ? 'is not allowed' : 'is not an address of this machine'
  return new MeshError('unavailable', `the API address ${config.apiHost}:${config.apiPort} ${what}: pick another with --api-port / --api-host (LIBERATION_API_PORT)`, { field: 'apiPort', cause: err })
}

export async function startNodeRuntime (config: NodeConfig, opts: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
  const privateKey = await loadOrCreateIdentity(config.dataDir)
  const db = await openNodeDatabase(config.dataDir)
  let node: MeshNode | undefined
  let api: ApiServer | undefined
  let automation: MeshAutomation | undefined
  const automationOn = config.automation?.enabled !== false
  // one registry per node: libp2p's series and the node's own share /metrics
  const metricsRegistry = new Registry()
  try {
    const libp2p = await createNodeLibp2p({
      privateKey,
      metricsRegistry,
      listen: config.listen,
      bootstrap: config.bootstrap,
      mdns: config.mdns,
      mdnsInterval: opts.mdnsInterval,
      dht: config.dht,
      relay: config.relay,
      maxConnections: config.maxConnections,
      allow: opts.allow,
      gossip: opts.gossip,
      start: false
    })
    node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, {
      connections: { minConnections: config.minConnections, maxConnections: config.maxConnections },
      bootstrap: { list: config.bootstrap },
      events: { historySize: config.eventHistorySize, ...opts.events },
      inbox: { size: config.inboxSize, ...opts.inbox },
      // the automation engine drives compaction (a task with a schedule) instead of the ledger's own timer
      ledger: {
        ...config.charter,
        ...(automationOn ? { compactIntervalMs: 0 } : {})
      }
    })
    if (automationOn) {
      automation = createNodeAutomation(node, { ...config.automation, dataDir: config.dataDir, minConnections: config.minConnections, clock: opts.automationClock })
    }
    api = createApiServer(node, {
      host: config.apiHost,
      port: config.apiPort,
      dataDir: config.dataDir,
      token: config.apiToken,
      corsOrigins: config.corsOrigins,
      metricsRegistry,
      web: config.web ? { iceServers: config.webIceServers } : undefined,
      openapiDocument: opts.openapiDocument,
      automation: automation?.engine
    })
    // the API's plugins and routes load while the node waits on disk and sockets; it
    // accepts requests only once the node has started
    const ready = api.ready()
    await Promise.all([node.start().catch(err => { throw listenError(err, config) }), ready])
    await api.start().catch(err => { throw apiListenError(err, config) })
    if (automation != null) {
      registerAutomationMetrics(metricsRegistry, automation.engine)
      await automation.start()
    }
  } catch (err) {
    await automation?.stop().catch(() => {})
    await api?.stop().catch(() => {})
    await node?.stop().catch(() => {})
    await db.close()
    throw err
  }
  const started = { node, api, automation }
  let stopping: Promise<void> | undefined
  return {
    config,
    node: started.node,
    api: started.api,
    automation: started.automation,
    async stop () {
      stopping ??= (async () => {
        await started.automation?.stop()
        await started.api.stop()
        await started.node.stop()
        await db.close()
      })()
      return stopping
    }
  }
}
