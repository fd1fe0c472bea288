/**
 * The API driver: drives one node through its HTTP API and watches its truth deliveries on
 * the WebSocket feed. The multi-process runner uses it for the processes the local launcher
 * spawned, and `--attach` for nodes already running elsewhere (a cluster's pods).
 */
import WebSocket from 'ws'
import type { NodeDriver } from './driver.ts'

export interface ApiDriver extends NodeDriver {
  /** the node's API base URL, without a trailing slash */
  readonly base: string
  get(path: string): Promise<any>
  post(path: string, body: unknown): Promise<any>
  /** open the live truth feed; `onEvent` gets each raw message */
  openFeed(onEvent: (raw: WebSocket.RawData) => void): Promise<void>
  closeFeed(): void
}

/** the node answered with an HTTP error */
export class ApiError extends Error {
  constructor (message: string, readonly status: number) { super(message) }
}

export interface ApiDriverInit {
  base: string
  /** bearer token (the API demands one on non-loopback binds) */
  token?: string
  /** per-request timeout, ms (default 15 s) */
  timeoutMs?: number
}

export function createApiDriver (init: ApiDriverInit): ApiDriver {
  const base = init.base.replace(/\/$/, '')
  const auth: Record<string, string> = init.token != null ? { authorization: `Bearer ${init.token}` } : {}
  let ws: WebSocket | undefined
  async function call (method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body != null ? { 'content-type': 'application/json' } : {}) },
      body: body != null ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000)
    })
    const text = await res.text()
    if (!res.ok) { throw new ApiError(`${method} ${base}${path}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status) }
    return text.length > 0 ? JSON.parse(text) : undefined
  }
  return {
    base,
    async postTruth (content, channel) {
      const res = await call('POST', '/api/v1/truth/messages', { content, channels: [channel] })
      return { id: res.id }
    },
    async registerHuman (id) {
      await call('POST', '/api/v1/humans', { id })
    },
    get: async path => call('GET', path),
    post: async (path, body) => call('POST', path, body),
    async openFeed (onEvent) {
      const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/realtime/ws?channels=truth`, { headers: auth })
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => { resolve() })
        socket.once('error', reject)
      })
      socket.on('message', onEvent)
      socket.on('error', () => {})
      ws = socket
    },
    closeFeed () {
      ws?.terminate()
      ws = undefined
    }
  }
}
