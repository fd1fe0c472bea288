import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, peerIdOf as id, startApiLine, stopAll } from '../api/utils.ts'
import { waitFor } from '../utils/mesh.ts'
import type { ApiNode } from '../api/utils.ts'

describe('GET /mesh/topology: paged by node, with a summary form', () => {
  let a: ApiNode, b: ApiNode, c: ApiNode

  beforeAll(async () => {
    [a, b, c] = await startApiLine(3)
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/mesh/routes/${id(c)}`)).status === 200, 'a route from A to C', 20_000, 200)
  })
  afterAll(async () => { await stopAll() })

  it('pages through every node once, each page with the links from its nodes', async () => {
    const seen: string[] = []
    const links: string[] = []
    let cursor: string | null = null
    for (let i = 0; i < 5; i++) {
      const page: { status: number, body: any } = await api(a.url, 'GET', `/api/v1/mesh/topology?limit=1${cursor == null ? '' : `&cursor=${cursor}`}`)
      expect(page.status).toBe(200)
      expect(page.body.view).toBe('full')
      expect(page.body.nodes).toHaveLength(1)
      const node = page.body.nodes[0].peer_id as string
      seen.push(node)
      for (const l of page.body.links) {
        expect(l.from).toBe(node)
        links.push(`${l.from as string}>${l.to as string}`)
      }
      cursor = page.body.next_cursor
      if (cursor == null) { break }
    }
    expect(seen).toEqual([id(a), id(b), id(c)].sort())
    expect(links).toEqual(expect.arrayContaining([`${id(a)}>${id(b)}`, `${id(b)}>${id(c)}`]))
  })

  it('answers counts only with view=summary', async () => {
    const s = await api(a.url, 'GET', '/api/v1/mesh/topology?view=summary')
    expect(s.status).toBe(200)
    expect(s.body).toMatchObject({ view: 'summary', self: id(a), neighbours: 1, reachable: { near: 2, far: 0 } })
    expect(s.body.beacons).toBeGreaterThanOrEqual(2)
    expect(s.body.excess).toEqual({ origins: 0, links: 0, reach: 0, evicted: 0, refused: 0, rate: 0 })
    expect(s.body.nodes).toBeUndefined()
  })

  it('refuses a bad view, limit or cursor with 400', async () => {
    for (const q of ['view=all', 'limit=0', 'limit=100000', 'cursor=%2F%2F']) {
      const r = await api(a.url, 'GET', `/api/v1/mesh/topology?${q}`)
      expect(r.status, q).toBe(400)
      expect(typeof r.body.error).toBe('string')
    }
  })
})
