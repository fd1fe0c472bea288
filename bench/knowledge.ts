/**
 * Knowledge sharing (issue 16):
 *
 * 1. search over KNOWLEDGE_BENCH_ENTRIES (100,000) generated, seeded entries of realistic
 * length (Markdown of 60–260 words from a Zipf-distributed vocabulary, 1–4 tags, seven
 * types): index build time, snapshot size, save and load time, RSS, and search p50/p99
 * (wall clock and on-CPU) over 1,000 one- and two-word queries (top 20; every other
 * query filtered by type; the first 100 also run once untimed before), for the node's
 * index (protocol/knowledge/text-index/) at the full size (and the libraries named in
 * KNOWLEDGE_BENCH_FULL) and, beside it at KNOWLEDGE_BENCH_COMPARE (5,000), MiniSearch,
 * FlexSearch and Orama. Each runs in its own child process, so RSS is its own.
 * Baseline: a plain substring scan of the same corpus for the same queries, same run.
 * 2. cold catch-up of KNOWLEDGE_BENCH_SYNC (10,000) entries to a fresh node: two real
 * nodes over the memory transport; the baseline is verifying the same number of
 * Ed25519 signatures on this thread.
 * 3. learning-session update latency between two nodes on 20 ms links (the simulator's
 * network): p50/p99 from one node's edit to the other node's document holding it.
 *
 * Targets: search p99 < 20 ms; cold sync < 3 s.
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import MiniSearch from 'minisearch'
import { createNodeRecordCrypto } from '../node/crypto.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { generateIdentity } from '../protocol/crypto/index.ts'
import { KnowledgeIndex } from '../protocol/knowledge/search.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { SimNetwork } from '../simulations/network/sim-network.ts'
import { createMemoryLibp2p } from '../simulations/nodes/memory-libp2p.ts'
import { createRandom } from '../simulations/random.ts'
import { fmt, percentile, saveReport } from './_report.ts'
import type { KnowledgeType } from '../protocol/knowledge/codec.ts'
import type { MeshNode, MeshNodeInit } from '../protocol/mesh-node.ts'

const ENTRIES = Number(process.env.KNOWLEDGE_BENCH_ENTRIES ?? 100_000)
/** the three libraries side by side at this size (FlexSearch's and Orama's snapshots outgrow memory long before 100k) */
const COMPARE = Math.min(ENTRIES, Number(process.env.KNOWLEDGE_BENCH_COMPARE ?? 5000))
/** run these at the full size too (the node's index always; MiniSearch at 100,000 takes minutes) */
const FULL = ['index', ...(process.env.KNOWLEDGE_BENCH_FULL ?? '').split(',').filter(l => l.length > 0 && l !== 'index')] as Lib[]
const SYNC_ENTRIES = Number(process.env.KNOWLEDGE_BENCH_SYNC ?? 10_000)
const QUERIES = 1000
/** queries run untimed first (the first of the timed ones) */
const WARMUP = 100
/** write a CPU profile of the cold sync (both nodes share this thread) to this file */
const PROFILE = process.env.KNOWLEDGE_BENCH_PROFILE
const LIBS = ['index', 'minisearch', 'flexsearch', 'orama'] as const
type Lib = typeof LIBS[number]
const TYPES: KnowledgeType[] = ['technical', 'process', 'solution', 'insight', 'resource', 'collaboration', 'optimization']

interface Doc { id: string, title: string, content: string, tags: string[], type: string }

