/**
 * The time index both record stores (truth, knowledge) keep beside their records:
 * `t!<created_at>!<id>` with an empty value, `created_at` fixed-width hex
 * (`sortableNumber`), so keys sort by time, then id. Catch-up reads id ranges from it.
 */
import { fromHex } from '../crypto/index.ts'
import { parseSortableNumber, sortableNumber } from './index.ts'
import type { MeshStore } from './index.ts'

export interface IdPosition { id: Uint8Array, createdAt: number }

export function timeKey (createdAt: number, idHex: string): string {
  return `t!${sortableNumber(createdAt)}!${idHex}`
}

export function parseTimeKey (key: string): { createdAt: number, idHex: string } {
  return { createdAt: parseSortableNumber(key.slice(2, 16)), idHex: key.slice(17) }
}

/** every time-index key (for a store's open) */
export function timeKeys (store: MeshStore): AsyncIterable<string> {
  return store.keys({ gte: 't!', lt: 't"' })
}

/**
 * Up to `limit` ids with created_at in [from, to), after `after` (a previous page's last
 * position), in time-then-id order; `more`: the range holds more.
 */
export async function idsInRange (store: MeshStore, from: number, to: number, after: { createdAt: number, idHex: string } | undefined, limit: number): Promise<{ ids: IdPosition[], more: boolean }> {
  let lower = `t!${sortableNumber(Math.max(0, from))}`
  if (after != null) {
    const at = `${timeKey(after.createdAt, after.idHex)}\u0000`
    if (at > lower) { lower = at }
  }
  const upper = `t!${sortableNumber(Math.min(to, Number.MAX_SAFE_INTEGER))}`
  const out: IdPosition[] = []
  let more = false
  if (lower < upper) {
    for await (const key of store.keys({ gte: lower, lt: upper, limit: limit + 1 })) {
      if (out.length === limit) { more = true; break }
      const { createdAt, idHex } = parseTimeKey(key)
      out.push({ createdAt, id: fromHex(idHex) })
    }
  }
  return { ids: out, more }
}
