/**
 * The multi-process mode (the realism mode): every node is a real `liberation start`
 * process (the bundled CLI, dist/cli/liberation.mjs) with its own LevelDB, talking TCP
 * over 127.0.0.1. The harness wires the topology through each node's bootstrap list
 * (a node lists its lower-numbered neighbours; automatic dialling is off beyond them),
 * drives the workload through the HTTP API, watches deliveries on each node's WebSocket
 * feed and reads CPU and memory per process from /proc.
 *
 * Loopback has no per-link latency, loss or partitions without changing the host's
 * network for everyone; scenarios that ask for them are refused in this mode.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { loadOrCreateIdentity } from '../node/identity.ts'
import { hostInfo, pool } from './in-process.ts'
import { createRunBuffers, observations } from './record.ts'
import { ScenarioError } from './scenario.ts'
import { buildSchedule } from './schedule.ts'
import { buildTopology } from './topology.ts'
import type { RunOptions } from './in-process.ts'
import type { RerouteRecord, RunRecord } from './record.ts'
import type { Scenario } from './scenario.ts'
import type { NetworkAction } from './schedule.ts'
import type { ChildProcess } from 'node:child_process'

const CONTENT_PREFIX = 'sim '
const CLK_TCK = 100
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

interface ProcNode {
  index: number
  dir: string
  peerId: string
  proc?: ChildProcess
  api?: string
  addresses: string[]
  ws?: WebSocket
  held: Uint8Array
  heldCount: number
  /** CPU of earlier incarnations (restarts), ms */
  cpuBefore: number
  lastCpu: number
  peakRss: number
}

/** where the bundled CLI is: dist/cli/liberation.mjs of this checkout */
export function cliPath (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', 'cli', 'liberation.mjs'), join(here, '..', 'dist', 'cli', 'liberation.mjs'), resolve('dist/cli/liberation.mjs')]
  const found = candidates.find(p => existsSync(p))
  if (found == null) { throw new Error('dist/cli/liberation.mjs not found: run `npm run build` first') }
  return found
}

function checkSupported (s: Scenario): void {
  const problems: string[] = []
  if (s.links.latency > 0 || s.links.jitter > 0 || s.links.loss > 0 || s.links.overrides.length > 0) { problems.push('links: per-link latency, jitter and loss need the in-process mode (loopback has none)') }
  if (s.partitions.length > 0) { problems.push('partitions: need the in-process mode') }
  if (s.stack.storage !== 'memory' && s.stack.storage !== 'leveldb') { problems.push('stack.storage') }
  if (problems.length > 0) { throw new ScenarioError(`scenario ${s.name} cannot run in multi-process mode:\n  ${problems.join('\n  ')}`) }
}

/** utime + stime of a process, ms; undefined once it is gone */
function processCpuMs (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK
  } catch {
    return undefined
  }
}

/** current and peak resident set size of a process, bytes */
function processRss (pid: number): { rss: number, hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return undefined
  }
}

