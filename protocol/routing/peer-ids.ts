/**
 * Peer ids on the wire are multihash bytes; in the API and in memory they are the usual
 * base58 strings. Conversions from the wire are validated (a malformed id throws) and
 * cached, because the same few hundred ids arrive over and over in beacons.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { peerIdFromRawKey, toHex } from '../crypto/index.ts'
import type { PeerId } from '@libp2p/interface'

const CACHE_SIZE = 16_384

class BoundedCache<V> {
  private readonly map = new Map<string, V>()
  constructor (private readonly size: number) {}

  get (key: string): V | undefined {
    return this.map.get(key)
  }

  set (key: string, value: V): void {
    if (this.map.size >= this.size) { this.map.delete(this.map.keys().next().value as string) }
    this.map.set(key, value)
  }
}

const fromBytesCache = new BoundedCache<string>(CACHE_SIZE)
const toBytesCache = new BoundedCache<Uint8Array>(CACHE_SIZE)
const fromKeyCache = new BoundedCache<string>(CACHE_SIZE)
const keyOfCache = new BoundedCache<Uint8Array>(CACHE_SIZE)

/** The peer id string of multihash bytes from the wire; throws on anything malformed. */
export function peerIdStringFromBytes (bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length > 64) { throw new Error('bad peer id length') }
  const hex = toHex(bytes)
  const cached = fromBytesCache.get(hex)
  if (cached != null) { return cached }
  const id = peerIdFromMultihash(Digest.decode(bytes)).toString()
  fromBytesCache.set(hex, id)
  return id
}

/** Multihash bytes of a peer id string (or PeerId). */
export function peerIdToBytes (id: string | PeerId): Uint8Array {
  const key = id.toString()
  const cached = toBytesCache.get(key)
  if (cached != null) { return cached }
  const bytes = (typeof id === 'string' ? peerIdFromString(id) : id).toMultihash().bytes
  toBytesCache.set(key, bytes)
  return bytes
}

/** Peer id string of the node owning a raw Ed25519 public key; throws if it is not one. */
export function peerIdStringFromKey (publicKey: Uint8Array): string {
  if (publicKey.length !== 32) { throw new Error('bad public key length') }
  const hex = toHex(publicKey)
  const cached = fromKeyCache.get(hex)
  if (cached != null) { return cached }
  const id = peerIdFromRawKey(publicKey).toString()
  fromKeyCache.set(hex, id)
  return id
}

/** Raw Ed25519 public key inside a peer id, or undefined for key types we cannot verify. */
export function publicKeyOfPeer (id: string): Uint8Array | undefined {
  const cached = keyOfCache.get(id)
  if (cached != null) { return cached }
  let peer: PeerId
  try {
    peer = peerIdFromString(id)
  } catch {
    return undefined
  }
  if (peer.type !== 'Ed25519') { return undefined }
  const raw = peer.publicKey.raw
  keyOfCache.set(id, raw)
  return raw
}

/** A valid peer id string, or throws with a clear message. */
export function parsePeerId (id: string | PeerId): PeerId {
  if (typeof id !== 'string') { return id }
  try {
    return peerIdFromString(id)
  } catch {
    throw new Error(`not a peer id: ${JSON.stringify(id).slice(0, 80)}`)
  }
}
