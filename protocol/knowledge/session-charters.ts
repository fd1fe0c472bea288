/**
 * The charters a node holds, by session id (the version in force of each), with how many
 * sessions each owner has here: what the per-owner bound counts.
 */
import { toHex } from '../crypto/index.ts'
import type { SessionCharter } from './pb/knowledge.ts'
import type { SessionBounds } from './session-codec.ts'

export interface CharterState { charter: SessionCharter, idHex: string, signed: Uint8Array }

export class CharterTable extends Map<string, CharterState> {
  private readonly perOwner = new Map<string, number>()

  /** hold a charter: a new session, or a newer version of one held */
  hold (id: string, st: CharterState): void {
    if (!this.has(id)) {
      const owner = toHex(st.charter.owner)
      this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1)
    }
    this.set(id, st)
  }

  /** undo `hold` after a failed write: back to `prev`, or not held */
  unhold (id: string, prev: CharterState | undefined): void {
    if (prev != null) { this.set(id, prev); return }
    const st = this.get(id)
    if (st == null) { return }
    this.delete(id)
    const owner = toHex(st.charter.owner)
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 1) - 1)
  }

  /** why a new session of `owner` (hex key) cannot be held here, or undefined */
  overBound (owner: string, bounds: SessionBounds): string | undefined {
    const mine = this.perOwner.get(owner) ?? 0
    if (this.size >= bounds.maxSessions || mine >= bounds.maxSessionsPerOwner) {
      return `this node holds ${this.size} sessions, ${mine} of them this owner's: the most it holds`
    }
    return undefined
  }
}
