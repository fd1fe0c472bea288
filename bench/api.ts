/* eslint-disable no-console */
/**
 * The control API under load, on loopback:
 *
 * - HTTP: requests/s and p99 latency of `GET /api/v1/stats` and of `POST
 * /api/v1/truth/messages` (sign, durable store, gossip) with autocannon (50 connections,
 * run as a child process so it does not share the server's thread), each as a ratio to
 * a trivial Fastify route (`GET` returning a constant, `POST` parsing and answering a
 * JSON body) measured in the same run. Target: stats ≥ 0.8 of the trivial GET. Also the
 * server's CPU time per request (robust to other load on the machine), and POST against
 * the truth service's own in-process `post` rate, its ceiling.
 * - WebSocket fan-out: 1,000 clients (in a worker thread) subscribed to the feed; events
 * emitted at fixed rates; deliveries/s and p50/p99 latency from emission to a client's
 * receipt, against a plain `ws` server broadcasting the same messages to 1,000 clients;
 * then a saturation step (events emitted as fast as the server turns its event loop).
 * Target: p99 < 50 ms.
 *
 * Env: API_BENCH_DURATION (s per autocannon run, 5), API_BENCH_CONNECTIONS (50),
 * API_BENCH_ROUNDS (3), API_BENCH_WS_CLIENTS (1000), API_BENCH_WS_RATES (events/s,
 * "50,100,200,400"), API_BENCH_WS_SECONDS (3).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { WebSocketServer } from 'ws'
import { createApiServer } from '../node/api/server.ts'
import { createNodeRecordCrypto } from '../node/crypto.ts'
import { loadOrCreateIdentity } from '../node/identity.ts'
import { createNodeLibp2p } from '../node/libp2p.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { fmt, median, saveReport } from './_report.ts'
import type { ApiServer } from '../node/api/server.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'

const DURATION = Number(process.env.API_BENCH_DURATION ?? 5)
const CONNECTIONS = Number(process.env.API_BENCH_CONNECTIONS ?? 50)
const ROUNDS = Number(process.env.API_BENCH_ROUNDS ?? 3)
const WS_CLIENTS = Number(process.env.API_BENCH_WS_CLIENTS ?? 1000)
const WS_RATES = (process.env.API_BENCH_WS_RATES ?? '50,100,200,400').split(',').map(Number)
const WS_SECONDS = Number(process.env.API_BENCH_WS_SECONDS ?? 3)
// its CLI, run as a child process (the main module is the CLI entry point)
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon')

interface LoadResult {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  /** CPU time of this (server) process per request, µs: robust to other load on the machine */
  cpuUsPerRequest: number
}

/** autocannon in its own process; its JSON summary */
async function load (url: string, opts: { method?: string, body?: string } = {}, duration = DURATION): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-c', String(CONNECTIONS), '-d', String(duration)]
  if (opts.method != null) { args.push('-m', opts.method) }
  if (opts.body != null) { args.push('-H', 'content-type=application/json', '-b', opts.body, '-I') }
  args.push(url)
  const cpu0 = process.cpuUsage()
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err != null) { reject(err) } else { resolve(stdout) }
    })
  })
  const cpu = process.cpuUsage(cpu0)
  const r = JSON.parse(out)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, r.requests.total) }
}

