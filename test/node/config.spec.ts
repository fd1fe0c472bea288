import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../node/config/index.ts'
import { TestMesh } from '../utils/mesh.ts'
import { runCli } from '../utils/process.ts'

describe('config', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('layers defaults < file < env < flags', async () => {
    const dir = await mesh.tempDir()
    const file = join(dir, 'config.yaml')
    await writeFile(file, 'apiPort: 5000\nminConnections: 2\nbootstrap:\n  - /ip4/127.0.0.1/tcp/4101/p2p/12D3KooWQrL57Be9rcED9nXEhtZTQ2GE6nxkyWdZ6aWL4teeQ1Ar\n')
    const config = await loadConfig({
      configFile: file,
      env: { LIBERATION_API_PORT: '5001', LIBERATION_MDNS: 'false', LIBERATION_DATA_DIR: dir },
      flags: { apiPort: 5002, dht: undefined }
    })
    expect(config.apiPort).toBe(5002)
    expect(config.mdns).toBe(false)
    expect(config.minConnections).toBe(2)
    expect(config.dht).toBe(true)
    expect(config.dataDir).toBe(dir)
    expect(config.bootstrap).toHaveLength(1)
    expect(config.apiHost).toBe('127.0.0.1')
  })

  const bad: Array<[string, () => Promise<unknown>, string]> = [
    ['a port out of range', () => loadConfig({ env: {}, flags: { apiPort: 70000 } }), 'apiPort'],
    ['a malformed multiaddr', () => loadConfig({ env: { LIBERATION_LISTEN: '/ip4/127.0.0.1/tcp/0,nonsense' } }), 'listen.1'],
    ['a non-boolean env value', () => loadConfig({ env: { LIBERATION_MDNS: 'maybe' } }), 'mdns'],
    ['a non-integer env value', () => loadConfig({ env: { LIBERATION_MAX_CONNECTIONS: 'lots' } }), 'maxConnections'],
    ['min above max', () => loadConfig({ env: {}, flags: { minConnections: 10, maxConnections: 5 } }), 'minConnections'],
    ['an API host that is not an IP', () => loadConfig({ env: {}, flags: { apiHost: 'example.org' } }), 'apiHost'],
    ['an unknown setting', () => loadConfig({ env: {}, flags: { colour: 'red' } }), 'colour']
  ]
  for (const [what, load, key] of bad) {
    it(`rejects ${what}, naming the key`, async () => {
      let caught: unknown
      try { await load() } catch (err) { caught = err }
      expect(caught).toBeInstanceOf(ConfigError)
      expect((caught as ConfigError).key).toBe(key)
      expect((caught as ConfigError).message).toMatch(new RegExp(`^invalid config: ${key.replace('.', '\\.')}: `))
    })
  }

  it('rejects a config file that is not valid YAML or not an object', async () => {
    const dir = await mesh.tempDir()
    await writeFile(join(dir, 'a.yaml'), 'apiPort: [1, 2\n')
    await writeFile(join(dir, 'b.json'), '[1, 2]')
    await expect(loadConfig({ env: {}, configFile: join(dir, 'a.yaml') })).rejects.toThrow(/^invalid config: config: .*not valid YAML/)
    await expect(loadConfig({ env: {}, configFile: join(dir, 'b.json') })).rejects.toThrow(/must hold an object/)
    await expect(loadConfig({ env: {}, configFile: join(dir, 'missing.json') })).rejects.toThrow(/cannot read/)
  })

  it('the CLI exits 2 with a one-line error naming the key', async () => {
    const dir = await mesh.tempDir()
    const r = await runCli(['start', '--data-dir', dir, '--api-port', 'abc'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^liberation: --api-port must be a port number from 0 to 65535, not "abc"/)
    const env = await runCli(['start', '--data-dir', dir], { LIBERATION_LISTEN: 'not-a-multiaddr' })
    expect(env.code).toBe(2)
    expect(env.stderr.trim()).toBe('liberation: invalid config: listen.0: not a valid multiaddr')
    const unknown = await runCli(['start', '--frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/)
  })
})
