/**
 * Ledger throughput, catch-up, reopen, disk and memory.
 *
 * npm run bench -- ledger            (LEDGER_BENCH_N=100000 by default)
 *
 * Figures (each speed also as a ratio to a baseline measured in the same run):
 * - write: humans registered + signed + durably stored per second by one node (many
 * concurrent `registerHuman` calls, grouped into signed batches), and the payments of
 * one `distributeWeekly` over all of them; baseline: one Ed25519 signature per entry
 * (node:crypto, cached key) and one LevelDB `sync: true` put per entry
 * - receive: entries per second a fresh node checks (signature, Yjs structure, entries),
 * stores durably and applies, fed the writer's batches directly; baseline: one Ed25519
 * verify per entry
 * - cold sync: a fresh node connected to the writer (memory transport) until it holds
 * the same N-human ledger
 * - reopen: a new process opening the writer's data dir (N humans + a week of payments)
 * until the ledger is started; and its RSS then; bytes on disk per entry
 * - reconcile (the range-based set reconciliation core, no nodes): two sets of
 * 1k / 10k / 100k / 200k / 1M 16-byte document ids differing in 10 (5 each side): ms,
 * round trips and bytes on the wire; baseline: the bytes of listing every document as
 * the version-1 sync request did (66 bytes each)
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { createNodeRecordCrypto, createNodeSigner, createNodeVerifier } from '../node/crypto.ts'
import { loadOrCreateIdentity } from '../node/identity.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { RangeSet, reconcileInMemory } from '../protocol/reconcile/index.ts'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.ts'
import { fmt, saveReport } from './_report.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'
import type { MeshDatabase } from '../protocol/storage/index.ts'

const N = Number(process.env.LEDGER_BENCH_N ?? 100_000)
const WINDOW = 4000
let names = 0

interface BenchNode { node: MeshNode, db: MeshDatabase, dir: string, stop(): Promise<void> }

async function openNode (dir: string): Promise<BenchNode> {
  const privateKey = await loadOrCreateIdentity(dir)
  const db = await openNodeDatabase(dir)
  const libp2p = await createMemoryLibp2p({ privateKey, name: `bench-ledger-${process.pid}-${++names}` })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, {
    connections: { minConnections: 0 },
    ledger: { compactIntervalMs: 0, sync: { intervalMs: 0 } }
  })
  await node.start()
  return { node, db, dir, async stop () { await node.stop(); await db.close() } }
}

function rssMB (): number {
  const g = (globalThis as { gc?(): void }).gc
  if (g != null) { g(); g() }
  return process.memoryUsage().rss / 1048576
}

function dirBytes (dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const s = statSync(p)
    total += s.isDirectory() ? dirBytes(p) : s.size
  }
  return total
}

async function baselines (): Promise<{ signPerSec: number, verifyPerSec: number, syncPutPerSec: number }> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const key = await generateKeyPair('Ed25519')
  const signer = createNodeSigner(key)
  const verifier = createNodeVerifier()
  const msg = new Uint8Array(200).fill(7)
  const sigs: Uint8Array[] = []
  let t = performance.now()
  for (let i = 0; i < 5000; i++) { msg[0] = i & 255; sigs.push(await signer.sign(msg)) }
  const signPerSec = 5000 / ((performance.now() - t) / 1000)
  t = performance.now()
  for (let i = 0; i < 5000; i++) { msg[0] = i & 255; await verifier.verify(signer.publicKey, msg, sigs[i]) }
  const verifyPerSec = 5000 / ((performance.now() - t) / 1000)
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-put-'))
  const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.open()
  t = performance.now()
  for (let i = 0; i < 1000; i++) { await db.put(`k${i}`, msg, { sync: true }) }
  const syncPutPerSec = 1000 / ((performance.now() - t) / 1000)
  await db.close()
  rmSync(dir, { recursive: true, force: true })
  return { signPerSec, verifyPerSec, syncPutPerSec }
}

/** CPU seconds (user + system) this process used since `since`. */
function cpuSeconds (since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

async function registerAll (node: MeshNode, n: number): Promise<number> {
  const t = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++
      await node.ledger.registerHuman({ id: `human-${String(i).padStart(7, '0')}` })
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, worker))
  return performance.now() - t
}

