/**
 * What the API and the UI read of a learning session: its charter, the text of each
 * field, who is present, and whether this node follows it.
 */
import { peerIdFromRawKey, toHex } from '../crypto/index.ts'
import { SESSION_FIELDS } from './session-codec.ts'
import type { SessionCharter } from './pb/knowledge.ts'
import type { SessionBounds, SessionField } from './session-codec.ts'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'

export interface SessionView {
  id: string
  title: string
  description: string
  /** peer id of the owner */
  owner: string
  /** peer ids that may write, the owner first */
  participants: string[]
  closed: boolean
  /** the knowledge entry published on closing */
  solution_entry: string | null
  created_at: number
  fields: Record<SessionField, string>
  /** who is in the session now (awareness states), with their cursor */
  presence: Array<{ peer: string, name?: string, cursor?: { field: string, index: number } | null }>
  updates: number
  /** this node follows the session's topic */
  joined: boolean
}

/** peer ids that may write under a charter, the owner first */
export function participantsOf (c: SessionCharter): string[] {
  return [c.owner, ...c.participants].map(k => peerIdFromRawKey(k).toString())
}

/** whether a charter lets the key (hex) write */
export function mayWrite (c: SessionCharter, keyHex: string): boolean {
  return toHex(c.owner) === keyHex || c.participants.some(p => toHex(p) === keyHex)
}

/**
 * Whether a node joins a session on its own on seeing its charter: it is open and lists
 * the node, and the node stays within the bounds on how many sessions it
 * follows, how many of them other owners', and how many any one other owner's.
 * `joinedOwners`: the owner key of each session the node follows now.
 */
export function autoJoinAllowed (c: SessionCharter, selfKeyHex: string, joinedOwners: Array<Uint8Array | undefined>, bounds: SessionBounds): boolean {
  if (c.closed || !mayWrite(c, selfKeyHex) || joinedOwners.length >= bounds.maxJoined) { return false }
  const owner = toHex(c.owner)
  if (owner === selfKeyHex) { return true }
  let others = 0
  let sameOwner = 0
  for (const o of joinedOwners) {
    if (o == null) { continue }
    const hex = toHex(o)
    if (hex === selfKeyHex) { continue }
    others++
    if (hex === owner) { sameOwner++ }
  }
  return others < bounds.maxAutoJoined && sameOwner < bounds.maxAutoJoinedPerOwner
}

/** a session's view from its charter and, when this node follows it, its document */
export function sessionView (id: string, charter: SessionCharter, live?: { doc: Y.Doc, awareness: Awareness, updateIds: Set<string> }): SessionView {
  const fields = Object.fromEntries(SESSION_FIELDS.map(f => [f, live?.doc.getText(f).toString() ?? ''])) as Record<SessionField, string>
  const presence = live == null
    ? []
    : [...live.awareness.getStates().values()].filter(s => typeof s?.peer === 'string').map(s => ({ peer: s.peer as string, name: s.name, cursor: s.cursor ?? null }))
  return {
    id,
    title: charter.title,
    description: charter.description,
    owner: peerIdFromRawKey(charter.owner).toString(),
    participants: participantsOf(charter),
    closed: charter.closed,
    solution_entry: charter.solutionEntry.length === 0 ? null : toHex(charter.solutionEntry),
    created_at: charter.createdAt,
    fields,
    presence,
    updates: live?.updateIds.size ?? 0,
    joined: live != null
  }
}