/** a seeded corpus: the same in every process */
function corpus (n: number): { docs: Doc[], queries: string[] } {
  const rand = createRandom(16, 'knowledge-corpus')
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'shi', 'po', 'ven', 'dar', 'el', 'os', 'tri', 'gal', 'mor', 'fen', 'qu', 'ix', 'bra', 'ul']
  const common = 'the a of to and in is for on with that by this be it as are from or at an relay mesh node peer ledger sync gossip route key sign verify store index batch latency network partition heal restart retry timeout buffer queue cache limit rate budget'.split(' ')
  const vocab = [...common]
  while (vocab.length < 8000) {
    let w = ''
    const k = 2 + Math.floor(rand.next() * 3)
    for (let i = 0; i < k; i++) { w += syl[Math.floor(rand.next() * syl.length)] }
    vocab.push(w)
  }
  // Zipf-like: low ranks far more frequent
  const word = (): string => vocab[Math.min(vocab.length - 1, Math.floor(Math.exp(rand.next() * Math.log(vocab.length))) - 1)]
  const tags = Array.from({ length: 300 }, (_, i) => `tag-${vocab[100 + i]}`)
  const docs: Doc[] = []
  for (let i = 0; i < n; i++) {
    const title = Array.from({ length: 4 + Math.floor(rand.next() * 6) }, word).join(' ')
    const words = 60 + Math.floor(rand.next() * 200)
    const paras: string[] = []
    let para: string[] = []
    for (let w = 0; w < words; w++) {
      para.push(word())
      if (para.length > 40 && rand.next() < 0.1) { paras.push(para.join(' ') + '.'); para = [] }
    }
    paras.push(para.join(' ') + '.')
    const content = `## ${title}\n\n` + paras.join('\n\n') + `\n\n- step one: \`${word()}\`\n- step two: **${word()}**\n`
    docs.push({ id: i.toString(16).padStart(64, '0'), title, content, tags: Array.from({ length: 1 + Math.floor(rand.next() * 4) }, () => tags[Math.floor(rand.next() * tags.length)]).filter((t, j, a) => a.indexOf(t) === j), type: TYPES[Math.floor(rand.next() * TYPES.length)] })
  }
  const queries = Array.from({ length: QUERIES }, (_, i) => i % 2 === 0 ? vocab[20 + Math.floor(rand.next() * 2000)] : `${vocab[20 + Math.floor(rand.next() * 500)]} ${vocab[20 + Math.floor(rand.next() * 3000)]}`)
  return { docs, queries }
}

function rssMb (): number {
  (globalThis as any).gc?.()
  return process.memoryUsage().rss / 1024 / 1024
}

interface LibResult { lib: Lib, entries: number, build_ms: number, save_ms: number, load_ms: number, snapshot_mb: number, rss_mb: number, rss_base_mb: number, p50_ms: number, p99_ms: number, cpu_p50_ms: number, cpu_p99_ms: number, mean_hits: number }

/** MiniSearch as the node used it before its own index: boosts, prefix and fuzzy on longer terms, AND */
const MINISEARCH_OPTIONS = {
  fields: ['title', 'content', 'tags'],
  storeFields: [] as string[],
  extractField: (doc: any, field: string) => field === 'tags' ? (doc.tags as string[]).join(' ') : doc[field],
  searchOptions: {
    boost: { title: 3, tags: 2 },
    prefix: (term: string) => term.length >= 4,
    fuzzy: (term: string) => term.length >= 6 ? 0.15 : false,
    combineWith: 'AND' as const
  }
}