async function child (dir: string): Promise<void> {
  const base = rssMB()
  const t = performance.now()
  const n = await openNode(dir)
  const reopenMs = performance.now() - t
  const stats = await n.node.ledger.stats()
  const rss = rssMB()
  const mem = process.memoryUsage()
  console.log(JSON.stringify({ reopenMs, rssMB: rss, baseRssMB: base, heapMB: mem.heapUsed / 1048576, heapTotalMB: mem.heapTotal / 1048576, externalMB: mem.external / 1048576, humans: stats.totalHumans, paymentsThisWeek: stats.paymentsThisWeek }))
  await n.stop()
}

/** Reconciliation of two id sets of `n` differing in `diff` (half on each side), on the core. */
function reconcileFigures (): Array<{ docs: number, differing: number, ms: number, buildMs: number, roundTrips: number, bytes: number, listBytes: number }> {
  let seed = 42
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed / 4294967296
  }
  const id = (): Uint8Array => {
    const b = new Uint8Array(16)
    for (let i = 0; i < 16; i++) { b[i] = Math.floor(rand() * 256) }
    return b
  }
  const out = []
  for (const n of [1000, 10_000, 100_000, 200_000, 1_000_000]) {
    const common = Array.from({ length: n - 5 }, id)
    const a = [...common, ...Array.from({ length: 5 }, id)]
    const b = [...common, ...Array.from({ length: 5 }, id)]
    let t = performance.now()
    const sa = RangeSet.from(a)
    const sb = RangeSet.from(b)
    const buildMs = (performance.now() - t) / 2
    t = performance.now()
    const r = reconcileInMemory(sa, sb)
    const ms = performance.now() - t
    if (r.have.length !== 5 || r.need.length !== 5) { throw new Error('reconciliation missed a difference') }
    out.push({ docs: n, differing: 10, ms, buildMs, roundTrips: r.roundTrips, bytes: r.bytes, listBytes: n * 66 })
    console.log(`reconcile: ${fmt(n, 0)} docs, 10 differing: ${fmt(ms, 1)} ms, ${r.roundTrips} round trips, ${fmt(r.bytes / 1024, 1)} KB (x${fmt(r.bytes / (n * 66), 4)} of listing every doc, ${fmt(n * 66 / 1024, 0)} KB); building one side's index ${fmt(buildMs, 0)} ms`)
  }
  return out
}

