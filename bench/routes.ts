/**
 * Routes:
 *
 * 1. route computation for 1,000 and 10,000 known nodes, every beacon in scope (the worst
 * case: the whole graph in link state), against graphology-shortest-path's Dijkstra on
 * the same weighted graph (the baseline, this run); and the fisheye case a node of a
 * 50,000-node mesh really computes: its zone's beacons plus d far tables of 1,024.
 * 2. routed message round trip (send → the target's signed acknowledgement) over 3 hops
 * vs direct, on in-process nodes over the memory transport (no added latency), with the
 * link's probe echo (32 bytes, timed after the stream's negotiation) as the baseline; and over the simulator's links of
 * 5 ms one way, against the ideal 2 × hops × 5 ms.
 * 3. topology gossip measured on a live mesh of in-process nodes (fast timers), against
 * the cost model of protocol/routing/cost-model.ts with the same parameters.
 *
 * 4. an idle mesh with the node's default timers (random 4-regular, simulator links of
 * 20 ms one way, as `npm run sim`): routing updates, bytes and own beacons per node per
 * second and the CPU the process burns, over a window after set-up and warm-up.
 *
 * 5. attack: a neighbour in a process of its own (bench/_beacon-flood.ts, over TCP) floods
 * the victim with beacons from fresh origin keys, each listing made-up links; the victim's
 * memory (RSS peak and after a GC, split by kind), its API's /health latency and event-loop
 * delay during the flood against the same before it, what became of every beacon, and
 * whether routes between honest nodes stay right.
 *
 * Env: ROUTES_BENCH_ATTACK_BEACONS (4000), ROUTES_BENCH_ATTACK_LINKS (256), ROUTES_BENCH_ATTACK_PERSIST (s, 15), ROUTES_BENCH_ATTACK_CONTROL (s, 20), ROUTES_BENCH_SENDS (300), ROUTES_BENCH_GOSSIP_NODES (24), ROUTES_BENCH_GOSSIP_SECONDS (20),
 * ROUTES_BENCH_IDLE_NODES (100), ROUTES_BENCH_IDLE_WARMUP (s, 20), ROUTES_BENCH_IDLE_SECONDS (60),
 * ROUTES_BENCH_ONLY ('compute' | 'latency' | 'gossip' | 'idle' | 'attack'; unset: the first three and attack; 'all': the five).
 */
/* eslint-disable no-console */
import { fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { peerIdFromString } from '@libp2p/peer-id'
import { DirectedGraph } from 'graphology'
import { singleSource } from 'graphology-shortest-path/dijkstra.js'
import { createApiServer } from '../node/api/server.ts'
import { createNodeRecordCrypto } from '../node/crypto.ts'
import { createNodeLibp2p } from '../node/libp2p.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { generateIdentity } from '../protocol/crypto/index.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { gossipCost } from '../protocol/routing/cost-model.ts'
import { linkCost } from '../protocol/routing/health.ts'
import { TopologyGraph } from '../protocol/routing/topology.ts'
import { SimNetwork } from '../simulations/network/sim-network.ts'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.ts'
import { createRandom } from '../simulations/random.ts'
import { waitFor } from '../test/utils/wait.ts'
import { fmt, median, percentile, saveReport } from './_report.ts'
import type { FloodReady, FloodWritten } from './_beacon-flood.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'
import type { RoutingInit, RoutingStats } from '../protocol/routing/index.ts'
import type { GraphLink } from '../protocol/routing/topology.ts'
import type { MeshDatabase } from '../protocol/storage/index.ts'
import type { Random } from '../simulations/random.ts'
import type { ChildProcess } from 'node:child_process'

const until = async (check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> => { await waitFor(check, what, timeoutMs, 50) }

const SENDS = Number(process.env.ROUTES_BENCH_SENDS ?? 300)
const GOSSIP_NODES = Number(process.env.ROUTES_BENCH_GOSSIP_NODES ?? 24)
const GOSSIP_SECONDS = Number(process.env.ROUTES_BENCH_GOSSIP_SECONDS ?? 20)
const IDLE_NODES = Number(process.env.ROUTES_BENCH_IDLE_NODES ?? 100)
const IDLE_WARMUP = Number(process.env.ROUTES_BENCH_IDLE_WARMUP ?? 20)
const IDLE_SECONDS = Number(process.env.ROUTES_BENCH_IDLE_SECONDS ?? 60)
const ONLY = process.env.ROUTES_BENCH_ONLY
const ATTACK_BEACONS = Number(process.env.ROUTES_BENCH_ATTACK_BEACONS ?? 4000)
const ATTACK_LINKS = Number(process.env.ROUTES_BENCH_ATTACK_LINKS ?? 256)
/** the attacker keeps trying new streams this long after the first one failed */
const ATTACK_PERSIST_SECONDS = Number(process.env.ROUTES_BENCH_ATTACK_PERSIST ?? 15)
/** the control window before the flood: about as long as the flood's with the attacker's persistence */
const ATTACK_CONTROL_SECONDS = Number(process.env.ROUTES_BENCH_ATTACK_CONTROL ?? 20)
/** /health is requested this often during the baseline and the flood */
const HEALTH_POLL_MS = 25
const DEGREE = 8
/** beacons in each of the attacker's updates */
const BEACONS_PER_FRAME = 64

// ---- 1. route computation ----

interface SyntheticMesh { links: GraphLink[][] }

/** n nodes, a random spanning tree plus random edges up to an average degree of `degree` */
function syntheticMesh (n: number, degree: number, seed: number): SyntheticMesh {
  const rand = createRandom(seed, 'mesh')
  const adj: Array<Map<number, GraphLink>> = Array.from({ length: n }, () => new Map())
  const quality = (): Omit<GraphLink, 'peer'> => ({
    rttMs: 1 + rand.next() * 80,
    jitterMs: rand.next() * 10,
    loss: rand.next() < 0.1 ? rand.next() * 0.1 : 0,
    health: 0.6 + rand.next() * 0.4
  })
  const add = (a: number, b: number): void => {
    if (a === b || adj[a].has(b)) { return }
    adj[a].set(b, { peer: `n${b}`, ...quality() })
    adj[b].set(a, { peer: `n${a}`, ...quality() })
  }
  for (let i = 1; i < n; i++) { add(i, Math.floor(rand.next() * i)) }
  let edges = n - 1
  while (edges < n * degree / 2) {
    const a = Math.floor(rand.next() * n)
    const b = Math.floor(rand.next() * n)
    if (a !== b && !adj[a].has(b)) { add(a, b); edges++ }
  }
  return { links: adj.map(m => [...m.values()]) }
}

function hopDistances (mesh: SyntheticMesh, from: number): Int32Array {
  const dist = new Int32Array(mesh.links.length).fill(-1)
  dist[from] = 0
  const queue = [from]
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]
    for (const l of mesh.links[u]) {
      const v = Number(l.peer.slice(1))
      if (dist[v] === -1) { dist[v] = dist[u] + 1; queue.push(v) }
    }
  }
  return dist
}

