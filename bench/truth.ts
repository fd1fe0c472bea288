/**
 * Truth messages: how fast one node signs+publishes and one node receives+verifies+stores,
 * each as a ratio to raw Ed25519 sign/verify (node:crypto, cached keys) measured in this
 * run; propagation latency across a mesh with 20 ms links as a ratio to the ideal
 * (shortest-path hops × link latency); CPU per delivered message; duplicates per delivery.
 * Targets (issue 3): p99 ≤ 1.3× ideal, CPU ≤ 1 ms per delivery, ≤ 2 duplicates per delivery.
 *
 * Env: TRUTH_BENCH_NODES (10), TRUTH_BENCH_MESSAGES (200), TRUTH_BENCH_RATE (msg/s, 20),
 * TRUTH_BENCH_LATENCY (ms, 20), TRUTH_BENCH_EXTRA_EDGES (5).
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNodeRecordCrypto } from '../node/crypto.js'
import { openNodeDatabase } from '../node/storage.js'
import { generateIdentity } from '../protocol/crypto/index.js'
import { createMeshNode } from '../protocol/mesh-node.js'
import { fastMessageId } from '../protocol/pubsub/gossip.js'
import { encodeFrame, signTruth, truthTopic } from '../protocol/truth/index.js'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.js'
import { fmt, median, percentile, saveReport } from './_report.js'
import type { MeshNode, MeshNodeInit } from '../protocol/mesh-node.js'
import type { MeshDatabase } from '../protocol/storage/index.js'
import type { Message } from '@libp2p/gossipsub'
import type { Multiaddr } from '@multiformats/multiaddr'

const NODES = Number(process.env.TRUTH_BENCH_NODES ?? 10)
const MESSAGES = Number(process.env.TRUTH_BENCH_MESSAGES ?? 200)
const RATE = Number(process.env.TRUTH_BENCH_RATE ?? 20)
const LATENCY = Number(process.env.TRUTH_BENCH_LATENCY ?? 20)
const EXTRA_EDGES = Number(process.env.TRUTH_BENCH_EXTRA_EDGES ?? 5)
const CHANNEL = 'social'
const CONTENT = 'The pool pays every active human 800.00 this week; check the ledger yourself. '.repeat(2)

// the bench measures throughput, not abuse handling: lift the per-author gossip limit
const TRUTH_INIT: MeshNodeInit['truth'] = { channels: [CHANNEL], authorRate: { perSecond: 1e9, burst: 1e9 }, sync: { intervalMs: 0, onConnect: false } }

interface BenchNode { node: MeshNode, db: MeshDatabase, dir: string, copies: { n: number } }

const cleanups: Array<() => Promise<void>> = []
let counter = 0

async function makeNode (latency = 0): Promise<BenchNode> {
  const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-truth-'))
  const privateKey = await generateIdentity()
  const db = await openNodeDatabase(dir)
  const copies = { n: 0 }
  const libp2p = await createMemoryLibp2p({
    privateKey,
    name: `bench-truth-${process.pid}-${++counter}`,
    latency,
    // count every gossip copy received (first or duplicate): gossipsub calls fastMsgIdFn once per copy
    gossip: { overrides: { fastMsgIdFn: (m: { data?: Uint8Array | null }) => { copies.n++; return fastMessageId(m) } } }
  })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, { connections: { minConnections: 0 }, truth: TRUTH_INIT })
  await node.start()
  cleanups.push(async () => { await node.stop(); await db.close(); await rm(dir, { recursive: true, force: true }) })
  return { node, db, dir, copies }
}

async function connect (a: MeshNode, b: MeshNode): Promise<void> {
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0] as Multiaddr)
}

async function until (check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 1))
  }
}

/** a spanning chain in random order plus `extra` random edges (deterministic) */
function randomConnectedEdges (n: number, extra: number, seed: number): Array<[number, number]> {
  let s = seed >>> 0
  const rand = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5)
  const seen = new Set<string>()
  const out: Array<[number, number]> = []
  const add = (a: number, b: number): void => {
    const k = a < b ? `${a}-${b}` : `${b}-${a}`
    if (a === b || seen.has(k)) return
    seen.add(k)
    out.push([a, b])
  }
  for (let i = 1; i < n; i++) add(order[i], order[Math.floor(rand() * i)])
  for (let i = 0; i < extra; i++) add(Math.floor(rand() * n), Math.floor(rand() * n))
  return out
}

