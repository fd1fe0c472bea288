/** LevelDB (classic-level) storage for the Node runtime, behind the core's MeshDatabase. */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import type { MeshDatabase } from '../protocol/storage/index.ts'

export async function openNodeDatabase (dataDir: string): Promise<MeshDatabase> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const db = new ClassicLevel<string, Uint8Array>(join(dataDir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err: any) {
    const cause = err.cause?.code === 'LEVEL_LOCKED' || err.code === 'LEVEL_LOCKED' ? ' (is another node running on this data dir?)' : ''
    throw new Error(`cannot open the database in ${dataDir}${cause}: ${err.cause?.message ?? err.message}`)
  }
  return db as unknown as MeshDatabase
}
