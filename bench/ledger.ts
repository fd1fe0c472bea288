/**
 * Ledger throughput, catch-up, reopen, disk and memory, and range reconciliation.
 *
 * npm run bench -- ledger
 * LEDGER_BENCH_BASE=<another checkout's dist/> npm run bench -- ledger
 *
 * Env: LEDGER_BENCH_N (entries, default 100,000), LEDGER_BENCH_ROUNDS (default 2),
 * LEDGER_BENCH_RECONCILE_N (comma-separated document counts for the two-node reconcile).
 *
 * Each workload runs in its own process, so trees never share a heap:
 * - write: humans registered + signed + durably stored per second by one node (many
 * concurrent `registerHuman` calls, grouped into signed batches), and the payments of
 * one `distributeWeekly` over all of them
 * - receive: entries per second a fresh node checks (signature, Yjs structure, entries),
 * stores durably and applies, fed the writer's batches directly
 * - cold sync: a fresh node connected to the writer (memory transport) until it holds
 * the same N-human ledger
 * - reopen: a new process opening the writer's data dir (N humans + a week of payments)
 * until the ledger is started; and its RSS then; bytes on disk per entry
 *
 * With LEDGER_BENCH_BASE (for example a build of an older commit in a temporary git
 * worktree), the same workload runs against that build too, interleaved round by round
 * (base, current, current, base, ...), and the figures are printed as ratios
 * current / base of the medians. Without it the baselines are one Ed25519 signature,
 * one verify and one LevelDB `sync: true` put per entry.
 *
 * Then reconciliation:
 * - two real nodes (memory transport, LevelDB) each holding n documents, 10 differing
 * (5 only on each side), for n = 1k / 10k / 100k / 200k: the time until both hold the
 * union, and the ledger-sync bytes and round trips of both pulls
 * - a fresh node pulling 200,000 documents (LEDGER_BENCH_FRESH_N; 0 skips it) from one
 * node holding them: time, ledger-sync bytes and round trips
 * - the reconciliation core alone, up to 1M ids: ms, round trips, bytes
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { createNodeRecordCrypto, createNodeSigner, createNodeVerifier } from '../node/crypto.ts'
import { loadOrCreateIdentity } from '../node/identity.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { signBatch } from '../protocol/ledger/batch.ts'
import { encodeEntry, entryKey } from '../protocol/ledger/entries.ts'
import { batchFingerprint, batchKey, indexKey, indexValue } from '../protocol/ledger/store.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { RangeSet, reconcileInMemory } from '../protocol/reconcile/index.ts'
import { openStore } from '../protocol/storage/index.ts'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.ts'
import { fmt, median, saveReport } from './_report.ts'
import type { WorkloadFigures } from './_ledger-workload.ts'
import type { LedgerEntry } from '../protocol/ledger/entries.ts'
import type { LedgerInit } from '../protocol/ledger/index.ts'
import type { SyncResult } from '../protocol/ledger/sync.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'
import type { MeshDatabase } from '../protocol/storage/index.ts'

const N = Number(process.env.LEDGER_BENCH_N ?? 100_000)
const ROUNDS = Math.max(1, Number(process.env.LEDGER_BENCH_ROUNDS ?? 2))
const RECONCILE_N = (process.env.LEDGER_BENCH_RECONCILE_N ?? '1000,10000,100000,200000').split(',').map(Number)
const FRESH_N = Number(process.env.LEDGER_BENCH_FRESH_N ?? 200_000)
/** weeks per author in the fresh-node sync: 200 (2020-W01 .. 2023-W50), so 200,000 documents are 1,000 authors */
const FRESH_WEEKS = 200
const SELF = fileURLToPath(import.meta.url)
/** the child that runs a workload against one build, importing only that build */
const WORKLOAD = join(dirname(SELF), '_ledger-workload.js')
/** this build's dist/ */
const CURRENT_ROOT = resolve(dirname(SELF), '..')
let names = 0

interface BenchNode { node: MeshNode, db: MeshDatabase, dir: string, stop(): Promise<void> }

async function openNode (dir: string, ledger: Partial<LedgerInit> = {}): Promise<BenchNode> {
  const privateKey = await loadOrCreateIdentity(dir)
  const db = await openNodeDatabase(dir)
  const libp2p = await createMemoryLibp2p({ privateKey, name: `bench-ledger-${process.pid}-${++names}` })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, {
    connections: { minConnections: 0 },
    ledger: { compactIntervalMs: 0, sync: { intervalMs: 0 }, ...ledger }
  })
  await node.start()
  return { node, db, dir, async stop () { await node.stop(); await db.close() } }
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