function graphOf (mesh: SyntheticMesh, include: (i: number) => boolean, scope: number): TopologyGraph {
  const now = Date.now()
  // the node's bounds lifted: this measures computation over the whole graph
  const graph = new TopologyGraph({ self: 'n0', beaconMaxAgeMs: 3_600_000, reachMaxAgeMs: 3_600_000, maxBeacons: mesh.links.length, maxTotalLinks: Number.MAX_SAFE_INTEGER, maxLinksPerBeacon: 4096 })
  for (const l of mesh.links[0]) { graph.setLocalLink(l.peer, l) }
  for (let i = 1; i < mesh.links.length; i++) {
    if (!include(i)) { continue }
    graph.insertBeacon({ origin: `n${i}`, seq: 1, timestamp: now, scope, hops: 1, links: mesh.links[i], addrs: [], receivedAt: now }, now)
  }
  return graph
}

function timeIt (runs: number, fn: () => void): number[] {
  for (let i = 0; i < 3; i++) { fn() }
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    fn()
    out.push(performance.now() - t)
  }
  return out
}

interface ComputeResult {
  nodes: number
  edges: number
  oursMs: number
  oursWithPathsMs: number
  baselineMs: number
  ratio: number
  routes: number
}

function computeBench (n: number, runs: number): ComputeResult {
  const mesh = syntheticMesh(n, DEGREE, n)
  const graph = graphOf(mesh, () => true, 64)
  let routes = 0
  const ours = timeIt(runs, () => { routes = graph.compute(Date.now()).size })
  const withPaths = timeIt(runs, () => { graph.compute(Date.now()).routes() })

  const g = new DirectedGraph()
  for (let i = 0; i < n; i++) { g.addNode(`n${i}`) }
  let edges = 0
  for (let i = 0; i < n; i++) {
    for (const l of mesh.links[i]) { g.addDirectedEdge(`n${i}`, l.peer, { weight: linkCost(l) }); edges++ }
  }
  const baseline = timeIt(runs, () => { singleSource(g, 'n0', 'weight') })
  return { nodes: n, edges, oursMs: median(ours), oursWithPathsMs: median(withPaths), baselineMs: median(baseline), ratio: median(ours) / median(baseline), routes }
}

interface FisheyeResult { meshNodes: number, beacons: number, farEntries: number, routes: number, computeMs: number }

function fisheyeBench (n: number, scope: number, maxReach: number): FisheyeResult {
  const mesh = syntheticMesh(n, DEGREE, 7)
  const dist = hopDistances(mesh, 0)
  const graph = graphOf(mesh, i => dist[i] >= 1 && dist[i] <= scope, scope)
  const rand = createRandom(3, 'reach')
  const now = Date.now()
  const far = [...dist.keys()].filter(i => dist[i] > scope + 1)
  let farEntries = 0
  for (const l of mesh.links[0]) {
    const entries = []
    for (let k = 0; k < maxReach; k++) {
      const t = far[Math.floor(rand.next() * far.length)]
      entries.push({ target: `n${t}`, cost: 20 * dist[t] + rand.next() * 200, hops: dist[t], seq: 1 })
    }
    graph.setReach(l.peer, entries, now)
    farEntries += entries.length
  }
  let routes = 0
  const times = timeIt(20, () => { routes = graph.compute(Date.now()).size })
  return { meshNodes: n, beacons: graph.beaconCount, farEntries, routes, computeMs: median(times) }
}

