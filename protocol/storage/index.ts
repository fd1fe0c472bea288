/**
 * The storage interface of the core: an abstract-level database with string keys and
 * binary values. Node plugs in classic-level (LevelDB), the browser browser-level
 * (IndexedDB), tests may use memory-level. Each service takes its own sublevel so
 * services never see each other's keys.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'

export type MeshDatabase = AbstractLevel<string | Uint8Array, string, Uint8Array>
export type MeshStore = AbstractSublevel<MeshDatabase, string | Uint8Array, string, Uint8Array>

/** Open a named, isolated keyspace for one service. */
export function openStore (db: MeshDatabase, name: string): MeshStore {
  return db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

/**
 * Order-preserving encoding of a non-negative integer (timestamps, sequence numbers)
 * for use inside keys: fixed-width hex sorts lexicographically like the number.
 */
export function sortableNumber (n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) { throw new RangeError(`not a non-negative safe integer: ${n}`) }
  return n.toString(16).padStart(14, '0')
}

export function parseSortableNumber (s: string): number {
  return parseInt(s, 16)
}
