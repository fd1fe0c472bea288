import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tokenMatches } from '../../node/api/auth.ts'
import { createApiServer } from '../../node/api/server.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { api, openFeed, startApiNode, stopAll } from './utils.ts'

describe('API security: bearer token, rate limit, CORS', () => {
  const mesh = new TestMesh()
  afterAll(async () => {
    await stopAll()
    await mesh.cleanup()
  })

  it('a non-loopback bind generates a token into the data dir and demands it (401 without)', async () => {
    // bound on all interfaces; the test only talks to it over 127.0.0.1
    const n = await startApiNode({ apiHost: '0.0.0.0' })
    const tokenFile = join(n.dataDir, 'api-token')
    const token = (await readFile(tokenFile, 'utf8')).trim()
    expect(token.length).toBeGreaterThanOrEqual(32)
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    expect(n.runtime.api.token).toBe(token)

    const before = (await api(n.url, 'GET', '/api/v1/notifications', undefined, { authorization: `Bearer ${token}` })).body.items.length
    for (const [method, path, body] of [
      ['GET', '/api/v1/stats'], ['GET', '/metrics'], ['GET', '/openapi.json'], ['GET', '/api/v1/events'],
      ['POST', '/api/v1/notifications', { type: 'system_alert', title: 'sneaky' }], ['GET', '/api/v1/does-not-exist']
    ] as Array<[string, string, unknown?]>) {
      const r = await api(n.url, method, path, body)
      expect(r.status, `${method} ${path}`).toBe(401)
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const wrong = await api(n.url, method, path, body, { authorization: `Bearer ${token.slice(0, -1)}x` })
      expect(wrong.status, `${method} ${path} wrong token`).toBe(401)
    }
    expect((await api(n.url, 'GET', '/api/v1/notifications', undefined, { authorization: `Basic ${token}` })).status).toBe(401)
    // nothing was written by the refused requests
    const auth = { authorization: `Bearer ${token}` }
    expect((await api(n.url, 'GET', '/api/v1/notifications', undefined, auth)).body.items).toHaveLength(before)

    // with the token everything works
    expect((await api(n.url, 'GET', '/api/v1/stats', undefined, auth)).status).toBe(200)
    expect((await api(n.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'ok' }, auth)).status).toBe(201)
    // liveness stays public
    expect((await api(n.url, 'GET', '/health')).status).toBe(200)

    // WebSocket: refused without, accepted with header or access_token
    await expect(openFeed(`${n.url}/api/v1/realtime/ws`)).rejects.toThrow(/401/)
    const byHeader = await openFeed(`${n.url}/api/v1/realtime/ws`, auth)
    expect((await byHeader.next(m => m.type === 'welcome')).peer_id).toBe(n.runtime.node.libp2p.peerId.toString())
    await byHeader.close()
    const byQuery = await openFeed(`${n.url}/api/v1/realtime/ws?access_token=${token}`)
    await byQuery.next(m => m.type === 'welcome')
    await byQuery.close()

    // the refused write is in the audit log, unauthenticated (its body is never even parsed)
    let audit: any[] = []
    await waitFor(async () => {
      audit = (await readFile(join(n.dataDir, 'audit.log'), 'utf8')).trim().split('\n').map(l => JSON.parse(l))
      return audit.some(l => l.status === 201)
    }, 'audit log lines')
    expect(audit.filter(l => l.status === 401 && l.method === 'POST' && l.url === '/api/v1/notifications' && l.authenticated === false && l.body === undefined)).toHaveLength(2)
    expect(audit.some(l => l.status === 201 && l.authenticated === true && l.body?.title === 'ok')).toBe(true)
    await n.stop()

    // restart: the same generated token is kept
    const again = await startApiNode({ apiHost: '0.0.0.0', dataDir: n.dataDir })
    expect(again.runtime.api.token).toBe(token)
  })

  it('a configured token is enforced even on loopback; the loopback default is open', async () => {
    const token = 'a-configured-token-0123456789'
    const n = await startApiNode({ apiToken: token })
    expect((await api(n.url, 'GET', '/api/v1/stats')).status).toBe(401)
    expect((await api(n.url, 'GET', '/api/v1/stats', undefined, { authorization: `Bearer ${token}` })).status).toBe(200)
    const open = await startApiNode()
    expect(open.runtime.api.token).toBeUndefined()
    expect((await api(open.url, 'GET', '/api/v1/stats')).status).toBe(200)
  })

  it('compares tokens in constant time over equal-length digests', () => {
    expect(tokenMatches('secret-token-123456', 'secret-token-123456')).toBe(true)
    expect(tokenMatches('secret-token-123456', 'secret-token-12345')).toBe(false)
    expect(tokenMatches('secret-token-123456', '')).toBe(false)
    expect(tokenMatches('secret-token-123456', undefined)).toBe(false)
  })

  it('limits requests per client (429) and allows CORS only for configured origins', async () => {
    const { node, dataDir } = await mesh.add()
    const server = createApiServer(node, {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      rateLimit: { max: 5, timeWindowMs: 60_000, exemptLoopback: false },
      corsOrigins: ['http://dashboard.example']
    })
    await server.start()
    try {
      const statuses: number[] = []
      for (let i = 0; i < 7; i++) {
        statuses.push((await api(server.url, 'GET', '/api/v1/stats')).status)
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429])

      const allowed = await fetch(server.url + '/health', { headers: { origin: 'http://dashboard.example' } })
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://dashboard.example')
      const other = await fetch(server.url + '/health', { headers: { origin: 'http://evil.example' } })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await server.stop()
    }
  })
})