// ---- live nodes ----

interface BenchNode { node: MeshNode, db: MeshDatabase, dir: string }

async function startNodes (count: number, routing: RoutingInit, network?: SimNetwork): Promise<BenchNode[]> {
  const nodes: BenchNode[] = []
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-routes-'))
    const privateKey = await generateIdentity()
    const db = await openNodeDatabase(dir)
    const libp2p = network != null
      ? await createMemoryLibp2p({ privateKey, name: network.address(i).slice('/memory/'.length), transport: network.transport(i), patient: true })
      : await createMemoryLibp2p({ privateKey, name: `bench-routes-${process.pid}-${Date.now()}-${i}` })
    const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, { connections: { minConnections: 0 }, routing })
    await node.start()
    nodes.push({ node, db, dir })
  }
  return nodes
}

async function stopNodes (nodes: BenchNode[]): Promise<void> {
  for (const n of nodes) {
    await n.node.stop().catch(() => {})
    await n.db.close().catch(() => {})
    await rm(n.dir, { recursive: true, force: true })
  }
}

/** dial each pair; a handshake that times out on a loaded machine is tried again (3 attempts) */
async function connectPairs (nodes: BenchNode[], edges: Array<[number, number]>): Promise<void> {
  for (const [a, b] of edges) {
    for (let attempt = 1; ; attempt++) {
      try {
        await nodes[a].node.libp2p.dial(nodes[b].node.libp2p.getMultiaddrs()[0])
        break
      } catch (err) {
        if (attempt >= 3) { throw err }
      }
    }
  }
}

// ---- 2. routed latency ----

interface Percentiles { p50: number, p99: number }
const stats = (xs: number[]): Percentiles => ({ p50: median(xs), p99: percentile(xs, 99) })

interface LatencyResult {
  links: string
  ping: Percentiles
  direct: Percentiles
  threeHops: Percentiles
  /** 3 hops / direct, p50 */
  ratio: number
  /** direct / ping, p50 */
  directOverPing: number
  ideal?: { direct: number, threeHops: number }
}

async function latencyBench (linkLatency: number): Promise<LatencyResult> {
  const network = linkLatency > 0
    ? new SimNetwork({ linkOf: () => ({ latency: linkLatency, jitter: 0, loss: 0 }), random: createRandom(1, 'links'), name: `bench-routes-${process.pid}` })
    : undefined
  // probes only when asked (the baseline below), not in the middle of a measurement
  // (and no rate limit: the bench sends as fast as the acks come back)
  const nodes = await startNodes(4, { probeIntervalMs: 600_000, rateLimits: { routedPerSecond: 1e9 } }, network)
  try {
    const [a, b, , d] = nodes.map(n => n.node)
    await connectPairs(nodes, [[0, 1], [1, 2], [2, 3]])
    await until(() => a.routing.route(d.libp2p.peerId)?.hops === 3, 'the route A→D')
    const payload = new Uint8Array(100)
    await new Promise(resolve => setTimeout(resolve, 2500)) // the warm-up probes are over
    // baseline: the link's echo round trip (32 bytes; the stream's negotiation is not timed)
    const ping: number[] = []
    while (ping.length < SENDS) {
      const rtt = await a.routing.links.probe(b.libp2p.peerId.toString())
      if (rtt != null) { ping.push(rtt) }
    }
    const direct: number[] = []
    const three: number[] = []
    // interleaved, so drift in the process load hits both alike
    for (let i = 0; i < SENDS; i++) {
      const r1 = await a.routing.send(b.libp2p.peerId, payload)
      const r3 = await a.routing.send(d.libp2p.peerId, payload)
      if (r1.hops !== 1 || r3.hops !== 3) { throw new Error(`unexpected paths: ${r1.hops}, ${r3.hops}`) }
      direct.push(r1.latencyMs)
      three.push(r3.latencyMs)
    }
    const res: LatencyResult = {
      links: linkLatency > 0 ? `simulator, ${linkLatency} ms one way` : 'memory, no added latency',
      ping: stats(ping),
      direct: stats(direct),
      threeHops: stats(three),
      ratio: median(three) / median(direct),
      directOverPing: median(direct) / Math.max(0.001, median(ping))
    }
    if (linkLatency > 0) { res.ideal = { direct: 2 * linkLatency, threeHops: 6 * linkLatency } }
    return res
  } finally {
    await stopNodes(nodes)
  }
}

// ---- 3. gossip volume ----

interface GossipResult {
  nodes: number
  edges: number
  averageDegree: number
  seconds: number
  measuredBytesPerNodePerSecond: number
  measuredBeaconsPerNodePerSecond: number
  modelBytesPerNodePerSecond: number
  ratio: number
}

