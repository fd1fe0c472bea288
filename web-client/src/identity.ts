/**
 * The tab's persistent Ed25519 identity, kept in its own IndexedDB sublevel: created on
 * first start, reused afterwards, so the peer id (and the authorship of everything this
 * tab signs) survives reloads and restarts of the browser.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { openStore } from '../../protocol/storage/index.ts'
import type { MeshDatabase } from '../../protocol/storage/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const KEY = 'private-key'

export async function loadOrCreateIdentity (db: MeshDatabase): Promise<PrivateKey> {
  const store = openStore(db, 'identity')
  const bytes = await store.get(KEY)
  if (bytes != null) {
    try {
      const key = privateKeyFromProtobuf(bytes)
      if (key.type !== 'Ed25519') { throw new Error(`expected an Ed25519 key, found ${key.type}`) }
      return key
    } catch (err: any) {
      // never replace a key silently: the peer id is the tab's authorship
      throw new Error(`the stored identity is corrupt (${err.message}); clear this site's data to start afresh`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await store.put(KEY, privateKeyToProtobuf(key))
  return key
}
