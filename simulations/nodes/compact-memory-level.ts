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
 *
 * Values can be packed into shared slabs (`values`): one array buffer per slab instead of
 * one per stored value. A thousand nodes each storing every message hold a million array
 * buffers otherwise, and V8 sweeps its array-buffer list after every collection, so each
 * new buffer anywhere in the process (a hash digest, a frame) can wait on that sweep.
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

/** stored values packed into shared slabs */
export interface ValueArena {
  /** a copy of `value` that is a view into a slab (its own buffer when large) */
  copy(value: Uint8Array): Uint8Array
  /** slabs allocated */
  readonly slabs: number
}

export interface ValueArenaInit {
  /** bytes per slab (default 256 KiB) */
  slabBytes?: number
  /** values above this many bytes get a buffer of their own (default slabBytes / 16) */
  maxPackedBytes?: number
}

/**
 * A bump allocator: values are copied into the current slab, a full slab is left to the
 * views into it. A slab stays alive while any of its views does, so an overwritten value's
 * bytes are freed only with its whole slab: fine for a run's stores, which mostly append.
 */
export function createValueArena (init: ValueArenaInit = {}): ValueArena {
  const slabBytes = init.slabBytes ?? 256 * 1024
  const maxPacked = Math.min(slabBytes, init.maxPackedBytes ?? slabBytes / 16)
  let slab = new Uint8Array(0)
  let used = 0
  let slabs = 0
  return {
    copy (value) {
      if (value.byteLength === 0 || value.byteLength > maxPacked) { return own(value) as Uint8Array }
      if (used + value.byteLength > slab.byteLength) {
        slab = new Uint8Array(slabBytes)
        used = 0
        slabs++
      }
      const out = slab.subarray(used, used + value.byteLength)
      out.set(value)
      used += value.byteLength
      return out
    },
    get slabs () { return slabs }
  }
}

export interface CompactMemoryLevelInit {
  /** share identical keys with the other stores of the run */
  keys?: KeyInterner
  /** pack values into this arena's slabs (shared with the other stores of the run) */
  values?: ValueArena
}

export function createCompactMemoryLevel (init: CompactMemoryLevelInit = {}): MemoryLevel<string, Uint8Array> {
  const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view', storeEncoding: 'view' })
  // sublevels and chained batches write through these two private methods
  const writes = db as unknown as PrivateWrites
  const put = writes._put.bind(db)
  const batch = writes._batch.bind(db)
  const { keys, values } = init
  const ownKey = keys == null ? own : (key: unknown): unknown => key instanceof Uint8Array ? keys.intern(key) : own(key)
  const ownValue = values == null ? own : (value: unknown): unknown => value instanceof Uint8Array ? values.copy(value) : own(value)
  writes._put = async (key, value, options) => put(ownKey(key), ownValue(value), options)
  writes._batch = async (operations, options) => batch(operations.map(op => op.type === 'put' ? { ...op, key: ownKey(op.key), value: ownValue(op.value) } : op), options)
  return db
}