/** a random connected graph with 2n edges: a random tree, then random extra links */
function connectedGraph (n: number, rand: Random): Array<[number, number]> {
  const edges: Array<[number, number]> = []
  const has = new Set<string>()
  const add = (x: number, y: number): void => {
    const k = x < y ? `${x}-${y}` : `${y}-${x}`
    if (x === y || has.has(k)) { return }
    has.add(k)
    edges.push([x, y])
  }
  for (let i = 1; i < n; i++) { add(i, Math.floor(rand.next() * i)) }
  while (edges.length < n * 2) { add(Math.floor(rand.next() * n), Math.floor(rand.next() * n)) }
  return edges
}

async function gossipBench (): Promise<GossipResult> {
  const routing: RoutingInit = { probeIntervalMs: 1000, beaconIntervalMs: 2000, reachIntervalMs: 4000 }
  const nodes = await startNodes(GOSSIP_NODES, routing)
  try {
    const edges = connectedGraph(GOSSIP_NODES, createRandom(5, 'gossip'))
    await connectPairs(nodes, edges)
    await until(() => nodes.every(n => n.node.routing.routes().length === GOSSIP_NODES - 1), 'routes to every node', 60_000)
    await new Promise(resolve => setTimeout(resolve, 3000))
    const before = nodes.map(n => n.node.routing.stats())
    const started = performance.now()
    await new Promise(resolve => setTimeout(resolve, GOSSIP_SECONDS * 1000))
    const seconds = (performance.now() - started) / 1000
    const after = nodes.map(n => n.node.routing.stats())
    let bytes = 0
    let beacons = 0
    for (let i = 0; i < nodes.length; i++) {
      bytes += after[i].updateBytesReceived - before[i].updateBytesReceived
      beacons += after[i].beaconsSent - before[i].beaconsSent
    }
    const degree = 2 * edges.length / GOSSIP_NODES
    const triggered = Math.max(0, beacons / GOSSIP_NODES / seconds - 1000 / routing.beaconIntervalMs!)
    const model = gossipCost({
      nodes: GOSSIP_NODES,
      degree,
      scope: 2,
      beaconIntervalMs: routing.beaconIntervalMs!,
      triggeredPerSecond: triggered,
      reachIntervalMs: routing.reachIntervalMs!,
      maxReachEntries: 1024
    })
    const measured = bytes / GOSSIP_NODES / seconds
    return {
      nodes: GOSSIP_NODES,
      edges: edges.length,
      averageDegree: degree,
      seconds,
      measuredBytesPerNodePerSecond: measured,
      measuredBeaconsPerNodePerSecond: beacons / GOSSIP_NODES / seconds,
      modelBytesPerNodePerSecond: model.bytesPerSecond,
      ratio: measured / model.bytesPerSecond
    }
  } finally {
    await stopNodes(nodes)
  }
}

// ---- 4. idle mesh, default timers ----

interface IdleResult {
  nodes: number
  edges: number
  seconds: number
  perNodePerSecond: { updates: number, bytes: number, ownBeacons: number, farTables: number, farTableBytes: number, recomputations: number }
  /** CPU of the whole process (every node) over the window, ms per second */
  cpuMsPerSecond: number
}

async function idleBench (): Promise<IdleResult> {
  const network = new SimNetwork({ linkOf: () => ({ latency: 20, jitter: 0, loss: 0 }), random: createRandom(1, 'links'), name: `bench-routes-idle-${process.pid}` })
  const nodes = await startNodes(IDLE_NODES, {}, network)
  try {
    const edges = connectedGraph(IDLE_NODES, createRandom(7, 'idle'))
    await connectPairs(nodes, edges)
    await until(() => nodes.every(n => n.node.routing.routes().length === IDLE_NODES - 1), 'routes to every node', 180_000)
    await new Promise(resolve => setTimeout(resolve, IDLE_WARMUP * 1000))
    const before = nodes.map(n => n.node.routing.stats())
    const cpu0 = process.cpuUsage()
    const started = performance.now()
    await new Promise(resolve => setTimeout(resolve, IDLE_SECONDS * 1000))
    const seconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpu0)
    const after = nodes.map(n => n.node.routing.stats())
    // `?? 0`: the far-table counters are newer than the service this may run against
    const sum = (f: (s: Partial<RoutingStats>) => number | undefined): number => {
      let total = 0
      for (let i = 0; i < nodes.length; i++) { total += (f(after[i]) ?? 0) - (f(before[i]) ?? 0) }
      return total / nodes.length / seconds
    }
    return {
      nodes: IDLE_NODES,
      edges: edges.length,
      seconds,
      perNodePerSecond: {
        updates: sum(s => s.updatesSent),
        bytes: sum(s => s.updateBytesSent),
        ownBeacons: sum(s => s.beaconsSent),
        farTables: sum(s => s.farTablesSent),
        farTableBytes: sum(s => s.farTableBytesSent),
        recomputations: sum(s => s.recomputations)
      },
      cpuMsPerSecond: (cpu.user + cpu.system) / 1000 / seconds
    }
  } finally {
    await stopNodes(nodes)
  }
}

// ---- 5. beacon flood ----

interface Memory { rss: number, heapTotal: number, heapUsed: number, external: number, arrayBuffers: number }

