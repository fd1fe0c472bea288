/**
 * Truth message wire format: building signed messages and checking received ones.
 *
 * Pure functions over bytes (no libp2p, no storage) so the gossip validator, the sync
 * client and the tests all apply exactly the same rules (docs/protocols/truth.md §1). Every rule that fails names
 * itself in a `TruthRejectReason`, which ends up in the `rejected` event and the logs.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, toHex } from '../crypto/index.ts'
import { MeshError } from '../errors.ts'
import { fitsUtf8 } from '../utf8.ts'
import { SignedTruth, TruthBody, TruthFrame } from './pb/truth.ts'
import type { Signer, Verifier } from '../crypto/index.ts'

/** the standard channels a node subscribes to unless configured otherwise */
export const STANDARD_CHANNELS = ['billboard', 'social', 'media', 'direct'] as const

export const TRUTH_LIMITS = {
  /** a whole gossip frame (or stored SignedTruth), bytes */
  maxFrameBytes: 16 * 1024,
  /** UTF-8 bytes of `content` */
  maxContentBytes: 8192,
  /** UTF-8 bytes of `source` */
  maxSourceBytes: 256,
  maxChannels: 8,
  minPriority: 1,
  maxPriority: 5,
  /** created_at earlier than this (2024-01-01) is out of range */
  minCreatedAt: Date.UTC(2024, 0, 1)
} as const

export const DEFAULT_PRIORITY = 3
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000

/** prefixed to the body before signing, so a truth signature is never valid for another record type */
export const TRUTH_SIGNATURE_DOMAIN = new TextEncoder().encode('liberation/truth/1\n')

const CHANNEL_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/
const TOPIC_PATTERN = /^liberation\/truth\/([a-z0-9][a-z0-9-]{0,31})\/1$/

export function truthTopic (channel: string): string {
  return `liberation/truth/${channel}/1`
}

/** the channel of a truth topic, or undefined for any other topic */
export function channelOfTopic (topic: string): string | undefined {
  return TOPIC_PATTERN.exec(topic)?.[1]
}

export function isChannelName (name: unknown): name is string {
  return typeof name === 'string' && CHANNEL_NAME.test(name)
}

/** Why a message was refused: each is the sender's fault (the service adds 'rate-limited', which is not). */
export type TruthRejectReason =
  | 'oversized'
  | 'malformed'
  | 'non-canonical'
  | 'wrong-topic'
  | 'bad-author-key'
  | 'bad-signature-length'
  | 'bad-content'
  | 'bad-source'
  | 'bad-channels'
  | 'priority-out-of-range'
  | 'created-at-out-of-range'
  | 'clock-skew'
  | 'invalid-signature'

/** A decoded message whose every rule passed. */
export interface VerifiedTruth {
  /** sha256 of `bodyBytes` */
  id: Uint8Array
  idHex: string
  body: TruthBody
  bodyBytes: Uint8Array
  signature: Uint8Array
  /** canonical SignedTruth bytes: what is stored and served */
  signed: Uint8Array
}

export type CheckResult =
  | { ok: true, truth: VerifiedTruth }
  | { ok: false, reason: TruthRejectReason, detail: string, idHex?: string }

export interface CheckOptions {
  now: number
  maxClockSkewMs: number
}

/** Input mistakes from a local caller (API, CLI): `field` says which; posting too fast is `rate_limited`. */
export class TruthInputError extends MeshError {
  override name = 'TruthInputError'
  constructor (field: string, message: string) {
    super(field === 'rate-limited' ? 'rate_limited' : 'invalid_input', message, field === 'rate-limited' ? {} : { field })
  }
}

const utf8 = new TextEncoder()

export async function messageId (bodyBytes: Uint8Array): Promise<Uint8Array> {
  return sha256(bodyBytes)
}

/** what an author signs: the domain tag, then the canonical body bytes */
export function signingBytes (bodyBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(TRUTH_SIGNATURE_DOMAIN.length + bodyBytes.length)
  out.set(TRUTH_SIGNATURE_DOMAIN, 0)
  out.set(bodyBytes, TRUTH_SIGNATURE_DOMAIN.length)
  return out
}

export interface TruthDraft {
  content: string
  source?: string
  priority?: number
  channels: string[]
  createdAt: number
}