function hopsFrom (n: number, edges: Array<[number, number]>, src: number): number[] {
  const adj = Array.from({ length: n }, () => [] as number[])
  for (const [a, b] of edges) { adj[a].push(b); adj[b].push(a) }
  const dist = new Array<number>(n).fill(Infinity)
  dist[src] = 0
  const q = [src]
  while (q.length > 0) {
    const v = q.shift() as number
    for (const w of adj[v]) if (dist[w] === Infinity) { dist[w] = dist[v] + 1; q.push(w) }
  }
  return dist
}

/** raw Ed25519 through node:crypto with cached KeyObjects: the physical limit here */
async function rawEd25519 (ops: number): Promise<{ sign: number, verify: number }> {
  const key = await generateIdentity()
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
  const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey.raw]), format: 'der', type: 'spki' })
  const data = new TextEncoder().encode(CONTENT + '0123456789abcdef0123456789abcdef')
  let t = performance.now()
  let sig = sign(null, data, priv)
  for (let i = 0; i < ops; i++) sig = sign(null, data, priv)
  const signRate = ops / ((performance.now() - t) / 1000)
  t = performance.now()
  for (let i = 0; i < ops; i++) if (!verify(null, data, pub, sig)) throw new Error('verify failed')
  const verifyRate = ops / ((performance.now() - t) / 1000)
  return { sign: signRate, verify: verifyRate }
}

/** one node posting as fast as it can (sign + store + publish) to one connected peer */
async function signPublish (ops: number): Promise<{ rate: number }> {
  const a = await makeNode()
  const b = await makeNode()
  await connect(a.node, b.node)
  await until(() => a.node.libp2p.services.pubsub.getSubscribers(truthTopic(CHANNEL)).length > 0, 'subscription')
  const t = performance.now()
  for (let i = 0; i < ops; i++) await a.node.truth.post(`${CONTENT} #${i}`, { channels: [CHANNEL] })
  const rate = ops / ((performance.now() - t) / 1000)
  await until(() => b.node.truth.stats().messages >= ops, 'the receiver to get all', 60_000)
  return { rate }
}

/**
 * The receive path of one node: gossip frames from another author through the topic
 * validator (decode, canonical check, verify, store), `concurrency` in flight, as
 * gossipsub runs them. Transport and gossipsub costs are in the mesh part below.
 */
async function receivePipeline (ops: number, concurrency: number): Promise<{ rate: number }> {
  const receiver = await makeNode()
  const authorKey = await generateIdentity()
  const signer = createNodeRecordCrypto(authorKey).signer
  const frames: Uint8Array[] = []
  for (let i = 0; i < ops; i++) {
    const truth = await signTruth(signer, { content: `${CONTENT} #${i}`, channels: [CHANNEL], createdAt: Date.now() })
    frames.push(encodeFrame(CHANNEL, truth))
  }
  const validator = receiver.node.libp2p.services.pubsub.topicValidators.get(truthTopic(CHANNEL))
  if (validator == null) throw new Error('no validator')
  const from = peerIdFromPrivateKey(authorKey)
  let next = 0
  const t = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < frames.length) {
      const msg: Message = { type: 'unsigned', topic: truthTopic(CHANNEL), data: frames[next++] }
      const r = await validator(from, msg)
      if (r !== 'accept') throw new Error(`frame not accepted: ${r}`)
    }
  }))
  // stored, not just accepted: writes complete behind the validator
  await until(() => receiver.node.truth.stats().messages >= ops, 'all frames stored', 60_000)
  const rate = ops / ((performance.now() - t) / 1000)
  return { rate }
}

