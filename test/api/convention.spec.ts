/**
 * One API convention, over HTTP and the WebSocket feed: snake_case fields everywhere (event
 * and notification data included), times as epoch ms integers, every operation described
 * with no "Default Response", and feed messages that match their published schemas.
 */
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REALTIME_SERVER_MESSAGES } from '../../node/api/realtime-schemas.ts'
import { api, openFeed, startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

/** every object key in a value (recursively) */
function keys (value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) { for (const v of value) { keys(v, out) } } else if (value != null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push(k); keys(v, out) }
  }
  return out
}
const camel = (ks: string[]): string[] => ks.filter(k => /^[a-z]+[A-Z]/.test(k))

describe('API convention', () => {
  let a: ApiNode
  beforeAll(async () => { a = await startApiNode() })
  afterAll(async () => { await stopAll() })

  it('events, notifications and humans: snake_case everywhere, times in epoch ms', async () => {
    const feed = await openFeed(`${a.url}/api/v1/realtime/ws?channels=events,notifications`)
    try {
      await feed.next(m => m.type === 'welcome')
      const reg = await api(a.url, 'POST', '/api/v1/humans', { id: 'conv1' }, { 'x-correlation-id': 'conv-register' })
      expect(reg.status).toBe(201)
      expect(Number.isInteger(reg.body.created_at)).toBe(true)
      expect(Math.abs(reg.body.created_at - Date.now())).toBeLessThan(60_000)
      expect((await api(a.url, 'POST', '/api/v1/distribute', {})).status).toBe(200)
      // a second run in the same week: the data says how many were already paid
      const second = await api(a.url, 'POST', '/api/v1/distribute', {}, { 'x-correlation-id': 'conv-second' })
      expect(second.body.skipped.already_paid).toBe(1)
      const human = (await api(a.url, 'GET', '/api/v1/humans/conv1')).body
      expect(Number.isInteger(human.last_distribution)).toBe(true)
      const history = (await api(a.url, 'GET', '/api/v1/distribution/history')).body
      expect(Number.isInteger(history.items[0].timestamp)).toBe(true)

      const events = (await api(a.url, 'GET', '/api/v1/events?correlation_id=conv-register')).body.items
      expect(events.length).toBeGreaterThan(0)
      expect(events[0].correlation_id).toBe('conv-register')
      const all = (await api(a.url, 'GET', '/api/v1/events?limit=500')).body.items
      expect(camel(keys(all))).toEqual([])
      const notes = (await api(a.url, 'GET', '/api/v1/notifications')).body.items
      expect(notes.length).toBeGreaterThan(0)
      expect(camel(keys(notes))).toEqual([])
      expect(keys(notes)).toContain('correlation_id')

      // the feed: every message matches its schema; nothing camelCase
      await feed.next(m => m.type === 'notification')
      const ajv = new Ajv({ strict: false, allErrors: true })
      const validators = Object.fromEntries(Object.entries(REALTIME_SERVER_MESSAGES).map(([t, s]) => [t, ajv.compile(s)]))
      feed.send({ type: 'subscribe', channel: 'nope' })
      feed.send({ type: 'ping' })
      await feed.next(m => m.type === 'pong')
      const error = await feed.next(m => m.type === 'error')
      expect(error).toMatchObject({ code: 'invalid_input', field: 'channel' })
      expect(feed.messages.length).toBeGreaterThan(3)
      for (const m of feed.messages) {
        const validate = validators[m.type]
        expect(validate, `schema for ${m.type}`).toBeDefined()
        expect(validate(m), `${m.type}: ${JSON.stringify(validate.errors)}`).toBe(true)
      }
      expect(camel(keys(feed.messages))).toEqual([])
    } finally {
      await feed.close()
    }
  })

  it('the OpenAPI document: every operation described, no "Default Response", error schemas with code, examples', async () => {
    const doc = await (await fetch(`${a.url}/openapi.json`)).json()
    const text = JSON.stringify(doc)
    expect(text).not.toMatch(/Default Response/)
    expect(text).not.toMatch(/seeds/i)
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect(op.description, `${method} ${path}`).toMatch(/\w/)
        for (const [status, r] of Object.entries<any>(op.responses)) {
          if (Number(status) >= 400) { expect(r.content['application/json'].schema.properties.code, `${method} ${path} ${status}`).toBeDefined() }
        }
      }
    }
    expect(doc.paths['/api/v1/humans'].post.requestBody.content['application/json'].schema.example).toMatchObject({ id: 'alice' })
    expect(doc.paths['/api/v1/humans/{id}'].get.responses['200'].content['application/json'].schema.example).toBeDefined()
    expect(Object.keys(doc.components.schemas)).toContain('Realtime_server_event')
  })
})
