/**
 * What an operator hit with the CLI, through subprocesses against real nodes: short ids,
 * posting to a new channel, the commands the API had and the CLI lacked, numbers and words,
 * lists cut by --limit, terminal width, and clear start-up failures.
 */
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, peerIdOf as id, startApiLine, stopAll } from '../api/utils.ts'
import { waitFor } from '../utils/mesh.ts'
import { runCli, spawnCli } from '../utils/process.ts'
import type { ApiNode } from '../api/utils.ts'

describe('operator CLI', () => {
  let a: ApiNode
  let b: ApiNode
  const cli = async (n: ApiNode, ...args: string[]): ReturnType<typeof runCli> => runCli([...args, '--api', n.url])

  beforeAll(async () => {
    [a, b] = await startApiLine(2)
  })
  afterAll(async () => { await stopAll() })

  it('short ids as lists show them are accepted; unknown ones are clear', async () => {
    const post = await cli(a, 'truth', 'post', 'short ids work', '--json')
    const full = JSON.parse(post.stdout).id as string
    const got = await cli(a, 'truth', 'get', full.slice(0, 12), '--json')
    expect(got.code, got.stderr).toBe(0)
    expect(JSON.parse(got.stdout).id).toBe(full)
    const none = await cli(a, 'truth', 'get', full.startsWith('0000') ? 'ffff' : '0000')
    expect(none.code).toBe(4)
    expect(none.stderr).toMatch(/^liberation: no truth message 0000|^liberation: no truth message ffff/)

    await waitFor(async () => (await api(a.url, 'GET', `/api/v1/mesh/routes/${id(b)}`)).status === 200, 'a route to b', 20_000, 200)
    const shortPeer = `${id(b).slice(0, 8)}…${id(b).slice(-6)}`
    const send = await cli(a, 'send', shortPeer, 'hello by short id')
    expect(send.code, send.stderr).toBe(0)
    // the receiving node shows it in its inbox
    const inbox = await cli(b, 'inbox')
    expect(inbox.code, inbox.stderr).toBe(0)
    expect(inbox.stdout).toMatch(/^RECEIVED +FROM +HOPS +MESSAGE$/m)
    expect(inbox.stdout).toContain('hello by short id')
    expect(inbox.stdout).toContain(id(a))
  })

  it('a post to a channel nobody follows says so; the CLI can subscribe', async () => {
    const post = await cli(a, 'truth', 'post', 'anyone here?', '-c', 'fresh-a', '-c', 'fresh-b')
    expect(post.code, post.stderr).toBe(0)
    expect(post.stdout).toMatch(/^sent to: +0 peers: no connected peer follows fresh-a, fresh-b yet/m)
    const sub = await cli(b, 'truth', 'subscribe', 'fresh-a')
    expect(sub.code, sub.stderr).toBe(0)
    expect(sub.stdout).toBe('subscribed to fresh-a\n')
    expect(b.runtime.node.truth.subscriptions()).toContain('fresh-a')
    const left = await cli(b, 'truth', 'unsubscribe', 'fresh-a')
    expect(left.stdout).toBe('left fresh-a\n')
    expect(b.runtime.node.truth.subscriptions()).not.toContain('fresh-a')
  })

  it('humans activate, distribution history, notifications; grouped numbers, plurals and the next-due hint', async () => {
    expect((await cli(a, 'humans', 'add', 'solo')).code).toBe(0)
    expect((await cli(a, 'humans', 'deactivate', 'solo')).code).toBe(0)
    const activated = await cli(a, 'humans', 'activate', 'solo')
    expect(activated.code, activated.stderr).toBe(0)
    expect(activated.stdout).toMatch(/^status: +active$/m)

    const first = await cli(a, 'distribute')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^paid: +1 human$/m)
    expect(first.stdout).toMatch(/^remaining wealth: +18,999,999,999,200\.00$/m)
    const second = await cli(a, 'distribute')
    expect(second.stdout).toMatch(/^paid: +0 humans$/m)
    expect(second.stdout).toMatch(/^already paid: +1 human$/m)
    expect(second.stdout).toMatch(/^next due: +\d{4}-W\d{2} \(from Monday \d{4}-\d{2}-\d{2} UTC\)$/m)

    const history = await cli(a, 'history')
    expect(history.code, history.stderr).toBe(0)
    expect(history.stdout).toMatch(/^WEEK +HUMAN +AMOUNT/m)
    expect(history.stdout).toMatch(/solo +800\.00/)

    const notes = await cli(a, 'notifications')
    expect(notes.code, notes.stderr).toBe(0)
    expect(notes.stdout).toMatch(/^ID +CREATED +PRIORITY +READ +TITLE/m)
    const noteId = notes.stdout.split('\n')[1].split(/\s+/)[0]
    const read = await cli(a, 'notifications', 'read', noteId)
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toMatch(/^read: +yes$/m)

    const status = await cli(a, 'status')
    expect(status.stdout).toMatch(/^remaining wealth: +18,999,999,999,200\.00$/m)
  })

  it('lists say when more exist; tables fit the terminal width', async () => {
    for (const h of ['w1', 'w2', 'w3']) { await api(a.url, 'POST', '/api/v1/humans', { id: h }) }
    const cut = await cli(a, 'humans', 'list', '--limit', '2')
    expect(cut.stdout.trim().split('\n')).toHaveLength(4)
    expect(cut.stdout).toMatch(/^… more humans than the 2 shown: use --limit 4/m)
    const all = await cli(a, 'humans', 'list', '--limit', '100')
    expect(all.stdout).not.toMatch(/more humans/)

    await api(a.url, 'POST', '/api/v1/truth/messages', { content: 'x'.repeat(200) })
    const wide = await runCli(['truth', 'list', '--api', a.url], { COLUMNS: '70' })
    expect(wide.code, wide.stderr).toBe(0)
    for (const line of wide.stdout.trimEnd().split('\n')) { expect(line.length, line).toBeLessThanOrEqual(70) }
  })

  it('tail prints one short line per event: no 64-hex ids, no signatures, no raw JSON', async () => {
    const tail = spawnCli(['tail', '--channels', 'truth', '--count', '1', '--api', a.url], { env: { COLUMNS: '120' } })
    await waitFor(async () => (await api(a.url, 'GET', '/api/v1/realtime/ws/stats')).body.clients === 1, 'tail connected')
    await api(a.url, 'POST', '/api/v1/truth/messages', { content: 'tail me', priority: 2 })
    expect(await tail.exited).toBe(0)
    const lines = tail.stdout().trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0].length).toBeLessThanOrEqual(120)
    expect(lines[0]).toMatch(/truth /)
    expect(lines[0]).not.toMatch(/[0-9a-f]{40}|\{"|signature/)
  })

  it('tail prints a direct message once, on whichever channels it follows', async () => {
    const tail = spawnCli(['tail', '--channels', 'mesh,events,notifications', '--api', a.url], { env: { COLUMNS: '200' } })
    try {
      // its own welcome, not the feed's client count (another test's tail may be connected)
      await waitFor(() => tail.stderr().includes('following mesh, events, notifications'), 'tail connected', 60_000)
      await waitFor(async () => (await api(b.url, 'POST', '/api/v1/mesh/send', { target: id(a), payload: 'dm-once' })).status === 200, 'direct message sent')
      // a later notification: the feed is in order, so once it is printed, every line of the message is too
      expect((await api(a.url, 'POST', '/api/v1/notifications', { type: 'system_alert', title: 'tail-marker' })).status).toBe(201)
      await tail.waitForLine(/tail-marker/, 30_000)
      const lines = tail.stdout().split('\n').filter(l => l.includes('dm-once'))
      expect(lines, tail.stdout()).toHaveLength(1)
      expect(lines[0]).toMatch(/ mesh message .*payload=/)
    } finally {
      tail.child.kill('SIGTERM')
      await tail.exited
    }
  })

  it('--log-level debug prints every event; info does not', async () => {
    const run = async (level: string): Promise<string> => {
      const p = spawnCli(['start', '--data-dir', `${a.dataDir}-log-${level}`, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--no-mdns', '--no-dht', '--log-level', level])
      try {
        const [, url] = await p.waitForLine(/^api: (\S+)$/m, 60_000)
        await p.waitForLine(/^listening/m)
        // the event is emitted before the post is answered: its line is written by then
        expect((await api(url, 'POST', '/api/v1/truth/messages', { content: `log ${level}` })).status).toBe(201)
        if (level === 'debug') { await p.waitForLine(/^debug: truth /m) }
        return p.stdout()
      } finally {
        p.child.kill('SIGTERM')
        await p.exited
      }
    }
    expect(await run('debug')).toMatch(/^debug: truth \S+ .*id=[0-9a-f]{12}/m)
    expect(await run('info')).not.toMatch(/^debug:/m)
  })

  it('start-up failures name the flag: bootstrap without /p2p, API port in use, listen port in use', async () => {
    const noId = await runCli(['start', '--bootstrap', '/ip4/127.0.0.1/tcp/4101', '--data-dir', a.dataDir])
    expect(noId.code).toBe(2)
    expect(noId.stderr).toMatch(/^liberation: invalid config: bootstrap\.0: a bootstrap address must end in \/p2p\/<peer id>/)

    const blocker = createServer()
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const dir = `${a.dataDir}-busy`
      const apiBusy = await runCli(['start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', String(port), '--no-mdns', '--no-dht'])
      expect(apiBusy.code).toBe(3)
      expect(apiBusy.stderr.trim().split('\n')).toHaveLength(1)
      expect(apiBusy.stderr).toMatch(new RegExp(`^liberation: the API address 127\\.0\\.0\\.1:${port} is already in use: pick another with --api-port`))

      const p2pBusy = await runCli(['start', '--data-dir', `${dir}2`, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--api-port', '0', '--no-mdns', '--no-dht'])
      expect(p2pBusy.code).toBe(3)
      expect(p2pBusy.stderr).toMatch(new RegExp(`^liberation: cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${port}.*--listen`))
      expect(p2pBusy.stderr).not.toMatch(/faultTolerance/)
    } finally {
      blocker.close()
    }
  })
})
