/**
 * Signing and verification of Liberation records (truth messages, ledger batches,
 * topology beacons, routed messages).
 *
 * The core only sees these interfaces: each runtime plugs in the fastest implementation
 * it has. Node uses `node:crypto` with cached key objects (`@libp2p/crypto` rebuilds a
 * key object per call, several times slower: docs/benchmarks.md); the browser uses
 * `@libp2p/crypto` (WebCrypto or noble). Keys are raw 32-byte Ed25519 public keys, the libp2p identity key of the author
 * node, so a record's author maps to a peer id.
 */
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PeerId, PrivateKey } from '@libp2p/interface'

export interface Signer {
  /** raw 32-byte Ed25519 public key of the signing node */
  readonly publicKey: Uint8Array
  readonly peerId: PeerId
  sign(data: Uint8Array): Promise<Uint8Array>
}

export interface Verifier {
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>
}

export interface RecordCrypto {
  signer: Signer
  verifier: Verifier
}

export const ED25519_PUBLIC_KEY_LENGTH = 32
export const ED25519_SIGNATURE_LENGTH = 64

/** A signer backed by a libp2p private key: works on every platform. */
export function createLibp2pSigner (privateKey: PrivateKey): Signer {
  if (privateKey.type !== 'Ed25519') {
    throw new Error(`node identity must be an Ed25519 key, got ${privateKey.type}`)
  }
  const key = privateKey as Ed25519PrivateKey
  return {
    publicKey: key.publicKey.raw,
    peerId: peerIdFromPublicKey(key.publicKey),
    async sign (data) {
      return key.sign(data)
    }
  }
}

/**
 * A verifier backed by `@libp2p/crypto`, with a small cache of parsed public keys:
 * the hot path sees the same few hundred authors over and over.
 */
export function createLibp2pVerifier (cacheSize = 1024): Verifier {
  const cache = new Map<string, ReturnType<typeof publicKeyFromRaw>>()
  return {
    async verify (publicKey, data, signature) {
      if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
        return false
      }
      const id = keyId(publicKey)
      let key = cache.get(id)
      if (key == null) {
        key = publicKeyFromRaw(publicKey)
        if (cache.size >= cacheSize) { cache.delete(cache.keys().next().value as string) }
        cache.set(id, key)
      }
      try {
        return await key.verify(data, signature)
      } catch {
        return false
      }
    }
  }
}

export function createLibp2pRecordCrypto (privateKey: PrivateKey): RecordCrypto {
  return { signer: createLibp2pSigner(privateKey), verifier: createLibp2pVerifier() }
}

export async function generateIdentity (): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}

/** Peer id of the node owning a raw Ed25519 public key. */
export function peerIdFromRawKey (publicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey))
}

/** the two ASCII hex digits of every byte value, at 2 × value */
const HEX_DIGITS = new Uint8Array(512)
for (let i = 0; i < 256; i++) {
  const pair = i.toString(16).padStart(2, '0')
  HEX_DIGITS[2 * i] = pair.charCodeAt(0)
  HEX_DIGITS[2 * i + 1] = pair.charCodeAt(1)
}
const asciiDecoder = new TextDecoder()
let hexScratch = new Uint8Array(256)

/**
 * Lowercase hex. Ids and keys in hex are kept for long (indexes, caches, event history),
 * so this builds one flat string: appending two digits at a time leaves a tree of 64
 * string pieces per 32 bytes, which retains many times the bytes of a flat string, and
 * every young-generation GC of a busy node copies them (docs/benchmarks.md).
 */
export function toHex (bytes: Uint8Array): string {
  const n = bytes.length * 2
  if (hexScratch.length < n) {
    hexScratch = new Uint8Array(n)
  }
  for (let i = 0; i < bytes.length; i++) {
    const d = bytes[i] * 2
    hexScratch[2 * i] = HEX_DIGITS[d]
    hexScratch[2 * i + 1] = HEX_DIGITS[d + 1]
  }
  return asciiDecoder.decode(hexScratch.subarray(0, n))
}

export function fromHex (hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) { throw new Error('not a hex string') }
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) { out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) }
  return out
}

function keyId (publicKey: Uint8Array): string {
  return toHex(publicKey)
}