function runWorkload (root: string): WorkloadFigures {
  const c = spawnSync(process.execPath, ['--expose-gc', WORKLOAD, 'workload', root], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (c.status !== 0) { throw new Error(`workload on ${root} failed: ${c.stderr}`) }
  return JSON.parse(c.stdout.trim().split('\n').pop() as string)
}

const FIGURES: Array<{ key: keyof WorkloadFigures, label: string, unit: string, higherIsBetter: boolean }> = [
  { key: 'writePerSec', label: 'write', unit: 'entries/s', higherIsBetter: true },
  { key: 'receivePerSec', label: 'receive', unit: 'entries/s', higherIsBetter: true },
  { key: 'coldSyncMs', label: `cold sync ${N}`, unit: 'ms', higherIsBetter: false },
  { key: 'reopenMs', label: 'reopen', unit: 'ms', higherIsBetter: false },
  { key: 'rssMB', label: 'RSS after reopen', unit: 'MB', higherIsBetter: false },
  { key: 'distributePerSec', label: 'distribute', unit: 'entries/s', higherIsBetter: true },
  { key: 'writeCpuPerSec', label: 'write per CPU-second', unit: 'entries', higherIsBetter: true },
  { key: 'receiveCpuPerSec', label: 'receive per CPU-second', unit: 'entries', higherIsBetter: true },
  { key: 'diskBytesPerEntry', label: 'disk', unit: 'bytes/entry', higherIsBetter: false }
]

/** Random ids from a fixed seed. */
function seeded (seed: number): (n: number) => Uint8Array {
  return (n: number) => {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      b[i] = seed >>> 24
    }
    return b
  }
}

/** Reconciliation of two id sets of `n` differing in 10 (5 on each side), on the core. */
function reconcileCore (): Array<{ docs: number, ms: number, buildMs: number, roundTrips: number, bytes: number }> {
  const rand = seeded(42)
  const out = []
  for (const n of [1000, 10_000, 100_000, 200_000, 1_000_000]) {
    const common = Array.from({ length: n - 5 }, () => rand(16))
    const a = [...common, ...Array.from({ length: 5 }, () => rand(16))]
    const b = [...common, ...Array.from({ length: 5 }, () => rand(16))]
    let t = performance.now()
    const sa = RangeSet.from(a)
    const sb = RangeSet.from(b)
    const buildMs = (performance.now() - t) / 2
    t = performance.now()
    const r = reconcileInMemory(sa, sb)
    const ms = performance.now() - t
    if (r.have.length !== 5 || r.need.length !== 5) { throw new Error('reconciliation missed a difference') }
    out.push({ docs: n, ms, buildMs, roundTrips: r.roundTrips, bytes: r.bytes })
    console.log(`reconcile core: ${fmt(n, 0)} ids, 10 differing: ${fmt(ms, 1)} ms, ${r.roundTrips} round trips, ${fmt(r.bytes / 1024, 1)} KB (listing every document: ${fmt(n * 66 / 1024, 0)} KB); building one side's index ${fmt(buildMs, 0)} ms`)
  }
  return out
}

/**
 * Two real nodes holding `n` documents each, 10 differing. The common documents are
 * written into both stores before the nodes start (one stored one-entry batch each,
 * under many authors and weeks: what a node that has seen them holds); they never
 * travel, so their bytes are not signed. The 10 differing ones are real signed batches
 * of fresh authors, received through the node's checks.
 */
async function reconcileNodes (root: string, n: number): Promise<{ docs: number, ms: number, bytes: number, roundTrips: number, messages: number }> {
  const rand = seeded(n)
  const a = await prepareStore(join(root, `a-${n}`), n - 5, seeded(7))
  const b = await prepareStore(join(root, `b-${n}`), n - 5, seeded(7))
  const [na, nb] = [await openNode(a), await openNode(b)]
  try {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    for (const side of [na, nb]) {
      for (let i = 0; i < 5; i++) {
        const key = await generateKeyPair('Ed25519')
        const entry: LedgerEntry = { kind: 'human', humanId: `h-${toHexString(rand(6))}`, at: 1, status: 'active', weeklyFlow: 80000, housingCredit: 0, investmentPool: 0 }
        const batch = await signBatch(createNodeSigner(key), '2026-W10', 0, [{ clock: 0, key: entryKey(entry, 0), value: encodeEntry(entry), entry }], Date.now() - 86_400_000)
        const r = await side.node.ledger.receiveBatch(batch.bytes)
        if (r.status !== 'applied') { throw new Error(`seed batch: ${r.status}`) }
      }
    }
    const want = (await na.node.ledger.stats()).documents + 5
    const t = performance.now()
    await na.node.libp2p.dial(nb.node.libp2p.getMultiaddrs()[0])
    const results: SyncResult[] = await Promise.all([na.node.ledger.sync(nb.node.libp2p.peerId), nb.node.ledger.sync(na.node.libp2p.peerId)])
    const ms = performance.now() - t
    for (const side of [na, nb]) {
      const docs = (await side.node.ledger.stats()).documents
      if (docs !== want) { throw new Error(`after reconcile a node holds ${docs} documents, not ${want}`) }
    }
    return {
      docs: n,
      ms,
      bytes: results.reduce((s, r) => s + r.bytesSent + r.bytesReceived, 0),
      roundTrips: Math.max(...results.map(r => r.rounds)),
      messages: results.reduce((s, r) => s + r.messages, 0)
    }
  } finally {
    await na.stop()
    await nb.stop()
  }
}