/** Check the fields a local author supplies; throws TruthInputError with a clear message. */
export function checkDraft (draft: TruthDraft): void {
  if (typeof draft.content !== 'string' || draft.content.length === 0) {
    throw new TruthInputError('content', 'content must be a non-empty string')
  }
  const contentBytes = utf8.encode(draft.content).length
  if (contentBytes > TRUTH_LIMITS.maxContentBytes) {
    throw new TruthInputError('content', `content is ${contentBytes} bytes, the limit is ${TRUTH_LIMITS.maxContentBytes}`)
  }
  if (draft.source != null && (typeof draft.source !== 'string' || utf8.encode(draft.source).length > TRUTH_LIMITS.maxSourceBytes)) {
    throw new TruthInputError('source', `source must be a string of at most ${TRUTH_LIMITS.maxSourceBytes} bytes`)
  }
  const p = draft.priority ?? DEFAULT_PRIORITY
  if (!Number.isInteger(p) || p < TRUTH_LIMITS.minPriority || p > TRUTH_LIMITS.maxPriority) {
    throw new TruthInputError('priority', `priority must be an integer from ${TRUTH_LIMITS.minPriority} to ${TRUTH_LIMITS.maxPriority}`)
  }
  const problem = channelsProblem(draft.channels)
  if (problem != null) { throw new TruthInputError('channels', problem) }
}

/** Sign a draft as this node. The result passes `checkSigned`. */
export async function signTruth (signer: Signer, draft: TruthDraft): Promise<VerifiedTruth> {
  checkDraft(draft)
  const body: TruthBody = {
    content: draft.content,
    source: draft.source ?? '',
    priority: draft.priority ?? DEFAULT_PRIORITY,
    channels: [...draft.channels],
    createdAt: draft.createdAt,
    author: signer.publicKey as Uint8Array<ArrayBuffer>
  }
  const bodyBytes = TruthBody.encode(body)
  const signature = await signer.sign(signingBytes(bodyBytes))
  const signed = SignedTruth.encode({ body: bodyBytes, signature: signature as Uint8Array<ArrayBuffer> })
  const id = await messageId(bodyBytes)
  return { id, idHex: toHex(id), body, bodyBytes, signature, signed }
}

export function encodeFrame (channel: string, truth: VerifiedTruth): Uint8Array {
  return TruthFrame.encode({
    channel,
    message: { body: truth.bodyBytes as Uint8Array<ArrayBuffer>, signature: truth.signature as Uint8Array<ArrayBuffer> }
  })
}

function channelsProblem (channels: unknown): string | undefined {
  if (!Array.isArray(channels) || channels.length === 0) { return 'at least one channel is required' }
  if (channels.length > TRUTH_LIMITS.maxChannels) { return `at most ${TRUTH_LIMITS.maxChannels} channels` }
  const seen = new Set<string>()
  for (const c of channels) {
    if (!isChannelName(c)) { return `invalid channel name ${JSON.stringify(c)} (expected [a-z0-9][a-z0-9-]{0,31})` }
    if (seen.has(c)) { return `channel ${c} is listed twice` }
    seen.add(c)
  }
  return undefined
}

/** Structural rules on a decoded body (everything but the signature). */
function bodyProblem (body: TruthBody, opts: CheckOptions): { reason: TruthRejectReason, detail: string } | undefined {
  if (body.author.length !== ED25519_PUBLIC_KEY_LENGTH) { return { reason: 'bad-author-key', detail: `author key is ${body.author.length} bytes` } }
  if (body.content.length === 0) { return { reason: 'bad-content', detail: 'empty content' } }
  if (!fitsUtf8(body.content, TRUTH_LIMITS.maxContentBytes)) { return { reason: 'bad-content', detail: 'content too long' } }
  if (!fitsUtf8(body.source, TRUTH_LIMITS.maxSourceBytes)) { return { reason: 'bad-source', detail: 'source too long' } }
  const channels = channelsProblem(body.channels)
  if (channels != null) { return { reason: 'bad-channels', detail: channels } }
  if (body.priority < TRUTH_LIMITS.minPriority || body.priority > TRUTH_LIMITS.maxPriority) {
    return { reason: 'priority-out-of-range', detail: `priority ${body.priority}` }
  }
  if (!Number.isSafeInteger(body.createdAt) || body.createdAt < TRUTH_LIMITS.minCreatedAt) {
    return { reason: 'created-at-out-of-range', detail: `created_at ${body.createdAt}` }
  }
  if (body.createdAt > opts.now + opts.maxClockSkewMs) {
    return { reason: 'clock-skew', detail: `created_at is ${body.createdAt - opts.now} ms ahead of this node's clock` }
  }
  return undefined
}

