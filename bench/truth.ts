/**
 * Truth messages:
 *
 * 1. raw Ed25519 sign and verify rates (node:crypto, cached keys): the baseline, measured
 * in this run;
 * 2. how many messages/s one node signs+stores+publishes, as a ratio to raw sign;
 * 3. how many messages/s one node receives+verifies+stores, as a ratio to raw verify;
 * for 2 and 3 the other end is a real node in a worker thread over TCP on 127.0.0.1,
 * so only the measured node's work runs on this thread;
 * 4. a mesh of in-process nodes whose links each add 20 ms (the simulator's network,
 * which delivers every chunk `latency` after it was sent, like a real link; the
 * `@libp2p/memory` latency option delays each chunk only after the previous one, so
 * a 20 ms link carries 50 chunks/s and queues): p50/p99 propagation latency as a ratio
 * to the ideal (shortest-path hops × link latency), CPU per delivered message,
 * duplicates per delivery. The same nodes first gossip unsigned bytes of the same size
 * on a topic without validator: that bare-gossipsub phase is the baseline.
 *
 * Targets: p99 ≤ 1.3× ideal, CPU ≤ 1 ms per delivery, ≤ 2 duplicates per delivery.
 * All ten nodes share this one JS thread and the machine's two cores are shared with
 * other work: the run-queue wait printed per phase says how much latency came from that.
 *
 * Env: TRUTH_BENCH_NODES (10), TRUTH_BENCH_MESSAGES (300 per phase), TRUTH_BENCH_RATE (msg/s, 20),
 * TRUTH_BENCH_ROUNDS (3: bare and truth phases alternate this many times; each figure
 * reported is its median over the rounds), TRUTH_BENCH_IDLE_SECONDS (15: the idle nodes' CPU,
 * subtracted for the net figures, is measured over this long),
 * TRUTH_BENCH_LATENCY (ms, 20), TRUTH_BENCH_EXTRA_EDGES (5), TRUTH_BENCH_LINKS
 * ('sim' | 'memory': @libp2p/memory's own latency, which serialises chunks on a link),
 * TRUTH_BENCH_ONLY ('publish' | 'receive' | 'mesh'), TRUTH_BENCH_SKIP ('bare' | 'truth': a mesh phase),
 * TRUTH_BENCH_PROFILE (a directory: writes a CPU profile of each mesh phase there).
 */
/* eslint-disable no-console */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { multiaddr } from '@multiformats/multiaddr'
import { createNodeRecordCrypto } from '../node/crypto.ts'
import { createNodeLibp2p } from '../node/libp2p.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { generateIdentity } from '../protocol/crypto/index.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { fastMessageId } from '../protocol/pubsub/gossip.ts'
import { encodeFrame, signTruth, truthTopic } from '../protocol/truth/index.ts'
import { SignedTruth, TruthFrame } from '../protocol/truth/pb/truth.ts'
import { SimNetwork } from '../simulations/network/sim-network.ts'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.ts'
import { createRandom } from '../simulations/random.ts'
import { randomConnectedEdges } from '../test/utils/mesh.ts'
import { waitFor } from '../test/utils/wait.ts'
import { fmt, median, percentile, saveReport } from './_report.ts'
import type { MeshLibp2p, MeshNode, MeshNodeInit } from '../protocol/mesh-node.ts'
import type { MeshDatabase } from '../protocol/storage/index.ts'
import type { TruthMessageEvent } from '../protocol/truth/index.ts'

