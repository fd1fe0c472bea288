/**
 * One error model over HTTP: every refusal is `{statusCode, code, error, message, field?}`
 * with the status from one table, and request durations are really measured.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

describe('API error model', () => {
  let a: ApiNode
  beforeAll(async () => { a = await startApiNode() })
  afterAll(async () => { await stopAll() })

  it('a whitespace-only notification title is a 400 naming the field, and nothing is stored', async () => {
    const before = (await api(a.url, 'GET', '/api/v1/notifications')).body.items.length
    const r = await api(a.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: '   ' })
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ statusCode: 400, code: 'invalid_input', error: 'Bad Request', field: 'title' })
    expect(r.body.message).toMatch(/title/)
    expect((await api(a.url, 'GET', '/api/v1/notifications')).body.items.length).toBe(before)
  })

  it('core errors, validation errors and unknown routes share one body with a stable code', async () => {
    expect((await api(a.url, 'POST', '/api/v1/humans', { id: 'e1' })).status).toBe(201)
    const again = await api(a.url, 'POST', '/api/v1/humans', { id: 'e1' })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ statusCode: 409, code: 'conflict', error: 'Conflict' })
    expect(again.body.message).not.toMatch(/HTTP|POST/)

    const invalid = await api(a.url, 'POST', '/api/v1/humans', { id: 'e2', weekly_flow: 'lots' })
    expect(invalid.status).toBe(400)
    expect(invalid.body).toMatchObject({ code: 'invalid_input', field: 'weekly_flow' })

    const missing = await api(a.url, 'GET', '/api/v1/humans/nobody')
    expect(missing.body).toMatchObject({ statusCode: 404, code: 'not_found', field: 'id' })

    const truth = await api(a.url, 'GET', '/api/v1/truth/messages?channel=social&since=-1')
    expect(truth.body).toMatchObject({ statusCode: 400, code: 'invalid_input', field: 'since' })

    const route = await api(a.url, 'GET', '/api/v1/nowhere')
    expect(route.body).toMatchObject({ statusCode: 404, code: 'not_found', error: 'Not Found' })

    const badJson = await api(a.url, 'POST', '/api/v1/humans', '{"id":', { 'content-type': 'application/json' })
    expect(badJson.status).toBe(400)
    expect(badJson.body).toMatchObject({ statusCode: 400, code: 'invalid_input' })
  })

  it('measures request durations: audit duration_ms and the histogram sum are not zero', async () => {
    for (let i = 0; i < 3; i++) { await api(a.url, 'POST', '/api/v1/humans', { id: `d${i}` }) }
    await a.runtime.api.audit.close().catch(() => {})
    const lines = (await readFile(join(a.dataDir, 'audit.log'), 'utf8')).trim().split('\n').map(l => JSON.parse(l))
    const writes = lines.filter(l => l.route === '/api/v1/humans')
    expect(writes.length).toBeGreaterThanOrEqual(3)
    expect(writes.every(l => typeof l.duration_ms === 'number' && l.duration_ms > 0)).toBe(true)
    const text = await (await fetch(`${a.url}/metrics`)).text()
    const sums = [...text.matchAll(/^liberation_api_request_duration_seconds_sum\{[^}]*\} (\S+)$/gm)].map(m => Number(m[1]))
    expect(sums.length).toBeGreaterThan(0)
    expect(sums.reduce((x, y) => x + y, 0)).toBeGreaterThan(0)
  })
})
