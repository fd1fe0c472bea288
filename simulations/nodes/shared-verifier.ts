/**
 * One signature verifier shared by every node of an in-process simulation, remembering
 * its answers: a record flooded through the mesh reaches every node with the same bytes,
 * and each node verifying it again is the same Ed25519 check a thousand times over, the
 * largest single CPU cost of a large run. Real nodes each verify on their own; that cost
 * is charged to no simulated time anyway, so sharing the answer changes no figure a run
 * reports, only how long it takes.
 *
 * An answer is looked up by signature and holds only for the same public key and the
 * same bytes (compared in full), so a forged or altered record misses the cache and is
 * verified, as before. Sim-only: a real node must never take another node's word.
 */
import { verify as verifySignature } from 'node:crypto'
import { ed25519PublicKey } from '../../node/crypto.ts'
import type { Verifier } from '../../protocol/crypto/index.ts'
import type { KeyObject } from 'node:crypto'

interface Answer { publicKey: Uint8Array, data: Uint8Array, ok: boolean }

export interface SharedVerifier extends Verifier {
  /** verifications answered from the cache, and done */
  stats(): { hits: number, verified: number }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0

export function createSharedVerifier (maxEntries = 65_536): SharedVerifier {
  const keys = new Map<string, KeyObject | null>()
  /**
   * on this thread, not the node verifier's thread pool: a check there would finish at a
   * wall-clock moment, outside the virtual clock's order
   */
  const check = (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean => {
    if (publicKey.length !== 32 || signature.length !== 64) { return false }
    const id = Buffer.from(publicKey).toString('latin1')
    let key = keys.get(id)
    if (key === undefined) {
      try { key = ed25519PublicKey(publicKey) } catch { key = null }
      if (keys.size >= maxEntries) { keys.delete(keys.keys().next().value as string) }
      keys.set(id, key)
    }
    if (key == null) { return false }
    try {
      return verifySignature(null, data, key, signature)
    } catch {
      return false
    }
  }
  const answers = new Map<string, Answer>()
  let hits = 0
  let verified = 0
  return {
    async verify (publicKey, data, signature) {
      const id = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1')
      const known = answers.get(id)
      if (known != null && sameBytes(known.publicKey, publicKey) && sameBytes(known.data, data)) {
        hits++
        return known.ok
      }
      verified++
      const ok = check(publicKey, data, signature)
      if (answers.size >= maxEntries) { answers.delete(answers.keys().next().value as string) }
      // copies: the caller may reuse its buffers
      answers.set(id, { publicKey: publicKey.slice(), data: data.slice(), ok })
      return ok
    },
    stats: () => ({ hits, verified })
  }
}
