import { afterAll, describe, expect, it } from 'vitest'
import { generateOpenApiDocument } from '../../node/api/openapi.ts'
import { TestMesh } from '../utils/mesh.ts'
import { runCli, spawnCli } from '../utils/process.ts'

describe('liberation start / id', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  async function startOnce (dataDir: string): Promise<{ peerId: string, addresses: string[], api: string }> {
    const p = spawnCli(['start', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws',
      '--api-port', '0', '--no-mdns'])
    try {
      await p.waitForLine(/^listening/m)
      const peerId = p.stdout().match(/peer id: (\S+)/)![1]
      const addresses = [...p.stdout().matchAll(/address: (\S+)/g)].map(m => m[1])
      const api = p.stdout().match(/api: (\S+)/)![1]
      const health = await (await fetch(`${api}/health`)).json()
      expect(health.peer_id).toBe(peerId)
      expect(health.uptime_ms).toBeGreaterThanOrEqual(0)
      expect(health.connections).toBe(0)
      // the built CLI serves the document generated at build time: the routes' own
      expect(await (await fetch(`${api}/openapi.json`)).json()).toEqual(await generateOpenApiDocument())
      const docs = await fetch(`${api}/docs`)
      expect(docs.status).toBe(200)
      expect(await docs.text()).toMatch(/swagger-initializer\.js/)
      return { peerId, addresses, api }
    } finally {
      p.child.kill('SIGTERM')
      const code = await p.exited
      expect(code).toBe(0)
      expect(p.stdout()).toMatch(/SIGTERM: shutting down\nstopped\n/)
    }
  }

  it('prints peer id, addresses and API URL; keeps the peer id across restarts', async () => {
    const dir = await mesh.tempDir()
    const first = await startOnce(dir)
    expect(first.peerId).toMatch(/^12D3KooW/)
    expect(first.addresses.some(a => /\/tcp\/\d+\/p2p\//.test(a))).toBe(true)
    expect(first.addresses.some(a => /\/ws\/p2p\//.test(a))).toBe(true)
    expect(first.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const second = await startOnce(dir)
    expect(second.peerId).toBe(first.peerId)

    const id = await runCli(['id', '--data-dir', dir])
    expect(id.code).toBe(0)
    expect(id.stdout.trim()).toBe(first.peerId)
  })

  it('a second node on the same data dir fails with a clear error', async () => {
    const dir = await mesh.tempDir()
    const p = spawnCli(['start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--no-mdns'])
    try {
      await p.waitForLine(/^listening/m)
      const again = await runCli(['start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--no-mdns'])
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/another node running on this data dir/)
    } finally {
      p.child.kill('SIGINT')
      expect(await p.exited).toBe(0)
    }
  })

  it('id on an empty data dir is an error', async () => {
    const dir = await mesh.tempDir()
    const r = await runCli(['id', '--data-dir', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no identity in/)
  })
})
