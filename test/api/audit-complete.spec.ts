import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiServer } from '../../node/api/server.ts'
import { waitFor } from '../utils/mesh.ts'
import { startApiNode, stopAll } from './utils.ts'
import type { ApiServer } from '../../node/api/server.ts'

const TOKEN = 'audit-test-token-0123456789abcdef'

/** every write request, whatever refuses it (validation, auth, rate limit, router), leaves one audit line */
describe('audit log: one line per write attempt', () => {
  let server: ApiServer
  let dataDir: string

  beforeAll(async () => {
    const n = await startApiNode()
    dataDir = await mkdtemp(join(tmpdir(), 'liberation-audit-'))
    // a second API on the same node: token required, and a limiter that bites on loopback
    server = createApiServer(n.runtime.node, { host: '127.0.0.1', port: 0, dataDir, token: TOKEN, rateLimit: { max: 6, timeWindowMs: 60_000, exemptLoopback: false } })
    await server.start()
  })
  afterAll(async () => {
    await server?.stop()
    await stopAll()
  })

  async function send (method: string, path: string, body?: string, auth = true, correlation?: string): Promise<number> {
    const headers: Record<string, string> = {}
    if (auth) { headers.authorization = `Bearer ${TOKEN}` }
    if (body !== undefined) { headers['content-type'] = 'application/json' }
    if (correlation != null) { headers['x-correlation-id'] = correlation }
    const res = await fetch(server.url.replace('0.0.0.0', '127.0.0.1') + path, { method, headers, body })
    await res.text()
    return res.status
  }

  it('records accepted, invalid, unauthenticated, unknown, over-long and rate-limited writes', async () => {
    const cases: Array<{ id: string, method: string, path: string, body?: string, auth?: boolean, status: number }> = [
      { id: 'accepted', method: 'POST', path: '/api/v1/notifications', body: JSON.stringify({ type: 'system_alert', title: 'ok' }), status: 201 },
      { id: 'invalid', method: 'POST', path: '/api/v1/notifications', body: JSON.stringify({ title: 7 }), status: 400 },
      { id: 'bad-json', method: 'POST', path: '/api/v1/notifications', body: '{not json', status: 400 },
      { id: 'no-token', method: 'POST', path: '/api/v1/notifications', body: JSON.stringify({ type: 'system_alert', title: 'x' }), auth: false, status: 401 },
      { id: 'no-token-unknown', method: 'DELETE', path: '/api/v1/nowhere', auth: false, status: 401 },
      { id: 'unknown', method: 'POST', path: '/api/v1/nowhere', body: '{}', status: 404 },
      { id: 'too-long', method: 'DELETE', path: `/api/v1/notifications/${'x'.repeat(2000)}`, status: 414 },
      { id: 'bad-url', method: 'DELETE', path: '/api/v1/notifications/%E0%A4%A', status: 400 }
    ]
    for (const c of cases) {
      expect(await send(c.method, c.path, c.body, c.auth ?? true, c.id), c.id).toBe(c.status)
    }
    // the limiter (6 a minute, the cases above included) refuses the rest
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) { statuses.push(await send('POST', '/api/v1/notifications/cleanup', undefined, true, `limited-${i}`)) }
    expect(statuses).toContain(429)

    const total = cases.length + statuses.length
    let lines: any[] = []
    await waitFor(async () => {
      lines = (await readFile(join(dataDir, 'audit.log'), 'utf8').catch(() => '')).trim().split('\n').filter(l => l !== '').map(l => JSON.parse(l))
      return lines.length >= total
    }, 'an audit line per write', 5000)
    expect(lines).toHaveLength(total)
    for (const c of cases) {
      const mine = lines.filter(l => l.correlation_id === c.id)
      expect(mine, c.id).toHaveLength(1)
      expect(mine[0]).toMatchObject({ method: c.method, status: c.status })
    }
    expect(lines.filter(l => l.status === 429).length).toBe(statuses.filter(s => s === 429).length)
    expect(lines.find(l => l.correlation_id === 'no-token')?.authenticated).toBe(false)
    expect(lines.find(l => l.correlation_id === 'accepted')?.authenticated).toBe(true)
    expect(lines.find(l => l.correlation_id === 'too-long')?.route).toBe('unmatched')
  })
})