const until = async (check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => { await waitFor(check, what, timeoutMs, 1) }

const NODES = Number(process.env.TRUTH_BENCH_NODES ?? 10)
const MESSAGES = Number(process.env.TRUTH_BENCH_MESSAGES ?? 300)
const RATE = Number(process.env.TRUTH_BENCH_RATE ?? 20)
const LATENCY = Number(process.env.TRUTH_BENCH_LATENCY ?? 20)
const EXTRA_EDGES = Number(process.env.TRUTH_BENCH_EXTRA_EDGES ?? 5)
const ROUNDS = Number(process.env.TRUTH_BENCH_ROUNDS ?? 3)
/** how long the idle cost is measured: beacons (30 s) and far tables (60 s) make it lumpy */
const IDLE_SECONDS = Number(process.env.TRUTH_BENCH_IDLE_SECONDS ?? 15)
const LINKS = process.env.TRUTH_BENCH_LINKS === 'memory' ? 'memory' : 'sim'
const ONLY = process.env.TRUTH_BENCH_ONLY
const CHANNEL = 'social'
const TOPIC = truthTopic(CHANNEL)
/** ~170 bytes, a typical short post */
const CONTENT = 'The pool pays every active human 800.00 this week; check the ledger yourself, it is the same on every node. '
const PUBLISH_OPS = 2000
const RECEIVE_OPS = 3000

// throughput, not abuse handling, is measured: lift the per-author limit; no background sync
const TRUTH_INIT: MeshNodeInit['truth'] = { channels: [CHANNEL], defaultChannels: [CHANNEL], authorRate: { perSecond: 1e9, burst: 1e9 }, peerRate: { perSecond: 1e9, burst: 1e9 }, sync: { intervalMs: 0, onConnect: false } }

interface BenchNode { node: MeshNode, db: MeshDatabase, dir: string, stop(): Promise<void> }

async function wrap (libp2p: MeshLibp2p, privateKey: Awaited<ReturnType<typeof generateIdentity>>, db: MeshDatabase, dir: string): Promise<BenchNode> {
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, { connections: { minConnections: 0 }, truth: TRUTH_INIT })
  await node.start()
  return {
    node,
    db,
    dir,
    async stop () {
      await node.stop()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** a Node runtime libp2p (TCP on 127.0.0.1), as `liberation start` runs it, minus discovery */
async function tcpNode (): Promise<BenchNode> {
  const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-truth-'))
  const privateKey = await generateIdentity()
  const db = await openNodeDatabase(dir)
  const libp2p = await createNodeLibp2p({
    privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dht: false,
    relay: false,
    start: false,
    gossip: { colocationWhitelist: ['127.0.0.1'] },
    allow: ['/ip4/127.0.0.1']
  })
  return wrap(libp2p, privateKey, db, dir)
}

function cpuMs (u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000
}

/**
 * ms this thread spent runnable but waiting for a CPU (Linux schedstat): how much other
 * processes on the machine delayed us. Latency figures only mean something when it is small.
 */
function runQueueWaitMs (): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6
  } catch {
    return Number.NaN
  }
}

// ---- the peer in a worker thread ----

type PeerCommand = { cmd: 'await', n: number } | { cmd: 'sign', n: number } | { cmd: 'publish' } | { cmd: 'dial', addr: string } | { cmd: 'stop' }

async function peerMain (): Promise<void> {
  const port = parentPort
  if (port == null) { return }
  const peer = await tcpNode()
  let frames: Uint8Array[] = []
  port.postMessage({ type: 'ready', addr: peer.node.libp2p.getMultiaddrs()[0].toString() })
  port.on('message', (m: PeerCommand) => {
    void (async () => {
      if (m.cmd === 'await') {
        await until(() => peer.node.truth.stats().messages >= m.n, 'the peer to receive all', 120_000)
        port.postMessage({ type: 'received' })
      } else if (m.cmd === 'sign') {
        // frames by this worker's own author key, signed before the clock starts
        const { signer } = peer.node.crypto
        frames = []
        for (let i = 0; i < m.n; i++) { frames.push(encodeFrame(CHANNEL, await signTruth(signer, { content: `${CONTENT}#${i}`, channels: [CHANNEL], createdAt: Date.now() }))) }
        await until(() => peer.node.libp2p.services.pubsub.getSubscribers(TOPIC).length > 0, 'a subscriber')
        port.postMessage({ type: 'signed' })
      } else if (m.cmd === 'publish') {
        for (const f of frames) { await peer.node.libp2p.services.pubsub.publish(TOPIC, f) }
        port.postMessage({ type: 'published' })
      } else if (m.cmd === 'dial') {
        await peer.node.libp2p.dial(multiaddr(m.addr))
        port.postMessage({ type: 'dialled' })
      } else {
        await peer.stop()
        port.postMessage({ type: 'stopped' })
        port.close()
      }
    })().catch(err => { console.error('bench peer:', err); process.exit(1) })
  })
}

class Peer {
  private readonly worker: Worker
  addr = ''
  constructor () {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { role: 'peer' } })
  }

  async next (type: string): Promise<any> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: any): void => {
        if (m.type !== type) { return }
        this.worker.off('message', onMessage)
        this.worker.off('error', reject)
        resolve(m)
      }
      this.worker.on('message', onMessage)
      this.worker.once('error', reject)
    })
  }

  async ready (): Promise<void> {
    this.addr = (await this.next('ready')).addr
  }

  async ask (cmd: PeerCommand, reply: string): Promise<void> {
    const done = this.next(reply)
    this.worker.postMessage(cmd)
    await done
  }
}

