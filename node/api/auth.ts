/**
 * Bearer-token authentication of the control API. On a loopback bind the API is open to
 * local users (like any local daemon); on any other address every request must carry
 * `Authorization: Bearer <token>` (WebSocket clients, which browsers cannot give headers,
 * may pass `?access_token=`). The token comes from the config, or is generated once into
 * `<dataDir>/api-token` (mode 0600) where the CLI on the same machine finds it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { MeshError } from '../../protocol/errors.ts'
import { apiTokenPath } from './token-file.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const MIN_TOKEN_LENGTH = 16

export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') { return true }
  if (isIP(h) === 4) { return h.startsWith('127.') }
  // IPv4-mapped IPv6 loopback
  return /^::ffff:127\./.test(h)
}

/**
 * The token the API demands, or undefined when it is open (loopback bind and no token
 * configured). A configured token is always enforced, whatever the bind.
 */
export function resolveApiToken (opts: { host: string, token?: string, dataDir: string }): string | undefined {
  if (opts.token != null) {
    if (opts.token.length < MIN_TOKEN_LENGTH) { throw new Error(`API token must be at least ${MIN_TOKEN_LENGTH} characters`) }
    return opts.token
  }
  if (isLoopbackHost(opts.host)) { return undefined }
  const path = apiTokenPath(opts.dataDir)
  try {
    const stored = readFileSync(path, 'utf8').trim()
    if (stored.length >= MIN_TOKEN_LENGTH) { return stored }
  } catch (err: any) {
    if (err.code !== 'ENOENT') { throw err }
  }
  const token = randomBytes(32).toString('base64url')
  writeFileSync(path, token + '\n', { mode: 0o600 })
  return token
}

/** constant-time: both sides are hashed to equal length first, so length leaks nothing either */
export function tokenMatches (expected: string, presented: string | undefined): boolean {
  if (presented == null) { return false }
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(presented).digest()
  return timingSafeEqual(a, b)
}

function presentedToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return m?.[1]
  }
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    const q = request.query as Record<string, unknown> | undefined
    if (typeof q?.access_token === 'string') { return q.access_token }
  }
  return undefined
}

/** paths anyone may read: liveness for load balancers and orchestrators */
const PUBLIC_PATHS = new Set(['/health'])

/**
 * Checks the token on every request, including WebSocket upgrades, the docs and unknown
 * paths. It runs at preParsing, after the rate limiter (onRequest), so guessing tokens is
 * rate limited too; CORS preflights (OPTIONS, which carry no credentials) pass.
 */
export function registerAuth (app: FastifyInstance, expected: string): void {
  app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'OPTIONS') { return }
    if (request.method === 'GET' && PUBLIC_PATHS.has(request.url.split('?')[0])) { return }
    if (tokenMatches(expected, presentedToken(request))) { return }
    reply.header('www-authenticate', 'Bearer realm="liberation"')
    throw new MeshError('unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)')
  })
}
