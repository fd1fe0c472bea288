/**
 * Knowledge record wire format: building signed records (entry versions, ratings) and
 * checking received ones. Pure functions over bytes, shared by the gossip validator, the
 * catch-up client and the tests, so every path applies the same rules.
 *
 * Authorship of an entry is structural: its id is derived from the author key and a
 * nonce, so a version signed by any other key names another entry id and is refused as
 * `not-author`. No lookup of earlier versions is needed to enforce it, and versions may
 * arrive in any order.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, toHex } from '../crypto/index.ts'
import { KnowledgeBody, SignedKnowledge } from './pb/knowledge.ts'
import type { EntryVersion, Rating } from './pb/knowledge.ts'
import type { Signer, Verifier } from '../crypto/index.ts'

export const KNOWLEDGE_TYPES = ['technical', 'process', 'solution', 'insight', 'resource', 'collaboration', 'optimization'] as const
export type KnowledgeType = typeof KNOWLEDGE_TYPES[number]

export const KNOWLEDGE_LIMITS = {
  /** a whole SignedKnowledge (gossip message, stored record), bytes */
  maxRecordBytes: 40 * 1024,
  maxTitleBytes: 256,
  maxContentBytes: 32 * 1024,
  maxTags: 16,
  maxVersion: 1_000_000,
  maxConfidence: 1000,
  maxScore: 5,
  /** created_at earlier than this (2024-01-01) is out of range */
  minCreatedAt: Date.UTC(2024, 0, 1)
} as const

export const DEFAULT_CONFIDENCE = 500
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000
export const KNOWLEDGE_TOPIC = 'liberation/knowledge/1'

/** prefixed to the body before signing, so a knowledge signature is never valid for another record type */
export const KNOWLEDGE_SIGNATURE_DOMAIN = new TextEncoder().encode('liberation/knowledge/1\n')
const ENTRY_ID_DOMAIN = new TextEncoder().encode('liberation/knowledge/entry\n')
const TAG = /^[a-z0-9][a-z0-9-]{0,31}$/
const SESSION_ID = /^([0-9a-f]{64})?$/

export type KnowledgeRejectReason =
  | 'oversized'
  | 'malformed'
  | 'non-canonical'
  | 'bad-kind'
  | 'bad-author-key'
  | 'bad-signature-length'
  | 'not-author'
  | 'bad-version'
  | 'bad-title'
  | 'bad-content'
  | 'bad-type'
  | 'bad-tags'
  | 'bad-confidence'
  | 'bad-session'
  | 'bad-score'
  | 'created-at-out-of-range'
  | 'clock-skew'
  | 'invalid-signature'

/** A decoded record whose every rule passed. */
export interface VerifiedRecord {
  id: Uint8Array
  idHex: string
  body: KnowledgeBody
  bodyBytes: Uint8Array
  signature: Uint8Array
  /** canonical SignedKnowledge bytes: what is gossiped, stored and served */
  signed: Uint8Array
}

export type CheckResult =
  | { ok: true, record: VerifiedRecord, known?: boolean }
  | { ok: false, reason: KnowledgeRejectReason, detail: string, idHex?: string }

export interface CheckOptions {
  now: number
  maxClockSkewMs: number
}

/** Input mistakes from a local caller (API, CLI): `code` names the field. */
export class KnowledgeInputError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = 'KnowledgeInputError'
    this.code = code
  }
}

const utf8 = new TextEncoder()

export async function entryIdOf (author: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(ENTRY_ID_DOMAIN.length + author.length + nonce.length)
  input.set(ENTRY_ID_DOMAIN, 0)
  input.set(author, ENTRY_ID_DOMAIN.length)
  input.set(nonce, ENTRY_ID_DOMAIN.length + author.length)
  return sha256(input)
}

export function signingBytes (bodyBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(KNOWLEDGE_SIGNATURE_DOMAIN.length + bodyBytes.length)
  out.set(KNOWLEDGE_SIGNATURE_DOMAIN, 0)
  out.set(bodyBytes, KNOWLEDGE_SIGNATURE_DOMAIN.length)
  return out
}

export function isKnowledgeType (t: unknown): t is KnowledgeType {
  return typeof t === 'string' && (KNOWLEDGE_TYPES as readonly string[]).includes(t)
}

export function isTag (t: unknown): t is string {
  return typeof t === 'string' && TAG.test(t)
}

function tagsProblem (tags: unknown): string | undefined {
  if (!Array.isArray(tags)) { return 'tags must be a list' }
  if (tags.length > KNOWLEDGE_LIMITS.maxTags) { return `at most ${KNOWLEDGE_LIMITS.maxTags} tags` }
  const seen = new Set<string>()
  for (const t of tags) {
    if (!isTag(t)) { return `invalid tag ${JSON.stringify(t)} (expected [a-z0-9][a-z0-9-]{0,31})` }
    if (seen.has(t)) { return `tag ${t} is listed twice` }
    seen.add(t)
  }
  return undefined
}