async function main (): Promise<void> {
  if (process.argv[2] === 'child') { await child(process.argv[3]); return }
  const root = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  try {
    console.log(`load average before: ${loadavg().map(l => fmt(l, 1)).join(' ')} (2 cores; other work on the machine slows every figure)`)
    const base = await baselines()
    console.log(`baselines: Ed25519 sign ${fmt(base.signPerSec, 0)}/s, verify ${fmt(base.verifyPerSec, 0)}/s, LevelDB sync put ${fmt(base.syncPutPerSec, 0)}/s`)

    // write
    const writer = await openNode(join(root, 'writer'))
    let cpu = process.cpuUsage()
    const writeMs = await registerAll(writer.node, N)
    const writeCpu = cpuSeconds(cpu)
    const writePerSec = N / (writeMs / 1000)
    console.log(`write: ${N} humans registered+signed+stored in ${fmt(writeMs, 0)} ms = ${fmt(writePerSec, 0)} entries/s (x${fmt(writePerSec / base.signPerSec, 2)} per-entry signing, x${fmt(writePerSec / base.syncPutPerSec, 1)} per-entry sync puts); ${fmt(N / writeCpu, 0)} entries per CPU-second`)
    const humanBatches: Uint8Array[] = []
    for await (const b of writer.node.ledger.batches()) { humanBatches.push(b) }

    // cold sync of the N-entry ledger
    const fresh = await openNode(join(root, 'fresh'))
    const target = writer.node.ledger.derivedState()
    let t = performance.now()
    cpu = process.cpuUsage()
    await fresh.node.libp2p.dial(writer.node.libp2p.getMultiaddrs()[0])
    while ((await fresh.node.ledger.stats()).totalHumans < N) {
      if (performance.now() - t > 120_000) { throw new Error('cold sync did not finish in 120 s') }
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    const coldSyncMs = performance.now() - t
    const coldSyncCpu = cpuSeconds(cpu)
    if (fresh.node.ledger.derivedState() !== target) { throw new Error('cold sync diverged') }
    console.log(`cold sync: ${N} entries (${humanBatches.length} batches) in ${fmt(coldSyncMs, 0)} ms = ${fmt(N / (coldSyncMs / 1000), 0)} entries/s; ${fmt(coldSyncCpu, 2)} CPU-s for both ends in this process`)
    await fresh.node.libp2p.hangUp(writer.node.libp2p.peerId)
    await fresh.stop()

    // a week of distributions
    t = performance.now()
    cpu = process.cpuUsage()
    const dist = await writer.node.ledger.distributeWeekly()
    const distMs = performance.now() - t
    const distCpu = cpuSeconds(cpu)
    console.log(`distribute: ${dist.paid} payments signed+stored in ${fmt(distMs, 0)} ms = ${fmt(dist.paid / (distMs / 1000), 0)} entries/s; ${fmt(dist.paid / distCpu, 0)} entries per CPU-second`)
    const allBatches: Uint8Array[] = []
    for await (const b of writer.node.ledger.batches()) { allBatches.push(b) }

    // receive: verify + check + store + apply, fed directly, up to 16 batches in flight as sync does
    const recv = await openNode(join(root, 'receiver'))
    t = performance.now()
    cpu = process.cpuUsage()
    let entries = 0
    let next = 0
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < allBatches.length) {
        const r = await recv.node.ledger.receiveBatch(allBatches[next++])
        if (r.status !== 'applied') { throw new Error(`receive: ${r.status} ${r.reason}`) }
        entries += r.entries ?? 0
      }
    }))
    const recvMs = performance.now() - t
    const recvCpu = cpuSeconds(cpu)
    const recvPerSec = entries / (recvMs / 1000)
    console.log(`receive: ${entries} entries in ${fmt(recvMs, 0)} ms = ${fmt(recvPerSec, 0)} entries/s (x${fmt(recvPerSec / base.verifyPerSec, 2)} per-entry verify); ${fmt(entries / recvCpu, 0)} entries per CPU-second`)
    if (recv.node.ledger.derivedState() !== writer.node.ledger.derivedState()) { throw new Error('receiver diverged') }
    await recv.stop()

    const inProcessRss = rssMB()
    let logicalBytes = 0
    for await (const [k, v] of writer.db.iterator()) { logicalBytes += String(k).length + v.byteLength }
    await writer.stop()
    const diskBytes = dirBytes(join(root, 'writer', 'db'))
    const totalEntries = N + dist.paid
    console.log(`disk: ${fmt(diskBytes / 1048576, 1)} MB for ${totalEntries} entries = ${fmt(diskBytes / totalEntries, 0)} bytes/entry on disk (LevelDB/snappy; synthetic ids compress well), ${fmt(logicalBytes / totalEntries, 0)} bytes/entry of keys + values (signed batch log + index)`)

    // reopen + RSS in a fresh process
    const c = spawnSync(process.execPath, ['--expose-gc', process.argv[1], 'child', join(root, 'writer')], { encoding: 'utf8' })
    if (c.status !== 0) { throw new Error(`child failed: ${c.stderr}`) }
    const reopened = JSON.parse(c.stdout.trim().split('\n').pop() as string)
    console.log(`reopen: ${reopened.humans} humans + ${reopened.paymentsThisWeek} payments in ${fmt(reopened.reopenMs, 0)} ms; RSS ${fmt(reopened.rssMB, 0)} MB (before opening the node ${fmt(reopened.baseRssMB, 0)} MB; heap used ${fmt(reopened.heapMB, 0)} of ${fmt(reopened.heapTotalMB, 0)} MB, external ${fmt(reopened.externalMB, 0)} MB); writer process RSS after all runs ${fmt(inProcessRss, 0)} MB`)

    saveReport('ledger', {
      n: N,
      baselines: base,
      loadAverage: loadavg(),
      write: { entries: N, ms: writeMs, perSec: writePerSec, perCpuSecond: N / writeCpu, vsSign: writePerSec / base.signPerSec, vsSyncPut: writePerSec / base.syncPutPerSec, batches: humanBatches.length },
      distribute: { payments: dist.paid, ms: distMs, perSec: dist.paid / (distMs / 1000), perCpuSecond: dist.paid / distCpu },
      receive: { entries, ms: recvMs, perSec: recvPerSec, perCpuSecond: entries / recvCpu, vsVerify: recvPerSec / base.verifyPerSec },
      coldSync: { entries: N, ms: coldSyncMs, cpuSeconds: coldSyncCpu },
      disk: { bytes: diskBytes, entries: totalEntries, bytesPerEntry: diskBytes / totalEntries, logicalBytesPerEntry: logicalBytes / totalEntries },
      reopen: reopened,
      reconcile: reconcileFigures()
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

await main()