// ---- 1. raw Ed25519 ----

async function rawEd25519 (ops: number): Promise<{ sign: number, verify: number }> {
  const key = await generateIdentity()
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
  const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey.raw]), format: 'der', type: 'spki' })
  const data = new TextEncoder().encode(CONTENT + '0123456789abcdef0123456789abcdef0123456789')
  let sig = sign(null, data, priv)
  let t = performance.now()
  for (let i = 0; i < ops; i++) { sig = sign(null, data, priv) }
  const signRate = ops / ((performance.now() - t) / 1000)
  t = performance.now()
  for (let i = 0; i < ops; i++) { if (!verify(null, data, pub, sig)) { throw new Error('verify failed') } }
  return { sign: signRate, verify: ops / ((performance.now() - t) / 1000) }
}

// ---- 2. sign + store + publish ----

interface RateResult { perSec: number, cpuMsPerMessage: number }

async function signPublish (ops: number, concurrency: number): Promise<RateResult> {
  const receiver = new Peer()
  await receiver.ready()
  const sender = await tcpNode()
  try {
    await sender.node.libp2p.dial(multiaddr(receiver.addr))
    await until(() => sender.node.libp2p.services.pubsub.getSubscribers(TOPIC).length > 0, 'the receiver subscription')
    let next = 0
    const cpu0 = process.threadCpuUsage()
    const t = performance.now()
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < ops) { await sender.node.truth.post(`${CONTENT}#${next++}`) }
    }))
    const wall = performance.now() - t
    const cpu = cpuMs(process.threadCpuUsage(cpu0))
    await receiver.ask({ cmd: 'await', n: ops }, 'received')
    return { perSec: ops / (wall / 1000), cpuMsPerMessage: cpu / ops }
  } finally {
    await receiver.ask({ cmd: 'stop' }, 'stopped')
    await sender.stop()
  }
}

// ---- 3. receive + verify + store ----

async function receiveVerifyStore (ops: number): Promise<RateResult> {
  const sender = new Peer()
  await sender.ready()
  const receiver = await tcpNode()
  try {
    await receiver.node.libp2p.dial(multiaddr(sender.addr))
    await sender.ask({ cmd: 'sign', n: ops }, 'signed')
    const cpu0 = process.threadCpuUsage()
    const t = performance.now()
    const published = sender.ask({ cmd: 'publish' }, 'published')
    await until(() => receiver.node.truth.stats().messages >= ops, 'the receiver to store all', 120_000)
    const wall = performance.now() - t
    const cpu = cpuMs(process.threadCpuUsage(cpu0))
    await published
    return { perSec: ops / (wall / 1000), cpuMsPerMessage: cpu / ops }
  } finally {
    await sender.ask({ cmd: 'stop' }, 'stopped')
    await receiver.stop()
  }
}

// ---- 4. the mesh ----

/** TRUTH_BENCH_PROFILE=<dir>: a V8 CPU profile of each mesh phase, <dir>/<phase>.cpuprofile */
async function startProfile (): Promise<{ stop(name: string): Promise<void> } | undefined> {
  const dir = process.env.TRUTH_BENCH_PROFILE
  if (dir == null || dir === '') { return undefined }
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop (name) {
      const { profile } = await session.post('Profiler.stop')
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
      session.disconnect()
    }
  }
}

function hopsFrom (n: number, edges: Array<[number, number]>, src: number): number[] {
  const adj = Array.from({ length: n }, () => [] as number[])
  for (const [a, b] of edges) { adj[a].push(b); adj[b].push(a) }
  const dist = new Array<number>(n).fill(Infinity)
  dist[src] = 0
  const q = [src]
  while (q.length > 0) {
    const v = q.shift() as number
    for (const w of adj[v]) { if (dist[w] === Infinity) { dist[w] = dist[v] + 1; q.push(w) } }
  }
  return dist
}