/** Rules on an entry version's fields; the same for a local draft and a received record. */
export function entryProblem (e: EntryVersion): { reason: KnowledgeRejectReason, detail: string } | undefined {
  if (e.entryId.length !== 32 || e.nonce.length !== 16) { return { reason: 'malformed', detail: 'entry_id must be 32 bytes and nonce 16' } }
  if (e.version < 1 || e.version > KNOWLEDGE_LIMITS.maxVersion) { return { reason: 'bad-version', detail: `version ${e.version}` } }
  const titleBytes = utf8.encode(e.title).length
  if (titleBytes > KNOWLEDGE_LIMITS.maxTitleBytes || (titleBytes === 0 && !e.retracted)) {
    return { reason: 'bad-title', detail: `title must be 1..${KNOWLEDGE_LIMITS.maxTitleBytes} bytes` }
  }
  const contentBytes = utf8.encode(e.content).length
  if (contentBytes > KNOWLEDGE_LIMITS.maxContentBytes) {
    return { reason: 'bad-content', detail: `content is ${contentBytes} bytes, the limit is ${KNOWLEDGE_LIMITS.maxContentBytes}` }
  }
  if (!isKnowledgeType(e.type)) { return { reason: 'bad-type', detail: `type must be one of ${KNOWLEDGE_TYPES.join(', ')}` } }
  const tags = tagsProblem(e.tags)
  if (tags != null) { return { reason: 'bad-tags', detail: tags } }
  if (e.confidence > KNOWLEDGE_LIMITS.maxConfidence) { return { reason: 'bad-confidence', detail: 'confidence must be 0..1000 per mille' } }
  if (!SESSION_ID.test(e.session)) { return { reason: 'bad-session', detail: 'session must be 64 lowercase hex characters or empty' } }
  return undefined
}

async function bodyProblem (body: KnowledgeBody, opts: CheckOptions): Promise<{ reason: KnowledgeRejectReason, detail: string } | undefined> {
  if ((body.entry == null) === (body.rating == null)) { return { reason: 'bad-kind', detail: 'a record carries exactly one of entry, rating' } }
  if (body.author.length !== ED25519_PUBLIC_KEY_LENGTH) { return { reason: 'bad-author-key', detail: `author key is ${body.author.length} bytes` } }
  if (!Number.isSafeInteger(body.createdAt) || body.createdAt < KNOWLEDGE_LIMITS.minCreatedAt) {
    return { reason: 'created-at-out-of-range', detail: `created_at ${body.createdAt}` }
  }
  if (body.createdAt > opts.now + opts.maxClockSkewMs) {
    return { reason: 'clock-skew', detail: `created_at is ${body.createdAt - opts.now} ms ahead of this node's clock` }
  }
  if (body.entry != null) {
    const p = entryProblem(body.entry)
    if (p != null) { return p }
    if (!uint8ArrayEquals(await entryIdOf(body.author, body.entry.nonce), body.entry.entryId)) {
      return { reason: 'not-author', detail: 'entry_id does not belong to the signing author' }
    }
  } else {
    const r = body.rating as Rating
    if (r.entryId.length !== 32) { return { reason: 'malformed', detail: 'rating entry_id must be 32 bytes' } }
    if (r.score > KNOWLEDGE_LIMITS.maxScore) { return { reason: 'bad-score', detail: `score ${r.score}, the range is 0..5` } }
  }
  return undefined
}

/** Sign a body as this node; the result passes `checkRecord`. */
export async function signRecord (signer: Signer, body: Omit<KnowledgeBody, 'author'>): Promise<VerifiedRecord> {
  const full: KnowledgeBody = { ...body, author: signer.publicKey as Uint8Array<ArrayBuffer> }
  const bodyBytes = KnowledgeBody.encode(full)
  const signature = await signer.sign(signingBytes(bodyBytes))
  const signed = SignedKnowledge.encode({ body: bodyBytes, signature: signature as Uint8Array<ArrayBuffer> })
  const id = sha256(bodyBytes)
  return { id, idHex: toHex(id), body: KnowledgeBody.decode(bodyBytes), bodyBytes, signature, signed }
}

/**
 * Decode and check a SignedKnowledge: size, structure, canonical bytes, field rules,
 * authorship, and the signature last. `known` short-cuts a record already stored with
 * the same bytes (its signature was checked on the way in).
 */
export async function checkRecord (signedBytes: Uint8Array, verifier: Verifier, opts: CheckOptions, known?: (idHex: string) => Promise<Uint8Array | undefined>): Promise<CheckResult> {
  if (signedBytes.length > KNOWLEDGE_LIMITS.maxRecordBytes) {
    return { ok: false, reason: 'oversized', detail: `${signedBytes.length} bytes, the limit is ${KNOWLEDGE_LIMITS.maxRecordBytes}` }
  }
  let signed: SignedKnowledge
  let body: KnowledgeBody
  try {
    signed = SignedKnowledge.decode(signedBytes)
    body = KnowledgeBody.decode(signed.body, { limits: { entry: { tags: KNOWLEDGE_LIMITS.maxTags } } })
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: err.message }
  }
  if (!uint8ArrayEquals(SignedKnowledge.encode(signed), signedBytes) || !uint8ArrayEquals(KnowledgeBody.encode(body), signed.body)) {
    return { ok: false, reason: 'non-canonical', detail: 'bytes are not the canonical encoding' }
  }
  if (signed.signature.length !== ED25519_SIGNATURE_LENGTH) {
    return { ok: false, reason: 'bad-signature-length', detail: `signature is ${signed.signature.length} bytes` }
  }
  const id = sha256(signed.body)
  const idHex = toHex(id)
  const problem = await bodyProblem(body, opts)
  if (problem != null) { return { ok: false, ...problem, idHex } }
  const record: VerifiedRecord = { id, idHex, body, bodyBytes: signed.body, signature: signed.signature, signed: signedBytes }
  const stored = await known?.(idHex)
  if (stored != null && uint8ArrayEquals(stored, signedBytes)) { return { ok: true, record, known: true } }
  if (!await verifier.verify(body.author, signingBytes(signed.body), signed.signature)) {
    return { ok: false, reason: 'invalid-signature', detail: 'signature does not verify against the author key', idHex }
  }
  return { ok: true, record }
}