function toHexString (b: Uint8Array): string {
  return Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
}

/** A node data dir whose ledger store holds `docs` one-entry documents (same ids for the same seed). */
async function prepareStore (dir: string, docs: number, rand: (n: number) => Uint8Array): Promise<string> {
  await loadOrCreateIdentity(dir)
  const db = await openNodeDatabase(dir)
  const store = openStore(db, 'ledger')
  const perAuthor = 50
  let ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
  let author = ''
  for (let i = 0; i < docs; i++) {
    if (i % perAuthor === 0) { author = toHexString(rand(32)) }
    const week = `2020-W${String((i % perAuthor) + 1).padStart(2, '0')}`
    const fp = await batchFingerprint(rand(64))
    ops.push({ type: 'put', key: batchKey(author, week, 0, 1, fp), value: new Uint8Array(1) })
    if (ops.length === 10_000) {
      await store.batch(ops)
      ops = []
    }
  }
  await store.batch(ops)
  await db.close()
  return dir
}

/**
 * A store holding `docs` real documents: one signed one-entry batch (a registration) per
 * (author, week), `FRESH_WEEKS` weeks per author, stored with its index entries as a
 * node that received them holds them.
 */
async function prepareSignedStore (dir: string, docs: number): Promise<string> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  await loadOrCreateIdentity(dir)
  const db = await openNodeDatabase(dir)
  const store = openStore(db, 'ledger')
  let ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
  const signedAt = Date.now() - 86_400_000
  for (let a = 0; a * FRESH_WEEKS < docs; a++) {
    const signer = createNodeSigner(await generateKeyPair('Ed25519'))
    const authorHex = toHexString(signer.publicKey)
    for (let w = 0; w < FRESH_WEEKS && a * FRESH_WEEKS + w < docs; w++) {
      const doc = `${2020 + Math.floor(w / 50)}-W${String((w % 50) + 1).padStart(2, '0')}`
      const entry: LedgerEntry = { kind: 'human', humanId: `h-${a}-${w}`, at: 1, status: 'active', weeklyFlow: 80000, housingCredit: 0, investmentPool: 0 }
      const item = { clock: 0, key: entryKey(entry, 0), value: encodeEntry(entry), entry }
      const batch = await signBatch(signer, doc, 0, [item], signedAt)
      const fp = await batchFingerprint(batch.signature)
      ops.push({ type: 'put', key: batchKey(authorHex, doc, 0, 1, fp), value: batch.bytes })
      ops.push({ type: 'put', key: indexKey(entry, authorHex, doc, 0), value: indexValue(doc, item) })
      if (ops.length >= 20_000) {
        await store.batch(ops)
        ops = []
      }
    }
  }
  await store.batch(ops)
  await db.close()
  return dir
}

/**
 * A fresh node dials one holding `n` documents and pulls until it holds them all: time,
 * ledger-sync bytes and reconciliation round trips of its pull. The fresh node's peer
 * quota is lifted (the default, 400 batches/s from one peer, would make this n / 400
 * seconds by design); every batch still goes through every check.
 */
async function freshSync (root: string, n: number): Promise<{ docs: number, ms: number, bytes: number, roundTrips: number, messages: number, prepareMs: number, openMs: number }> {
  let t = performance.now()
  const holderDir = await prepareSignedStore(join(root, `holder-${n}`), n)
  const prepareMs = performance.now() - t
  t = performance.now()
  const holder = await openNode(holderDir)
  const openMs = performance.now() - t
  const lifted = 10_000_000
  const fresh = await openNode(join(root, `fresh-${n}`), { peerQuota: { batchesPerSecond: lifted, batchBurst: lifted, newAuthorsPerSecond: lifted, newAuthorBurst: lifted } })
  try {
    if ((await holder.node.ledger.stats()).documents !== n) { throw new Error('the holder does not hold every document') }
    t = performance.now()
    await fresh.node.libp2p.dial(holder.node.libp2p.getMultiaddrs()[0])
    const r: SyncResult = await fresh.node.ledger.sync(holder.node.libp2p.peerId)
    const ms = performance.now() - t
    const docs = (await fresh.node.ledger.stats()).documents
    if (docs !== n) { throw new Error(`after one pull the fresh node holds ${docs} documents, not ${n}`) }
    return { docs: n, ms, bytes: r.bytesSent + r.bytesReceived, roundTrips: r.rounds, messages: r.messages, prepareMs, openMs }
  } finally {
    await fresh.stop()
    await holder.stop()
  }
}

