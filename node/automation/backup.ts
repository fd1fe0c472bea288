/**
 * Backups of a node's data dir while it runs: the LevelDB at one point in time (a single
 * iterator reads from the snapshot LevelDB takes when it is created, so writes during the
 * copy are either wholly in or wholly out), the identity key, the API token and the config
 * file if there is one. A backup is written to `<backupDir>/.<name>.partial` and renamed
 * when complete, with a manifest (peer id, entries, SHA-256 of the entries) that restore
 * checks. The newest `keep` backups are kept.
 */
import { createHash, randomBytes } from 'node:crypto'
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { API_TOKEN_FILE } from '../api/token-file.ts'
import { IDENTITY_FILE } from '../identity.ts'
import type { MeshDatabase } from '../../protocol/storage/index.ts'

export const BACKUP_MANIFEST = 'manifest.json'
export const BACKUP_FORMAT = 1
/** files of the data dir that a backup holds besides the database */
export const BACKUP_FILES = [IDENTITY_FILE, API_TOKEN_FILE, 'config.json', 'config.yaml', 'config.yml']
const BACKUP_NAME = /^backup-\d{8}T\d{9}Z-[0-9a-f]{6}$/
const BATCH = 1000

export interface BackupManifest {
  format: number
  created_at: string
  peer_id: string
  entries: number
  bytes: number
  /** SHA-256 over every key and value in order, each length-prefixed */
  sha256: string
  files: string[]
}

export interface BackupInfo extends BackupManifest {
  name: string
  path: string
}

export interface BackupOptions {
  dataDir: string
  backupDir: string
  peerId: string
  /** backups kept (the newest); default 7 */
  keep?: number
  now?(): number
}

/** hashes entries the same way for backup and verification */
export class EntryDigest {
  private readonly hash = createHash('sha256')
  entries = 0
  bytes = 0
  add (key: Uint8Array, value: Uint8Array): void {
    const len = Buffer.alloc(8)
    len.writeUInt32BE(key.byteLength, 0)
    len.writeUInt32BE(value.byteLength, 4)
    this.hash.update(len).update(key).update(value)
    this.entries++
    this.bytes += key.byteLength + value.byteLength
  }

  digest (): string { return this.hash.digest('hex') }
}

function stamp (ms: number): string {
  // milliseconds included: names sort by time, which retention relies on
  return new Date(ms).toISOString().replace(/[-:.]/g, '')
}

async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}

export async function createBackup (db: MeshDatabase, opts: BackupOptions): Promise<BackupInfo> {
  const now = (opts.now ?? Date.now)()
  const name = `backup-${stamp(now)}-${randomBytes(3).toString('hex')}`
  await mkdir(opts.backupDir, { recursive: true, mode: 0o700 })
  const partial = join(opts.backupDir, `.${name}.partial`)
  const final = join(opts.backupDir, name)
  await mkdir(partial, { mode: 0o700 })
  try {
    const out = new ClassicLevel<Uint8Array, Uint8Array>(join(partial, 'db'), { keyEncoding: 'view', valueEncoding: 'view' })
    await out.open()
    const digest = new EntryDigest()
    try {
      // one iterator: one implicit snapshot of the whole database
      const it = (db as any).iterator({ keyEncoding: 'view', valueEncoding: 'view' }) as AsyncIterable<[Uint8Array, Uint8Array]>
      let batch = out.batch()
      for await (const [key, value] of it) {
        digest.add(key, value)
        batch.put(key, value)
        if (batch.length >= BATCH) {
          await batch.write()
          batch = out.batch()
        }
      }
      await batch.write({ sync: true } as any)
    } finally {
      await out.close()
    }
    const files: string[] = []
    for (const file of BACKUP_FILES) {
      const from = join(opts.dataDir, file)
      if (!await exists(from)) { continue }
      await copyFile(from, join(partial, file))
      files.push(file)
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      created_at: new Date(now).toISOString(),
      peer_id: opts.peerId,
      entries: digest.entries,
      bytes: digest.bytes,
      sha256: digest.digest(),
      files
    }
    await writeFile(join(partial, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
    await rename(partial, final)
    return { ...manifest, name, path: final }
  } catch (err) {
    await rm(partial, { recursive: true, force: true })
    throw err
  }
}

/** complete backups in a backup dir, oldest first */
export async function listBackups (backupDir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(backupDir)
  } catch (err: any) {
    if (err.code === 'ENOENT') { return [] }
    throw err
  }
  return names.filter(n => BACKUP_NAME.test(n)).sort()
}

/** removes all but the newest `keep` backups and leftovers of interrupted ones; returns how many */
export async function pruneBackups (backupDir: string, keep: number): Promise<number> {
  const names = await listBackups(backupDir)
  const old = names.slice(0, Math.max(0, names.length - keep))
  let removed = 0
  for (const n of old) {
    await rm(join(backupDir, n), { recursive: true, force: true })
    removed++
  }
  return removed
}
