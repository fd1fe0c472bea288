/**
 * The simulated nodes of the in-process mode: each a real MeshNode on its own memory
 * transport, started, linked and stopped by the runner, with what it receives recorded
 * against the workload's posts.
 */
import { join } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { plaintext } from '@libp2p/plaintext'
import { multiaddr } from '@multiformats/multiaddr'
import { createNodeSigner } from '../../node/crypto.ts'
import { openNodeDatabase } from '../../node/storage.ts'
import { createMeshNode } from '../../protocol/mesh-node.ts'
import { truthTopic } from '../../protocol/truth/index.ts'
import { createInProcessDriver } from '../drivers/in-process.ts'
import { createCompactMemoryLevel, createKeyInterner, createValueArena } from '../nodes/compact-memory-level.ts'
import { createMemoryLibp2p } from '../nodes/memory-libp2p.ts'
import { createSharedVerifier } from '../nodes/shared-verifier.ts'
import { createRandom } from '../random.ts'
import { recordHeld } from '../record.ts'
import { postSeq } from '../workload.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'
import type { RoutingInit } from '../../protocol/routing/index.ts'
import type { MeshDatabase } from '../../protocol/storage/index.ts'
import type { TruthMessageEvent } from '../../protocol/truth/index.ts'
import type { NodeDriver } from '../drivers/driver.ts'
import type { LedgerDriver } from '../ledger-driver.ts'
import type { SimNetwork } from '../network/sim-network.ts'
import type { Holdings, RunBuffers } from '../record.ts'
import type { Scenario } from '../scenario.ts'
import type { Topology } from '../topology.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface LiveNode extends Holdings {
  index: number
  key: PrivateKey
  mesh?: MeshNode
  /** the workload's way into the node while it is up */
  driver?: NodeDriver
  db?: MeshDatabase
  dir?: string
}

export interface SimNodesInit {
  scenario: Scenario
  topology: Topology
  network: SimNetwork
  buffers: RunBuffers
  /** one per node of the schedule, from `seededKeys` */
  keys: PrivateKey[]
  /** the truth channel of the workload */
  channel: string
  ledger?: LedgerDriver
  /** LevelDB folders go under it; memory-level storage without it */
  dataRoot?: string
  /** the run clock (0 = workload start) */
  now(): number
  log(line: string): void
}

export interface SimNodes {
  readonly live: LiveNode[]
  /** (node, message) pairs held, over all nodes that ever ran */
  readonly heldPairs: number
  /** planned links given up after every attempt */
  readonly dialFailures: number
  start(i: number): Promise<void>
  stop(i: number, how: 'crash' | 'graceful'): Promise<void>
  /** dial a planned link; a busy process can time a dial out, so try a few times */
  dial(a: number, b: number, attempts?: number, deadline?: number): Promise<boolean>
  /** the peer ids node i has connections to */
  connectedTo(i: number): Set<string>
  /** the size of node i's gossip mesh on the channel (0 while it is down) */
  meshPeers(i: number): number
}

/** identities from the seed: the same peer ids every run */
export async function seededKeys (seed: Scenario['seed'], count: number): Promise<PrivateKey[]> {
  const krand = createRandom(seed, 'keys')
  const keys: PrivateKey[] = []
  for (let i = 0; i < count; i++) { keys.push(await generateKeyPairFromSeed('Ed25519', krand.bytes(32))) }
  return keys
}