async function startBaseline (): Promise<{ url: string, close(): Promise<void> }> {
  const app = Fastify({ logger: false })
  app.get('/', async () => ({ hello: 'world' }))
  app.post('/echo', async request => ({ ok: true, size: JSON.stringify(request.body).length }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, close: async () => { await app.close() } }
}

async function startNode (): Promise<{ node: MeshNode, api: ApiServer, close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-api-'))
  const privateKey = await loadOrCreateIdentity(dir)
  const db = await openNodeDatabase(dir)
  const metricsRegistry = new Registry()
  const libp2p = await createNodeLibp2p({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, relay: false, metricsRegistry, start: false })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, {
    connections: { minConnections: 0 },
    // throughput, not abuse handling: lift the per-author posting limit
    truth: { authorRate: { perSecond: 1e9, burst: 1e9 } }
  })
  await node.start()
  // the production server: validation, auth hook, rate limiter (loopback exempt), audit log, metrics
  const api = createApiServer(node, { host: '127.0.0.1', port: 0, dataDir: dir, metricsRegistry })
  await api.start()
  return {
    node,
    api,
    close: async () => {
      await api.stop()
      await node.stop()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

interface Pair { name: string, target: LoadResult, baseline: LoadResult, direct?: { postsPerSec: number, cpuUsPerPost: number } }

async function httpBench (node: MeshNode, baseUrl: string, nodeUrl: string): Promise<Pair[]> {
  const cases = [
    { name: 'GET /api/v1/stats', target: { url: `${nodeUrl}/api/v1/stats` }, baseline: { url: `${baseUrl}/` } },
    {
      name: 'POST /api/v1/truth/messages',
      target: { url: `${nodeUrl}/api/v1/truth/messages`, method: 'POST', body: JSON.stringify({ content: 'bench message [<id>] — water is free at the square today', priority: 3, channels: ['social'] }) },
      baseline: { url: `${baseUrl}/echo`, method: 'POST', body: JSON.stringify({ content: 'bench message [<id>] — water is free at the square today', priority: 3, channels: ['social'] }) },
      // and the ceiling: the truth service's own post, in-process, in the same rounds
      direct: true
    },
    // the issue's baseline for both: the trivial GET
    { name: 'POST /api/v1/truth/messages vs trivial GET', target: { url: `${nodeUrl}/api/v1/truth/messages`, method: 'POST', body: JSON.stringify({ content: 'bench message [<id>] — water is free at the square today', channels: ['social'] }) }, baseline: { url: `${baseUrl}/` } }
  ]
  const out: Pair[] = []
  for (const c of cases) {
    // warm-up (JIT, connection setup, LevelDB)
    await load(c.target.url, c.target, 1)
    await load(c.baseline.url, c.baseline, 1)
    const t: LoadResult[] = []
    const b: LoadResult[] = []
    const d: Array<{ postsPerSec: number, cpuUsPerPost: number }> = []
    for (let r = 0; r < ROUNDS; r++) {
      b.push(await load(c.baseline.url, c.baseline))
      t.push(await load(c.target.url, c.target))
      if ('direct' in c) { d.push(await directPosts(node, DURATION)) }
    }
    const pick = (xs: LoadResult[]): LoadResult => ({
      rps: median(xs.map(x => x.rps)),
      p50: median(xs.map(x => x.p50)),
      p99: median(xs.map(x => x.p99)),
      non2xx: xs.reduce((s, x) => s + x.non2xx, 0),
      errors: xs.reduce((s, x) => s + x.errors, 0),
      cpuUsPerRequest: median(xs.map(x => x.cpuUsPerRequest))
    })
    out.push({
      name: c.name,
      target: pick(t),
      baseline: pick(b),
      direct: d.length === 0 ? undefined : { postsPerSec: median(d.map(x => x.postsPerSec)), cpuUsPerPost: median(d.map(x => x.cpuUsPerPost)) }
    })
  }
  return out
}

// ---- WebSocket fan-out ----

interface FanoutStep {
  /** offered events/s; 0 = as fast as the server can emit */
  rate: number
  emitted: number
  expected: number
  received: number
  /** received / (last receipt - first emission) */
  deliveredPerSec: number
  p50: number
  p99: number
  max: number
}

function ask (worker: Worker, msg: Record<string, unknown>, reply: string): Promise<any> {
  return new Promise(resolve => {
    const on = (m: any): void => {
      if (m.cmd !== reply) { return }
      worker.off('message', on)
      resolve(m)
    }
    worker.on('message', on)
    worker.postMessage(msg)
  })
}

const now = (): number => performance.timeOrigin + performance.now()

/** emits `rate` events/s for `seconds` through `emit`, then waits for stragglers */
async function fanoutSteps (worker: Worker, emit: (i: number) => void): Promise<FanoutStep[]> {
  const steps: FanoutStep[] = []
  for (const rate of [...WS_RATES, 0]) {
    await ask(worker, { cmd: 'reset' }, 'reset')
    const started = now()
    let emitted = 0
    if (rate > 0) {
      await new Promise<void>(resolve => {
        const timer = setInterval(() => {
          const due = Math.min(rate * WS_SECONDS, Math.floor(((now() - started) / 1000) * rate))
          while (emitted < due) { emit(emitted++) }
          if (emitted >= rate * WS_SECONDS) {
            clearInterval(timer)
            resolve()
          }
        }, 5)
      })
    } else {
      // saturation: a few events per turn of the event loop, so sockets still get written
      while (now() - started < WS_SECONDS * 1000) {
        for (let k = 0; k < 5; k++) { emit(emitted++) }
        await new Promise(resolve => setImmediate(resolve))
      }
    }
    // let the last messages arrive
    await new Promise(resolve => setTimeout(resolve, rate > 0 ? 500 : 3000))
    const r = await ask(worker, { cmd: 'report' }, 'report')
    steps.push({
      rate,
      emitted,
      expected: emitted * WS_CLIENTS,
      received: r.received,
      deliveredPerSec: r.received / Math.max(0.001, (r.lastAt - started) / 1000),
      p50: r.p50,
      p99: r.p99,
      max: r.max
    })
  }
  return steps
}

async function wsBench (node: MeshNode, api: ApiServer): Promise<{ hub: FanoutStep[], raw: FanoutStep[] }> {
  const worker = new Worker(new URL('./_ws-clients.js', import.meta.url))
  try {
    // the node's feed
    await ask(worker, { cmd: 'connect', url: `${api.url.replace('http', 'ws')}/api/v1/realtime/ws?channels=events`, n: WS_CLIENTS }, 'connected')
    const hub = await fanoutSteps(worker, i => { node.events.emitEvent('system', 'bench', { t: now(), i }) })
    await ask(worker, { cmd: 'close' }, 'closed')

    // baseline: a bare ws server broadcasting a message of the same shape and size
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    await new Promise<void>(resolve => { wss.once('listening', () => { resolve() }) })
    const { port } = wss.address() as { port: number }
    await ask(worker, { cmd: 'connect', url: `ws://127.0.0.1:${port}`, n: WS_CLIENTS }, 'connected')
    let seq = 0
    const raw = await fanoutSteps(worker, i => {
      const data = Buffer.from(JSON.stringify({
        type: 'event',
        data: { seq: ++seq, type: 'bench', category: 'system', correlationId: '0123456789abcdef', timestamp: Date.now(), data: { t: now(), i } },
        channel: 'events'
      }))
      for (const ws of wss.clients) { ws.send(data, { binary: false }) }
    })
    await ask(worker, { cmd: 'close' }, 'closed')
    await new Promise<void>(resolve => { wss.close(() => { resolve() }) })
    return { hub, raw }
  } finally {
    await worker.terminate()
  }
}

/** what the truth service itself does in-process (50 concurrent posters): the ceiling of POST */
async function directPosts (node: MeshNode, seconds: number): Promise<{ postsPerSec: number, cpuUsPerPost: number }> {
  let n = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < deadline) {
      await node.truth.post(`direct post ${++n} ${Math.random()}`, { channels: ['social'] })
    }
  }))
  const cpu = process.cpuUsage(cpu0)
  return { postsPerSec: n / ((performance.now() - t0) / 1000), cpuUsPerPost: (cpu.user + cpu.system) / n }
}

