/**
 * memory-level for simulated nodes, holding only the bytes it stores. By default
 * memory-level keeps keys as `Buffer`s made from strings and values as the views it is
 * given; in Node both are often slices of a shared 8 KiB allocation pool (or of a received
 * chunk), so each stored key or value can keep a whole slab alive. A thousand nodes each
 * storing every message then hold gigabytes of slabs and the garbage collector works for
 * them. Here keys are stored as exact-size views and a value that is a slice of a larger
 * buffer is copied out. LevelDB (a real node) copies everything it stores anyway.
 *
 * Keys can also be shared between the simulated nodes of a run (`keys`): every node
 * stores each message and ledger entry under the same key (`!truth!m!<id>` and so on), so
 * one copy of those bytes serves all of them instead of one typed array, array buffer and
 * backing store per node. Stored keys are never changed in place, so sharing them changes
 * what the garbage collector walks, not what any node reads.
 */
import { MemoryLevel } from 'memory-level'

type BatchOp = { type: 'put', key: unknown, value: unknown } | { type: 'del', key: unknown }

interface PrivateWrites {
  _put(key: unknown, value: unknown, options: unknown): Promise<void>
  _batch(operations: BatchOp[], options: unknown): Promise<void>
}

/** the bytes of a view on their own, when the view is a slice of a larger buffer */
function own (data: unknown): unknown {
  if (data instanceof Uint8Array && data.byteLength !== data.buffer.byteLength) {
    // Uint8Array's slice copies (Buffer's would not)
    return Uint8Array.prototype.slice.call(data)
  }
  return data
}

/** one copy of each distinct stored key, for every store of a run */
export interface KeyInterner {
  intern(key: Uint8Array): Uint8Array
  /** distinct keys held */
  readonly size: number
}

export function createKeyInterner (): KeyInterner {
  const keys = new Map<string, Uint8Array>()
  return {
    intern (key) {
      // latin1 maps each byte to one character: the string names the bytes exactly
      const name = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
      let held = keys.get(name)
      if (held == null) {
        held = own(key) as Uint8Array
        keys.set(name, held)
      }
      return held
    },
    get size () { return keys.size }
  }
}

export interface CompactMemoryLevelInit {
  /** share identical keys with the other stores of the run */
  keys?: KeyInterner
}

export function createCompactMemoryLevel (init: CompactMemoryLevelInit = {}): MemoryLevel<string, Uint8Array> {
  const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view', storeEncoding: 'view' })
  // sublevels and chained batches write through these two private methods
  const writes = db as unknown as PrivateWrites
  const put = writes._put.bind(db)
  const batch = writes._batch.bind(db)
  const { keys } = init
  const ownKey = keys == null ? own : (key: unknown): unknown => key instanceof Uint8Array ? keys.intern(key) : own(key)
  writes._put = async (key, value, options) => put(ownKey(key), own(value), options)
  writes._batch = async (operations, options) => batch(operations.map(op => op.type === 'put' ? { ...op, key: ownKey(op.key), value: own(op.value) } : op), options)
  return db
}