async function runLib (lib: Lib, entries: number): Promise<LibResult> {
  const { docs, queries } = corpus(entries)
  const types = new Map(docs.map(d => [d.id, d.type]))
  const base = rssMb()
  let build = 0
  let save = 0
  let load = 0
  let size = 0
  /** type: only entries of this type */
  let query: (q: string, type?: string) => Promise<number>
  if (lib === 'index') {
    let t = performance.now()
    let index = new KnowledgeIndex()
    for (let i = 0; i < docs.length; i += 5000) { index.addAll(docs.slice(i, i + 5000)) }
    build = performance.now() - t
    t = performance.now()
    const bytes = index.toBytes()
    save = performance.now() - t
    size = bytes.length
    index = undefined as any
    rssMb()
    t = performance.now()
    index = KnowledgeIndex.fromBytes(bytes)
    load = performance.now() - t
    query = async (q, type) => index.search(q, { type }, 20).hits.length
  } else if (lib === 'minisearch') {
    let t = performance.now()
    let index = new MiniSearch<Doc>(MINISEARCH_OPTIONS)
    for (let i = 0; i < docs.length; i += 5000) { index.addAll(docs.slice(i, i + 5000)) }
    build = performance.now() - t
    t = performance.now()
    const json = JSON.stringify(index)
    save = performance.now() - t
    size = json.length
    index = undefined as any
    rssMb()
    t = performance.now()
    index = MiniSearch.loadJSON<Doc>(json, MINISEARCH_OPTIONS)
    load = performance.now() - t
    query = async (q, type) => index.search(q, type == null ? {} : { filter: r => types.get(r.id) === type }).slice(0, 20).length
  } else if (lib === 'flexsearch') {
    const { Document } = await import('flexsearch')
    const make = (): any => new Document({ document: { id: 'id', index: ['title', 'content', 'tags'] }, tokenize: 'forward' } as any)
    let t = performance.now()
    let index = make()
    for (const d of docs) { index.add({ ...d, tags: d.tags.join(' ') }) }
    build = performance.now() - t
    t = performance.now()
    const parts: Array<[string, string]> = []
    index.export((k: string, v: string) => { parts.push([k, v]) })
    save = performance.now() - t
    size = parts.reduce((s, p) => s + p[1].length, 0)
    index = undefined
    rssMb()
    t = performance.now()
    index = make()
    for (const [k, v] of parts) { index.import(k, v) }
    load = performance.now() - t
    query = async (q, type) => {
      const res = index.search(q, { limit: type == null ? 20 : 140 }) as Array<{ result: string[] }>
      const ids = new Set<string>()
      for (const f of res) { for (const id of f.result) { if (type == null || types.get(id) === type) { ids.add(id) } } }
      return Math.min(20, ids.size)
    }
  } else {
    const { create, insertMultiple, search, save: saveDb, load: loadDb } = await import('@orama/orama')
    const schema = { title: 'string', content: 'string', tags: 'string', type: 'enum' } as const
    let t = performance.now()
    let db: any = create({ schema })
    for (let i = 0; i < docs.length; i += 5000) { await insertMultiple(db, docs.slice(i, i + 5000).map(d => ({ ...d, tags: d.tags.join(' ') }))) }
    build = performance.now() - t
    t = performance.now()
    const raw = JSON.stringify(saveDb(db))
    save = performance.now() - t
    size = raw.length
    db = undefined
    rssMb()
    t = performance.now()
    db = create({ schema })
    loadDb(db, JSON.parse(raw))
    load = performance.now() - t
    query = async (q, type) => (await search(db, { term: q, limit: 20, boost: { title: 3, tags: 2 }, ...(type == null ? {} : { where: { type: { eq: type } } }) } as any)).hits.length
  }
  const rss = rssMb()
  // the same untimed warm-up for every library (compiling its query path, first-use tables)
  for (const [i, q] of queries.slice(0, WARMUP).entries()) { await query(q, i % 2 === 1 ? TYPES[i % TYPES.length] : undefined) }
  const times: number[] = []
  const cpu: number[] = []
  let hits = 0
  for (const [i, q] of queries.entries()) {
    const t = performance.now()
    const c = process.cpuUsage()
    hits += await query(q, i % 2 === 1 ? TYPES[i % TYPES.length] : undefined)
    const used = process.cpuUsage(c)
    times.push(performance.now() - t)
    cpu.push((used.user + used.system) / 1000)
  }
  return { lib, entries, build_ms: build, save_ms: save, load_ms: load, snapshot_mb: size / 1024 / 1024, rss_mb: rss, rss_base_mb: base, p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), cpu_p50_ms: percentile(cpu, 50), cpu_p99_ms: percentile(cpu, 99), mean_hits: hits / queries.length }
}

function scanBaseline (): { p50_ms: number, p99_ms: number } {
  const { docs, queries } = corpus(ENTRIES)
  const times: number[] = []
  for (const q of queries.slice(0, 50)) {
    const words = q.split(' ')
    const t = performance.now()
    let n = 0
    for (const d of docs) { if (words.every(w => d.title.includes(w) || d.content.includes(w))) { n++ } }
    times.push(performance.now() - t)
    if (n < 0) { console.log(n) }
  }
  return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99) }
}

// ---- cold sync ----

const NODE_INIT: MeshNodeInit = {
  connections: { minConnections: 0 },
  truth: { sync: { intervalMs: 0, onConnect: false } },
  knowledge: { authorRate: { perSecond: 1e9, burst: 1e9 }, sync: { intervalMs: 0, onConnect: false, sessionTimeoutMs: 600_000 } }
}