interface MeshResult {
  deliveries: number
  expected: number
  latencyP50: number
  latencyP99: number
  idealP50: number
  idealP99: number
  ratioP50: number
  ratioP99: number
  /** all CPU of the process (every thread) while posting and delivering, per delivery */
  cpuPerDeliveryMs: number
  /** the same minus what the idle nodes burn in as much time (heartbeats, pings, beacons) */
  netCpuPerDeliveryMs: number
  /** main JS thread only, net of idle */
  netMainThreadCpuPerDeliveryMs: number
  idleCpuMsPerSec: number
  duplicatesPerDelivery: number
  wallMs: number
}

async function meshRun (): Promise<MeshResult> {
  const nodes: BenchNode[] = []
  for (let i = 0; i < NODES; i++) nodes.push(await makeNode(LATENCY))
  const edges = randomConnectedEdges(NODES, EXTRA_EDGES, 11)
  await Promise.all(edges.map(async ([a, b]) => { await connect(nodes[a].node, nodes[b].node) }))
  const degree = (i: number): number => edges.filter(([a, b]) => a === i || b === i).length
  await until(() => nodes.every((n, i) => n.node.libp2p.services.pubsub.getSubscribers(truthTopic(CHANNEL)).length >= degree(i)), 'subscriptions')
  // let gossipsub form its meshes (a few heartbeats)
  await new Promise(resolve => setTimeout(resolve, 3000))

  const postedAt = new Map<string, { at: number, by: number }>()
  const latencies: number[] = []
  const ratios: number[] = []
  const ideals: number[] = []
  const hops = nodes.map((_, i) => hopsFrom(NODES, edges, i))
  let deliveries = 0
  const early: Array<{ id: string, node: number, at: number }> = []
  nodes.forEach((n, i) => {
    n.node.truth.addEventListener('message', evt => {
      if (evt.detail.origin !== 'gossip') return
      const at = performance.now()
      deliveries++
      const p = postedAt.get(evt.detail.id)
      if (p == null) { early.push({ id: evt.detail.id, node: i, at }); return }
      record(p, i, at)
    })
  })
  function record (p: { at: number, by: number }, receiver: number, at: number): void {
    const latency = at - p.at
    const ideal = hops[p.by][receiver] * LATENCY
    latencies.push(latency)
    ideals.push(ideal)
    ratios.push(latency / ideal)
  }
  // what the same nodes cost doing nothing, per second: subtracted to get the net cost
  const IDLE_MS = 5000
  const idle0 = process.cpuUsage()
  const idleThread0 = process.threadCpuUsage()
  const idleT0 = performance.now()
  await new Promise(resolve => setTimeout(resolve, IDLE_MS))
  const idleCpu = process.cpuUsage(idle0)
  const idleThread = process.threadCpuUsage(idleThread0)
  const idleWall = performance.now() - idleT0
  const idlePerMs = (idleCpu.user + idleCpu.system) / 1000 / idleWall
  const idleThreadPerMs = (idleThread.user + idleThread.system) / 1000 / idleWall

  const copiesBefore = nodes.reduce((s, n) => s + n.copies.n, 0)
  const cpu0 = process.cpuUsage()
  const thread0 = process.threadCpuUsage()
  const t0 = performance.now()
  let seed = 5
  const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n }
  for (let i = 0; i < MESSAGES; i++) {
    const due = t0 + i * 1000 / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const by = rand(NODES)
    const at = performance.now()
    const m = await nodes[by].node.truth.post(`${CONTENT} #${i}`, { channels: [CHANNEL] })
    postedAt.set(m.id, { at, by })
    for (const e of early.splice(0)) {
      const p = postedAt.get(e.id)
      if (p != null) record(p, e.node, e.at)
      else early.push(e)
    }
  }
  const expected = MESSAGES * (NODES - 1)
  await until(() => deliveries >= expected, `all ${expected} deliveries (have ${deliveries})`, 60_000)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const thread = process.threadCpuUsage(thread0)
  const cpuMs = (cpu.user + cpu.system) / 1000
  const threadMs = (thread.user + thread.system) / 1000
  const copies = nodes.reduce((s, n) => s + n.copies.n, 0) - copiesBefore
  return {
    deliveries,
    expected,
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
    idealP50: percentile(ideals, 50),
    idealP99: percentile(ideals, 99),
    ratioP50: percentile(ratios, 50),
    ratioP99: percentile(ratios, 99),
    cpuPerDeliveryMs: cpuMs / deliveries,
    netCpuPerDeliveryMs: (cpuMs - idlePerMs * wallMs) / deliveries,
    netMainThreadCpuPerDeliveryMs: (threadMs - idleThreadPerMs * wallMs) / deliveries,
    idleCpuMsPerSec: idlePerMs * 1000,
    duplicatesPerDelivery: (copies - deliveries) / deliveries,
    wallMs
  }
}

