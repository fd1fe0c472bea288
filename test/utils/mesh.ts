/**
 * Test nodes: real libp2p (memory or TCP on 127.0.0.1) plus a real LevelDB in a temp dir.
 * Every node made here is stopped and its directory removed by `cleanup()`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNodeRecordCrypto } from '../../node/crypto.ts'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { createNodeLibp2p } from '../../node/libp2p.ts'
import { openNodeDatabase } from '../../node/storage.ts'
import { createMeshNode } from '../../protocol/mesh-node.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import type { Clock } from '../../protocol/clock.ts'
import type { MeshNode, MeshNodeInit } from '../../protocol/mesh-node.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

export { waitFor } from './wait.ts'

export interface TestNodeOptions {
  transport?: 'memory' | 'tcp'
  /** reuse a data dir (restart); default: a fresh temp dir */
  dataDir?: string
  dht?: boolean
  latency?: number
  init?: MeshNodeInit
  /** start libp2p and services (default true) */
  start?: boolean
  /** the routing's clock (default: the system clock) */
  clock?: Clock
}

export interface TestNode {
  node: MeshNode
  dataDir: string
  /** stop the node and close its database; the data dir is kept (restart tests) */
  stop(): Promise<void>
}

let counter = 0

export class TestMesh {
  readonly nodes: TestNode[] = []
  private readonly dirs: string[] = []

  async tempDir (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'liberation-test-'))
    this.dirs.push(dir)
    return dir
  }

  async add (opts: TestNodeOptions = {}): Promise<TestNode> {
    const dataDir = opts.dataDir ?? await this.tempDir()
    const privateKey = await loadOrCreateIdentity(dataDir)
    const db = await openNodeDatabase(dataDir)
    const libp2p = opts.transport === 'tcp'
      ? await createNodeLibp2p({
        privateKey,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        dht: opts.dht ?? false,
        relay: false,
        start: false,
        gossip: { colocationWhitelist: ['127.0.0.1'] },
        allow: ['/ip4/127.0.0.1']
      })
      : await createMemoryLibp2p({
        privateKey,
        name: `test-${process.pid}-${++counter}-${Date.now()}`,
        latency: opts.latency,
        dht: opts.dht
      })
    const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey), clock: opts.clock }, {
      // tests wire their own topologies: no automatic dialling unless asked
      connections: { minConnections: 0, ...opts.init?.connections },
      ...opts.init
    })
    if (opts.start !== false) { await node.start() }
    let stopped = false
    const testNode: TestNode = {
      node,
      dataDir,
      async stop () {
        if (stopped) { return }
        stopped = true
        await node.stop()
        await db.close()
      }
    }
    this.nodes.push(testNode)
    return testNode
  }

  async cleanup (): Promise<void> {
    await Promise.allSettled(this.nodes.map(async n => { await n.stop() }))
    await Promise.allSettled(this.dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
  }
}

export async function connect (a: MeshNode, b: MeshNode): Promise<void> {
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0] as Multiaddr)
}

/** A deterministic random connected graph: a spanning chain plus `extra` random edges. */
export function randomConnectedEdges (n: number, extra: number, seed = 1): Array<[number, number]> {
  let s = seed >>> 0
  const rand = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5)
  const edges = new Set<string>()
  const out: Array<[number, number]> = []
  const add = (a: number, b: number): void => {
    if (a === b) { return }
    const k = a < b ? `${a}-${b}` : `${b}-${a}`
    if (edges.has(k)) { return }
    edges.add(k)
    out.push([a, b])
  }
  for (let i = 1; i < n; i++) { add(order[i], order[Math.floor(rand() * i)]) }
  for (let i = 0; i < extra; i++) { add(Math.floor(rand() * n), Math.floor(rand() * n)) }
  return out
}