async function benchNode (dirs: string[], network?: SimNetwork): Promise<MeshNode & { close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-knowledge-'))
  dirs.push(dir)
  const privateKey = await generateIdentity()
  const db = await openNodeDatabase(dir)
  const libp2p = network == null
    ? await createMemoryLibp2p({ privateKey, name: `bench-knowledge-${process.pid}-${dirs.length}` })
    : await createMemoryLibp2p({ privateKey, name: network.address(dirs.length).slice('/memory/'.length), transport: network.transport(dirs.length) })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, NODE_INIT)
  await node.start()
  return Object.assign(node, { async close () { await node.stop(); await db.close() } })
}

async function coldSync (): Promise<Record<string, number>> {
  const dirs: string[] = []
  const a = await benchNode(dirs)
  const { docs } = corpus(SYNC_ENTRIES)
  const t0 = performance.now()
  for (const d of docs) { await a.knowledge.add({ title: d.title, content: d.content, tags: d.tags.slice(0, 4), type: d.type as KnowledgeType }) }
  const seedMs = performance.now() - t0
  const b = await benchNode(dirs)
  await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
  const profiler = PROFILE == null ? undefined : new Session()
  if (profiler != null) {
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.start')
  }
  const t = performance.now()
  const report = await b.knowledge.syncWith(a.libp2p.peerId)
  const syncMs = performance.now() - t
  if (profiler != null && PROFILE != null) {
    const { profile } = await profiler.post('Profiler.stop')
    await writeFile(PROFILE, JSON.stringify(profile))
    profiler.disconnect()
  }
  // the index follows the sync in the background; a search indexes what is left first
  await b.knowledge.search({ q: 'mesh' })
  const searchableMs = performance.now() - t
  if (b.knowledge.stats().entries !== SYNC_ENTRIES) { throw new Error(`fresh node holds ${b.knowledge.stats().entries} entries`) }
  await a.close()
  await b.close()
  for (const d of dirs) { await rm(d, { recursive: true, force: true }) }
  // baseline: verifying as many Ed25519 signatures, node:crypto with a cached key
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const data = Buffer.alloc(1200, 7)
  const sig = sign(null, data, privateKey)
  const tv = performance.now()
  for (let i = 0; i < SYNC_ENTRIES; i++) { verify(null, data, publicKey, sig) }
  const verifyMs = performance.now() - tv
  return { entries: SYNC_ENTRIES, seed_ms: seedMs, sync_ms: syncMs, searchable_ms: searchableMs, requests: report.requests, bytes_mb: report.bytes / 1024 / 1024, verify_baseline_ms: verifyMs }
}

const LINK_MS = 20
const SESSION_EDITS = 50

