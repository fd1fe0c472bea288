/**
 * Problem #7 of the operator's node: a bootstrap address that cannot be reached was
 * accepted silently and `status` said ok. The node runs as the built CLI in a subprocess;
 * status is read through the CLI and over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, describe, expect, it } from 'vitest'
import { api, startApiNode, stopAll } from '../api/utils.ts'
import { runCli, spawnCli } from '../utils/process.ts'
import { waitFor } from '../utils/wait.ts'
import type { CliProcess } from '../utils/process.ts'

const children: CliProcess[] = []
const dirs: string[] = []

afterAll(async () => {
  for (const c of children) {
    c.child.kill('SIGTERM')
    await c.exited
  }
  await stopAll()
  await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
})

/** a port nothing listens on: bound, then released */
async function deadPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>(resolve => server.close(() => { resolve() }))
  return port
}

async function startCli (bootstrap: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'liberation-bootstrap-'))
  dirs.push(dir)
  const p = spawnCli(['start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--api-host', '127.0.0.1',
    '--no-mdns', '--no-dht', '--no-relay', '--bootstrap', bootstrap], { env: { LIBERATION_MIN_CONNECTIONS: '0' } })
  children.push(p)
  const [, url] = await p.waitForLine(/^api: (\S+)$/m, 30_000)
  return url
}

describe('bootstrap reachability in status (#7)', () => {
  it('a dead bootstrap address makes status degraded, naming the address (CLI and HTTP)', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const dead = `/ip4/127.0.0.1/tcp/${await deadPort()}/p2p/${id}`
    const url = await startCli(dead)

    await waitFor(async () => (await api(url, 'GET', '/api/v1/health')).body.status === 'degraded', 'status degraded', 20_000, 200)
    const health = (await api(url, 'GET', '/api/v1/health')).body
    expect(health.problems).toHaveLength(1)
    expect(health.problems[0]).toContain(`bootstrap ${dead} unreachable: `)
    expect(health.problems[0]).toMatch(/ECONNREFUSED|refused/i)
    expect(health.bootstrap).toEqual([expect.objectContaining({ address: dead, state: 'unreachable', failures: expect.any(Number) })])
    // the node's root document says so too
    expect((await api(url, 'GET', '/')).body.status).toBe('degraded')

    const status = await runCli(['status', '--api', url])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^status: +degraded$/m)
    expect(status.stdout).toContain(`bootstrap ${dead} unreachable: `)
    const json = JSON.parse((await runCli(['status', '--api', url, '--json'])).stdout)
    expect(json.health.problems[0]).toContain(dead)
  })

  it('a live bootstrap address is reported connected and status stays ok', async () => {
    const seed = await startApiNode()
    const live = seed.runtime.node.libp2p.getMultiaddrs()[0].toString()
    const url = await startCli(live)
    await waitFor(async () => (await api(url, 'GET', '/api/v1/health')).body.bootstrap?.[0]?.state === 'connected', 'bootstrap connected', 20_000, 200)
    const health = (await api(url, 'GET', '/api/v1/health')).body
    expect(health.status).toBe('ok')
    expect(health.problems).toEqual([])
    const status = await runCli(['status', '--api', url])
    expect(status.stdout).toMatch(/^status: +ok$/m)
    expect(status.stdout).not.toMatch(/problems/)
  })
})