interface PhaseResult {
  deliveries: number
  expected: number
  latencyP50: number
  latencyP99: number
  idealP50: number
  idealP99: number
  /** percentiles of latency / ideal over all deliveries */
  ratioP50: number
  ratioP90: number
  ratioP99: number
  /** percentiles of latency - ideal, ms */
  excessP50: number
  excessP99: number
  ratioP99ByHops: Record<number, number>
  /** all CPU of the process (every thread) while posting and delivering, per delivery */
  cpuPerDeliveryMs: number
  /** the same minus what the idle nodes burn in as much time (heartbeats, pings, beacons) */
  netCpuPerDeliveryMs: number
  /** the main JS thread only, net of idle */
  netMainThreadCpuPerDeliveryMs: number
  duplicatesPerDelivery: number
  /** link-level chunks sent per delivery (all traffic: gossip, control, pings, beacons, sync) */
  chunksPerDelivery: number
  /** share of the phase the main thread waited for a CPU held by other processes */
  runQueueWaitShare: number
  /** process CPU during the phase, in cores */
  coresUsed: number
  /** truth only: latency to gossipsub's acceptance (validated, forwarded), before storage */
  acceptedLatencyP50?: number
  acceptedLatencyP99?: number
  acceptedRatioP50?: number
  acceptedRatioP99?: number
}

interface MeshResult {
  links: string
  edges: number
  idleCpuMsPerSec: number
  /** the baseline: the same nodes gossiping unsigned bytes of the same size on a topic without validator */
  bareGossipsub?: PhaseResult
  truth?: PhaseResult
  /** every round; the two above are their per-figure medians */
  rounds: { bareGossipsub: PhaseResult[], truth: PhaseResult[] }
}

/** each figure's median over the rounds (undefined when the phase did not run) */
function medianPhase (rounds: PhaseResult[]): PhaseResult | undefined {
  if (rounds.length === 0) { return undefined }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rounds[0])) {
    if (typeof value === 'number') { out[key] = median(rounds.map(r => (r as unknown as Record<string, number>)[key])) } else if (key === 'ratioP99ByHops') {
      const hops = Object.keys(value as Record<string, number>)
      out[key] = Object.fromEntries(hops.map(h => [h, median(rounds.map(r => r.ratioP99ByHops[Number(h)]).filter(v => v != null))]))
    }
  }
  return out as unknown as PhaseResult
}

const RAW_TOPIC = 'bench/raw/1'

