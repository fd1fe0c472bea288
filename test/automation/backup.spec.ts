/**
 * Backups of a running node (real LevelDB, real API) taken while it writes, and restores
 * into a new data dir (humans, payments, truth messages, knowledge entries): the restored
 * node has the same peer id, the same /api/v1/stats and a ledger whose derived views agree
 * with its signed log.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pruneBackups, restoreBackup, verifyBackup } from '../../node/automation/index.ts'
import { defaultConfig, validateConfig } from '../../node/config/index.ts'
import { startNodeRuntime } from '../../node/runtime.ts'
import { api } from '../api/utils.ts'
import type { NodeRuntime } from '../../node/runtime.ts'

const dirs: string[] = []
const runtimes: NodeRuntime[] = []

async function tempDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'liberation-backup-'))
  dirs.push(d)
  return d
}

async function startOn (dataDir: string): Promise<{ runtime: NodeRuntime, url: string }> {
  const runtime = await startNodeRuntime(validateConfig({
    ...defaultConfig(),
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dht: false,
    relay: false,
    apiPort: 0,
    minConnections: 0,
    automation: { backupDir: join(dataDir, 'backups'), backupKeep: 2 }
  }))
  runtimes.push(runtime)
  return { runtime, url: runtime.api.url }
}

/** the stats that come from stored data (not uptime, sockets or in-memory routing) */
async function storedStats (url: string): Promise<Record<string, unknown>> {
  const s = (await api(url, 'GET', '/api/v1/stats')).body
  for (const k of ['uptime', 'peers', 'connections', 'ws_clients', 'known_nodes']) { delete s[k] }
  return s
}

describe('backup and restore', () => {
  afterAll(async () => {
    await Promise.allSettled(runtimes.map(async r => { await r.stop() }))
    await Promise.allSettled(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
  })

  it('a backup taken while the node writes restores to the same peer id and stats', async () => {
    const dataDir = await tempDir()
    const a = await startOn(dataDir)
    await writeFile(join(dataDir, 'config.json'), '{"apiPort": 0}\n')
    for (let i = 0; i < 20; i++) { expect((await api(a.url, 'POST', '/api/v1/humans', { id: `h${i}` })).status).toBe(201) }
    expect((await api(a.url, 'POST', '/api/v1/distribute')).body.paid).toBe(20)
    for (let i = 0; i < 5; i++) { expect((await api(a.url, 'POST', '/api/v1/truth/messages', { content: `note ${i}`, channels: ['social'] })).status).toBe(201) }
    for (let i = 0; i < 3; i++) { expect((await api(a.url, 'POST', '/api/v1/knowledge', { title: `fix ${i}`, content: `Restart relay ${i}.`, type: 'solution', tags: ['relay'] })).status).toBe(201) }

    // keep writing while the backup runs
    const writes = { on: true }
    let written = 0
    const writer = (async () => {
      while (writes.on && written < 2000) {
        await a.runtime.node.ledger.registerHuman({ id: `w${written}` })
        written++
      }
    })()
    const before = written
    const during = await api(a.url, 'POST', '/api/v1/automation/run-task/backup')
    const after = written
    writes.on = false
    await writer
    expect(during.status).toBe(200)
    expect(after).toBeGreaterThan(before)
    expect(during.body).toMatchObject({ task: 'backup', outcome: 'success', trigger: 'manual' })

    // that backup holds the database at one point: a prefix of the writes, integral
    const mid = await tempDir()
    await rm(mid, { recursive: true })
    const m1 = await restoreBackup(during.body.result.path, mid)
    expect(m1.peer_id).toBe(a.runtime.node.libp2p.peerId.toString())
    const r1 = await startOn(mid)
    const humans = (await api(r1.url, 'GET', '/api/v1/stats')).body.total_humans as number
    expect(humans).toBeGreaterThanOrEqual(20 + before)
    expect(humans).toBeLessThanOrEqual(20 + after)
    expect(await r1.runtime.node.ledger.verifyIntegrity()).toMatchObject({ ok: true })
    await r1.runtime.stop()

    // writes stopped: a second backup restores to exactly the node's stats
    const second = await api(a.url, 'POST', '/api/v1/automation/run-task/backup')
    expect(second.body.outcome).toBe('success')
    expect(second.body.result.entries).toBeGreaterThan(0)
    const expected = await storedStats(a.url)
    expect(expected).toMatchObject({ total_humans: 20 + written, truth_messages: 5, payments_this_week: 20, knowledge_entries: 3 })
    const peerId = a.runtime.node.libp2p.peerId.toString()
    await a.runtime.stop()

    const restoredDir = join(await tempDir(), 'restored')
    await restoreBackup(second.body.result.path, restoredDir)
    expect((await readdir(restoredDir)).sort()).toEqual(['config.json', 'db', 'identity.key'])
    const b = await startOn(restoredDir)
    expect(b.runtime.node.libp2p.peerId.toString()).toBe(peerId)
    expect(await storedStats(b.url)).toEqual(expected)
    expect(await b.runtime.node.ledger.verifyIntegrity()).toMatchObject({ ok: true })
    await b.runtime.stop()
  })

  it('restore refuses a non-empty data dir and a corrupt backup, and changes nothing', async () => {
    const dataDir = await tempDir()
    const a = await startOn(dataDir)
    await api(a.url, 'POST', '/api/v1/humans', { id: 'x' })
    const made = (await api(a.url, 'POST', '/api/v1/automation/run-task/backup')).body.result.path as string
    await a.runtime.stop()

    const occupied = await tempDir()
    await writeFile(join(occupied, 'keep.txt'), 'mine')
    await expect(restoreBackup(made, occupied)).rejects.toThrow(/not empty/)
    expect(await readdir(occupied)).toEqual(['keep.txt'])

    // a changed manifest digest: the entries no longer match
    const manifestPath = join(made, 'manifest.json')
    const { readFile } = await import('node:fs/promises')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
    await writeFile(manifestPath, JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }))
    await expect(verifyBackup(made)).rejects.toThrow(/corrupt/)
    const target = join(await tempDir(), 'new')
    await expect(restoreBackup(made, target)).rejects.toThrow(/corrupt/)
    await expect(readdir(target)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(restoreBackup(join(dataDir, 'nothing-here'), target)).rejects.toThrow(/not a backup/)
  })

  it('keeps the newest backups only', async () => {
    const dataDir = await tempDir()
    const a = await startOn(dataDir)
    const paths: string[] = []
    for (let i = 0; i < 4; i++) { paths.push((await api(a.url, 'POST', '/api/v1/automation/run-task/backup')).body.result.path) }
    const left = await readdir(join(dataDir, 'backups'))
    expect(left.sort()).toEqual(paths.slice(2).map(p => p.split('/').pop()).sort())
    expect(await pruneBackups(join(dataDir, 'backups'), 1)).toBe(1)
    await a.runtime.stop()
  })
})