/** one node edits a session, the other's document holds the edit: p50/p99 against the one-way link latency */
async function sessionLatency (): Promise<Record<string, number>> {
  const network = new SimNetwork({ linkOf: () => ({ latency: LINK_MS, jitter: 0, loss: 0 }), random: createRandom(1, 'links'), name: `bench-knowledge-${process.pid}` })
  const dirs: string[] = []
  const a = await benchNode(dirs, network)
  const b = await benchNode(dirs, network)
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
  const s = await a.knowledge.sessions.create({ title: 'latency', participants: [b.libp2p.peerId.toString()] })
  const deadline = Date.now() + 30_000
  while ((b.knowledge.sessions.doc(s.id) == null || a.libp2p.services.pubsub.getSubscribers(`liberation/knowledge/session/${s.id}/1`).length === 0) && Date.now() < deadline) { await new Promise(resolve => setTimeout(resolve, 50)) }
  await new Promise(resolve => setTimeout(resolve, 2000))
  const times: number[] = []
  for (let i = 0; i < SESSION_EDITS; i++) {
    const marker = `edit-${i};`
    const seen = new Promise<void>((resolve) => {
      const check = (): void => {
        if (b.knowledge.sessions.doc(s.id)?.getText('notes').toString().includes(marker) === true) {
          b.knowledge.sessions.removeEventListener('change', check)
          resolve()
        }
      }
      b.knowledge.sessions.addEventListener('change', check)
    })
    const t = performance.now()
    await a.knowledge.sessions.edit(s.id, { field: 'notes', at: 0, insert: marker })
    await Promise.race([seen, new Promise(resolve => setTimeout(resolve, 5000))])
    times.push(performance.now() - t)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  await a.close()
  await b.close()
  for (const d of dirs) { await rm(d, { recursive: true, force: true }) }
  return { edits: SESSION_EDITS, link_ms: LINK_MS, p50_ms: percentile(times, 50), p99_ms: percentile(times, 99) }
}

async function main (): Promise<void> {
  const [mode, arg] = process.argv.slice(2)
  if (mode === 'lib') {
    console.log('RESULT ' + JSON.stringify(await runLib(arg as Lib, Number(process.argv[4] ?? ENTRIES))))
    return
  }
  if (mode === 'net') {
    // only the network figures (cold sync, session latency)
    const sync = await coldSync()
    console.log(`cold sync: ${sync.entries} entries in ${fmt(sync.sync_ms)} ms, searchable ${fmt(sync.searchable_ms)} ms (${sync.requests} requests; target < 3000 ms); verifying ${sync.entries} signatures alone: ${fmt(sync.verify_baseline_ms)} ms, ratio ${fmt(sync.sync_ms / sync.verify_baseline_ms)}×`)
    const lat = await sessionLatency()
    console.log(`session update latency, two nodes on ${LINK_MS} ms links: p50 ${fmt(lat.p50_ms)} ms (${fmt(lat.p50_ms / LINK_MS)}× the link), p99 ${fmt(lat.p99_ms)} ms`)
    saveReport('knowledge-net', { cold_sync: sync, session_latency: lat })
    return
  }
  const self = fileURLToPath(import.meta.url)
  const report: Record<string, unknown> = { entries: ENTRIES }
  console.log(`search: ${QUERIES} queries (top 20, every other one filtered by type); the node's index and three libraries at ${COMPARE} entries, the node's index at ${ENTRIES}`)
  const libs: LibResult[] = []
  const runs: Array<[Lib, number]> = [...LIBS.map((l): [Lib, number] => [l, COMPARE]), ...(ENTRIES > COMPARE ? FULL.map((l): [Lib, number] => [l, ENTRIES]) : [])]
  for (const [lib, entries] of runs) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', self, 'lib', lib, String(entries)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    const line = r.stdout.split('\n').find(l => l.startsWith('RESULT '))
    if (line == null) { console.log(`${lib}: failed\n${r.stderr.slice(-2000)}`); continue }
    const res = JSON.parse(line.slice(7)) as LibResult
    libs.push(res)
    console.log(`${lib.padEnd(10)} ${entries} entries: build ${fmt(res.build_ms / 1000, 2)} s, save ${fmt(res.save_ms)} ms, load ${fmt(res.load_ms)} ms, snapshot ${fmt(res.snapshot_mb)} MB, RSS ${fmt(res.rss_mb)} MB (corpus alone ${fmt(res.rss_base_mb)} MB), search p50 ${fmt(res.p50_ms, 2)} ms p99 ${fmt(res.p99_ms, 2)} ms (on-CPU p50 ${fmt(res.cpu_p50_ms, 2)} ms p99 ${fmt(res.cpu_p99_ms, 2)} ms), ${fmt(res.mean_hits)} hits/query`)
  }
  const scan = scanBaseline()
  console.log(`baseline substring scan: p50 ${fmt(scan.p50_ms)} ms p99 ${fmt(scan.p99_ms)} ms`)
  for (const r of libs.filter(l => l.entries === ENTRIES)) { console.log(`  ${r.lib} at ${r.entries}: p50 ${fmt(scan.p50_ms / r.p50_ms)}× faster than the scan; p99 ${fmt(r.p99_ms, 2)} ms (target < 20 ms)`) }
  report.search = { libs, scan_baseline: scan }

  const sync = await coldSync()
  console.log(`cold sync: ${sync.entries} entries in ${fmt(sync.sync_ms)} ms, searchable ${fmt(sync.searchable_ms)} ms (${sync.requests} requests, ${fmt(sync.bytes_mb)} MB; target < 3000 ms); verifying ${sync.entries} signatures alone: ${fmt(sync.verify_baseline_ms)} ms, ratio ${fmt(sync.sync_ms / sync.verify_baseline_ms)}×`)
  report.cold_sync = sync

  const lat = await sessionLatency()
  console.log(`session update latency, two nodes on ${LINK_MS} ms links: p50 ${fmt(lat.p50_ms)} ms (${fmt(lat.p50_ms / LINK_MS)}× the link), p99 ${fmt(lat.p99_ms)} ms`)
  report.session_latency = lat
  saveReport('knowledge', report)
}

await main()
