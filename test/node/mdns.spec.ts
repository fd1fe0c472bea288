/**
 * mDNS needs multicast, which loopback lacks: this test builds two network namespaces
 * joined by a veth pair (test/utils/netns.ts; no root needed), runs a real
 * `liberation start` in each, and waits for them to discover and connect to each other.
 * Only the namespaces it creates carry traffic; they vanish with their holders.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLan } from '../utils/netns.ts'
import { spawnCli } from '../utils/process.ts'
import type { Netns } from '../utils/netns.ts'
import type { CliProcess } from '../utils/process.ts'

const subnet = `10.${77 + (process.pid % 50)}.${process.pid % 250}`
const ips: [string, string] = [`${subnet}.1`, `${subnet}.2`]

describe('mDNS discovery across two network namespaces', () => {
  const procs: CliProcess[] = []
  const dirs: string[] = []

  let lan: Netns[] = []

  beforeAll(async () => {
    lan = await createLan(ips)
  })

  afterAll(async () => {
    for (const p of procs) { p.child.kill('SIGKILL') }
    await Promise.allSettled(procs.map(async p => p.exited))
    await Promise.allSettled(lan.map(async n => { await n.close() }))
    await Promise.allSettled(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
  })

  it('two nodes find each other over mDNS and connect', async () => {
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'liberation-mdns-'))
      dirs.push(dir)
      procs.push(spawnCli([
        'start', '--data-dir', dir, '--listen', `/ip4/${ips[i]}/tcp/0`, '--api-port', '0',
        '--no-dht', '--no-relay'
      ], { command: lan[i].enter }))
    }
    const ids = await Promise.all(procs.map(async p => (await p.waitForLine(/peer id: (\S+)/))[1]))
    expect(ids[0]).not.toBe(ids[1])
    // each side reports a connection to the other: discovered by mDNS, dialled by the keeper
    await procs[0].waitForLine(new RegExp(`peer connected: ${ids[1]}`), 20_000)
    await procs[1].waitForLine(new RegExp(`peer connected: ${ids[0]}`), 20_000)
    // neither was given the other's address: mDNS was the only way to learn it
    expect(procs[0].stdout()).toContain(`address: /ip4/${ips[0]}/tcp/`)
  })
})
