/**
 * The CLI's client subcommands, run as subprocesses against real running nodes over
 * their HTTP API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, peerIdOf as id, startApiLine, startApiNode, stopAll } from '../api/utils.ts'
import { waitFor } from '../utils/mesh.ts'
import { runCli, spawnCli } from '../utils/process.ts'
import type { ApiNode } from '../api/utils.ts'

describe('liberation client subcommands', () => {
  let a: ApiNode
  let b: ApiNode
  const cli = async (n: ApiNode, ...args: string[]): ReturnType<typeof runCli> => runCli([...args, '--api', n.url])

  beforeAll(async () => {
    [a, b] = await startApiLine(2)
  })
  afterAll(async () => { await stopAll() })

  it('humans add / list, distribute, truth post / list: tables by default, JSON with --json', async () => {
    const add = await cli(a, 'humans', 'add', 'alice')
    expect(add.code, add.stderr).toBe(0)
    expect(add.stdout).toMatch(/^id: +alice$/m)
    expect(add.stdout).toMatch(/^weekly flow: +800\.00$/m)

    const addJson = await cli(a, 'humans', 'add', 'bob', '--weekly-flow', '650.50', '--json')
    expect(addJson.code, addJson.stderr).toBe(0)
    expect(JSON.parse(addJson.stdout)).toMatchObject({ id: 'bob', weekly_flow: '650.50', status: 'active' })

    const list = await cli(a, 'humans', 'list')
    expect(list.code).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID +STATUS +WEEKLY FLOW +RECEIVED +UNFUNDED +LAST PAID +REGISTRAR$/)
    expect(lines.slice(1).map(l => l.split(/\s+/)[0])).toEqual(['alice', 'bob'])

    const dist = await cli(a, 'distribute')
    expect(dist.code, dist.stderr).toBe(0)
    expect(dist.stdout).toMatch(/^paid: +2 humans$/m)
    expect(dist.stdout).toMatch(/^total: +1,450\.50$/m)
    // the node's state really changed
    expect((await api(a.url, 'GET', '/api/v1/humans/bob')).body.total_received).toBe('650.50')

    const listJson = await cli(a, 'humans', 'list', '--json')
    expect(JSON.parse(listJson.stdout).map((h: any) => [h.id, h.total_received])).toEqual([['alice', '800.00'], ['bob', '650.50']])

    const post = await cli(a, 'truth', 'post', 'the well on Main St is clean', '--priority', '4', '--channel', 'social', '--json')
    expect(post.code, post.stderr).toBe(0)
    const posted = JSON.parse(post.stdout)
    expect(posted).toMatchObject({ content: 'the well on Main St is clean', priority: 4, channels: ['social'] })

    const truthList = await cli(a, 'truth', 'list')
    expect(truthList.code).toBe(0)
    expect(truthList.stdout).toMatch(/^ID +CREATED +PRI +CHANNELS +SPREAD +CONTENT$/m)
    expect(truthList.stdout).toContain('the well on Main St is clean')
    expect(truthList.stdout).toContain(posted.id.slice(0, 12))

    const got = await cli(a, 'truth', 'get', posted.id, '--json')
    expect(JSON.parse(got.stdout).id).toBe(posted.id)

    const status = await cli(a, 'status')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`^peer id: +${id(a)}$`, 'm'))
    expect(status.stdout).toMatch(/^total humans: +2$/m)
    expect(status.stdout).toMatch(/^truth messages: +1$/m)
  })

  it('peers, routes, send and tail', async () => {
    const peers = await cli(a, 'peers')
    expect(peers.code).toBe(0)
    expect(peers.stdout).toMatch(/^PEER ID +STATUS +CONNS/m)
    expect(peers.stdout).toContain(id(b))

    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/mesh/routes/${id(b)}`)).status === 200, 'a route to b', 20_000, 200)
    const routes = await cli(a, 'routes', '--json')
    expect(JSON.parse(routes.stdout).map((r: any) => r.target)).toContain(id(b))

    // tail B's live feed, then send it a routed message from A. The mesh channel also
    // carries health and route events, so the test looks for the message's own line.
    const tail = spawnCli(['tail', '--channels', 'mesh', '--api', b.url])
    try {
      // its own welcome, not the feed's client count (another tail may be connected)
      await waitFor(() => tail.stderr().includes('following mesh'), 'tail connected', 60_000)
      const send = await cli(a, 'send', id(b), 'meet at noon')
      expect(send.code, send.stderr).toBe(0)
      expect(send.stdout).toMatch(/^hops: +1$/m)
      await tail.waitForLine(/meet at noon/, 30_000)
      const lines = tail.stdout().split('\n').filter(l => l.includes('meet at noon'))
      expect(lines, tail.stdout()).toHaveLength(1)
      expect(lines[0]).toMatch(/ mesh message /)
    } finally {
      tail.child.kill('SIGTERM')
      await tail.exited
    }
  })

  it('bad arguments and refused requests exit non-zero with one line', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['humans', 'add', 'has space'], 2, /human id/],
      [['humans', 'add', 'carol', '--weekly-flow', '-5'], 2, /amount/],
      [['distribute', '--amount', 'lots'], 2, /--amount is no longer accepted: a payment is always the human's weekly flow/],
      [['distribute', '--amount', '5.00'], 2, /--amount is no longer accepted/],
      [['truth', 'post', 'x', '--priority', '9'], 2, /priority/],
      [['truth', 'get', 'not-an-id'], 2, /64 lowercase hex/],
      [['tail', '--channels', 'gossip'], 2, /unknown channel/],
      [['humans', 'add', 'alice'], 5, /^liberation: human alice is already registered/],
      [['humans', 'show', 'nobody'], 4, /^liberation: human nobody not found/],
      [['send', 'not-a-peer', 'hi'], 2, /^liberation: .*target/],
      [['humans', 'lst'], 2, /unknown command/]
    ]
    for (const [args, code, message] of cases) {
      const r = await cli(a, ...args)
      expect(r.code, args.join(' ')).toBe(code)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stdout).toBe('')
    }
    // nothing was registered by the refused commands
    expect((await api(a.url, 'GET', '/api/v1/humans')).body.items.map((h: any) => h.id)).toEqual(['alice', 'bob'])

    const down = await runCli(['status', '--api', 'http://127.0.0.1:9'])
    expect(down.code).toBe(3)
    expect(down.stderr).toMatch(/^liberation: cannot reach the node API at http:\/\/127\.0\.0\.1:9 .*\n$/)
    const badUrl = await runCli(['status', '--api', 'not a url'])
    expect(badUrl.code).toBe(2)
    expect(badUrl.stderr).toMatch(/--api/)
  })

  it('finds the generated token of a node bound beyond loopback, or fails with a hint', async () => {
    const guarded = await startApiNode({ apiHost: '0.0.0.0' })
    const refused = await runCli(['status', '--api', guarded.url, '--data-dir', '/nonexistent-dir'], { LIBERATION_API_TOKEN: '' })
    expect(refused.code).toBe(6)
    expect(refused.stderr).toMatch(/^liberation: .*bearer token.*--token/)
    const ok = await runCli(['status', '--api', guarded.url, '--data-dir', guarded.dataDir, '--json'], { LIBERATION_API_TOKEN: '' })
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout).health.peer_id).toBe(id(guarded))
  })
})
