/**
 * The truth codec's checks on bytes from the wire that the gossip tests do not reach: the
 * sync path's canonical-encoding check, and content limits counted in UTF-8 bytes (not
 * characters) for multi-byte text right at the limit.
 */
import { describe, expect, it } from 'vitest'
import { createLibp2pSigner, createLibp2pVerifier, generateIdentity } from '../../../protocol/crypto/index.ts'
import { TRUTH_LIMITS, checkFrame, checkSigned, signingBytes, truthTopic } from '../../../protocol/truth/codec.ts'
import { SignedTruth, TruthBody, TruthFrame } from '../../../protocol/truth/pb/truth.ts'
import { fitsUtf8 } from '../../../protocol/utf8.ts'

const opts = { now: Date.now(), maxClockSkewMs: 60_000 }

async function signed (content: string): Promise<Uint8Array> {
  const signer = createLibp2pSigner(await generateIdentity())
  const body = TruthBody.encode({ content, source: '', priority: 3, channels: ['general'], createdAt: opts.now, author: signer.publicKey as Uint8Array<ArrayBuffer> })
  const signature = await signer.sign(signingBytes(body))
  return SignedTruth.encode({ body, signature: signature as Uint8Array<ArrayBuffer> })
}

describe('fitsUtf8', () => {
  it('agrees with TextEncoder on ASCII, two-, three- and four-byte text around the limit', () => {
    const enc = new TextEncoder()
    // the last is a lone surrogate: 3 bytes
    const samples = ['', 'a', 'é', '€', '😀', 'a😀é€', '\ud800']
    for (const unit of samples) {
      for (let n = 0; n < 12; n++) {
        const s = unit.repeat(n)
        const bytes = enc.encode(s).length
        for (const max of [bytes - 1, bytes, bytes + 1, Math.floor(bytes / 2), s.length, s.length * 3]) {
          if (max < 0) { continue }
          expect(fitsUtf8(s, max), `${JSON.stringify(s)} in ${max}`).toBe(bytes <= max)
        }
      }
    }
  })
})

describe('truth codec checks', () => {
  it('accepts content of exactly the byte limit in multi-byte characters and refuses one byte more', async () => {
    const verifier = createLibp2pVerifier()
    const fits = 'é'.repeat(TRUTH_LIMITS.maxContentBytes / 2)
    const ok = await checkSigned(await signed(fits), verifier, opts)
    expect(ok.ok).toBe(true)
    // one more two-byte character: under the limit in characters, over it in bytes
    const over = await checkSigned(await signed(fits + 'é'), verifier, opts)
    expect(over).toMatchObject({ ok: false, reason: 'bad-content' })
  })

  it('refuses a SignedTruth that is not the canonical encoding on the sync path, and a frame on the gossip path', async () => {
    const verifier = createLibp2pVerifier()
    const bytes = await signed('hello')
    expect((await checkSigned(bytes, verifier, opts)).ok).toBe(true)
    // an unknown field appended: the same message, a second encoding
    const padded = new Uint8Array(bytes.length + 2)
    padded.set(bytes)
    padded.set([0x18, 0x01], bytes.length)
    expect(await checkSigned(padded, verifier, opts)).toMatchObject({ ok: false, reason: 'non-canonical' })

    const frame = TruthFrame.encode({ channel: 'general', message: SignedTruth.decode(bytes) })
    expect((await checkFrame(frame, truthTopic('general'), verifier, opts)).ok).toBe(true)
    const paddedFrame = new Uint8Array(frame.length + 2)
    paddedFrame.set(frame)
    paddedFrame.set([0x18, 0x01], frame.length)
    expect(await checkFrame(paddedFrame, truthTopic('general'), verifier, opts)).toMatchObject({ ok: false, reason: 'non-canonical' })
  })
})
