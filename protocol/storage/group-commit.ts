/**
 * Group commit: writes queued in one task go out as one atomic batch in the next task;
 * writes queued while a batch is being written go out together after it. A burst of
 * records arriving together (a gossip burst, a catch-up page) costs one batch, not one
 * write each.
 *
 * The batch starts in a later task on purpose: a batch wakes a worker thread, and on a
 * busy machine the wake-up often hands that thread the CPU there and then; started inside
 * a gossip validator, that would stall the forwarding of the very message being stored
 * (gossipsub forwards once the validator resolves).
 */
import type { MeshStore } from './index.ts'

export type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

/** queue `ops`; resolves once they are written, rejects when their batch failed */
export type GroupWrite = (ops: BatchOp[]) => Promise<void>

/** run `fn` in a later task: `setImmediate` in Node (right after pending I/O), a zero timeout in browsers */
export const nextTask: (fn: () => void) => void = typeof (globalThis as any).setImmediate === 'function'
  ? (fn) => { (globalThis as any).setImmediate(fn) }
  : (fn) => { setTimeout(fn, 0) }

export function createGroupCommit (store: Pick<MeshStore, 'batch'>): GroupWrite {
  let pending: Array<{ ops: BatchOp[], resolve(): void, reject(err: Error): void }> = []
  let flushing = false

  async function flush (): Promise<void> {
    try {
      while (pending.length > 0) {
        const group = pending
        pending = []
        try {
          await store.batch(group.flatMap(g => g.ops))
          for (const g of group) { g.resolve() }
        } catch (err: any) {
          for (const g of group) { g.reject(err) }
        }
      }
    } finally {
      flushing = false
    }
  }

  return async function write (ops) {
    const done = new Promise<void>((resolve, reject) => { pending.push({ ops, resolve, reject }) })
    if (!flushing) {
      flushing = true
      nextTask(() => { void flush() })
    }
    return done
  }
}
