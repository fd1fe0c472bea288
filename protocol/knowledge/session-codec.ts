/**
 * Learning-session records: the owner's signed charter (who may write, closed or not)
 * and participants' signed document and presence updates. Pure functions over bytes.
 *
 * A session id is derived from the owner key and a nonce, like an entry id, so only the
 * owner can sign a charter for it. Whether an update's author may write is decided by the
 * charter in force (session.ts), not here.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, toHex } from '../crypto/index.ts'
import { SessionCharter, SessionUpdate, SignedSessionRecord } from './pb/knowledge.ts'
import type { CheckOptions } from './codec.ts'
import type { Signer, Verifier } from '../crypto/index.ts'

export const SESSION_LIMITS = {
  maxRecordBytes: 24 * 1024,
  maxUpdateBytes: 16 * 1024,
  maxTitleBytes: 256,
  maxDescriptionBytes: 4096,
  maxParticipants: 32,
  /** document updates one session keeps; past it, writes are refused */
  maxUpdatesPerSession: 10_000,
  /** bytes of document updates one session keeps */
  maxSessionBytes: 8 * 1024 * 1024,
  /** charters (sessions) held on a node, over all owners */
  maxSessions: 10_000,
  /** sessions one owner key may hold on a node: one key cannot fill the table above */
  maxSessionsPerOwner: 500,
  /**
   * sessions a node follows at once (each a document in memory and a topic mesh): its own,
   * those it opened, and those it joined on its own (bounded below); until a restart a
   * node keeps following the sessions it opened, closed ones included
   */
  maxJoined: 256,
  /**
   * sessions of other owners a node joins on its own because their charter lists it, in
   * all and per owner; past them a session is listed and joined only when asked, so a
   * hostile owner cannot make a node follow (hold, subscribe, catch up) without bound
   */
  maxAutoJoined: 16,
  maxAutoJoinedPerOwner: 4
} as const

/** the bounds on sessions held and followed (options of the session service) */
export type SessionBounds = Record<'maxSessions' | 'maxSessionsPerOwner' | 'maxJoined' | 'maxAutoJoined' | 'maxAutoJoinedPerOwner', number>

export const SESSION_FIELDS = ['problem', 'notes', 'proposals', 'solution'] as const
export type SessionField = typeof SESSION_FIELDS[number]

export const SESSIONS_TOPIC = 'liberation/knowledge/sessions/1'
export const UPDATE_KIND = { doc: 0, awareness: 1 } as const

const DOMAIN = new TextEncoder().encode('liberation/knowledge-session/1\n')
const SESSION_ID_DOMAIN = new TextEncoder().encode('liberation/knowledge/session\n')
const utf8 = new TextEncoder()

export function sessionTopic (sessionIdHex: string): string {
  return `liberation/knowledge/session/${sessionIdHex}/1`
}

export async function sessionIdOf (owner: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(SESSION_ID_DOMAIN.length + owner.length + nonce.length)
  input.set(SESSION_ID_DOMAIN, 0)
  input.set(owner, SESSION_ID_DOMAIN.length)
  input.set(nonce, SESSION_ID_DOMAIN.length + owner.length)
  return sha256(input)
}

function signing (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + bytes.length)
  out.set(DOMAIN, 0)
  out.set(bytes, DOMAIN.length)
  return out
}

export type SessionRejectReason = 'oversized' | 'malformed' | 'non-canonical' | 'bad-signature-length' | 'bad-author-key' | 'not-owner' | 'bad-charter' | 'bad-update' | 'clock-skew' | 'invalid-signature' | 'not-participant' | 'closed' | 'unknown-session' | 'quota'

/** a session record refused: why, and from whom */
export interface SessionRejection { reason: SessionRejectReason | 'rate-limited', detail: string, peer: string, session?: string }

/** what became of a session record offered to the service */
export type SessionOutcome = 'new' | 'known' | 'rate-limited' | SessionRejectReason

export type VerifiedSessionRecord =
  | { kind: 'charter', idHex: string, charter: SessionCharter, signed: Uint8Array }
  | { kind: 'update', idHex: string, update: SessionUpdate, signed: Uint8Array }

export type SessionCheck = { ok: true, record: VerifiedSessionRecord } | { ok: false, reason: SessionRejectReason, detail: string }

export function charterProblem (c: SessionCharter): string | undefined {
  if (c.sessionId.length !== 32 || c.nonce.length !== 16) { return 'session_id must be 32 bytes and nonce 16' }
  if (c.version < 1) { return 'version must be at least 1' }
  const t = utf8.encode(c.title).length
  if (t < 1 || t > SESSION_LIMITS.maxTitleBytes) { return `title must be 1..${SESSION_LIMITS.maxTitleBytes} bytes` }
  if (utf8.encode(c.description).length > SESSION_LIMITS.maxDescriptionBytes) { return `description is over ${SESSION_LIMITS.maxDescriptionBytes} bytes` }
  if (c.participants.length > SESSION_LIMITS.maxParticipants) { return `at most ${SESSION_LIMITS.maxParticipants} participants` }
  const seen = new Set<string>()
  for (const p of c.participants) {
    if (p.length !== ED25519_PUBLIC_KEY_LENGTH) { return 'a participant is a 32-byte key' }
    const h = toHex(p)
    if (seen.has(h) || uint8ArrayEquals(p, c.owner)) { return 'participants are distinct and exclude the owner' }
    seen.add(h)
  }
  if (c.solutionEntry.length !== 0 && c.solutionEntry.length !== 32) { return 'solution_entry is 32 bytes or empty' }
  return undefined
}