const mib = (n: number): number => n / 2 ** 20
function memory (): Memory {
  const m = process.memoryUsage()
  return { rss: mib(m.rss), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) }
}
const growth = (a: Memory, b: Memory): Memory => ({ rss: b.rss - a.rss, heapTotal: b.heapTotal - a.heapTotal, heapUsed: b.heapUsed - a.heapUsed, external: b.external - a.external, arrayBuffers: b.arrayBuffers - a.arrayBuffers })

interface LatencyStats { requests: number, failures: number, p50: number, p99: number, max: number, loopDelayP99: number, loopDelayMax: number }

interface AttackResult {
  beacons: number
  linksPerBeacon: number
  floodBytes: number
  floodSeconds: number
  /** the victim's process (the victim, its two honest neighbours, the API) just before the flood, at the end of the control window, MiB */
  before: Memory
  /** the highest of each figure sampled during the flood, less `before`, MiB */
  peak: Memory
  /** after the flood and a full GC, less `before`, MiB */
  growth: Memory
  /** ATTACK_CONTROL_SECONDS before the flood, from a full GC, the same load without it: memory growth (its end, no GC) and honest checks */
  control: { seconds: number, peak: Memory, growth: Memory, honest: { checks: number, ok: number } }
  /** /health in the control window (same run) */
  baseline: LatencyStats
  /** /health during the flood */
  health: LatencyStats
  held: { beacons: number, links: number }
  excess: RoutingStats['excess']
  /** the victim's count of every beacon it read, and what became of each (during the flood) */
  accounting: { received: number, accepted: number, rejected: number, ignored: number, unaccounted: number }
  /**
   * the flood's beacons: read by the victim (its count less the nodes' own beacons sent
   * meanwhile: the honest neighbours' and the attacker node's), not sent (the attacker's count, after the cut-off), and the
   * rest, written by the attacker but lost with a reset stream
   */
  flood: { read: number, honest: number, unsent: number, lost: number }
  /** the victim's cut-offs of the attacker and topology streams it refused */
  cutOffs: number
  refused: number
  /** topology bytes the victim read during the flood (all neighbours) */
  readBytes: number
  /** times the victim paused reading the attacker for its byte budget, and the ms asked for */
  throttled: { pauses: number, ms: number }
  /** each second of the flood: the route to h2 on the honest path and a message sent along it */
  honestDuring: { checks: number, ok: number }
  honestRouteCorrect: boolean
  honestSendMs: number
  framesSent: number
  frames: number
  resets: number
  lastError: string
  connectedAfter: boolean
}

/** mesh nodes over TCP on 127.0.0.1 (the attacker, in another process, reaches them) */
async function startTcpNodes (count: number, routing: RoutingInit): Promise<BenchNode[]> {
  const nodes: BenchNode[] = []
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-routes-'))
    const privateKey = await generateIdentity()
    const db = await openNodeDatabase(dir)
    const libp2p = await createNodeLibp2p({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, relay: false, start: false })
    const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, { connections: { minConnections: 0 }, routing })
    await node.start()
    nodes.push({ node, db, dir })
  }
  return nodes
}