async function meshRun (): Promise<MeshResult> {
  const network = new SimNetwork({ linkOf: () => ({ latency: LATENCY, jitter: 0, loss: 0 }), random: createRandom(1, 'links'), name: `bench-truth-${process.pid}` })
  const nodes: BenchNode[] = []
  const duplicates = { n: 0 }
  try {
    for (let i = 0; i < NODES; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-truth-'))
      const privateKey = await generateIdentity()
      const db = await openNodeDatabase(dir)
      const libp2p = LINKS === 'sim'
        ? await createMemoryLibp2p({ privateKey, name: network.address(i).slice('/memory/'.length), transport: network.transport(i) })
        : await createMemoryLibp2p({ privateKey, name: `bench-truth-${process.pid}-${i}`, latency: LATENCY })
      // gossipsub drops duplicates before validation; count them where it reports them to the scorer
      const score = (libp2p.services.pubsub as unknown as { score: { duplicateMessage(...args: any[]): void } }).score
      const original = score.duplicateMessage.bind(score)
      score.duplicateMessage = (...args: any[]) => { duplicates.n++; original(...args) }
      nodes.push(await wrap(libp2p, privateKey, db, dir))
      libp2p.services.pubsub.subscribe(RAW_TOPIC)
    }
    const edges = randomConnectedEdges(NODES, EXTRA_EDGES, 11)
    await Promise.all(edges.map(async ([a, b]) => { await nodes[a].node.libp2p.dial(nodes[b].node.libp2p.getMultiaddrs()[0]) }))
    const degree = (i: number): number => edges.filter(([a, b]) => a === i || b === i).length
    await until(() => nodes.every((n, i) => [TOPIC, RAW_TOPIC].every(t => n.node.libp2p.services.pubsub.getSubscribers(t).length >= degree(i))), 'subscriptions')
    // let gossipsub graft its meshes and routing settle (a few heartbeats)
    await new Promise(resolve => setTimeout(resolve, 3000))
    const hops = nodes.map((_, i) => hopsFrom(NODES, edges, i))

    // what the same nodes cost doing nothing, per ms: subtracted to get the net cost
    const idle0 = process.cpuUsage()
    const idleThread0 = process.threadCpuUsage()
    const idleT0 = performance.now()
    await new Promise(resolve => setTimeout(resolve, IDLE_SECONDS * 1000))
    const idleWall = performance.now() - idleT0
    const idlePerMs = cpuMs(process.cpuUsage(idle0)) / idleWall
    const idleThreadPerMs = cpuMs(process.threadCpuUsage(idleThread0)) / idleWall

    /** send MESSAGES at RATE from random nodes; `send` returns the key receivers report */
    async function phase (name: string, round: number, send: (by: number, i: number) => Promise<string>, listen: (report: (key: string, receiver: number) => void) => () => void): Promise<PhaseResult> {
      const sentAt = new Map<string, { at: number, by: number }>()
      const early: Array<{ key: string, node: number, at: number }> = []
      const latencies: number[] = []
      const ideals: number[] = []
      const ratios: number[] = []
      let deliveries = 0
      const excess: number[] = []
      const byHops = new Map<number, number[]>()
      const record = (p: { at: number, by: number }, receiver: number, at: number): void => {
        const h = hops[p.by][receiver]
        const ideal = h * LATENCY
        latencies.push(at - p.at)
        ideals.push(ideal)
        ratios.push((at - p.at) / ideal)
        excess.push(at - p.at - ideal)
        if (!byHops.has(h)) { byHops.set(h, []) }
        byHops.get(h)?.push((at - p.at) / ideal)
      }
      const unlisten = listen((key, receiver) => {
        const at = performance.now()
        deliveries++
        const p = sentAt.get(key)
        if (p == null) { early.push({ key, node: receiver, at }) } else { record(p, receiver, at) }
      })
      const duplicates0 = duplicates.n
      const chunks0 = network.stats.chunks
      const cpu0 = process.cpuUsage()
      const thread0 = process.threadCpuUsage()
      const wait0 = runQueueWaitMs()
      const profiler = await startProfile()
      const t0 = performance.now()
      const rand = createRandom(5 + round, 'posts')
      for (let i = 0; i < MESSAGES; i++) {
        const wait = t0 + i * 1000 / RATE - performance.now()
        if (wait > 0) { await new Promise(resolve => setTimeout(resolve, wait)) }
        const by = rand.int(NODES)
        const at = performance.now()
        sentAt.set(await send(by, i), { at, by })
        for (const e of early.splice(0)) {
          const p = sentAt.get(e.key)
          if (p != null) { record(p, e.node, e.at) } else { early.push(e) }
        }
      }
      const expected = MESSAGES * (NODES - 1)
      await until(() => deliveries >= expected, `all ${expected} deliveries (have ${deliveries})`, 60_000)
      const wall = performance.now() - t0
      const cpu = cpuMs(process.cpuUsage(cpu0))
      const thread = cpuMs(process.threadCpuUsage(thread0))
      const waited = runQueueWaitMs() - wait0
      await profiler?.stop(name)
      unlisten()
      return {
        deliveries,
        expected,
        latencyP50: percentile(latencies, 50),
        latencyP99: percentile(latencies, 99),
        idealP50: percentile(ideals, 50),
        idealP99: percentile(ideals, 99),
        ratioP50: percentile(ratios, 50),
        ratioP90: percentile(ratios, 90),
        ratioP99: percentile(ratios, 99),
        excessP50: percentile(excess, 50),
        excessP99: percentile(excess, 99),
        ratioP99ByHops: Object.fromEntries([...byHops].sort((a, b) => a[0] - b[0]).map(([h, r]) => [h, percentile(r, 99)])),
        cpuPerDeliveryMs: cpu / deliveries,
        netCpuPerDeliveryMs: (cpu - idlePerMs * wall) / deliveries,
        netMainThreadCpuPerDeliveryMs: (thread - idleThreadPerMs * wall) / deliveries,
        duplicatesPerDelivery: (duplicates.n - duplicates0) / deliveries,
        chunksPerDelivery: (network.stats.chunks - chunks0) / deliveries,
        runQueueWaitShare: waited / wall,
        coresUsed: cpu / wall
      }
    }

    // bare gossipsub: unsigned bytes the size of a truth frame, no validator, nothing stored
    const frameSize = encodeFrame(CHANNEL, await signTruth(nodes[0].node.crypto.signer, { content: `${CONTENT}#000`, channels: [CHANNEL], createdAt: Date.now() })).length
    const skip = process.env.TRUTH_BENCH_SKIP
    const bareRound = async (round: number): Promise<PhaseResult> => phase(`bare-${round}`, round, async (by, i) => {
      const key = `raw#${round}-${i}#`
      const data = new Uint8Array(frameSize)
      data.set(new TextEncoder().encode(key))
      await nodes[by].node.libp2p.services.pubsub.publish(RAW_TOPIC, data)
      return key
    }, report => {
      const handlers = nodes.map((n, i) => {
        const h = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
          if (evt.detail.topic !== RAW_TOPIC) { return }
          const text = new TextDecoder().decode(evt.detail.data.subarray(0, 16))
          report(text.slice(0, text.indexOf('#', 4) + 1), i)
        }
        n.node.libp2p.services.pubsub.addEventListener('message', h as any)
        return h
      })
      return () => { nodes.forEach((n, i) => { n.node.libp2p.services.pubsub.removeEventListener('message', handlers[i] as any) }) }
    })

    // when gossipsub hands a validated copy on (before it is stored), for comparison
    let accepted: number[] = []
    let acceptedRatios: number[] = []
    // keyed by gossipsub's cheap first-pass id of the frame, so the probe costs ~1 us a copy
    const frameTimes = new Map<string, { at: number, by: number }>()
    const acceptHandlers = nodes.map((n, i) => {
      const h = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
        if (evt.detail.topic !== TOPIC) { return }
        const p = frameTimes.get(fastMessageId(evt.detail))
        if (p == null) { return }
        const latency = performance.now() - p.at
        accepted.push(latency)
        acceptedRatios.push(latency / (hops[p.by][i] * LATENCY))
      }
      n.node.libp2p.services.pubsub.addEventListener('message', h as any)
      return h
    })
    const truthRound = async (round: number): Promise<PhaseResult> => phase(`truth-${round}`, round, async (by, i) => {
      const at = performance.now()
      const id = (await nodes[by].node.truth.post(`${CONTENT}#${round}-${i}`)).id
      // the first hop takes a link latency: time enough to learn the frame's key
      const raw = await nodes[by].node.truth.getRaw(id) as Uint8Array
      const frame = TruthFrame.encode({ channel: CHANNEL, message: SignedTruth.decode(raw) })
      frameTimes.set(fastMessageId({ data: frame }), { at, by })
      return id
    }, report => {
      const handlers = nodes.map((n, i) => {
        const h = (evt: CustomEvent<TruthMessageEvent>): void => { if (evt.detail.origin === 'gossip') { report(evt.detail.id, i) } }
        n.node.truth.addEventListener('message', h)
        return h
      })
      return () => { nodes.forEach((n, i) => { n.node.truth.removeEventListener('message', handlers[i]) }) }
    }).then(r => {
      r.acceptedLatencyP50 = percentile(accepted, 50)
      r.acceptedLatencyP99 = percentile(accepted, 99)
      r.acceptedRatioP50 = percentile(acceptedRatios, 50)
      r.acceptedRatioP99 = percentile(acceptedRatios, 99)
      accepted = []
      acceptedRatios = []
      return r
    })

    // the phases alternate, so a burst of load on this shared box hits both alike
    const bareRounds: PhaseResult[] = []
    const truthRounds: PhaseResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      if (skip !== 'bare') { bareRounds.push(await bareRound(round)) }
      if (skip !== 'truth') { truthRounds.push(await truthRound(round)) }
    }
    nodes.forEach((n, i) => { n.node.libp2p.services.pubsub.removeEventListener('message', acceptHandlers[i] as any) })
    return {
      links: LINKS === 'sim' ? 'simulator links (pipelined)' : '@libp2p/memory latency (serialised per chunk)',
      edges: edges.length,
      idleCpuMsPerSec: idlePerMs * 1000,
      bareGossipsub: medianPhase(bareRounds),
      truth: medianPhase(truthRounds),
      rounds: { bareGossipsub: bareRounds, truth: truthRounds }
    }
  } finally {
    for (const n of nodes) { await n.stop().catch(() => {}) }
  }
}

