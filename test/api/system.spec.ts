import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../utils/mesh.ts'
import { api, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('control API: system, events, OpenAPI, metrics, audit', () => {
  let n: ApiNode
  beforeAll(async () => { n = await startApiNode() })
  afterAll(async () => { await stopAll() })

  it('GET / describes the node and its endpoints', async () => {
    const r = await api(n.url, 'GET', '/')
    expect(r.status).toBe(200)
    expect(r.body.peer_id).toBe(n.runtime.node.libp2p.peerId.toString())
    expect(r.body).toMatchObject({ status: 'ok', docs: '/docs', openapi: '/openapi.json', realtime: '/api/v1/realtime/ws', metrics: '/metrics' })
  })

  it('GET /health and /api/v1/health report liveness and connectivity', async () => {
    for (const path of ['/health', '/api/v1/health']) {
      const r = await api(n.url, 'GET', path)
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({ status: 'ok', peer_id: n.runtime.node.libp2p.peerId.toString(), connections: 0, peers: 0 })
      expect(r.body.services).toMatchObject({ libp2p: 'started', audit_log: 'ok' })
      expect(r.body.uptime_ms).toBeGreaterThanOrEqual(0)
    }
  })

  it('GET /api/v1/stats gives snake_case system statistics', async () => {
    const r = await api(n.url, 'GET', '/api/v1/stats')
    expect(r.status).toBe(200)
    expect(r.body.peer_id).toBe(n.runtime.node.libp2p.peerId.toString())
    expect(typeof r.body.uptime).toBe('number')
    expect(r.body).toMatchObject({ peers: 0, connections: 0 })
  })

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await api(n.url, 'GET', '/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toMatch(/^3\./)
    for (const p of ['/api/v1/stats', '/api/v1/events', '/api/v1/notifications', '/api/v1/notifications/{id}', '/api/v1/mesh/peers']) {
      expect(Object.keys(doc.body.paths)).toContain(p)
    }
    // every write route documents its request body schema
    const post = doc.body.paths['/api/v1/notifications'].post
    expect(post.requestBody.content['application/json'].schema.required).toEqual(['type', 'title'])
    const docs = await fetch(n.url + '/docs', { redirect: 'follow' })
    expect(docs.status).toBe(200)
    expect(await docs.text()).toMatch(/swagger/i)
  })

  it('unknown routes are 404 with a message', async () => {
    const r = await api(n.url, 'GET', '/api/v1/nothing-here')
    expect(r.status).toBe(404)
    expect(r.body.message).toMatch(/no route GET \/api\/v1\/nothing-here/)
  })

  it('events: history with filters and cursor pagination; bad queries are 400', async () => {
    const { events } = n.runtime.node
    const correlation = 'test-corr-1'
    for (let i = 0; i < 7; i++) {
      events.emitEvent('system', 'test:tick', { i }, correlation)
    }
    const all: any[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const q: string = `/api/v1/events?type=test:tick&limit=3${cursor != null ? `&cursor=${cursor}` : ''}`
      const r = await api(n.url, 'GET', q)
      expect(r.status).toBe(200)
      expect(r.body.items.length).toBeLessThanOrEqual(3)
      all.push(...r.body.items)
      cursor = r.body.next_cursor
      pages++
    } while (cursor != null && pages < 10)
    expect(pages).toBe(3)
    expect(all.map(e => e.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(all.every(e => e.correlation_id === correlation && e.category === 'system')).toBe(true)

    const byCorr = await api(n.url, 'GET', `/api/v1/events?correlation_id=${correlation}&limit=500`)
    expect(byCorr.body.items).toHaveLength(7)
    // the API's other path for the same list
    const alias = await api(n.url, 'GET', '/api/v1/realtime/events/history?type=test:tick&limit=500')
    expect(alias.body.items.map((e: any) => e.seq)).toEqual(all.map(e => e.seq))

    for (const [q, field] of [['category=nope', 'category'], ['limit=0', 'limit'], ['limit=x', 'limit'], ['cursor=!!', 'cursor'], ['bogus=1', 'bogus']]) {
      const r = await api(n.url, 'GET', `/api/v1/events?${q}`)
      expect(r.status, q).toBe(400)
      expect(r.body.field).toBe(field)
      expect(r.body.message).toContain(field)
    }
  })

  it('GET /metrics parses as Prometheus text with libp2p, process and node series', async () => {
    await api(n.url, 'GET', '/api/v1/stats')
    const res = await fetch(n.url + '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const families = parsePrometheusTextFormat(await res.text())
    const byName = new Map(families.map(f => [f.name, f]))
    expect(families.filter(f => f.name.startsWith('libp2p_')).length).toBeGreaterThan(5)
    expect(byName.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER')
    const requests = byName.get('liberation_api_request_duration_seconds')
    expect(requests?.type).toBe('HISTOGRAM')
    // (the parser keeps no labels on histograms; the counter has the same labels)
    expect(byName.get('liberation_api_requests_total')?.metrics.some(m => m.labels?.route === '/api/v1/stats' && m.labels?.status === '200' && Number(m.value) >= 1)).toBe(true)
    expect(byName.get('liberation_events_total')?.metrics.some(m => m.labels?.type === 'node:started')).toBe(true)
    expect(Number(byName.get('liberation_mesh_peers')?.metrics[0].value)).toBe(0)
    expect(byName.get('liberation_uptime_seconds')?.type).toBe('GAUGE')
    // ledger series
    expect(byName.get('liberation_ledger_humans')?.metrics.map(m => m.labels?.status).sort()).toEqual(['active', 'inactive'])
    expect(Number(byName.get('liberation_ledger_remaining_wealth')?.metrics[0].value)).toBe(19_000_000_000_000)
    expect(byName.get('liberation_ledger_distributed')?.type).toBe('GAUGE')
  })

  it('echoes a valid x-correlation-id and audit-logs every write, accepted or refused', async () => {
    const ok = await api(n.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'audit me' }, { 'x-correlation-id': 'audit-ok-1' })
    expect(ok.status).toBe(201)
    expect(ok.headers.get('x-correlation-id')).toBe('audit-ok-1')
    const bad = await api(n.url, 'POST', '/api/v1/notifications', { type: 'system_alert' }, { 'x-correlation-id': 'audit-bad-1' })
    expect(bad.status).toBe(400)
    // a correlation id that is not a safe token is replaced
    const weird = await api(n.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'weird id' }, { 'x-correlation-id': 'has spaces and "quotes"' })
    expect(weird.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{8}[0-9a-z]+$/)

    const path = join(n.dataDir, 'audit.log')
    let lines: any[] = []
    await waitFor(async () => {
      lines = (await readFile(path, 'utf8')).trim().split('\n').map(l => JSON.parse(l))
      return lines.some(l => l.correlation_id === 'audit-bad-1')
    }, 'audit lines')
    const accepted = lines.find(l => l.correlation_id === 'audit-ok-1')
    expect(accepted).toMatchObject({ method: 'POST', route: '/api/v1/notifications', status: 201, ip: '127.0.0.1', body: { type: 'system_alert', title: 'audit me' } })
    expect(lines.find(l => l.correlation_id === 'audit-bad-1')).toMatchObject({ status: 400 })
    // reads are not audited
    expect(lines.every(l => l.method !== 'GET')).toBe(true)
    // the write's events carry its correlation id
    const evs = await api(n.url, 'GET', '/api/v1/events?correlation_id=audit-ok-1')
    expect(evs.body.items.map((e: any) => e.type)).toContain('notification:created')
  })
})

describe('audit log', () => {
  it('rotates past its size bound, keeping a fixed number of files', async () => {
    const { mkdtemp, readdir, readFile: read, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { createAuditLog } = await import('../../node/api/audit.ts')
    const dir = await mkdtemp(join(tmpdir(), 'liberation-audit-'))
    try {
      const log = createAuditLog(dir, { maxBytes: 1000, keep: 2 })
      for (let i = 0; i < 40; i++) {
        log.record({ time: new Date(0).toISOString(), correlation_id: `c${i}`, method: 'POST', url: '/x', route: '/x', status: 201, ip: '127.0.0.1', authenticated: false, duration_ms: 1 })
      }
      await log.close()
      await new Promise(resolve => setTimeout(resolve, 100))
      expect((await readdir(dir)).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2'])
      const current = (await read(join(dir, 'audit.log'), 'utf8')).trim().split('\n').map(l => JSON.parse(l))
      expect(current[current.length - 1].correlation_id).toBe('c39')
      for (const f of ['audit.log', 'audit.log.1', 'audit.log.2']) {
        expect((await read(join(dir, f), 'utf8')).length).toBeLessThanOrEqual(1000)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('an audit log that cannot be written', () => {
  it('refuses writes with 503 (nothing stored) and reports the API degraded; reads still work', async () => {
    const { mkdir } = await import('node:fs/promises')
    const { TestMesh } = await import('../utils/mesh.ts')
    const { createApiServer } = await import('../../node/api/server.ts')
    const mesh = new TestMesh()
    try {
      const { node, dataDir } = await mesh.add()
      // a directory where the log file should be: it cannot be opened for appending
      await mkdir(join(dataDir, 'audit.log'))
      const server = createApiServer(node, { host: '127.0.0.1', port: 0, dataDir })
      await server.start()
      try {
        const r = await api(server.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'unaudited' })
        expect(r.status).toBe(503)
        expect(r.body.message).toMatch(/audit log/)
        expect(node.notifications.list().items).toHaveLength(0)
        const health = await api(server.url, 'GET', '/health')
        expect(health.body.status).toBe('degraded')
        expect(health.body.services.audit_log).toMatch(/^failed/)
      } finally {
        await server.stop()
      }
    } finally {
      await mesh.cleanup()
    }
  })
})