const baseline = await startBaseline()
const { node, api, close } = await startNode()
try {
  await directPosts(node, 1)
  const http = await httpBench(node, baseline.url, api.url)
  console.log(`HTTP on loopback, autocannon ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds (median), load generator in a child process`)
  for (const p of http) {
    console.log(`  ${p.name}: ${fmt(p.target.rps, 0)} req/s, p50 ${p.target.p50} ms, p99 ${p.target.p99} ms` +
      ` | baseline ${fmt(p.baseline.rps, 0)} req/s, p99 ${p.baseline.p99} ms | ratio ${fmt(p.target.rps / p.baseline.rps, 2)}` +
      ` | server CPU ${fmt(p.target.cpuUsPerRequest, 0)} µs/req vs ${fmt(p.baseline.cpuUsPerRequest, 0)} (cost ratio ${fmt(p.baseline.cpuUsPerRequest / p.target.cpuUsPerRequest, 2)})` +
      (p.target.non2xx + p.target.errors > 0 ? ` | non-2xx ${p.target.non2xx}, errors ${p.target.errors}` : ''))
  }
  const post = http.find(p => p.direct != null)
  const direct = post?.direct
  if (post != null && direct != null) {
    console.log(`  truth.post in-process (${CONNECTIONS} concurrent): ${fmt(direct.postsPerSec, 0)} posts/s, ${fmt(direct.cpuUsPerPost, 0)} µs CPU/post` +
      ` | POST over HTTP = ${fmt(post.target.rps / direct.postsPerSec, 2)} of it (CPU ${fmt(direct.cpuUsPerPost / post.target.cpuUsPerRequest, 2)})`)
  }
  const ws = await wsBench(node, api)
  console.log(`WebSocket fan-out to ${WS_CLIENTS} clients (worker thread), ${WS_SECONDS} s per rate; baseline: bare ws broadcast`)
  for (let i = 0; i < ws.hub.length; i++) {
    const h = ws.hub[i]
    const r = ws.raw[i]
    console.log(`  ${h.rate > 0 ? `${h.rate} events/s` : `saturation (${fmt(h.emitted / WS_SECONDS, 0)} events/s emitted)`}: delivered ${fmt(h.deliveredPerSec, 0)}/s (${fmt((100 * h.received) / h.expected, 1)}%), p50 ${fmt(h.p50, 1)} ms, p99 ${fmt(h.p99, 1)} ms` +
      ` | raw ws ${fmt(r.deliveredPerSec, 0)}/s, p99 ${fmt(r.p99, 1)} ms | ratio ${fmt(h.deliveredPerSec / r.deliveredPerSec, 2)}`)
  }
  saveReport('api', { connections: CONNECTIONS, duration: DURATION, rounds: ROUNDS, http, ws, wsClients: WS_CLIENTS })
} finally {
  await close()
  await baseline.close()
}
