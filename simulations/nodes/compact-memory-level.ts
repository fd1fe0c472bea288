/**
 * memory-level for simulated nodes, holding only the bytes it stores. By default
 * memory-level keeps keys as `Buffer`s made from strings and values as the views it is
 * given; in Node both are often slices of a shared 8 KiB allocation pool (or of a received
 * chunk), so each stored key or value can keep a whole slab alive. A thousand nodes each
 * storing every message then hold gigabytes of slabs and the garbage collector works for
 * them. Here keys are stored as exact-size views and a value that is a slice of a larger
 * buffer is copied out. LevelDB (a real node) copies everything it stores anyway.
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

export function createCompactMemoryLevel (): MemoryLevel<string, Uint8Array> {
  const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view', storeEncoding: 'view' })
  // sublevels and chained batches write through these two private methods
  const writes = db as unknown as PrivateWrites
  const put = writes._put.bind(db)
  const batch = writes._batch.bind(db)
  writes._put = async (key, value, options) => put(own(key), own(value), options)
  writes._batch = async (operations, options) => batch(operations.map(op => op.type === 'put' ? { ...op, key: own(op.key), value: own(op.value) } : op), options)
  return db
}