export async function signCharter (signer: Signer, c: Omit<SessionCharter, 'owner'>): Promise<VerifiedSessionRecord> {
  const charter: SessionCharter = { ...c, owner: signer.publicKey as Uint8Array<ArrayBuffer> }
  const body = SessionCharter.encode(charter)
  const signature = await signer.sign(signing(body))
  const signed = SignedSessionRecord.encode({ charter: body, update: new Uint8Array(0), signature: signature as Uint8Array<ArrayBuffer> })
  return { kind: 'charter', idHex: toHex(sha256(body)), charter: SessionCharter.decode(body), signed }
}

export async function signUpdate (signer: Signer, u: Omit<SessionUpdate, 'author'>): Promise<VerifiedSessionRecord> {
  const update: SessionUpdate = { ...u, author: signer.publicKey as Uint8Array<ArrayBuffer> }
  const body = SessionUpdate.encode(update)
  const signature = await signer.sign(signing(body))
  const signed = SignedSessionRecord.encode({ charter: new Uint8Array(0), update: body, signature: signature as Uint8Array<ArrayBuffer> })
  return { kind: 'update', idHex: toHex(sha256(body)), update: SessionUpdate.decode(body), signed }
}

/** Structure, canonical bytes, field rules, ownership and signature of one record. */
export async function checkSessionRecord (bytes: Uint8Array, verifier: Verifier, opts: CheckOptions): Promise<SessionCheck> {
  if (bytes.length > SESSION_LIMITS.maxRecordBytes) { return { ok: false, reason: 'oversized', detail: `${bytes.length} bytes, the limit is ${SESSION_LIMITS.maxRecordBytes}` } }
  let rec: SignedSessionRecord
  try {
    rec = SignedSessionRecord.decode(bytes)
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: err.message }
  }
  if (!uint8ArrayEquals(SignedSessionRecord.encode(rec), bytes)) { return { ok: false, reason: 'non-canonical', detail: 'record bytes are not canonical' } }
  if (rec.signature.length !== ED25519_SIGNATURE_LENGTH) { return { ok: false, reason: 'bad-signature-length', detail: `signature is ${rec.signature.length} bytes` } }
  if ((rec.charter.length === 0) === (rec.update.length === 0)) { return { ok: false, reason: 'malformed', detail: 'a record carries exactly one of charter, update' } }
  const body = rec.charter.length > 0 ? rec.charter : rec.update
  let key: Uint8Array
  let createdAt: number
  let record: VerifiedSessionRecord
  const idHex = toHex(sha256(body))
  try {
    if (rec.charter.length > 0) {
      const charter = SessionCharter.decode(body, { limits: { participants: SESSION_LIMITS.maxParticipants } })
      if (!uint8ArrayEquals(SessionCharter.encode(charter), body)) { return { ok: false, reason: 'non-canonical', detail: 'charter bytes are not canonical' } }
      if (charter.owner.length !== ED25519_PUBLIC_KEY_LENGTH) { return { ok: false, reason: 'bad-author-key', detail: 'owner key is not 32 bytes' } }
      const problem = charterProblem(charter)
      if (problem != null) { return { ok: false, reason: 'bad-charter', detail: problem } }
      if (!uint8ArrayEquals(await sessionIdOf(charter.owner, charter.nonce), charter.sessionId)) { return { ok: false, reason: 'not-owner', detail: 'session_id does not belong to the signing owner' } }
      key = charter.owner
      createdAt = charter.createdAt
      record = { kind: 'charter', idHex, charter, signed: bytes }
    } else {
      const update = SessionUpdate.decode(body)
      if (!uint8ArrayEquals(SessionUpdate.encode(update), body)) { return { ok: false, reason: 'non-canonical', detail: 'update bytes are not canonical' } }
      if (update.author.length !== ED25519_PUBLIC_KEY_LENGTH) { return { ok: false, reason: 'bad-author-key', detail: 'author key is not 32 bytes' } }
      if (update.sessionId.length !== 32 || update.kind > 1 || update.data.length === 0 || update.data.length > SESSION_LIMITS.maxUpdateBytes) {
        return { ok: false, reason: 'bad-update', detail: `an update names a 32-byte session, kind 0 or 1, and 1..${SESSION_LIMITS.maxUpdateBytes} bytes of data` }
      }
      key = update.author
      createdAt = update.createdAt
      record = { kind: 'update', idHex, update, signed: bytes }
    }
  } catch (err: any) {
    return { ok: false, reason: 'malformed', detail: err.message }
  }
  if (createdAt > opts.now + opts.maxClockSkewMs) { return { ok: false, reason: 'clock-skew', detail: 'created_at is ahead of this node\'s clock' } }
  if (!await verifier.verify(key, signing(body), rec.signature)) { return { ok: false, reason: 'invalid-signature', detail: 'signature does not verify' } }
  return { ok: true, record }
}
