/**
 * The node's persistent Ed25519 identity: a protobuf-encoded libp2p private key in
 * `<dataDir>/identity.key` (mode 0600). Created on first start, reused afterwards, so the
 * peer id survives restarts.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const IDENTITY_FILE = 'identity.key'

export async function loadIdentity (dataDir: string): Promise<PrivateKey | undefined> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    if (err.code === 'ENOENT') { return undefined }
    throw err
  }
  try {
    const key = privateKeyFromProtobuf(bytes)
    if (key.type !== 'Ed25519') { throw new Error(`expected an Ed25519 key, found ${key.type}`) }
    return key
  } catch (err: any) {
    throw new Error(`identity file ${path} is corrupt: ${err.message}`)
  }
}

export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const existing = await loadIdentity(dataDir)
  if (existing != null) { return existing }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  const path = join(dataDir, IDENTITY_FILE)
  // write-then-rename so a crash never leaves a half-written key behind
  await writeFile(path + '.tmp', privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(path + '.tmp', path)
  return key
}
