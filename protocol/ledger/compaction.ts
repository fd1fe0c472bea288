/**
 * Compaction: runs of this node's own consecutive small batches are re-signed as one
 * batch that replaces them (fewer keys, fewer signatures to check on every peer). Peers
 * swap the merged batch in for the ones it covers (see `plan` in held.ts).
 */
import { openTrustedBatch, signBatch } from './batch.ts'
import { LEDGER_EVENTS } from './constants.ts'
import { SignedBatch } from './pb/ledger.ts'
import { batchFingerprint, batchKey, xorHexInto } from './store.ts'
import type { DocState } from './doc-state.ts'
import type { LedgerHeld } from './held.ts'
import type { LedgerInit } from './index.ts'
import type { StoreOp, StoredBatch } from './store.ts'

export type LedgerCompactionInit = Pick<LedgerInit, 'compactIntervalMs' | 'compactBelow'>

export interface LedgerCompaction {
  /** compact every `compactIntervalMs` (0: only when called) */
  start(): void
  stop(): void
  compact(): Promise<{ batches: number, into: number }>
}

export function createLedgerCompaction (held: LedgerHeld, init: LedgerCompactionInit = {}): LedgerCompaction {
  const compactIntervalMs = init.compactIntervalMs ?? 60_000
  const compactBelow = init.compactBelow ?? 64
  let timer: ReturnType<typeof setInterval> | undefined

  async function compact (): Promise<{ batches: number, into: number }> {
    if (!held.running) { return { batches: 0, into: 0 } }
    return held.serial(async () => {
      let batches = 0
      let into = 0
      // runs of consecutive small batches of this node's documents, each at most `limit` entries
      const limit = Math.min(held.maxBatchEntries * 4, 4096)
      for (const ds of [...held.docs.values()]) {
        if (ds.authorHex !== held.selfHex || held.excluded.has(ds.authorHex)) { continue }
        const runs: StoredBatch[][] = [[]]
        for await (const b of held.store.batchesOf(ds.authorHex, ds.doc)) {
          const run = runs[runs.length - 1]
          const last = run[run.length - 1]
          const small = b.end - b.start < compactBelow
          if (!small || (last !== undefined && (last.end !== b.start || b.end - run[0].start > limit))) { runs.push([]) }
          if (small) { runs[runs.length - 1].push(b) }
        }
        for (const run of runs) {
          if (run.length < 2) { continue }
          await compactRun(ds, run)
          batches += run.length
          into++
        }
      }
      if (into > 0) { held.events.emitEvent('resources', LEDGER_EVENTS.compacted, { batches, into }) }
      return { batches, into }
    })
  }

  /** Re-sign consecutive own batches as one, replace them, gossip it. Inside serial. */
  async function compactRun (ds: DocState, run: StoredBatch[]): Promise<void> {
    const items = run.flatMap(r => openTrustedBatch(r.bytes).items)
    const merged = await signBatch(held.crypto.signer, ds.doc, run[0].start, items, held.now())
    const fp = await batchFingerprint(merged.signature)
    const ops: StoreOp[] = run.map(r => ({ type: 'del', key: r.key }))
    ops.push({ type: 'put', key: batchKey(ds.authorHex, ds.doc, merged.clockStart, merged.clockEnd, fp), value: merged.bytes })
    await held.store.commit(ops)
    for (const r of run) { xorHexInto(ds.fp, r.fp) }
    xorHexInto(ds.fp, fp)
    held.refreshDocId(ds)
    held.publish({ batch: SignedBatch.decode(merged.bytes) })
  }

  return {
    start () {
      if (compactIntervalMs <= 0) { return }
      timer = setInterval(() => {
        compact().catch(err => { held.log.error('compaction failed: %s', err.message) })
      }, compactIntervalMs)
    },
    stop () {
      if (timer !== undefined) { clearInterval(timer) }
      timer = undefined
    },
    compact
  }
}
