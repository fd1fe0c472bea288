/**
 * `liberation knowledge ...` and `liberation session ...` as subprocesses against two real
 * nodes over HTTP; the session routes (create, invite, edit, presence, close) on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startApiNode, stopAll } from '../api/utils.ts'
import { waitFor } from '../utils/mesh.ts'
import { runCli } from '../utils/process.ts'
import type { ApiNode } from '../api/utils.ts'

describe('liberation knowledge and session', () => {
  let a: ApiNode
  let b: ApiNode
  // a generous request timeout: the suite may run on a loaded machine
  const cli = async (n: ApiNode, ...args: string[]): ReturnType<typeof runCli> => runCli([...args, '--api', n.url, '--timeout', '60000'])

  beforeAll(async () => {
    [a, b] = await Promise.all([startApiNode(), startApiNode()])
    await a.runtime.node.libp2p.dial(b.runtime.node.libp2p.getMultiaddrs()[0])
    await waitFor(() => a.runtime.node.libp2p.services.pubsub.getSubscribers('liberation/knowledge/1').length > 0, 'knowledge topic')
  }, 30_000)
  afterAll(async () => { await stopAll() })

  it('knowledge add, search, show, rate, edit', async () => {
    const added = await cli(a, 'knowledge', 'add', 'Water filter upkeep', '--content', 'Rinse the **ceramic** candle weekly.', '--type', 'process', '--tag', 'water', '--confidence', '0.7', '--json')
    expect(added.code, added.stderr).toBe(0)
    const entry = JSON.parse(added.stdout)
    expect(entry).toMatchObject({ title: 'Water filter upkeep', type: 'process', tags: ['water'], confidence: 0.7 })
    const search = await cli(a, 'knowledge', 'search', 'ceramic')
    expect(search.code).toBe(0)
    expect(search.stdout).toMatch(/^ID +TYPE +RATING +TITLE +MATCH$/m)
    expect(search.stdout).toContain('*ceramic*')
    const rated = await cli(a, 'knowledge', 'rate', entry.id, '4')
    expect(rated.stdout).toContain('rating now 4.00 from 1 raters')
    const edited = await cli(a, 'knowledge', 'edit', entry.id, '--content', 'Rinse it every 5 days.', '--json')
    expect(JSON.parse(edited.stdout).version).toBe(2)
    const shown = await cli(a, 'knowledge', 'show', entry.id)
    expect(shown.stdout).toContain('Rinse it every 5 days.')
    const versions = await cli(a, 'knowledge', 'show', entry.id, '--versions', '--json')
    expect(JSON.parse(versions.stdout).map((v: any) => v.version)).toEqual([1, 2])
    // b is not the author
    await waitFor(async () => (await api(b.url, 'GET', `/api/v1/knowledge/${entry.id as string}`)).body.version === 2, 'on b')
    const foreign = await cli(b, 'knowledge', 'edit', entry.id, '--content', 'hijack')
    expect(foreign.code).toBe(5)
    expect(foreign.stderr).toMatch(/^liberation: only the author/)
    for (const [args, code, message] of [
      [['knowledge', 'rate', entry.id, '9'], 2, /0 to 5/],
      [['knowledge', 'show', 'nope'], 2, /64 lowercase hex/],
      [['knowledge', 'edit', entry.id], 2, /nothing to change/]
    ] as Array<[string[], number, RegExp]>) {
      const r = await cli(a, ...args)
      expect(r.code, args.join(' ')).toBe(code)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  }, 240_000)

  it('session create, invite, show, close (and edit over HTTP)', async () => {
    const created = await cli(a, 'session', 'create', 'Pump failure', '--problem', 'The pump stalls at noon.', '--json')
    expect(created.code, created.stderr).toBe(0)
    const s = JSON.parse(created.stdout)
    expect(s.fields.problem).toBe('The pump stalls at noon.')
    const bId = b.runtime.node.libp2p.peerId.toString()
    const invited = await cli(a, 'session', 'invite', s.id, bId, '--json')
    expect(JSON.parse(invited.stdout).participants).toContain(bId)
    await waitFor(async () => (await api(b.url, 'GET', `/api/v1/knowledge/sessions/${s.id as string}`)).body.participants?.includes(bId), 'b sees the invitation')
    const edit = await api(b.url, 'POST', `/api/v1/knowledge/sessions/${s.id as string}/edit`, { field: 'solution', text: 'Shade the pump housing.' })
    expect(edit.status).toBe(200)
    expect((await api(b.url, 'POST', `/api/v1/knowledge/sessions/${s.id as string}/presence`, { name: 'b', cursor: { field: 'solution', index: 5 } })).status).toBe(200)
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/knowledge/sessions/${s.id as string}`)).body.fields.solution === 'Shade the pump housing.', 'a holds b\'s edit')
    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/knowledge/sessions/${s.id as string}`)).body.presence.length === 2, 'presence of both')
    const shown = await cli(a, 'session', 'show', s.id)
    expect(shown.stdout).toContain('Shade the pump housing.')
    // b is a participant, not the owner
    expect((await api(b.url, 'POST', `/api/v1/knowledge/sessions/${s.id as string}/close`)).status).toBe(403)
    expect((await api(a.url, 'POST', `/api/v1/knowledge/sessions/${s.id as string}/edit`, { field: 'nonsense', text: 'x' })).status).toBe(400)
    const closed = await cli(a, 'session', 'close', s.id, '--json')
    const entryId = JSON.parse(closed.stdout).solution_entry as string
    const entry = (await api(a.url, 'GET', `/api/v1/knowledge/${entryId}`)).body
    expect(entry).toMatchObject({ type: 'solution', session: s.id })
    expect(entry.content).toContain('Shade the pump housing.')
    const list = await cli(b, 'session', 'show')
    await waitFor(async () => (await cli(b, 'session', 'show')).stdout.includes('closed'), 'b lists it closed')
    expect(list.code).toBe(0)
  }, 240_000)
})
