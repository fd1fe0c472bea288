import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../node/config/index.ts'
import { createCharter } from '../../protocol/ledger/charter.ts'
import { startApiNode, stopAll } from '../api/utils.ts'
import { TestMesh } from '../utils/mesh.ts'
import { runCli } from '../utils/process.ts'

describe('config', () => {
  const mesh = new TestMesh()
  afterAll(async () => {
    await stopAll()
    await mesh.cleanup()
  })

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
    ['an unknown setting', () => loadConfig({ env: {}, flags: { colour: 'red' } }), 'colour'],
    ['a charter amount that is not an amount', () => loadConfig({ env: { LIBERATION_MAX_WEEKLY_FLOW: 'lots' } }), 'charter.maxWeeklyFlow'],
    ['an unknown charter key', () => loadConfig({ env: {}, flags: { charter: { maxRent: '5.00' } } }), 'charter.maxRent']
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

  it('takes the charter from the file, env and flags key by key, and the node runs under it', async () => {
    const dir = await mesh.tempDir()
    const file = join(dir, 'config.json')
    await writeFile(file, JSON.stringify({ charter: { poolTotal: '5000.00', maxWeeklyFlow: '100.00' } }))
    const config = await loadConfig({
      configFile: file,
      env: { LIBERATION_MAX_WEEKLY_FLOW: '200.00', LIBERATION_DATA_DIR: dir },
      flags: { charter: { maxHousingCredit: '10.00' } }
    })
    expect(config.charter).toEqual({ poolTotal: '5000.00', maxWeeklyFlow: '200.00', maxHousingCredit: '10.00' })
    const node = await startApiNode({ charter: config.charter })
    const stats = await node.runtime.node.ledger.stats()
    expect(stats.charter).toBe(createCharter(config.charter).id)
    expect(stats.charter).not.toBe(createCharter().id)
    expect(stats.poolTotal).toBe('5000.00')
    // defaults are held to the charter's lower maxima; more than the maximum is refused
    await expect(node.runtime.node.ledger.registerHuman({ id: 'alice', weeklyFlow: '250.00' })).rejects.toThrow(/weekly_flow 250\.00 is above the charter's 200\.00/)
    await expect(node.runtime.node.ledger.registerHuman({ id: 'alice' })).resolves.toMatchObject({ weeklyFlow: '200.00', housingCredit: '10.00', investmentPool: '104000.00' })
  })

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
    const charter = await runCli(['start', '--data-dir', dir, '--max-weekly-flow', 'x'])
    expect(charter.code).toBe(2)
    expect(charter.stderr.trim()).toBe('liberation: invalid config: charter.maxWeeklyFlow: must be an amount like "800.00"')
    const unknown = await runCli(['start', '--frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/)
  })
})