async function main (): Promise<void> {
  const raw: Array<{ sign: number, verify: number }> = []
  const pub1: RateResult[] = []
  const pub32: RateResult[] = []
  const recv: RateResult[] = []
  const runs = ONLY === 'mesh' ? 0 : 3
  for (let run = 0; run < runs; run++) {
    raw.push(await rawEd25519(5000))
    if (ONLY == null || ONLY === 'publish') {
      pub1.push(await signPublish(PUBLISH_OPS, 1))
      pub32.push(await signPublish(PUBLISH_OPS, 32))
    }
    if (ONLY == null || ONLY === 'receive') { recv.push(await receiveVerifyStore(RECEIVE_OPS)) }
  }
  const rawSign = median(raw.map(r => r.sign))
  const rawVerify = median(raw.map(r => r.verify))
  const summary = (rs: RateResult[]): RateResult => ({ perSec: median(rs.map(r => r.perSec)), cpuMsPerMessage: median(rs.map(r => r.cpuMsPerMessage)) })
  const p1 = summary(pub1)
  const p32 = summary(pub32)
  const rv = summary(recv)
  const mesh = ONLY == null || ONLY === 'mesh' ? await meshRun() : undefined

  const report = {
    config: { nodes: NODES, messages: MESSAGES, rate: RATE, linkLatencyMs: LATENCY, extraEdges: EXTRA_EDGES, links: LINKS, runs },
    rawEd25519: { signPerSec: rawSign, verifyPerSec: rawVerify },
    signStorePublish: {
      sequential: { ...p1, ratioToRawSign: p1.perSec / rawSign },
      concurrent32: { ...p32, ratioToRawSign: p32.perSec / rawSign, cpuCapacityPerSec: 1000 / p32.cpuMsPerMessage }
    },
    receiveVerifyStore: { ...rv, ratioToRawVerify: rv.perSec / rawVerify, cpuCapacityPerSec: 1000 / rv.cpuMsPerMessage },
    mesh
  }
  saveReport(ONLY == null ? 'truth' : `truth-${ONLY}`, report)
  if (runs > 0) {
    console.log(`raw Ed25519 (node:crypto, cached keys), median of ${runs}: sign ${fmt(rawSign, 0)}/s, verify ${fmt(rawVerify, 0)}/s`)
  }
  if (pub1.length > 0) {
    console.log('sign+store+publish, one node (TCP to a peer in a worker thread):')
    console.log(`  one at a time: ${fmt(p1.perSec, 0)} msg/s = ${fmt(p1.perSec / rawSign, 3)}x raw sign; ${fmt(p1.cpuMsPerMessage, 3)} ms CPU per message`)
    console.log(`  32 in flight:  ${fmt(p32.perSec, 0)} msg/s = ${fmt(p32.perSec / rawSign, 3)}x raw sign; ${fmt(p32.cpuMsPerMessage, 3)} ms CPU per message`)
    console.log(`  capacity of one core from that CPU cost: ${fmt(1000 / p32.cpuMsPerMessage, 0)} msg/s = ${fmt(1000 / p32.cpuMsPerMessage / rawSign, 3)}x raw sign`)
  }
  if (recv.length > 0) {
    console.log(`receive+verify+store, one node (TCP from a peer in a worker thread): ${fmt(rv.perSec, 0)} msg/s = ${fmt(rv.perSec / rawVerify, 3)}x raw verify; ${fmt(rv.cpuMsPerMessage, 3)} ms CPU per message`)
    console.log(`  capacity of one core from that CPU cost: ${fmt(1000 / rv.cpuMsPerMessage, 0)} msg/s = ${fmt(1000 / rv.cpuMsPerMessage / rawVerify, 3)}x raw verify`)
  }
  if (mesh != null) {
    console.log(`mesh: ${NODES} nodes, ${mesh.edges} links of ${LATENCY} ms (${mesh.links}), ${MESSAGES} messages a phase at ${RATE}/s from random nodes; idle nodes burn ${fmt(mesh.idleCpuMsPerSec, 0)} ms CPU/s`)
    const line = (name: string, r: PhaseResult): void => {
      console.log(`  ${name}: ${r.deliveries}/${r.expected} delivered; latency p50 ${fmt(r.latencyP50)} ms (ideal ${fmt(r.idealP50)}), p99 ${fmt(r.latencyP99)} ms (ideal ${fmt(r.idealP99)})`)
      console.log(`    per-delivery latency / ideal: p50 ${fmt(r.ratioP50, 2)}x, p90 ${fmt(r.ratioP90, 2)}x, p99 ${fmt(r.ratioP99, 2)}x (p99 by hops: ${Object.entries(r.ratioP99ByHops).map(([h, v]) => `${h}: ${fmt(v, 2)}x`).join(', ')}); latency - ideal: p50 ${fmt(r.excessP50)} ms, p99 ${fmt(r.excessP99)} ms`)
      console.log(`    CPU per delivery: ${fmt(r.netCpuPerDeliveryMs, 3)} ms net of idle (${fmt(r.cpuPerDeliveryMs, 3)} gross, ${fmt(r.netMainThreadCpuPerDeliveryMs, 3)} on the main thread); duplicates per delivery ${fmt(r.duplicatesPerDelivery, 2)}; link chunks per delivery ${fmt(r.chunksPerDelivery, 2)}`)
      if (r.acceptedRatioP50 != null) {
        console.log(`    validated and forwarded (before storage): latency p50 ${fmt(r.acceptedLatencyP50 ?? NaN)} ms, p99 ${fmt(r.acceptedLatencyP99 ?? NaN)} ms; / ideal p50 ${fmt(r.acceptedRatioP50, 2)}x, p99 ${fmt(r.acceptedRatioP99 ?? NaN, 2)}x`)
      }
      console.log(`    the mesh used ${fmt(r.coresUsed, 2)} cores; its main thread waited for a CPU held by other processes ${fmt(100 * r.runQueueWaitShare, 1)}% of the time`)
    }
    const perRound = (rs: PhaseResult[]): string => rs.map(r => `${fmt(r.ratioP99, 2)}x / ${fmt(r.netCpuPerDeliveryMs, 3)} ms (waited ${fmt(100 * r.runQueueWaitShare, 1)}%)`).join('; ')
    console.log(`  ${ROUNDS} rounds, phases alternating; each figure below is the median over the rounds. Per round, p99 / ideal and CPU per delivery:`)
    if (mesh.rounds.bareGossipsub.length > 0) { console.log(`    bare gossipsub: ${perRound(mesh.rounds.bareGossipsub)}`) }
    if (mesh.rounds.truth.length > 0) { console.log(`    truth messages: ${perRound(mesh.rounds.truth)}`) }
    if (mesh.bareGossipsub != null) { line('bare gossipsub (baseline: same nodes, same size, no signature, no validator, no store)', mesh.bareGossipsub) }
    if (mesh.truth != null) { line('truth messages', mesh.truth) }
    const t = mesh.truth
    const b = mesh.bareGossipsub
    if (t != null && b != null) { console.log(`  truth vs targets: p99 ${fmt(t.ratioP99, 2)}x ideal to the stored \`message\` event, ${fmt(t.acceptedRatioP99 ?? NaN, 2)}x to validated-and-forwarded (target <= 1.3x; bare gossipsub ${fmt(b.ratioP99, 2)}x in this run), CPU ${fmt(t.netCpuPerDeliveryMs, 3)} ms per delivery (target <= 1 ms; bare gossipsub ${fmt(b.netCpuPerDeliveryMs, 3)}), ${fmt(t.duplicatesPerDelivery, 2)} duplicates per delivery (target <= 2)`) }
    console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  }
}

if (isMainThread) {
  main().then(() => process.exit(0), err => {
    console.error(err)
    process.exit(1)
  })
} else if ((workerData as { role?: string })?.role === 'peer') {
  void peerMain()
}
