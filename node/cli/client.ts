/**
 * The CLI's client of a running node's HTTP API. Where the node is: `--api <url>`, else
 * `LIBERATION_API_URL`, else `http://<LIBERATION_API_HOST or 127.0.0.1>:<LIBERATION_API_PORT
 * or 4100>`. The token: `--token`, else `LIBERATION_API_TOKEN`, else the one a node generated
 * into its data dir (`--data-dir`, `LIBERATION_DATA_DIR`, `~/.liberation`).
 *
 * Every failure becomes a `CliError` with the node's error code and message (errors.ts
 * turns it into one line and an exit code), or what to do when the node cannot be reached.
 */
import { InvalidArgumentError, Option } from 'commander'
import { readStoredApiToken } from '../api/token-file.ts'
import { defaultDataDir } from '../config/index.ts'
import { CliError } from './errors.ts'
import type { Command } from 'commander'

export { CliError }

export interface ClientOptions {
  api?: string
  token?: string
  dataDir?: string
  json?: boolean
  timeout?: number
}

export interface ApiClient {
  readonly baseUrl: string
  readonly token: string | undefined
  get<T = any>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>
  post<T = any>(path: string, body?: unknown): Promise<T>
  patch<T = any>(path: string, body: unknown): Promise<T>
  delete<T = any>(path: string): Promise<T>
  /** the WebSocket URL of a path, with the token as `access_token` */
  wsUrl(path: string, query?: Record<string, string | undefined>): string
}

/** adds --api, --token, --data-dir, --json and --timeout to a client subcommand */
export function clientCommand (cmd: Command): Command {
  return cmd
    .option('--api <url>', 'node API base URL (env LIBERATION_API_URL; default http://127.0.0.1:4100)')
    .option('--token <token>', 'API bearer token (env LIBERATION_API_TOKEN; default: <data-dir>/api-token)')
    .option('-d, --data-dir <dir>', 'data dir of the local node, to find its generated token')
    .option('--json', 'machine-readable JSON output')
    .addOption(new Option('--timeout <ms>', 'request timeout in ms').default(10_000).argParser(positiveInt('--timeout')))
}

export function positiveInt (name: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`)
    }
    return Number(value)
  }
}

export function resolveApiUrl (opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): string {
  let raw = opts.api ?? env.LIBERATION_API_URL
  if (raw == null || raw === '') {
    const host = env.LIBERATION_API_HOST ?? '127.0.0.1'
    const port = env.LIBERATION_API_PORT ?? '4100'
    raw = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new CliError('invalid_input', `--api: "${raw}" is not a URL (e.g. http://127.0.0.1:4100)`, { field: '--api' })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError('invalid_input', `--api: "${raw}" must be an http:// or https:// URL`, { field: '--api' })
  }
  return url.toString().replace(/\/+$/, '')
}

export async function createApiClient (opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  const baseUrl = resolveApiUrl(opts, env)
  const token = opts.token ?? (env.LIBERATION_API_TOKEN !== '' ? env.LIBERATION_API_TOKEN : undefined) ??
    await readStoredApiToken(opts.dataDir ?? defaultDataDir())
  const timeout = opts.timeout ?? 10_000

  async function request<T> (method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token != null) { headers.authorization = `Bearer ${token}` }
    if (body !== undefined) { headers['content-type'] = 'application/json' }
    let res: Response
    try {
      res = await fetch(baseUrl + path, {
        method,
        headers,
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeout)
      })
    } catch (err: any) {
      const cause = err?.cause?.code ?? err?.cause?.message ?? err?.name ?? err?.message
      if (err?.name === 'TimeoutError') { throw new CliError('cannot_reach', `no answer from the node API at ${baseUrl} within ${timeout} ms`) }
      throw new CliError('cannot_reach', `cannot reach the node API at ${baseUrl} (${String(cause)}): is "liberation start" running? (see --api)`)
    }
    const text = await res.text()
    let parsed: any
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = text
    }
    if (!res.ok) {
      const message = typeof parsed === 'object' && parsed?.message != null ? String(parsed.message) : `${res.status} ${res.statusText}`
      const code = typeof parsed === 'object' && typeof parsed?.code === 'string' ? parsed.code : res.status >= 500 ? 'internal' : 'invalid_input'
      const hint = res.status === 401 ? ' (give --token, or LIBERATION_API_TOKEN)' : ''
      throw new CliError(code, `${message}${hint}`, { field: typeof parsed?.field === 'string' ? parsed.field : undefined, details: { status: res.status } })
    }
    return parsed as T
  }

  return {
    baseUrl,
    token,
    async get (path, query) {
      const q = new URLSearchParams()
      for (const [k, v] of Object.entries(query ?? {})) { if (v !== undefined) { q.set(k, String(v)) } }
      const qs = q.toString()
      return request('GET', qs === '' ? path : `${path}?${qs}`)
    },
    async post (path, body) { return request('POST', path, body ?? {}) },
    async patch (path, body) { return request('PATCH', path, body) },
    async delete (path) { return request('DELETE', path) },
    wsUrl (path, query = {}) {
      const url = new URL(baseUrl + path)
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
      for (const [k, v] of Object.entries(query)) { if (v !== undefined) { url.searchParams.set(k, v) } }
      if (token != null) { url.searchParams.set('access_token', token) }
      return url.toString()
    }
  }
}

/** the items of a list, and whether the node holds more than were fetched */
export type Listed<T> = T[] & { more: boolean }

/** fetches every page of a cursor-paginated list, up to `max` items */
export async function fetchAll<T> (client: ApiClient, path: string, query: Record<string, string | number | boolean | undefined>, max: number): Promise<Listed<T>> {
  const out: T[] = []
  let cursor: string | undefined
  do {
    const page = await client.get<{ items: T[], next_cursor: string | null }>(path, { ...query, cursor, limit: Math.min(500, max - out.length) })
    out.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor != null && out.length < max)
  return Object.assign(out, { more: cursor != null })
}
