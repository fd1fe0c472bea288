/**
 * The ledger bench's child processes: the whole workload, or a reopen, against one build's
 * dist/ (this one or another commit's, `LEDGER_BENCH_BASE`). This file imports nothing of
 * any build itself: every module of the tree under test is loaded from that tree, so a
 * child measuring the base holds only the base (one copy of Yjs, libp2p and LevelDB).
 *
 * node --expose-gc dist/bench/_ledger-workload.js workload <dist root>
 * node --expose-gc dist/bench/_ledger-workload.js reopen <dist root> <data dir>
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const N = Number(process.env.LEDGER_BENCH_N ?? 100_000)
const WINDOW = 4000
const SELF = fileURLToPath(import.meta.url)
let names = 0

interface BenchNode { node: any, db: any, dir: string, stop(): Promise<void> }

/** The modules a workload needs, from one build's dist/ (this one or another commit's). */
async function loadTree (root: string): Promise<{ open(dir: string): Promise<BenchNode> }> {
  const url = (p: string): string => pathToFileURL(join(root, p)).href
  const crypto = await import(url('node/crypto.js'))
  const identity = await import(url('node/identity.js'))
  const storage = await import(url('node/storage.js'))
  const mesh = await import(url('protocol/mesh-node.js'))
  const memory = await import(url('simulations/nodes/memory-libp2p.js'))
  return {
    async open (dir: string): Promise<BenchNode> {
      const privateKey = await identity.loadOrCreateIdentity(dir)
      const db = await storage.openNodeDatabase(dir)
      const libp2p = await memory.createMemoryLibp2p({ privateKey, name: `bench-ledger-${process.pid}-${++names}` })
      const node = mesh.createMeshNode({ libp2p, db, crypto: crypto.createNodeRecordCrypto(privateKey) }, {
        connections: { minConnections: 0 },
        ledger: { compactIntervalMs: 0, sync: { intervalMs: 0 } }
      })
      await node.start()
      return { node, db, dir, async stop () { await node.stop(); await db.close() } }
    }
  }
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

/** CPU seconds (user + system) this process used since `since`. */
function cpuSeconds (since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

async function registerAll (node: any, n: number): Promise<number> {
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

export interface WorkloadFigures {
  writePerSec: number
  writeCpuPerSec: number
  coldSyncMs: number
  distributePerSec: number
  receivePerSec: number
  receiveCpuPerSec: number
  reopenMs: number
  rssMB: number
  diskBytesPerEntry: number
  batches: number
}

/** Child process: reopen a writer's data dir with one build, report time and RSS. */
async function reopenChild (root: string, dir: string): Promise<void> {
  const tree = await loadTree(root)
  rssMB()
  const t = performance.now()
  const n = await tree.open(dir)
  const reopenMs = performance.now() - t
  const stats = await n.node.ledger.stats()
  const rss = rssMB()
  console.log(JSON.stringify({ reopenMs, rssMB: rss, humans: stats.totalHumans, paymentsThisWeek: stats.paymentsThisWeek }))
  await n.stop()
}

/** Child process: the whole workload against one build; prints one JSON line of figures. */
async function workloadChild (root: string): Promise<void> {
  const tree = await loadTree(root)
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  try {
    const writer = await tree.open(join(dir, 'writer'))
    let cpu = process.cpuUsage()
    const writeMs = await registerAll(writer.node, N)
    const writeCpu = cpuSeconds(cpu)
    let batches = 0
    const log = writer.node.ledger.batches()
    while ((await log.next()).done !== true) { batches++ }

    const fresh = await tree.open(join(dir, 'fresh'))
    const target = writer.node.ledger.derivedState()
    let t = performance.now()
    await fresh.node.libp2p.dial(writer.node.libp2p.getMultiaddrs()[0])
    // the pull the connection starts (joined, not repeated: one pull per peer at a time);
    // pulled again if it failed or came short (on a loaded box identify can miss the
    // protocol, and with no periodic sync nothing else would pull)
    while ((await fresh.node.ledger.stats()).totalHumans < N) {
      if (performance.now() - t > 300_000) { throw new Error('cold sync did not finish in 300 s') }
      await fresh.node.ledger.sync(writer.node.libp2p.peerId).catch((err: any) => { console.error(`cold sync pull failed: ${err.message}`) })
    }
    const coldSyncMs = performance.now() - t
    if (fresh.node.ledger.derivedState() !== target) { throw new Error('cold sync diverged') }
    await fresh.node.libp2p.hangUp(writer.node.libp2p.peerId)
    await fresh.stop()

    t = performance.now()
    const dist = await writer.node.ledger.distributeWeekly()
    const distMs = performance.now() - t
    const all: Uint8Array[] = []
    for await (const b of writer.node.ledger.batches()) { all.push(b) }

    // verify + check + store + apply, fed directly, up to 16 batches in flight as sync does
    const recv = await tree.open(join(dir, 'receiver'))
    t = performance.now()
    cpu = process.cpuUsage()
    let entries = 0
    let next = 0
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < all.length) {
        const r = await recv.node.ledger.receiveBatch(all[next++])
        if (r.status !== 'applied') { throw new Error(`receive: ${r.status} ${r.reason}`) }
        entries += r.entries ?? 0
      }
    }))
    const recvMs = performance.now() - t
    const recvCpu = cpuSeconds(cpu)
    if (recv.node.ledger.derivedState() !== writer.node.ledger.derivedState()) { throw new Error('receiver diverged') }
    await recv.stop()
    await writer.stop()
    const totalEntries = N + dist.paid
    const diskBytes = dirBytes(join(dir, 'writer', 'db'))

    const c = spawnSync(process.execPath, ['--expose-gc', SELF, 'reopen', root, join(dir, 'writer')], { encoding: 'utf8' })
    if (c.status !== 0) { throw new Error(`reopen child failed: ${c.stderr}`) }
    const reopened = JSON.parse(c.stdout.trim().split('\n').pop() as string)
    if (reopened.humans !== N) { throw new Error(`reopened ${reopened.humans} humans`) }
    const figures: WorkloadFigures = {
      writePerSec: N / (writeMs / 1000),
      writeCpuPerSec: N / writeCpu,
      coldSyncMs,
      distributePerSec: dist.paid / (distMs / 1000),
      receivePerSec: entries / (recvMs / 1000),
      receiveCpuPerSec: entries / recvCpu,
      reopenMs: reopened.reopenMs,
      rssMB: reopened.rssMB,
      diskBytesPerEntry: diskBytes / totalEntries,
      batches
    }
    console.log(JSON.stringify(figures))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const [mode, root, dir] = process.argv.slice(2)
if (mode === 'workload') {
  await workloadChild(root)
} else if (mode === 'reopen') {
  await reopenChild(root, dir)
} else {
  throw new Error(`usage: _ledger-workload.js workload <dist root> | reopen <dist root> <data dir> (got ${String(mode)})`)
}
