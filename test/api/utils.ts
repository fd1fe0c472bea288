/** Real nodes with their real API server for the API and CLI tests. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { defaultConfig, validateConfig } from '../../node/config/index.ts'
import { startNodeRuntime } from '../../node/runtime.ts'
import type { NodeConfig } from '../../node/config/index.ts'
import type { NodeRuntime, NodeRuntimeOptions } from '../../node/runtime.ts'

export interface ApiNode {
  runtime: NodeRuntime
  url: string
  dataDir: string
  stop(): Promise<void>
}

const started: ApiNode[] = []
const dirs: string[] = []

export async function startApiNode (overrides: Partial<NodeConfig> = {}, options: NodeRuntimeOptions = {}): Promise<ApiNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liberation-api-'))
  dirs.push(dataDir)
  const config = validateConfig({
    ...defaultConfig(),
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dht: false,
    relay: false,
    apiPort: 0,
    minConnections: 0,
    ...overrides
  })
  const runtime = await startNodeRuntime(config, {
    gossip: { colocationWhitelist: ['127.0.0.1'] },
    allow: ['/ip4/127.0.0.1'],
    ...options
  })
  const url = runtime.api.url.replace('0.0.0.0', '127.0.0.1')
  const node: ApiNode = { runtime, url, dataDir, stop: async () => { await runtime.stop() } }
  started.push(node)
  return node
}

/** the node's peer id, as the API and the CLI print it */
export function peerIdOf (n: ApiNode): string {
  return n.runtime.node.libp2p.peerId.toString()
}

/** `from` dials `to` on its first listen address */
export async function connectApiNodes (from: ApiNode, to: ApiNode): Promise<void> {
  await from.runtime.node.libp2p.dial(to.runtime.node.libp2p.getMultiaddrs()[0])
}

/** `count` nodes started at once and dialled in a line, each to the next */
export async function startApiLine (count: number): Promise<ApiNode[]> {
  const nodes = await Promise.all(Array.from({ length: count }, async () => startApiNode()))
  for (let i = 0; i + 1 < nodes.length; i++) { await connectApiNodes(nodes[i], nodes[i + 1]) }
  return nodes
}

export async function stopAll (): Promise<void> {
  await Promise.allSettled(started.splice(0).map(async n => { await n.stop() }))
  await Promise.allSettled(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
}

export interface JsonResponse<T = any> {
  status: number
  headers: Headers
  body: T
}

function encodeBody (body: unknown): string | undefined {
  if (typeof body === 'string') {
    return body
  }
  return body === undefined ? undefined : JSON.stringify(body)
}

export async function api<T = any> (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: encodeBody(body)
  })
  const text = await res.text()
  let parsed: any = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed }
}

/** a WebSocket client that queues every JSON message it gets */
export interface FeedClient {
  ws: WebSocket
  messages: any[]
  /** waits for the first queued-or-future message matching `match` */
  next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>
  send(msg: unknown): void
  close(): Promise<void>
}

export async function openFeed (url: string, headers: Record<string, string> = {}): Promise<FeedClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers })
  const messages: any[] = []
  const waiters: Array<{ match(m: any): boolean, resolve(m: any): void }> = []
  ws.on('message', data => {
    const m = JSON.parse(data.toString())
    messages.push(m)
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve() })
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => { reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)) })
  })
  return {
    ws,
    messages,
    async next (match, timeoutMs = 10_000) {
      const found = messages.find(match)
      if (found !== undefined) {
        return found
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no matching feed message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 2000)}`)) }, timeoutMs)
        waiters.push({ match, resolve: m => { clearTimeout(timer); resolve(m) } })
      })
    },
    send (msg) { ws.send(JSON.stringify(msg)) },
    async close () {
      if (ws.readyState === WebSocket.CLOSED) {
        return
      }
      await new Promise<void>(resolve => { ws.once('close', () => { resolve() }); ws.close() })
    }
  }
}