async function api (base: string, path: string, init: { method?: string, body?: unknown } = {}): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: init.body != null ? { 'content-type': 'application/json' } : undefined,
    body: init.body != null ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(15_000)
  })
  const text = await res.text()
  if (!res.ok) { throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`) }
  return text.length > 0 ? JSON.parse(text) : undefined
}

export async function runMultiProcess (scenario: Scenario, opts: RunOptions = {}): Promise<RunRecord> {
  checkSupported(scenario)
  const wallStart = performance.now()
  const log = opts.log ?? (() => {})
  const progress = opts.onProgress ?? (() => {})
  const host = hostInfo()
  const topology = buildTopology(scenario)
  const schedule = buildSchedule(scenario, topology)
  const channel = scenario.workload.truth?.channel ?? 'social'
  const totalMessages = schedule.posts.length
  const notes: string[] = ['multi-process: loopback TCP, no injected link latency; ideal latency is therefore 0']
  // a private copy of the bundle: a concurrent `npm run build` replaces dist/cli while
  // nodes restart; beside the original so its packages still resolve from node_modules
  const bundle = dirname(cliPath())
  const cliCopy = join(dirname(bundle), `cli-sim-${process.pid}`)
  await cp(bundle, cliCopy, { recursive: true })
  const cli = join(cliCopy, 'liberation.mjs')
  const root = await mkdtemp(join(tmpdir(), 'liberation-sim-mp-'))
  const sampleMs = opts.sampleMs ?? 500

  const nodes: ProcNode[] = []
  for (let i = 0; i < schedule.totalNodes; i++) {
    const dir = join(root, `n${i}`)
    const key = await loadOrCreateIdentity(dir)
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    nodes.push({ index: i, dir, peerId: peerIdFromPrivateKey(key).toString(), addresses: [], held: new Uint8Array(totalMessages), heldCount: 0, cpuBefore: 0, lastCpu: 0, peakRss: 0 })
  }
  const buffers = createRunBuffers({
    peerIds: nodes.map(n => n.peerId),
    initialNodes: scenario.nodes,
    plannedLinks: i => topology.degree(i),
    posts: schedule.posts,
    writes: schedule.writes
  })
  const { records, indexOf, posts, msgBySeq, writes, deliveries, actions, samples, reroutes } = buffers
  let posted = 0
  let heldPairs = 0
  // run clock in wall time: nodes timestamp deliveries with their own Date.now() (same host)
  let t0Wall = Date.now() + 1e9
  const now = (): number => Date.now() - t0Wall

  function onEvent (i: number, raw: WebSocket.RawData): void {
    let msg: any
    try { msg = JSON.parse(raw.toString()) } catch { return }
    const ev = msg?.data
    if (msg?.type !== 'event' || ev?.category !== 'truth' || ev?.type !== 'message') { return }
    const m = ev.data
    if (typeof m?.content !== 'string' || !m.content.startsWith(CONTENT_PREFIX)) { return }
    const seq = Number(m.content.slice(CONTENT_PREFIX.length, m.content.indexOf(' ', CONTENT_PREFIX.length)))
    const k = msgBySeq.get(seq)
    const n = nodes[i]
    if (k == null || n.held[k] === 1) { return }
    n.held[k] = 1
    n.heldCount++
    heldPairs++
    if (m.origin === 'local') { return }
    deliveries.msg.push(k)
    deliveries.node.push(i)
    deliveries.t.push((typeof m.received_at === 'number' ? m.received_at : Date.now()) - t0Wall)
    deliveries.origin.push(m.origin === 'sync' ? 1 : 0)
  }

  async function startNode (i: number, links: number[]): Promise<void> {
    const n = nodes[i]
    const bootstrap = links.flatMap(j => nodes[j].proc != null ? nodes[j].addresses.slice(0, 1).map(a => `${a}/p2p/${nodes[j].peerId}`) : [])
    const args = [cli, 'start', '--data-dir', n.dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--no-relay',
      '--api-port', '0', '--min-connections', '0', '--max-connections', String(Math.max(64, topology.degree(i) + 16)), '--log-level', 'warn']
    if (!scenario.stack.dht) { args.push('--no-dht') }
    for (const b of bootstrap) { args.push('--bootstrap', b) }
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } })
    n.proc = proc
    n.addresses = []
    let stderr = ''
    proc.stderr?.on('data', d => { stderr = (stderr + String(d)).slice(-2000) })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`node ${i} did not start within 30 s: ${stderr}`)) }, 30_000)
      const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
      lines.on('line', line => {
        if (line.startsWith('address: ')) { n.addresses.push(line.slice('address: '.length)) }
        if (line.startsWith('api: ')) { n.api = line.slice('api: '.length).replace(/\/$/, '') }
        if (line.startsWith('listening')) { clearTimeout(timer); resolve() }
      })
      proc.once('exit', code => { clearTimeout(timer); reject(new Error(`node ${i} exited (${code}) while starting: ${stderr}`)) })
    })
    const ws = new WebSocket(`${n.api?.replace(/^http/, 'ws')}/api/v1/realtime/ws?channels=truth`)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve() })
      ws.once('error', reject)
    })
    ws.on('message', data => { onEvent(i, data) })
    ws.on('error', () => {})
    n.ws = ws
    records[i].startedAt ??= now()
    records[i].up.push([now(), undefined])
  }

  function sampleProc (n: ProcNode): void {
    const pid = n.proc?.pid
    if (pid == null) { return }
    const cpu = processCpuMs(pid)
    if (cpu != null) { n.lastCpu = cpu }
    const mem = processRss(pid)
    if (mem != null) { n.peakRss = Math.max(n.peakRss, mem.hwm) }
  }

  async function stopNode (i: number, how: 'crash' | 'graceful'): Promise<void> {
    const n = nodes[i]
    const proc = n.proc
    if (proc == null) { return }
    sampleProc(n)
    n.cpuBefore += n.lastCpu
    n.lastCpu = 0
    n.proc = undefined
    n.ws?.terminate()
    n.ws = undefined
    const last = records[i].up[records[i].up.length - 1]
    if (last != null && last[1] == null) { last[1] = now() }
    const exited = new Promise<void>(resolve => { if (proc.exitCode != null || proc.signalCode != null) { resolve() } else { proc.once('exit', () => { resolve() }) } })
    proc.kill(how === 'crash' ? 'SIGKILL' : 'SIGTERM')
    const timer = setTimeout(() => { proc.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(timer)
  }

  async function peersOf (i: number): Promise<Set<string>> {
    const n = nodes[i]
    if (n.api == null || n.proc == null) { return new Set() }
    try {
      const page = await api(n.api, '/api/v1/mesh/peers?limit=500')
      const items: any[] = page?.items ?? page?.peers ?? []
      return new Set(items.map(p => p.peer_id ?? p.peerId ?? p.id))
    } catch {
      return new Set()
    }
  }

  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(nodes.map(async n => { await stopNode(n.index, 'graceful') }))
    await rm(root, { recursive: true, force: true })
    await rm(cliCopy, { recursive: true, force: true })
  }

  try {
    // ---- set-up: start in index order, each bootstrapping to its lower neighbours ----
    const setupStart = performance.now()
    t0Wall = Date.now()
    for (let i = 0; i < scenario.nodes; i++) {
      await startNode(i, topology.neighbours(i).filter(j => j < i))
      progress({ phase: 'start', done: i + 1, total: scenario.nodes, t: 0 })
    }
    const startMs = performance.now() - setupStart
    log(`${scenario.nodes} processes started in ${Math.round(startMs)} ms`)
    let timedOut = false
    const deadline = setupStart + scenario.setupTimeout
    while (true) {
      let linked = 0
      await pool(nodes.slice(0, scenario.nodes), 8, async n => {
        const r = records[n.index]
        if (r.linkedAt != null) { linked++; return }
        const peers = await peersOf(n.index)
        if (topology.neighbours(n.index).every(j => j >= scenario.nodes || peers.has(records[j].peerId))) { r.linkedAt = now(); linked++ }
      })
      progress({ phase: 'link', done: linked, total: scenario.nodes, t: 0 })
      if (linked === scenario.nodes) { break }
      if (performance.now() > deadline) {
        timedOut = true
        notes.push(`set-up timed out: ${linked}/${scenario.nodes} nodes had all their links after ${scenario.setupTimeout} ms`)
        break
      }
      await sleep(250)
    }
    const linkMs = performance.now() - setupStart - startMs
    // gossip meshes form on the heartbeat after subscriptions are exchanged
    await sleep(Math.max(1500, 2 * scenario.stack.heartbeat))
    const setupEnd = performance.now()
    const meshMs = setupEnd - setupStart - startMs - linkMs
    const shift = Date.now() - t0Wall
    t0Wall = Date.now()
    for (const r of records) {
      if (r.startedAt != null) { r.startedAt -= shift }
      if (r.linkedAt != null) { r.linkedAt -= shift }
      for (const u of r.up) { u[0] -= shift }
    }

    // ---- sampler ----
    let lastTotalCpu = nodes.reduce((a, n) => { sampleProc(n); return a + n.cpuBefore + n.lastCpu }, 0)
    const sampler = setInterval(() => {
      let cpu = 0
      let rss = 0
      let liveNodes = 0
      let complete = 0
      for (const n of nodes) {
        sampleProc(n)
        cpu += n.cpuBefore + n.lastCpu
        if (n.proc?.pid != null) {
          liveNodes++
          rss += processRss(n.proc.pid)?.rss ?? 0
          if (n.heldCount >= posted) { complete++ }
        }
      }
      samples.push({
        t: now(),
        liveNodes,
        links: Number.NaN,
        heldPairs,
        posted,
        truthComplete: complete,
        ledgerAgree: Number.NaN,
        ledgerStates: 0,
        eventLoopP50Ms: Number.NaN,
        eventLoopP99Ms: Number.NaN,
        eventLoopMaxMs: Number.NaN,
        rssBytes: rss,
        heapUsedBytes: 0,
        cpuMs: cpu - lastTotalCpu
      })
      lastTotalCpu = cpu
    }, sampleMs)

    // ---- workload ----
    const inflight = new Set<Promise<unknown>>()
    const track = (p: Promise<unknown>): void => { inflight.add(p); p.finally(() => inflight.delete(p)).catch(() => {}) }
    const padding = 'x'.repeat(Math.max(0, (scenario.workload.truth?.size ?? 120) - 16))

    async function doPost (k: number): Promise<void> {
      const p = schedule.posts[k]
      const rec = posts[k]
      const n = nodes[p.node]
      if (n.proc == null || n.api == null) { rec.error = 'poster is down'; return }
      rec.calledAt = now()
      posted++
      try {
        const res = await api(n.api, '/api/v1/truth/messages', { method: 'POST', body: { content: `${CONTENT_PREFIX}${p.seq} ${padding}`, channels: [channel] } })
        rec.id = res.id
        rec.doneAt = now()
      } catch (err: any) {
        rec.error = err.message
        posted--
      }
    }

    async function doWrite (k: number): Promise<void> {
      const w = schedule.writes[k]
      const n = nodes[w.node]
      if (n.proc == null || n.api == null) { writes[k].error = 'writer is down'; return }
      try {
        await api(n.api, '/api/v1/humans', { method: 'POST', body: { id: `sim-human-${w.seq}` } })
        writes[k].doneAt = now()
      } catch (err: any) {
        writes[k].error = err.message
      }
    }

    async function measureReroute (from: number, to: number): Promise<void> {
      const rec: RerouteRecord = { killed: -1, from, to, at: now(), before: [] }
      reroutes.push(rec)
      const src = nodes[from]
      if (src.api == null || src.proc == null || nodes[to].proc == null) { rec.error = 'an end of the route is down'; return }
      const route = await api(src.api, `/api/v1/mesh/routes/${nodes[to].peerId}`).catch(() => undefined)
      const path: number[] = (route?.path ?? []).map((p: string) => indexOf.get(p) ?? -1)
      rec.before = path
      if (path.length < 3) { rec.error = 'no multi-hop route to cut'; return }
      const victim = path[Math.floor((path.length - 1) / 2)]
      rec.killed = victim
      records[victim].killed = true
      const killedAt = now()
      rec.at = killedAt
      actions.push({ t: killedAt, kind: 'kill', nodes: [victim], detail: `on the route ${from}→${to}` })
      await stopNode(victim, 'crash')
      const victimId = nodes[victim].peerId
      track((async () => {
        while (now() - killedAt < 30_000 && src.proc != null) {
          const r = await api(src.api as string, `/api/v1/mesh/routes/${nodes[to].peerId}`).catch(() => undefined)
          if (r?.path != null && !r.path.includes(victimId)) {
            rec.after = r.path.map((p: string) => indexOf.get(p) ?? -1)
            rec.routeUpdatedMs = now() - killedAt
            return
          }
          await sleep(50)
        }
      })())
      track((async () => {
        let attempts = 0
        while (now() - killedAt < 30_000 && src.proc != null) {
          attempts++
          try {
            await api(src.api as string, '/api/v1/mesh/send', { method: 'POST', body: { target: nodes[to].peerId, payload: `reroute probe ${attempts}` } })
            rec.deliveredMs = now() - killedAt
            rec.attempts = attempts
            return
          } catch (err: any) {
            rec.error = err.message
            await sleep(100)
          }
        }
      })())
    }

    async function doAction (a: NetworkAction): Promise<void> {
      switch (a.kind) {
        case 'kill':
          if (a.route != null) { await measureReroute(a.route[0], a.route[1]) } else if (a.node != null && nodes[a.node].proc != null) {
            records[a.node].killed = true
            actions.push({ t: now(), kind: 'kill', nodes: [a.node] })
            await stopNode(a.node, 'crash')
          }
          break
        case 'leave':
          if (nodes[a.node].proc == null) { break }
          actions.push({ t: now(), kind: 'leave', nodes: [a.node], detail: a.how })
          track(stopNode(a.node, a.how))
          break
        case 'rejoin':
        case 'join':
          if (records[a.node].killed || nodes[a.node].proc != null) { break }
          actions.push({ t: now(), kind: a.kind, nodes: [a.node] })
          track(startNode(a.node, topology.neighbours(a.node)).catch(err => { notes.push(`node ${a.node} failed to ${a.kind}: ${err.message}`) }))
          break
        default:
      }
    }

    type Item = { t: number, run(): Promise<void> | void }
    const items: Item[] = [
      ...schedule.posts.map((p, k): Item => ({ t: p.t, run: () => { track(doPost(k)) } })),
      ...schedule.writes.map((w, k): Item => ({ t: w.t, run: () => { track(doWrite(k)) } })),
      ...schedule.actions.map((a): Item => ({ t: a.t, run: async () => { await doAction(a) } }))
    ].sort((a, b) => a.t - b.t)
    const expected = (): number => nodes.reduce((a, n) => a + (n.proc != null ? posted : 0), 0)
    let next = 0
    while (next < items.length || now() < scenario.duration) {
      if (next < items.length) {
        const wait = items[next].t - now()
        if (wait > 1) { await sleep(Math.min(wait, 100)) }
        while (next < items.length && items[next].t <= now()) { await items[next++].run() }
      } else {
        await sleep(Math.max(0, Math.min(100, scenario.duration - now())))
      }
      progress({ phase: 'workload', done: Math.min(now(), scenario.duration), total: scenario.duration, t: now(), delivered: heldPairs, expected: expected() })
    }
    const workloadEnd = now()

    // ---- settle ----
    let settled = false
    const settleStart = now()
    const truthComplete = (): boolean => nodes.every(n => n.proc == null || n.heldCount >= posted)
    let ledgerAgreed = scenario.workload.ledger == null
    while (now() - settleStart < scenario.settle) {
      if (!ledgerAgreed) {
        const states = new Set<string>()
        await pool(nodes.filter(n => n.proc != null), 8, async n => {
          const s = await api(n.api as string, '/api/v1/stats').catch(() => undefined)
          states.add(JSON.stringify({ h: s?.total_humans, a: s?.active_humans, d: s?.total_distributed }))
        })
        ledgerAgreed = states.size === 1
      }
      const rerouting = reroutes.some(r => r.killed >= 0 && (r.routeUpdatedMs == null || r.deliveredMs == null) && now() - r.at < 30_000)
      if (truthComplete() && ledgerAgreed && !rerouting && inflight.size === 0) { settled = true; break }
      progress({ phase: 'settle', done: now() - settleStart, total: scenario.settle, t: now(), delivered: heldPairs, expected: expected() })
      await sleep(250)
    }
    const end = now()
    clearInterval(sampler)

    // duplicates: the node's gossipsub runs without metrics, so they cannot be counted here
    notes.push('duplicates not measured in multi-process mode (the node exports no gossipsub duplicate counter)')
    for (const n of nodes) {
      sampleProc(n)
      records[n.index].cpuMs = n.cpuBefore + n.lastCpu
      records[n.index].peakRssBytes = n.peakRss
    }
    progress({ phase: 'stop', done: 0, total: nodes.length, t: now() })
    await Promise.allSettled([...inflight])
    await cleanup()
    host.loadAfter = loadavg()
    return {
      scenario,
      stack: 'multi-process: `liberation start` processes (TCP on 127.0.0.1, noise, yamux, gossipsub, LevelDB), driven over the HTTP API',
      mode: 'multi-process',
      startedAt: new Date(Date.now() - (performance.now() - wallStart)).toISOString(),
      host,
      setup: { startMs, linkMs, meshMs, totalMs: setupEnd - setupStart, timedOut },
      edges: topology.edges,
      ...observations(buffers),
      workloadEnd,
      end,
      settled,
      duplicatesMeasured: false,
      wallMs: performance.now() - wallStart,
      clock: 'real',
      notes
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
