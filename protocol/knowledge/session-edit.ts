/**
 * Learning-session input: edits as one splice of a Y.Text, the checks on what a caller
 * hands the session service (charter fields, peer ids, session ids), and the promise a
 * batched change resolves.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { fromHex } from '../crypto/index.ts'
import { KnowledgeInputError } from './codec.ts'
import { SESSION_LIMITS } from './session-codec.ts'
import type { SessionCharter } from './pb/knowledge.ts'
import type * as Y from 'yjs'

/** the one delete and insert around the common prefix and suffix that turn `cur` into `next` */
export function diffOf (cur: string, next: string): { at: number, remove: number, insert: string } {
  let start = 0
  while (start < cur.length && start < next.length && cur[start] === next[start]) { start++ }
  let end = 0
  while (end < cur.length - start && end < next.length - start && cur[cur.length - 1 - end] === next[next.length - 1 - end]) { end++ }
  return { at: start, remove: cur.length - start - end, insert: next.slice(start, next.length - end) }
}

export function replaceText (text: Y.Text, next: string): void {
  const { at, remove, insert } = diffOf(text.toString(), next)
  if (remove > 0) { text.delete(at, remove) }
  if (insert !== '') { text.insert(at, insert) }
}

export function deferred (): { promise: Promise<void>, resolve(): void, reject(err: unknown): void } {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  // a change nobody awaits must not be an unhandled rejection
  promise.catch(() => {})
  return { promise, resolve, reject }
}

export function utf8Length (s: string): number {
  return new TextEncoder().encode(s).length
}

export function charterInputProblem (c: SessionCharter): string | undefined {
  const enc = new TextEncoder()
  if (typeof c.title !== 'string' || enc.encode(c.title).length < 1 || enc.encode(c.title).length > SESSION_LIMITS.maxTitleBytes) { return `title must be 1..${SESSION_LIMITS.maxTitleBytes} bytes` }
  if (enc.encode(c.description).length > SESSION_LIMITS.maxDescriptionBytes) { return `description is over ${SESSION_LIMITS.maxDescriptionBytes} bytes` }
  if (c.participants.length > SESSION_LIMITS.maxParticipants) { return `at most ${SESSION_LIMITS.maxParticipants} participants` }
  return undefined
}

export function keyOfPeer (peer: string): Uint8Array {
  if (/^[0-9a-f]{64}$/.test(peer)) { return fromHex(peer) }
  try {
    const key = peerIdFromString(peer).publicKey
    if (key?.type === 'Ed25519') { return key.raw }
  } catch {}
  throw new KnowledgeInputError('participants', `not a peer id of an Ed25519 node: ${JSON.stringify(peer)}`)
}

export function checkSessionId (id: string): string {
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) { throw new KnowledgeInputError('id', 'a session id is 64 lowercase hex characters') }
  return id
}