async function main (): Promise<void> {
  const baseRoot = process.env.LEDGER_BENCH_BASE
  console.log(`load average before: ${loadavg().map(l => fmt(l, 1)).join(' ')} (other work on the machine slows every figure)`)
  const base = await baselines()
  console.log(`baselines: Ed25519 sign ${fmt(base.signPerSec, 0)}/s, verify ${fmt(base.verifyPerSec, 0)}/s, LevelDB sync put ${fmt(base.syncPutPerSec, 0)}/s`)

  const runs: { current: WorkloadFigures[], base: WorkloadFigures[] } = { current: [], base: [] }
  for (let round = 0; round < ROUNDS; round++) {
    // alternate which build goes first, so drift in the machine's load hits both alike
    const order: Array<'current' | 'base'> = baseRoot === undefined ? ['current'] : round % 2 === 0 ? ['base', 'current'] : ['current', 'base']
    for (const which of order) {
      const f = runWorkload(which === 'base' ? resolve(baseRoot as string) : CURRENT_ROOT)
      runs[which].push(f)
      console.log(`round ${round + 1} ${which}: write ${fmt(f.writePerSec, 0)}/s, receive ${fmt(f.receivePerSec, 0)}/s, cold sync ${fmt(f.coldSyncMs, 0)} ms, reopen ${fmt(f.reopenMs, 0)} ms, RSS ${fmt(f.rssMB, 0)} MB (load ${fmt(loadavg()[0], 1)})`)
    }
  }
  const med = (which: 'current' | 'base', key: keyof WorkloadFigures): number => median(runs[which].map(r => r[key]))
  const summary: Record<string, unknown> = {}
  for (const f of FIGURES) {
    const cur = med('current', f.key)
    let line = `${f.label}: ${fmt(cur, f.unit === 'MB' ? 0 : 0)} ${f.unit}`
    const entry: Record<string, number> = { current: cur }
    if (baseRoot !== undefined) {
      const b = med('base', f.key)
      const ratio = cur / b
      // "within 10%": no worse than 10% in the figure's own direction
      const ok = f.higherIsBetter ? ratio >= 0.9 : ratio <= 1.1
      line += ` | base ${fmt(b, 0)} ${f.unit} | current/base x${fmt(ratio, 3)} ${ok ? 'ok' : 'OUTSIDE 10%'}`
      Object.assign(entry, { base: b, ratio })
    } else if (f.key === 'writePerSec') {
      line += ` (x${fmt(cur / base.signPerSec, 2)} per-entry signing, x${fmt(cur / base.syncPutPerSec, 1)} per-entry sync puts)`
    } else if (f.key === 'receivePerSec') {
      line += ` (x${fmt(cur / base.verifyPerSec, 2)} per-entry verify)`
    }
    summary[f.key] = entry
    console.log(line)
  }

  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-rec-'))
  const nodes = []
  let freshNode
  try {
    for (const n of RECONCILE_N) {
      const r = await reconcileNodes(dir, n)
      nodes.push(r)
      console.log(`reconcile nodes: ${fmt(n, 0)} documents each, 10 differing: both hold the union in ${fmt(r.ms, 0)} ms; ${fmt(r.bytes / 1024, 1)} KB of ledger-sync messages both ways, ${r.roundTrips} reconciliation round trips per pull, ${r.messages} transfer messages`)
    }
    if (FRESH_N > 0) {
      const f = await freshSync(dir, FRESH_N)
      freshNode = f
      console.log(`fresh node sync: ${fmt(f.docs, 0)} documents (${fmt(f.docs / FRESH_WEEKS, 0)} authors x ${FRESH_WEEKS} weeks, one signed batch each) pulled from one peer in ${fmt(f.ms, 0)} ms; ${fmt(f.bytes / 1048576, 1)} MB of ledger-sync messages, ${f.roundTrips} reconciliation round trips, ${fmt(f.messages, 0)} transfer messages (holder prepared in ${fmt(f.prepareMs, 0)} ms, started in ${fmt(f.openMs, 0)} ms; load ${fmt(loadavg()[0], 1)})`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const core = reconcileCore()
  saveReport('ledger', { n: N, rounds: ROUNDS, base: baseRoot ?? null, baselines: base, loadAverage: loadavg(), runs, summary, reconcileNodes: nodes, freshNode, reconcileCore: core })
}

await main()
