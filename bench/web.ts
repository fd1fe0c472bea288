/**
 * The browser node (web-client/), in Chromium (system or packaged) against a `liberation start --web`
 * node, all on a private loopback (bench/_chromium.ts; no root needed).
 *
 * Bundle size, gzip -9, of what a tab downloads (script + style). Baseline built in the
 * same run: a bare js-libp2p browser node with the same transports and services
 * (WebSockets, WebRTC, circuit relay, noise, yamux, identify, ping, gossipsub) and nothing
 * of ours, so the ratio shows what the Liberation core and dashboard add.
 *
 * Time from navigation start to: the page's load event (baseline: what any page pays), the
 * node running, the first connected peer (the Node node over WebSockets), the first direct
 * WebRTC link to another tab, and the first truth message synced from the mesh (the node
 * holds MESSAGES messages). Each run opens two fresh tabs at once (new browser contexts:
 * empty cache and IndexedDB, so a new identity is made too); RUNS runs.
 */
/* eslint-disable no-console */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { createNetns, launchChromium, LOOPBACK_PAGE, nsFetch, TAB_CONTEXT_OPTIONS, webNodeArgs } from './_chromium.ts'
import { fmt, median, percentile, saveReport } from './_report.ts'
import type { Netns } from './_chromium.ts'
import type { Page } from 'playwright-core'

const RUNS = Number(process.env.WEB_BENCH_RUNS ?? 5)
const MESSAGES = 20
const WEB_ROOT = 'dist/web'
const MILESTONES = ['liberation:node-started', 'liberation:first-peer', 'liberation:first-webrtc', 'liberation:first-truth'] as const

async function bundleSizes (): Promise<{ raw: number, gzip: number, files: string[] }> {
  const files = (await readdir(join(WEB_ROOT, 'assets'))).filter(f => /\.(js|css)$/.test(f))
  if (files.length === 0) { throw new Error(`no built client in ${WEB_ROOT}: run npm run build`) }
  let raw = 0
  let gzip = 0
  for (const f of files) {
    const body = await readFile(join(WEB_ROOT, 'assets', f))
    raw += body.length
    gzip += gzipSync(body, { level: 9 }).length
  }
  return { raw, gzip, files }
}

const BARE_LIBP2P = `
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
globalThis.node = await createLibp2p({
  addresses: { listen: ['/p2p-circuit', '/webrtc'] },
  transports: [webSockets(), webRTC(), circuitRelayTransport()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping(), pubsub: gossipsub() }
})
`

async function bareLibp2pBundle (): Promise<{ raw: number, gzip: number }> {
  const out = await build({
    stdin: { contents: BARE_LIBP2P, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error'
  })
  const body = out.outputFiles[0].contents
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length }
}

interface WebNode { url: string, stop(): Promise<void> }

async function startWebNode (ns: Netns): Promise<WebNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liberation-bench-web-'))
  const [cmd, ...prefix] = ns.enter
  const child = spawn(cmd, [...prefix, process.execPath, 'dist/cli/liberation.mjs', ...webNodeArgs(dataDir), '--log-level', 'warn'])
  let out = ''
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^api: (\S+)$/m.exec(out)
      if (m != null && out.includes('listening')) { resolve(m[1]) }
    })
    child.on('exit', code => { reject(new Error(`node exited (${code}) before listening:\n${out}`)) })
  })
  return {
    url,
    async stop () {
      child.kill('SIGTERM')
      await new Promise(resolve => child.once('exit', resolve))
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

async function milestones (page: Page, timeoutMs: number): Promise<Record<string, number>> {
  await page.waitForFunction(names => names.every(n => performance.getEntriesByName(n, 'mark').length > 0), [...MILESTONES], { timeout: timeoutMs, polling: 50 })
  return page.evaluate(names => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    const out: Record<string, number> = { load: nav.loadEventEnd }
    for (const n of names) { out[n.replace('liberation:', '')] = performance.getEntriesByName(n, 'mark')[0].startTime }
    return out
  }, [...MILESTONES])
}

const [ours, bare] = await Promise.all([bundleSizes(), bareLibp2pBundle()])

const ns = await createNetns()
let node: WebNode | undefined
let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined
const samples: Array<Record<string, number>> = []
try {
  [node, chrome] = await Promise.all([startWebNode(ns), launchChromium(ns)])
  for (let i = 0; i < MESSAGES; i++) {
    const r = await nsFetch(ns, `${node.url}/api/v1/truth/messages`, { method: 'POST', body: { content: `bench message ${i}`, channels: ['social'] } })
    if (r.status !== 201 && r.status !== 200) { throw new Error(`posting a message failed: ${r.status} ${JSON.stringify(r.body)}`) }
  }
  for (let run = 0; run < RUNS; run++) {
    const contexts = await Promise.all([0, 1].map(async () => chrome!.browser.newContext(TAB_CONTEXT_OPTIONS)))
    const pages = await Promise.all(contexts.map(async c => c.newPage()))
    await Promise.all(pages.map(async p => p.goto(node!.url + LOOPBACK_PAGE)))
    samples.push(...await Promise.all(pages.map(async p => milestones(p, 30_000))))
    await Promise.all(contexts.map(async c => c.close()))
  }
} finally {
  await chrome?.close()
  await node?.stop()
  await ns.close()
}

const stat = (key: string): { median: number, p90: number, max: number } => {
  const xs = samples.map(s => s[key])
  return { median: median(xs), p90: percentile(xs, 90), max: Math.max(...xs) }
}
const load = stat('load')
const report = {
  runs: RUNS,
  tabs: samples.length,
  bundle: {
    files: ours.files,
    raw_bytes: ours.raw,
    gzip_bytes: ours.gzip,
    bare_libp2p_gzip_bytes: bare.gzip,
    ratio_to_bare_libp2p: ours.gzip / bare.gzip
  },
  ms_from_navigation: {
    load,
    node_started: stat('node-started'),
    first_peer: stat('first-peer'),
    first_webrtc: stat('first-webrtc'),
    first_synced_truth: stat('first-truth')
  },
  ratios_to_load: {
    first_peer: stat('first-peer').median / load.median,
    first_synced_truth: stat('first-truth').median / load.median
  },
  node_messages: MESSAGES
}
saveReport('web', report)

const kb = (n: number): string => `${fmt(n / 1024)} KB`
const line = (label: string, key: keyof typeof report.ms_from_navigation): void => {
  const s = report.ms_from_navigation[key]
  console.log(`${label.padEnd(34)} median ${fmt(s.median, 0).padStart(5)} ms  p90 ${fmt(s.p90, 0).padStart(5)} ms  = ${fmt(s.median / load.median, 2)}x page load`)
}
console.log(`bundle (gzip -9)                   ${kb(ours.gzip)} (${kb(ours.raw)} raw) = ${fmt(report.bundle.ratio_to_bare_libp2p, 2)}x bare js-libp2p browser node (${kb(bare.gzip)})`)
console.log(`${samples.length} fresh tabs in ${RUNS} runs (two at a time), times from navigation start:`)
line('page load event (baseline)', 'load')
line('node running', 'node_started')
line('first connected peer', 'first_peer')
line('first direct WebRTC link', 'first_webrtc')
line(`first truth message synced (of ${MESSAGES})`, 'first_synced_truth')
