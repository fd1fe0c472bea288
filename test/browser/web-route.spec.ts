/**
 * `liberation start --web` on the Node side: the built client at `/` of the API port
 * (for browsers only), its files public even when the API demands a token, and the served
 * config naming this node's WebSocket address. Runs a real node runtime (WebSockets on
 * 127.0.0.1) and asks its API in-process.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultWebRoot, loadWebFiles } from '../../node/api/web.ts'
import { ConfigError, defaultConfig, loadConfig, validateConfig } from '../../node/config/index.ts'
import { startNodeRuntime } from '../../node/runtime.ts'
import type { NodeRuntime } from '../../node/runtime.ts'

const TOKEN = 'a-token-of-some-length-0123456789'

async function start (dir: string, extra: Record<string, unknown>): Promise<NodeRuntime> {
  return startNodeRuntime(validateConfig({
    ...defaultConfig(),
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    apiPort: 0,
    mdns: false,
    dht: false,
    ...extra
  }))
}

describe('--web: the node serves the web client', () => {
  const dirs: string[] = []
  let web: NodeRuntime
  let plain: NodeRuntime
  let guarded: NodeRuntime

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      dirs.push(await mkdtemp(join(tmpdir(), 'liberation-webroute-')))
    }[web, plain, guarded] = await Promise.all([
      start(dirs[0], { web: true, webIceServers: ['stun:stun.example.org:3478'] }),
      start(dirs[1], {}),
      start(dirs[2], { web: true, apiToken: TOKEN })
    ])
  })

  afterAll(async () => {
    await Promise.allSettled([web, plain, guarded].map(async r => r?.stop()))
    await Promise.allSettled(dirs.map(async d => rm(d, { recursive: true, force: true })))
  })

  it('answers the page to browsers at / and the API description to other clients', async () => {
    const page = await web.api.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.body).toContain('<div id="app"')
    expect(page.body).toMatch(/<script type="module"[^>]* src="\/assets\/index-[\w-]+\.js"/)
    // revalidation of an unchanged page costs no body
    const again = await web.api.app.inject({ url: '/', headers: { accept: 'text/html', 'if-none-match': page.headers.etag as string } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')

    const json = await web.api.app.inject({ url: '/', headers: { accept: 'application/json' } })
    expect(json.json()).toMatchObject({ name: 'Liberation Mesh node', peer_id: web.node.libp2p.peerId.toString() })
  })

  it('serves the hashed assets for good, the service worker and manifest for revalidation', async () => {
    const html = (await web.api.app.inject({ url: '/index.html' })).body
    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1] as string
    const js = await web.api.app.inject({ url: script })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/^text\/javascript/)
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(js.rawPayload.length).toBeGreaterThan(100_000)

    const sw = await web.api.app.inject({ url: '/sw.js' })
    expect(sw.headers['cache-control']).toBe('no-cache')
    // the build wrote the precache list into the worker: the page and its script
    expect(sw.body).toContain('/index.html')
    expect(sw.body).toContain(script)
    expect(sw.body).not.toContain('__LIBERATION_PRECACHE__')

    const manifest = await web.api.app.inject({ url: '/manifest.webmanifest' })
    expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/)
    expect(manifest.json()).toMatchObject({ name: 'Liberation Mesh', start_url: '/', display: 'standalone', theme_color: '#000000' })
    expect((await web.api.app.inject({ url: '/assets/nope.js' })).statusCode).toBe(404)
  })

  it('tells the page how to join: this node\'s WebSocket address, the page host first, and the ICE servers', async () => {
    const peerId = web.node.libp2p.peerId.toString()
    const ws = web.node.libp2p.getMultiaddrs().map(String).find(a => a.includes('/ws')) as string
    const port = /\/tcp\/(\d+)\/ws/.exec(ws)?.[1] as string
    const config = (await web.api.app.inject({ url: '/web-config.json', headers: { host: `127.0.0.1:${web.api.url.split(':').pop()}` } })).json()
    expect(config.peerId).toBe(peerId)
    expect(config.bootstrap[0]).toBe(`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId}`)
    expect(config.iceServers).toEqual(['stun:stun.example.org:3478'])

    // loaded by a name (or through a port forward): that host, with our WebSocket port, comes first
    const byName = (await web.api.app.inject({ url: '/web-config.json', headers: { host: 'mesh.example.org:8080' } })).json()
    expect(byName.bootstrap[0]).toBe(`/dns/mesh.example.org/tcp/${port}/ws/p2p/${peerId}`)
    expect(byName.bootstrap).toContain(`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId}`)
    // a host header that is not a host name is not reflected
    const junk = (await web.api.app.inject({ url: '/web-config.json', headers: { host: 'a b/c' } })).json()
    expect(junk.bootstrap).toEqual([`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId}`])
  })

  it('keeps the client public when the API demands a token, and the API closed', async () => {
    const page = await guarded.api.app.inject({ url: '/', headers: { accept: 'text/html' } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<div id="app"')
    expect((await guarded.api.app.inject({ url: '/web-config.json' })).statusCode).toBe(200)
    expect((await guarded.api.app.inject({ url: '/sw.js' })).statusCode).toBe(200)
    expect((await guarded.api.app.inject({ url: '/api/v1/health' })).statusCode).toBe(401)
    expect((await guarded.api.app.inject({ url: '/', headers: { accept: 'application/json' } })).statusCode).toBe(401)
    expect((await guarded.api.app.inject({ url: '/api/v1/health', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200)
    // served config without ICE servers configured: the browser keeps its defaults
    expect((await guarded.api.app.inject({ url: '/web-config.json' })).json()).not.toHaveProperty('iceServers')
  })

  it('serves nothing of the client without --web', async () => {
    const page = await plain.api.app.inject({ url: '/', headers: { accept: 'text/html' } })
    expect(page.headers['content-type']).toMatch(/^application\/json/)
    expect((await plain.api.app.inject({ url: '/web-config.json' })).statusCode).toBe(404)
    expect((await plain.api.app.inject({ url: '/sw.js' })).statusCode).toBe(404)
  })

  it('refuses bad web settings and a missing build with clear errors', async () => {
    expect(() => validateConfig({ ...defaultConfig(), webIceServers: ['http://stun.example.org'] })).toThrow(ConfigError)
    expect(() => validateConfig({ ...defaultConfig(), webIceServers: ['http://stun.example.org'] })).toThrow(/webIceServers\.0: must be stun:, turn: or turns: urls/)
    const fromEnv = await loadConfig({ env: { LIBERATION_WEB: 'yes', LIBERATION_WEB_ICE_SERVERS: 'stun:a.example:3478,turn:b.example:3478' } })
    expect(fromEnv.web).toBe(true)
    expect(fromEnv.webIceServers).toEqual(['stun:a.example:3478', 'turn:b.example:3478'])
    expect((await loadConfig({ env: {} })).web).toBe(false)

    const empty = join(dirs[0], 'not-built')
    await mkdir(empty, { recursive: true })
    await writeFile(join(empty, 'readme.txt'), 'no index.html here')
    expect(() => loadWebFiles(empty)).toThrow(/the web client is not built .*index\.html is missing.*npm run build/)
    expect(defaultWebRoot()).toMatch(/dist\/web\/?$/)
  })
})