async function closeAll (): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
}

async function main (): Promise<void> {
  const raw: Array<{ sign: number, verify: number }> = []
  const pub: number[] = []
  const recv: number[] = []
  const runs = process.env.TRUTH_BENCH_ONLY === 'mesh' ? 0 : 3
  for (let run = 0; run < runs; run++) {
    raw.push(await rawEd25519(3000))
    pub.push((await signPublish(1000)).rate)
    await closeAll()
    recv.push((await receivePipeline(2000, 32)).rate)
    await closeAll()
  }
  const rawSign = median(raw.map(r => r.sign))
  const rawVerify = median(raw.map(r => r.verify))
  const publishRate = median(pub)
  const receiveRate = median(recv)
  const mesh = await meshRun()
  await closeAll()

  const report = {
    config: { nodes: NODES, messages: MESSAGES, rate: RATE, linkLatencyMs: LATENCY, extraEdges: EXTRA_EDGES },
    rawEd25519: { signPerSec: rawSign, verifyPerSec: rawVerify },
    signPublish: { perSec: publishRate, ratioToRawSign: publishRate / rawSign },
    receiveVerifyStore: { perSec: receiveRate, ratioToRawVerify: receiveRate / rawVerify },
    mesh
  }
  saveReport('truth', report)
  console.log(`raw Ed25519 (node:crypto, cached keys): sign ${fmt(rawSign, 0)}/s, verify ${fmt(rawVerify, 0)}/s`)
  console.log(`sign+store+publish, one node:     ${fmt(publishRate, 0)} msg/s = ${fmt(publishRate / rawSign, 2)}x raw sign`)
  console.log(`receive+verify+store, one node:   ${fmt(receiveRate, 0)} msg/s = ${fmt(receiveRate / rawVerify, 2)}x raw verify`)
  console.log(`mesh: ${NODES} nodes, ${edges()} , ${LATENCY} ms links, ${MESSAGES} messages at ${RATE}/s: ${mesh.deliveries}/${mesh.expected} delivered`)
  console.log(`  latency p50 ${fmt(mesh.latencyP50)} ms (ideal ${fmt(mesh.idealP50)}), p99 ${fmt(mesh.latencyP99)} ms (ideal ${fmt(mesh.idealP99)})`)
  console.log(`  per-delivery ratio to ideal: p50 ${fmt(mesh.ratioP50, 2)}x, p99 ${fmt(mesh.ratioP99, 2)}x (target p99 <= 1.3x)`)
  console.log(`  CPU per delivered message: ${fmt(mesh.netCpuPerDeliveryMs, 3)} ms net of idle (target <= 1 ms), ${fmt(mesh.cpuPerDeliveryMs, 3)} ms gross, ${fmt(mesh.netMainThreadCpuPerDeliveryMs, 3)} ms on the main thread; idle nodes burn ${fmt(mesh.idleCpuMsPerSec, 0)} ms CPU/s`)
  console.log(`  duplicates per delivery ${fmt(mesh.duplicatesPerDelivery, 2)} (target <= 2)`)
}

function edges (): string {
  return `${NODES - 1 + EXTRA_EDGES} edges max (spanning chain + ${EXTRA_EDGES} random)`
}

main().then(() => process.exit(0), async err => {
  console.error(err)
  await closeAll()
  process.exit(1)
})
