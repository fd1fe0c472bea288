/**
 * What the ledger keeps in memory per (author, document): the clock runs it holds and the
 * fingerprint of its batches; and the checks on batches that need no store.
 */
import { toHex } from '../crypto/index.ts'
import { bytesEqual, isSlotEntry } from './entries.ts'
import { BatchBody } from './pb/ledger.ts'
import type { OpenedBatch } from './batch.ts'
import type { SignedBatch } from './pb/ledger.ts'

export interface DocState {
  authorHex: string
  doc: string
  /** covered clock intervals [start, end), sorted, coalesced */
  runs: Array<[number, number]>
  /** XOR of the stored batches' fingerprints (see store.ts) */
  fp: Uint8Array
  /** reconciliation id: 16 bytes of SHA-256(author key || doc || fp), hex; '' until computed */
  id: string
}

export function contiguous (ds: DocState): number {
  return ds.runs.length > 0 && ds.runs[0][0] === 0 ? ds.runs[0][1] : 0
}

export function maxEnd (ds: DocState): number {
  return ds.runs.length === 0 ? 0 : ds.runs[ds.runs.length - 1][1]
}

export function overlaps (ds: DocState, start: number, end: number): boolean {
  return ds.runs.some(([s, e]) => s < end && e > start)
}

export function covers (ds: DocState, start: number, end: number): boolean {
  return ds.runs.some(([s, e]) => s <= start && e >= end)
}

/** How many of the clocks [start, end) are held. */
export function heldWithin (ds: DocState | undefined, start: number, end: number): number {
  let n = 0
  for (const [s, e] of ds?.runs ?? []) { n += Math.max(0, Math.min(e, end) - Math.max(s, start)) }
  return n
}

export function addRun (ds: DocState, start: number, end: number): void {
  const runs = ds.runs
  runs.push([start, end])
  runs.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const r of runs) {
    const last = merged[merged.length - 1]
    if (last !== undefined && r[0] <= last[1]) { last[1] = Math.max(last[1], r[1]) } else { merged.push([r[0], r[1]]) }
  }
  ds.runs = merged
}

/** How two valid batches of one author contradict each other, if they do. */
export function findConflict (a: OpenedBatch, b: OpenedBatch): string | undefined {
  if (a.authorHex !== b.authorHex) { return undefined }
  if (a.doc === b.doc) {
    const from = Math.max(a.clockStart, b.clockStart)
    const to = Math.min(a.clockEnd, b.clockEnd)
    for (let c = from; c < to; c++) {
      const x = a.items[c - a.clockStart]
      const y = b.items[c - b.clockStart]
      if (x.key !== y.key || !bytesEqual(x.value, y.value)) { return `two different items at ${a.doc} clock ${c}` }
    }
  }
  const slots = new Map<string, number>()
  for (const it of a.items) { if (isSlotEntry(it.entry)) { slots.set(it.key, it.clock) } }
  for (const it of b.items) {
    if (!isSlotEntry(it.entry)) { continue }
    const clock = slots.get(it.key)
    if (clock !== undefined && (a.doc !== b.doc || clock !== it.clock)) { return `slot ${it.key} written twice` }
  }
  return undefined
}

/** The author a batch names, unchecked (undefined if its body does not decode). */
export function claimedAuthor (batch: SignedBatch): string | undefined {
  try {
    return toHex(BatchBody.decode(batch.body).author)
  } catch {
    return undefined
  }
}

export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) { if (a[i] !== b[i]) { return a[i] - b[i] } }
  return a.byteLength - b.byteLength
}

/** SyncResponse { batch } from stored SignedBatch bytes without re-encoding them. */
export function embedBatch (bytes: Uint8Array): Uint8Array {
  let len = bytes.byteLength
  const varint: number[] = []
  while (len > 0x7f) {
    varint.push((len & 0x7f) | 0x80)
    len >>>= 7
  }
  varint.push(len)
  const out = new Uint8Array(1 + varint.length + bytes.byteLength)
  out[0] = 0x0a
  out.set(varint, 1)
  out.set(bytes, 1 + varint.length)
  return out
}
