/**
 * `liberation start --web`: the node serves the built web client (web-client/, built to
 * dist/web by `npm run build`) on its API port. Opening `http://<node>:<api port>/` in a
 * browser shows this node's dashboard (the node view, which reads this API and its live
 * feed with the user's token); `/?view=tab` starts a full mesh node in the tab instead,
 * which joins through this node.
 *
 * `GET /` answers the dashboard to browsers (Accept: text/html) and the API's JSON
 * description to everyone else; the client's files live at their own paths.
 * `GET /web-config.json` tells the page how to join: this node's WebSocket addresses (with
 * its peer id; the page uses them as bootstrap and circuit relay) and the ICE servers to
 * use for WebRTC.
 *
 * The client's files are public, like `/health`: a browser cannot add a bearer token to
 * a page load. They are answered in an onRequest hook, which runs before the API's token
 * check (preParsing). The files are read once at start (a few hundred KB) and served from
 * memory with ETags; hashed assets are cached for good.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import { extname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiContext } from './server.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface WebInit {
  /** directory holding the built client (index.html); default: dist/web of this install */
  root?: string
  /** STUN/TURN urls for the browsers' WebRTC; undefined = the browser's libp2p defaults */
  iceServers?: string[]
}

export const WEB_CONFIG_PATH = '/web-config.json'

interface WebFile {
  body: Buffer
  type: string
  etag: string
  immutable: boolean
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8'
}

/** where `npm run build` puts the client, seen from this file in source, dist/ or the CLI bundle */
export function defaultWebRoot (): string | undefined {
  const candidates = ['../../dist/web', '../web', '../../web']
  for (const c of candidates) {
    const dir = fileURLToPath(new URL(c, import.meta.url))
    if (existsSync(join(dir, 'index.html'))) { return dir }
  }
  return undefined
}

export function loadWebFiles (root: string): Map<string, WebFile> {
  const dir = resolve(root)
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`the web client is not built (${join(dir, 'index.html')} is missing): run \`npm run build\``)
  }
  const files = new Map<string, WebFile>()
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) {
        walk(path)
        continue
      }
      const url = '/' + relative(dir, path).split(sep).join('/')
      const body = readFileSync(path)
      files.set(url, {
        body,
        type: TYPES[extname(name)] ?? 'application/octet-stream',
        etag: '"' + createHash('sha256').update(body).digest('base64url').slice(0, 22) + '"',
        // Vite puts content-hashed names under assets/
        immutable: url.startsWith('/assets/')
      })
    }
  }
  walk(dir)
  return files
}

function wantsHtml (request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return typeof accept === 'string' && accept.includes('text/html')
}

function send (request: FastifyRequest, reply: FastifyReply, file: WebFile): FastifyReply {
  reply.header('etag', file.etag)
  reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
  reply.header('x-content-type-options', 'nosniff')
  if (request.headers['if-none-match'] === file.etag) { return reply.code(304).send() }
  return reply.type(file.type).send(request.method === 'HEAD' ? undefined : file.body)
}

/** the page's host as a multiaddr host part, or undefined when it is not usable */
function hostPart (hostHeader: string | undefined): string | undefined {
  if (hostHeader == null) { return undefined }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d+)?$/.exec(hostHeader)
  const host = m?.[1] ?? m?.[2]
  if (host == null) { return undefined }
  const family = isIP(host)
  if (family === 4) { return `/ip4/${host}` }
  if (family === 6) { return `/ip6/${host}` }
  return /^[a-zA-Z0-9.-]{1,253}$/.test(host) ? `/dns/${host}` : undefined
}

/**
 * This node's WebSocket addresses for a browser that loaded the page from `hostHeader`:
 * the address at that very host first (made up from the host and our WebSocket port when
 * we do not list it ourselves, e.g. behind a port forward), then the rest.
 */
export function bootstrapAddresses (ctx: ApiContext, hostHeader: string | undefined): string[] {
  const peerId = ctx.node.libp2p.peerId.toString()
  const ws = ctx.node.libp2p.getMultiaddrs()
    .filter(ma => {
      const names = ma.getComponents().map(c => c.name)
      return (names.includes('ws') || names.includes('wss')) && !names.includes('p2p-circuit')
    })
    .map(ma => ma.toString())
    .map(s => s.includes('/p2p/') ? s : `${s}/p2p/${peerId}`)
  const host = hostPart(hostHeader)
  if (host == null || ws.length === 0) { return ws }
  const atHost = ws.filter(a => a.startsWith(host + '/'))
  if (atHost.length > 0) { return [...atHost, ...ws.filter(a => !atHost.includes(a))] }
  const first = ws[0].replace(/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+/, host)
  return [first, ...ws]
}

export function registerWebRoutes (app: FastifyInstance, ctx: ApiContext, init: WebInit = {}): void {
  const root = init.root ?? defaultWebRoot()
  if (root == null) { throw new Error('the web client is not built (no dist/web/index.html): run `npm run build`') }
  const files = loadWebFiles(root)
  const index = files.get('/index.html') as WebFile

  // `/` belongs to the system routes: browsers asking for a page get the dashboard instead
  app.addHook('onRequest', async (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url.split('?')[0] !== '/' || !wantsHtml(request)) { return }
    return send(request, reply, index)
  })

  for (const [url, file] of files) {
    const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => send(request, reply, file)
    app.get(url, { schema: { hide: true }, onRequest: serve }, serve)
  }

  const serveConfig = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    reply.header('cache-control', 'no-cache')
    return reply.type('application/json; charset=utf-8').send({
      peerId: ctx.node.libp2p.peerId.toString(),
      bootstrap: bootstrapAddresses(ctx, request.headers.host),
      ...(init.iceServers != null ? { iceServers: init.iceServers } : {})
    })
  }
  app.get(WEB_CONFIG_PATH, { schema: { hide: true }, onRequest: serveConfig }, serveConfig)
}