async function attackBench (): Promise<AttackResult> {
  // victim, h1, h2 here: attacker - victim - h1 - h2; the attacker in a child process
  const nodes = await startTcpNodes(3, { probeIntervalMs: 1000, beaconMinIntervalMs: 50 })
  const [victim, h1, h2] = nodes
  const api = createApiServer(victim.node, { host: '127.0.0.1', port: 0, dataDir: victim.dir, rateLimit: false })
  await api.start()
  let child: ChildProcess | undefined
  try {
    await connectPairs(nodes, [[0, 1], [1, 2]])
    const h2Id = h2.node.libp2p.peerId.toString()
    const honestPath = [victim, h1, h2].map(n => n.node.libp2p.peerId.toString()).join('>')
    await until(() => victim.node.routing.route(h2Id)?.path.join('>') === honestPath, 'the honest route', 60_000)

    // the attacker connects, then builds the flood before anything is measured
    const attackerScript = fileURLToPath(new URL('./_beacon-flood.js', import.meta.url))
    child = fork(attackerScript, [victim.node.libp2p.getMultiaddrs()[0].toString(), String(ATTACK_BEACONS), String(ATTACK_LINKS), String(BEACONS_PER_FRAME), String(ATTACK_PERSIST_SECONDS)], { execArgv: [] })
    const fromChild = new Map<string, (msg: any) => void>()
    const exited = new Promise<void>((resolve, reject) => {
      child?.on('exit', code => { code === 0 || code === null ? resolve() : reject(new Error(`the attacker exited with ${code}`)) })
    })
    exited.catch(() => {})
    child.on('message', (msg: any) => { fromChild.get(msg?.type)?.(msg) })
    const message = async <T>(type: string): Promise<T> => Promise.race([
      new Promise<T>(resolve => { fromChild.set(type, resolve) }),
      exited.then(() => { throw new Error(`the attacker exited before '${type}'`) })
    ])
    const ready = await message<FloodReady>('ready')
    await until(() => victim.node.libp2p.getConnections(peerIdFromString(ready.peerId)).length > 0, 'the attacker connected', 60_000)

    // /health polled, and the event loop's delay watched, for a while before the flood (the
    // baseline: this box is shared) and through it
    const healthUrl = `${api.url.replace('0.0.0.0', '127.0.0.1')}/health`
    const watch = (): { stop(): Promise<LatencyStats> } => {
      const latencies: number[] = []
      const loop = monitorEventLoopDelay({ resolution: 10 })
      loop.enable()
      const state: { on: boolean, done?(): void } = { on: true }
      let failures = 0
      // open loop: a request every HEALTH_POLL_MS whether or not the last one answered, so
      // a stalled event loop shows in every request that waited on it
      const inFlight = new Set<Promise<void>>()
      const poll = (): void => {
        const t = performance.now()
        const p = fetch(healthUrl).then(async r => { await r.text(); return r.ok }, () => false)
          .then(ok => { if (ok) { latencies.push(performance.now() - t) } else { failures++ } })
          .finally(() => { inFlight.delete(p) })
        inFlight.add(p)
      }
      const timer = setInterval(() => { if (state.on) { poll() } }, HEALTH_POLL_MS)
      poll()
      const polling = (async () => {
        await new Promise<void>(resolve => { state.done = resolve })
        clearInterval(timer)
        await Promise.all([...inFlight])
      })()
      return {
        async stop () {
          state.on = false
          state.done?.()
          await polling
          loop.disable()
          latencies.sort((a, b) => a - b)
          return {
            requests: latencies.length,
            failures,
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99),
            max: latencies[latencies.length - 1] ?? 0,
            loopDelayP99: loop.percentile(99) / 1e6,
            loopDelayMax: loop.max / 1e6
          }
        }
      }
    }
    /**
     * A measured window: /health polled and the event loop watched, the memory's peaks
     * sampled, and each second the honest route checked and a message routed along it;
     * `growth` is the memory at the end (after a full GC when `gc`) less at the start.
     */
    const measure = (): { stop(gc: boolean): Promise<{ health: LatencyStats, before: Memory, peak: Memory, growth: Memory, honest: { checks: number, ok: number } }> } => {
      const before = memory()
      const peak = { ...before }
      const sampler = setInterval(() => {
        const m = memory()
        for (const k of Object.keys(peak) as Array<keyof Memory>) { peak[k] = Math.max(peak[k], m[k]) }
      }, 50)
      const healthWatch = watch()
      const honest = { checks: 0, ok: 0 }
      const honestSends: Array<Promise<void>> = []
      const honestProbe = setInterval(() => {
        honest.checks++
        const onPath = victim.node.routing.route(h2Id)?.path.join('>') === honestPath
        honestSends.push(victim.node.routing.send(h2Id, new TextEncoder().encode('during the flood'), { timeoutMs: 5000 })
          .then(sent => { if (onPath && sent.path.join('>') === honestPath) { honest.ok++ } }, () => {}))
      }, 1000)
      return {
        async stop (gc) {
          const health = await healthWatch.stop()
          clearInterval(honestProbe)
          await Promise.all(honestSends)
          clearInterval(sampler)
          if (gc) { globalThis.gc?.() }
          return { health, before, peak: growth(before, peak), growth: growth(before, memory()), honest }
        }
      }
    }
    // the control: from a full GC, the same load without a flood (this box is shared, and
    // the process's heap regrows after a full GC whatever it does); the flood's figures
    // start where it ends, from the process's working size under that load
    globalThis.gc?.()
    const controlWindow = measure()
    await new Promise(resolve => setTimeout(resolve, ATTACK_CONTROL_SECONDS * 1000))
    const control = await controlWindow.stop(false)

    const st0 = victim.node.routing.stats()
    const honestSent = (): number => h1.node.routing.stats().beaconsSent + h2.node.routing.stats().beaconsSent
    const honest0 = honestSent()
    const floodWindow = measure()
    const started = performance.now()
    const writtenMsg = message<FloodWritten>('written')
    child.send({ type: 'flood' })
    const written = await writtenMsg
    // the attacker's write returns once its muxer took the frame, before the victim read
    // it: the attacker closes only once the victim read all it will (its count still for 2 s)
    const read = (): number => victim.node.routing.stats().beaconsReceived - st0.beaconsReceived
    let last = { n: read(), at: performance.now() }
    await until(() => {
      const n = read()
      if (n !== last.n) { last = { n, at: performance.now() } }
      return performance.now() - last.at >= 2000
    }, 'the victim to read what it will', 120_000)
    const floodSeconds = (last.at - started) / 1000
    const flooded = await floodWindow.stop(true)
    const connectedAfter = victim.node.libp2p.getConnections(peerIdFromString(ready.peerId)).length > 0
    child.send({ type: 'stop' })
    await exited

    const st = victim.node.routing.stats()
    const delta = (f: (s: RoutingStats) => number): number => f(st) - f(st0)
    const received = delta(s => s.beaconsReceived)
    // beacons the victim read that are not the flood's: the honest neighbours' own, and the attacker node's own
    const honest = honestSent() - honest0 + written.ownBeacons
    const floodRead = received - honest
    const flood = { read: floodRead, honest, unsent: written.beaconsUnsent, lost: written.beaconsWritten - floodRead }
    const accounting = {
      received,
      accepted: delta(s => s.beaconsAccepted),
      rejected: delta(s => s.beaconsRejected),
      ignored: delta(s => s.beaconsIgnored),
      unaccounted: received - delta(s => s.beaconsAccepted + s.beaconsRejected + s.beaconsIgnored + s.excess.origins + s.excess.refused + s.excess.rate)
    }
    const route = victim.node.routing.route(h2Id)
    const t = performance.now()
    await victim.node.routing.send(h2Id, new TextEncoder().encode('after the flood'), { timeoutMs: 5000 })
    const honestSendMs = performance.now() - t
    return {
      beacons: ATTACK_BEACONS,
      linksPerBeacon: ATTACK_LINKS,
      floodBytes: ready.floodBytes,
      floodSeconds,
      before: flooded.before,
      peak: flooded.peak,
      growth: flooded.growth,
      control: { seconds: ATTACK_CONTROL_SECONDS, peak: control.peak, growth: control.growth, honest: control.honest },
      baseline: control.health,
      health: flooded.health,
      held: { beacons: st.beacons, links: st.links },
      excess: st.excess,
      accounting,
      throttled: { pauses: delta(s => s.updatesThrottled), ms: delta(s => s.updatesThrottledMs) },
      flood,
      cutOffs: delta(s => s.topologyCutOffs),
      readBytes: delta(s => s.updateBytesReceived),
      refused: delta(s => s.topologyStreamsRefused),
      honestDuring: flooded.honest,
      framesSent: written.framesSent,
      frames: ready.frames,
      resets: written.resets,
      lastError: written.lastError,
      connectedAfter,
      honestRouteCorrect: route?.path.join('>') === honestPath,
      honestSendMs
    }
  } finally {
    child?.kill()
    await api.stop()
    await stopNodes(nodes)
  }
}