export function createSimNodes (init: SimNodesInit): SimNodes {
  const { scenario, topology, network, buffers, ledger, dataRoot, now, log } = init
  const { records, msgBySeq, deliveries } = buffers
  const totalMessages = buffers.posts.length
  const topic = truthTopic(init.channel)
  const live: LiveNode[] = init.keys.map((key, index) => ({ index, key, held: new Uint8Array(totalMessages), heldCount: 0 }))
  let heldPairs = 0
  let dialFailures = 0

  // every node verifies the same flooded records: one verifier for all, remembering its answers
  const verifier = createSharedVerifier()
  // the nodes' stores share identical keys (see compact-memory-level.ts)
  const storeKeys = createKeyInterner()
  const storeValues = createValueArena()

  function onTruth (i: number, m: TruthMessageEvent): void {
    const seq = postSeq(m.content)
    if (seq == null) { return }
    const msg = msgBySeq.get(seq)
    if (msg == null) { return }
    if (recordHeld(deliveries, live[i], i, msg, m.origin, now)) { heldPairs++ }
  }

  async function start (i: number): Promise<void> {
    const l = live[i]
    const rec = records[i]
    network.bringUp(i)
    let db: MeshDatabase
    if (dataRoot != null) {
      l.dir ??= join(dataRoot, `n${i}`)
      db = await openNodeDatabase(l.dir)
    } else {
      // memory-level keeps its data across a stop/start only if the same instance is reused
      db = l.db ?? createCompactMemoryLevel({ keys: storeKeys, values: storeValues }) as unknown as MeshDatabase
      if (db.status === 'closed') { await db.open() }
    }
    l.db = db
    const libp2p = await createMemoryLibp2p({
      privateKey: l.key,
      name: network.address(i).slice('/memory/'.length),
      transport: network.transport(i),
      connectionEncrypter: scenario.stack.encryption === 'plaintext' ? plaintext() : undefined,
      dht: scenario.stack.dht,
      patient: true,
      maxConnections: Math.max(256, topology.degree(i) + 32),
      gossip: { overrides: { heartbeatInterval: scenario.stack.heartbeat, ...meshDegrees(scenario) } }
    })
    const mesh = createMeshNode({ libp2p, db, crypto: { signer: createNodeSigner(l.key), verifier } }, {
      // the harness wires the topology; nodes do not dial on their own
      connections: { minConnections: 0 },
      // nothing reads a simulated node's event history (no API): keep little of it, in
      // memory only, since a thousand nodes each holding the last 1,000 events (each truth
      // message among them) is gigabytes, and storing each event costs a write and a trim
      events: { historySize: 16, persist: false },
      truth: {
        channels: [init.channel],
        defaultChannels: [init.channel],
        sync: scenario.stack.truthSync
          ? (scenario.stack.truthSyncInterval != null ? { intervalMs: scenario.stack.truthSyncInterval, minGapMs: Math.min(2000, scenario.stack.truthSyncInterval) } : {})
          : { onConnect: false, intervalMs: 0 }
      },
      ledger: scenario.stack.ledgerSyncInterval != null ? { sync: { intervalMs: scenario.stack.ledgerSyncInterval } } : undefined,
      // a loaded host delays answers, it does not kill links: never close on lost probes
      routing: { deadAfterLosses: 0, ...scenario.stack.routing as RoutingInit | undefined }
    })
    // duplicates: gossipsub drops them before any validation; count where it reports them
    const score = (libp2p.services.pubsub as unknown as { score: { duplicateMessage(...args: any[]): void } }).score
    const original = score.duplicateMessage.bind(score)
    score.duplicateMessage = (...args: any[]) => { rec.duplicates++; original(...args) }
    mesh.truth.addEventListener('message', evt => { onTruth(i, evt.detail) })
    await mesh.start()
    ledger?.attach(i, mesh)
    l.mesh = mesh
    l.driver = createInProcessDriver(mesh)
    rec.startedAt ??= now()
    rec.up.push([now(), undefined])
  }

  async function stop (i: number, how: 'crash' | 'graceful'): Promise<void> {
    const l = live[i]
    const rec = records[i]
    const last = rec.up[rec.up.length - 1]
    if (last != null && last[1] == null) { last[1] = now() }
    // a crash drops every link at once, as a dead host would; then free the node's resources
    if (how === 'crash') { network.takeDown(i) }
    const mesh = l.mesh
    l.mesh = undefined
    l.driver = undefined
    ledger?.detach(i)
    if (mesh != null) {
      // a node that does not stop within 10 s is left behind (its links are cut below)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        mesh.stop().catch(err => { log(`node ${i} stop: ${err.message}`) }),
        new Promise<void>(resolve => { timer = setTimeout(() => { log(`node ${i} did not stop within 10 s`); resolve() }, 10_000) })
      ])
      clearTimeout(timer)
      cancelAddressUpdate(mesh)
    }
    network.takeDown(i)
    if (dataRoot != null) { await l.db?.close() }
  }

  async function dial (a: number, b: number, attempts = 3, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const ma = live[a].mesh
      if (ma == null || live[b].mesh == null || !network.reachable(a, b)) { return false }
      const left = deadline - performance.now()
      if (left < 100) { return false }
      const target = multiaddr(`${network.address(b)}/p2p/${records[b].peerId}`)
      try {
        await ma.libp2p.dial(target, { signal: AbortSignal.timeout(Math.floor(Math.min(30_000, left))) })
        return true
      } catch (err: any) {
        if (attempt === attempts) {
          log(`link ${a}-${b} failed ${attempts} times: ${err.message}`)
          dialFailures++
        }
      }
    }
    return false
  }

  return {
    live,
    get heldPairs () { return heldPairs },
    get dialFailures () { return dialFailures },
    start,
    stop,
    dial,
    connectedTo: i => new Set(live[i].mesh?.libp2p.getPeers().map(p => p.toString()) ?? []),
    meshPeers: i => {
      const mesh = live[i].mesh
      if (mesh == null) { return 0 }
      // gossipsub's mesh for a topic (the interface type does not list getMeshPeers)
      return (mesh.libp2p.services.pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(topic).length
    }
  }
}

/**
 * libp2p's address manager debounces a peer-store update when a transport closes and never
 * cancels it on stop: a timer that fires a second after the node stopped, into whatever
 * runs next in this process (the next scenario, on another clock). Cancel it.
 */
function cancelAddressUpdate (mesh: MeshNode): void {
  const components = (mesh.libp2p as unknown as { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?(): void } } } }).components
  components?.addressManager?._updatePeerStoreAddresses?.stop?.()
}

/** the scenario's gossipsub mesh degrees; Dout (gossipsub's 2) must stay under Dlo and at most D / 2 */
function meshDegrees (scenario: Scenario): Record<string, number> {
  const g = scenario.stack.gossip
  if (g == null) { return {} }
  return { ...g, Dout: g.Dout ?? Math.min(2, Math.floor(g.D / 2), g.Dlo - 1) }
}
