/**
 * Ed25519 for the Node runtime through `node:crypto` with cached KeyObjects: several
 * times the signs and verifies per second of `@libp2p/crypto`, which rebuilds a key object
 * per call (figures: docs/benchmarks.md).
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { RecordCrypto, Signer, Verifier } from '../protocol/crypto/index.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

// DER prefixes of PKCS#8 / SPKI wrappers around raw Ed25519 keys
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function createNodeSigner (privateKey: PrivateKey): Signer {
  if (privateKey.type !== 'Ed25519') { throw new Error(`node identity must be Ed25519, got ${privateKey.type}`) }
  // libp2p's raw Ed25519 private key is seed (32) + public key (32)
  const seed = privateKey.raw.subarray(0, 32)
  const keyObject = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const publicKey = privateKey.publicKey.raw
  return {
    publicKey,
    peerId: peerIdFromPrivateKey(privateKey),
    async sign (data) {
      return new Uint8Array(sign(null, data, keyObject))
    }
  }
}

export interface NodeVerifierInit {
  /** public keys kept parsed (default 4096) */
  cacheSize?: number
}

/** a raw Ed25519 public key as a node:crypto KeyObject; throws for bytes that are not one */
export function ed25519PublicKey (publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
}

export function createNodeVerifier (init: NodeVerifierInit = {}): Verifier {
  const cacheSize = init.cacheSize ?? 4096
  const cache = new Map<string, KeyObject>()
  return {
    async verify (publicKey, data, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) { return false }
      const id = Buffer.from(publicKey).toString('base64')
      let key = cache.get(id)
      if (key == null) {
        try {
          key = ed25519PublicKey(publicKey)
        } catch {
          return false
        }
        if (cache.size >= cacheSize) { cache.delete(cache.keys().next().value as string) }
        cache.set(id, key)
      }
      // on libuv's thread pool: a page of records checked together verifies on every
      // core while this thread decodes the next ones
      const k = key
      return new Promise<boolean>(resolve => {
        try {
          verify(null, data, k, signature, (err, ok) => { resolve(err == null && ok) })
        } catch {
          resolve(false)
        }
      })
    }
  }
}

export function createNodeRecordCrypto (privateKey: PrivateKey): RecordCrypto {
  return { signer: createNodeSigner(privateKey), verifier: createNodeVerifier() }
}