async function main (): Promise<void> {
  const report: Record<string, unknown> = { date: new Date().toISOString() }
  if (ONLY == null || ONLY === 'all' || ONLY === 'compute') {
    const compute = [computeBench(1000, 50), computeBench(10_000, 15)]
    report.compute = compute
    console.log('\nroute computation, all nodes in link state (median):')
    for (const c of compute) {
      console.log(`  ${c.nodes} nodes, ${c.edges} links: ${fmt(c.oursMs, 2)} ms (${fmt(c.oursWithPathsMs, 2)} ms with every path built), ` +
        `graphology Dijkstra ${fmt(c.baselineMs, 2)} ms; ratio ${fmt(c.ratio, 2)}× (${c.routes} routes)`)
    }
    const fisheye = [fisheyeBench(10_000, 2, 1024), fisheyeBench(50_000, 2, 1024)]
    report.fisheye = fisheye
    for (const f of fisheye) {
      console.log(`  fisheye node of a ${f.meshNodes}-node mesh: ${f.beacons} beacons + ${f.farEntries} far entries → ${f.routes} routes in ${fmt(f.computeMs, 2)} ms`)
    }
  }
  if (ONLY == null || ONLY === 'all' || ONLY === 'latency') {
    const latency = [await latencyBench(0), await latencyBench(5)]
    report.latency = latency
    console.log(`\nrouted message round trip (send → signed ack), ${SENDS} each:`)
    for (const l of latency) {
      console.log(`  ${l.links}: echo p50 ${fmt(l.ping.p50, 2)} ms; direct p50 ${fmt(l.direct.p50, 2)} / p99 ${fmt(l.direct.p99, 2)} ms; ` +
        `3 hops p50 ${fmt(l.threeHops.p50, 2)} / p99 ${fmt(l.threeHops.p99, 2)} ms; 3 hops / direct ${fmt(l.ratio, 2)}×; direct / echo ${fmt(l.directOverPing, 2)}×` +
        (l.ideal != null ? `; vs ideal: direct ${fmt(l.direct.p50 / l.ideal.direct, 2)}×, 3 hops ${fmt(l.threeHops.p50 / l.ideal.threeHops, 2)}×` : ''))
    }
  }
  if (ONLY == null || ONLY === 'all' || ONLY === 'gossip') {
    const gossip = await gossipBench()
    report.gossip = gossip
    console.log(`\ntopology gossip, ${gossip.nodes} nodes, average degree ${fmt(gossip.averageDegree, 2)}, beacons every 2 s, far tables every 4 s, ${fmt(gossip.seconds, 0)} s:`)
    console.log(`  measured ${fmt(gossip.measuredBytesPerNodePerSecond, 0)} B/s per node (${fmt(gossip.measuredBeaconsPerNodePerSecond, 2)} own beacons/s), ` +
      `model ${fmt(gossip.modelBytesPerNodePerSecond, 0)} B/s; measured / model ${fmt(gossip.ratio, 2)}`)
  }
  if (ONLY == null || ONLY === 'all' || ONLY === 'attack') {
    const a = await attackBench()
    report.attack = a
    console.log(`\nbeacon flood from one neighbour (in its own process, over TCP): ${a.beacons} beacons from new origins × ${a.linksPerBeacon} made-up links (${a.beacons * a.linksPerBeacon} made-up nodes, ${fmt(a.floodBytes / 2 ** 20, 1)} MiB) in ${fmt(a.floodSeconds, 1)} s:`)
    const g = a.growth
    const p = a.peak
    const signed = (x: number): string => `${x >= 0 ? '+' : ''}${fmt(x, 1)}`
    const cp = a.control.peak
    const cg = a.control.growth
    const flags = process.execArgv.filter(f => f !== '--expose-gc')
    console.log(`  the victim's process runs with ${flags.length > 0 ? flags.join(' ') : 'no V8 flags (not the node\'s own: `npm run bench -- routes` gives them)'}`)
    console.log(`  victim process RSS just before the flood ${fmt(a.before.rss, 0)} MiB: peak ${signed(p.rss)} MiB during the flood (bar: < 50), ${signed(g.rss)} MiB after it and a GC; ` +
      `the control window before it (${a.control.seconds} s from a full GC, the same polling and checks, no flood) grew peak ${signed(cp.rss)}, at its end ${signed(cg.rss)} MiB`)
    console.log(`    peaks: V8 heap ${signed(p.heapTotal)} (used ${signed(p.heapUsed)}), external ${signed(p.external)} (array buffers ${signed(p.arrayBuffers)}); ` +
      `after a GC: V8 heap ${signed(g.heapTotal)} (used ${signed(g.heapUsed)}), external ${signed(g.external)} (array buffers ${signed(g.arrayBuffers)}) MiB`)
    const h = (x: LatencyStats): string => `p50 ${fmt(x.p50, 1)} ms, p99 ${fmt(x.p99, 1)} ms, max ${fmt(x.max, 1)} ms over ${x.requests} requests, one every ${HEALTH_POLL_MS} ms (${x.failures} failed); event loop delay p99 ${fmt(x.loopDelayP99, 1)} ms, max ${fmt(x.loopDelayMax, 1)} ms`
    console.log(`  /health during the flood: ${h(a.health)} (bar: p99 < 100)`)
    console.log(`  /health in the control window (${a.control.seconds} s before the flood, baseline): ${h(a.baseline)}`)
    console.log(`  held ${a.held.beacons} beacons, ${a.held.links} links; dropped: ${a.excess.origins} new origins over the rates, ${a.excess.rate} in updates over the update rate, ${a.excess.links} links over the per-beacon cap, ${a.excess.evicted} evicted, ${a.excess.refused} refused`)
    const c = a.accounting
    console.log(`  the victim read ${c.received} beacons: ${c.accepted} accepted, ${c.rejected} rejected, ${c.ignored} not news, ` +
      `${c.received - c.accepted - c.rejected - c.ignored - c.unaccounted} over a bound; unaccounted ${c.unaccounted}`)
    const fl = a.flood
    console.log(`  the flood's ${a.beacons} beacons: ${fl.read} read by the victim (its ${c.received} less ${fl.honest} the nodes' own beacons sent meanwhile), ` +
      `${fl.unsent} the attacker could not send after the cut-off, and the rest, ${fl.lost}, written to its streams but lost when they were reset${fl.lost < 0 || fl.read + fl.unsent + fl.lost !== a.beacons ? ' (NOT ACCOUNTED: the honest count is off)' : ''}`)
    console.log(`  the victim read ${fmt(a.readBytes / 2 ** 20, 1)} MiB of topology (all neighbours), ${fmt(100 * a.readBytes / a.floodBytes, 0)}% of the flood's size`)
    console.log(`  attacker wrote ${a.framesSent} of ${a.frames} frames (streams reset or refused by the victim: ${a.resets}${a.lastError !== '' ? `, last: ${a.lastError}` : ''}); still connected to the victim: ${a.connectedAfter}`)
    console.log(`  the victim paused reading the attacker ${a.throttled.pauses} times for its byte budget (${fmt(a.throttled.ms / 1000, 1)} s asked for), cut it off ${a.cutOffs} time(s) and refused ${a.refused} topology stream(s) from it`)
    console.log(`  during the flood, each second: honest route and a routed message victim → h2 ok ${a.honestDuring.ok} of ${a.honestDuring.checks} (control: ${a.control.honest.ok} of ${a.control.honest.checks})`)
    console.log(`  honest route victim → h2 ${a.honestRouteCorrect ? 'unchanged' : 'CHANGED'}; a routed message after the flood acknowledged in ${fmt(a.honestSendMs, 1)} ms`)
  }
  if (ONLY === 'idle' || ONLY === 'all') {
    const idle = await idleBench()
    report.idle = idle
    const p = idle.perNodePerSecond
    console.log(`\nidle mesh, ${idle.nodes} nodes, ${idle.edges} links of 20 ms, default timers, ${fmt(idle.seconds, 0)} s after set-up + ${IDLE_WARMUP} s:`)
    console.log(`  per node per second: ${fmt(p.updates, 2)} updates, ${fmt(p.bytes, 0)} B (far tables ${fmt(p.farTables, 2)}, ${fmt(p.farTableBytes, 0)} B), ` +
      `${fmt(p.ownBeacons, 3)} own beacons, ${fmt(p.recomputations, 2)} route computations; process CPU ${fmt(idle.cpuMsPerSecond, 0)} ms/s`)
  }
  saveReport('routes', report)
}

main().then(() => process.exit(0), err => {
  console.error(err)
  process.exit(1)
})
