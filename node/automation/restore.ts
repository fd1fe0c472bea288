/**
 * `liberation restore <backup> --data-dir <new>`: checks a backup against its manifest
 * (every entry hashed again, the identity matching the peer id) and only then copies it
 * into a new, empty data dir. A node started on that dir has the backup's peer id and data.
 */
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ClassicLevel } from 'classic-level'
import { loadIdentity, IDENTITY_FILE } from '../identity.ts'
import { BACKUP_FILES, BACKUP_FORMAT, BACKUP_MANIFEST, EntryDigest } from './backup.ts'
import type { BackupManifest } from './backup.ts'

export class RestoreError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RestoreError'
  }
}

export async function readManifest (backupPath: string): Promise<BackupManifest> {
  let text: string
  try {
    text = await readFile(join(backupPath, BACKUP_MANIFEST), 'utf8')
  } catch (err: any) {
    throw new RestoreError(`${backupPath} is not a backup: no readable ${BACKUP_MANIFEST} (${err.code ?? err.message})`)
  }
  let m: BackupManifest
  try {
    m = JSON.parse(text)
  } catch {
    throw new RestoreError(`${join(backupPath, BACKUP_MANIFEST)} is not valid JSON`)
  }
  if (m?.format !== BACKUP_FORMAT || typeof m.sha256 !== 'string' || typeof m.peer_id !== 'string' || !Array.isArray(m.files)) {
    throw new RestoreError(`${join(backupPath, BACKUP_MANIFEST)} is not a format-${BACKUP_FORMAT} backup manifest`)
  }
  return m
}

/** hashes the backup's database again and checks its identity; throws RestoreError on any mismatch */
export async function verifyBackup (backupPath: string): Promise<BackupManifest> {
  const manifest = await readManifest(backupPath)
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(backupPath, 'db'), { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
  const digest = new EntryDigest()
  try {
    await db.open({ readOnly: true } as any)
    for await (const [key, value] of db.iterator()) { digest.add(key, value) }
  } catch (err: any) {
    throw new RestoreError(`the backup's database cannot be read: ${err.cause?.message ?? err.message}`)
  } finally {
    await db.close().catch(() => {})
  }
  if (digest.entries !== manifest.entries || digest.digest() !== manifest.sha256) {
    throw new RestoreError(`the backup is corrupt: its database does not match the manifest (${digest.entries} entries, manifest ${manifest.entries})`)
  }
  let key
  try {
    key = await loadIdentity(backupPath)
  } catch (err: any) {
    throw new RestoreError(err.message)
  }
  if (key == null) { throw new RestoreError(`the backup has no ${IDENTITY_FILE}`) }
  const peerId = peerIdFromPrivateKey(key).toString()
  if (peerId !== manifest.peer_id) { throw new RestoreError(`the backup's identity is ${peerId}, its manifest says ${manifest.peer_id}`) }
  return manifest
}

export async function restoreBackup (backupPath: string, dataDir: string): Promise<BackupManifest> {
  const from = resolve(backupPath)
  const to = resolve(dataDir)
  let existing: string[] = []
  try {
    existing = await readdir(to)
  } catch (err: any) {
    if (err.code !== 'ENOENT') { throw new RestoreError(`cannot read ${to}: ${err.code ?? err.message}`) }
  }
  if (existing.length > 0) { throw new RestoreError(`${to} is not empty: restore only into a new data dir`) }
  const manifest = await verifyBackup(from)
  await mkdir(to, { recursive: true, mode: 0o700 })
  try {
    await cp(join(from, 'db'), join(to, 'db'), { recursive: true })
    for (const file of manifest.files) {
      if (!BACKUP_FILES.includes(file)) { continue }
      await cp(join(from, file), join(to, file))
    }
  } catch (err: any) {
    await rm(to, { recursive: true, force: true })
    throw new RestoreError(`restore into ${to} failed: ${err.message}`)
  }
  return manifest
}