/**
 * Decode and check a SignedTruth, structure first (cheap) and signature last. `known`
 * short-cuts messages already stored: their signature was checked on the way in, so a
 * copy whose signature bytes equal the stored one needs no second verification.
 */
export async function checkSigned (signedBytes: Uint8Array, verifier: Verifier, opts: CheckOptions, known?: (idHex: string) => Promise<Uint8Array | undefined>): Promise<CheckResult & { known?: boolean }> {
  if (signedBytes.length > TRUTH_LIMITS.maxFrameBytes) {
    return { ok: false, reason: 'oversized', detail: `${signedBytes.length} bytes, the limit is ${TRUTH_LIMITS.maxFrameBytes}` }
  }
  let signed: SignedTruth
  try {
    signed = SignedTruth.decode(signedBytes)
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: `SignedTruth: ${err.message}` }
  }
  if (!uint8ArrayEquals(SignedTruth.encode(signed), signedBytes)) {
    return { ok: false, reason: 'non-canonical', detail: 'SignedTruth bytes are not the canonical encoding' }
  }
  return checkParts(signed, signedBytes, verifier, opts, known)
}

/** Decode and check a gossip frame received on `topic`. */
export async function checkFrame (frameBytes: Uint8Array, topic: string, verifier: Verifier, opts: CheckOptions, known?: (idHex: string) => Promise<Uint8Array | undefined>): Promise<CheckResult & { known?: boolean }> {
  if (frameBytes.length > TRUTH_LIMITS.maxFrameBytes) {
    return { ok: false, reason: 'oversized', detail: `${frameBytes.length} bytes, the limit is ${TRUTH_LIMITS.maxFrameBytes}` }
  }
  let frame: TruthFrame
  try {
    frame = TruthFrame.decode(frameBytes)
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: `TruthFrame: ${err.message}` }
  }
  if (frame.message == null) { return { ok: false, reason: 'malformed', detail: 'frame without message' } }
  if (!uint8ArrayEquals(TruthFrame.encode(frame), frameBytes)) {
    return { ok: false, reason: 'non-canonical', detail: 'frame bytes are not the canonical encoding' }
  }
  const channel = channelOfTopic(topic)
  if (channel == null || frame.channel !== channel) {
    return { ok: false, reason: 'wrong-topic', detail: `frame for channel ${JSON.stringify(frame.channel)} on topic ${topic}` }
  }
  // canonical by construction: the frame's bytes, its message among them, were checked above
  const signedBytes = SignedTruth.encode(frame.message)
  const result = await checkParts(frame.message, signedBytes, verifier, opts, known)
  if (result.ok && !result.truth.body.channels.includes(channel)) {
    return { ok: false, reason: 'wrong-topic', detail: `message is not for channel ${channel}`, idHex: result.truth.idHex }
  }
  return result
}

/** the checks after decoding; `signedBytes` must be the canonical encoding of `signed` */
async function checkParts (signed: SignedTruth, signedBytes: Uint8Array, verifier: Verifier, opts: CheckOptions, known?: (idHex: string) => Promise<Uint8Array | undefined>): Promise<CheckResult & { known?: boolean }> {
  if (signed.signature.length !== ED25519_SIGNATURE_LENGTH) {
    return { ok: false, reason: 'bad-signature-length', detail: `signature is ${signed.signature.length} bytes` }
  }
  let body: TruthBody
  try {
    body = TruthBody.decode(signed.body, { limits: { channels: TRUTH_LIMITS.maxChannels } })
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: `TruthBody: ${err.message}` }
  }
  if (!uint8ArrayEquals(TruthBody.encode(body), signed.body)) {
    return { ok: false, reason: 'non-canonical', detail: 'body bytes are not the canonical encoding' }
  }
  const id = await messageId(signed.body)
  const idHex = toHex(id)
  const problem = bodyProblem(body, opts)
  if (problem != null) { return { ok: false, ...problem, idHex } }
  const truth: VerifiedTruth = { id, idHex, body, bodyBytes: signed.body, signature: signed.signature, signed: signedBytes }
  const stored = await known?.(idHex)
  if (stored != null && uint8ArrayEquals(stored, signedBytes)) { return { ok: true, truth, known: true } }
  if (!await verifier.verify(body.author, signingBytes(signed.body), signed.signature)) {
    return { ok: false, reason: 'invalid-signature', detail: 'signature does not verify against the author key', idHex }
  }
  return { ok: true, truth, known: stored != null }
}
