/**
 * The ledger's LevelDB layout (its own sublevel). The signed batches are the source of
 * truth; the entry index is what they say, written in the same atomic `sync: true` batch,
 * so a crash leaves either both or neither.
 *
 * b!<author>!<doc>!<clockStart>!<clockEnd>!<fp>  SignedBatch bytes as signed (the update log);
 * fp: 32 hex of SHA-256(signature), for fingerprints
 * r!<humanId>!<author>                      IndexedEntry: a registration
 * s!<humanId>!<author>!<doc>!<clock>        IndexedEntry: a status change
 * p!<week>!<humanId>!<registrar>!<author>   IndexedEntry: a payment of the human (registrar, humanId)
 * x!<author>                                EquivocationProof against the author
 *
 * <author> is the 64-hex public key; numbers are `sortableNumber` (14 hex digits), so
 * keys sort by document then clock, payments by week then human, and so on.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../crypto/index.ts'
import { parseSortableNumber, sortableNumber } from '../storage/index.ts'
import { ProtoReader, textOf } from './proto-reader.ts'
import { ProtoWriter } from './proto-writer.ts'
import type { BatchItem } from './batch.ts'
import type { LedgerEntry } from './entries.ts'
import type { IndexedEntry } from './pb/ledger.ts'
import type { ReadProblem } from './proto-reader.ts'
import type { MeshStore } from '../storage/index.ts'

export type PutOp = { type: 'put', key: string, value: Uint8Array }
export type DelOp = { type: 'del', key: string }
export type StoreOp = PutOp | DelOp

/** sorts after every character a key part may hold */
export const KEY_END = '~'

export function batchKey (authorHex: string, doc: string, start: number, end: number, fp: string): string {
  return `b!${authorHex}!${doc}!${sortableNumber(start)}!${sortableNumber(end)}!${fp}`
}

export interface BatchKey { authorHex: string, doc: string, start: number, end: number, fp: string }

export function parseBatchKey (key: string): BatchKey {
  const [, authorHex, doc, start, end, fp] = key.split('!')
  return { authorHex, doc, start: parseSortableNumber(start), end: parseSortableNumber(end), fp }
}

/** A batch's share of its document's fingerprint: 16 bytes of SHA-256 of its signature. */
export async function batchFingerprint (signature: Uint8Array): Promise<string> {
  return toHex(sha256(signature).subarray(0, 16))
}

export function xorHexInto (acc: Uint8Array, fp: string): void {
  for (let i = 0; i < acc.length; i++) { acc[i] ^= parseInt(fp.slice(i * 2, i * 2 + 2), 16) }
}

export function docPrefix (authorHex: string, doc: string): string {
  return `b!${authorHex}!${doc}!`
}

export function regKey (humanId: string, authorHex: string): string {
  return `r!${humanId}!${authorHex}`
}

export function statusKey (humanId: string, authorHex: string, doc: string, clock: number): string {
  return `s!${humanId}!${authorHex}!${doc}!${sortableNumber(clock)}`
}

export function payKey (week: string, humanId: string, registrarHex: string, authorHex: string): string {
  return `p!${week}!${humanId}!${registrarHex}!${authorHex}`
}

export function proofKey (authorHex: string): string {
  return `x!${authorHex}`
}

/** The index key of one entry of `authorHex`'s document `doc`. */
export function indexKey (entry: LedgerEntry, authorHex: string, doc: string, clock: number): string {
  switch (entry.kind) {
    case 'human': return regKey(entry.humanId, authorHex)
    case 'status': return statusKey(entry.humanId, authorHex, doc, clock)
    case 'payment': return payKey(entry.week, entry.humanId, entry.registrar, authorHex)
    default: throw new Error('unknown entry kind')
  }
}

const writer = new ProtoWriter()

/** IndexedEntry { doc, clock, entry } as the generated encoder writes it (defaults left out). */
export function indexValue (doc: string, item: BatchItem): Uint8Array {
  const w = writer.reset()
  if (doc !== '') { w.string(0x0a, doc) }
  if (item.clock !== 0) { w.varint(0x10).varint(item.clock) }
  if (item.value.byteLength > 0) { w.bytes(0x1a, item.value) }
  return w.finish()
}

const EMPTY = new Uint8Array(0)

/**
 * An index value as this node wrote it (`indexValue`), read field by field: start-up reads
 * one per entry, so without the generated decoder's allocations. Unknown fields are
 * skipped; a value that does not parse throws.
 */
export function decodeIndexed (value: Uint8Array): IndexedEntry {
  const out: IndexedEntry = { doc: '', clock: 0, entry: EMPTY as Uint8Array<ArrayBuffer> }
  const r = new ProtoReader(value, indexProblem, false)
  while (!r.done) {
    const tag = r.varint()
    const wire = tag & 7
    if (wire === 0) {
      const v = r.varint()
      if (tag >>> 3 === 2) { out.clock = v }
      continue
    }
    if (wire !== 2) { throw new Error('unexpected wire type in index value') }
    const bytes = r.view(r.varint())
    const field = tag >>> 3
    if (field === 1) {
      out.doc = textOf(bytes)
    } else if (field === 3) {
      out.entry = bytes as Uint8Array<ArrayBuffer>
    }
  }
  return out
}

function indexProblem (problem: ReadProblem): Error {
  return new Error(problem === 'truncated' ? 'truncated index value' : 'bad varint in index value')
}

/** Range options selecting every key that starts with `prefix`. */
export function prefixRange (prefix: string): { gte: string, lt: string } {
  return { gte: prefix, lt: prefix + KEY_END }
}

/**
 * What an iterator reading a whole keyspace (start-up, a week's payments) fetches from
 * LevelDB per trip to its thread (classic-level caps a trip at 1,000 entries): its
 * default, 16 KB, is about 80 payment rows, so start-up made thousands of trips and
 * waited on each. 64 KB makes 4 times fewer; more saved little time and cost RSS.
 */
export const BULK_READ_BYTES = 64 * 1024

/** `prefixRange` for reading every key under `prefix` in one pass. */
export function bulkRange (prefix: string): { gte: string, lt: string, highWaterMarkBytes: number } {
  return { gte: prefix, lt: prefix + KEY_END, highWaterMarkBytes: BULK_READ_BYTES }
}

export interface StoredBatch extends BatchKey {
  key: string
  bytes: Uint8Array
}

export class LedgerStore {
  readonly db: MeshStore

  constructor (db: MeshStore) {
    this.db = db
  }

  /** Atomic and durable: resolves once LevelDB has synced the write to disk. */
  async commit (ops: StoreOp[]): Promise<void> {
    if (ops.length === 0) { return }
    await this.db.batch(ops, { sync: true } as any)
  }

  async getMany (keys: string[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) { return [] }
    return this.db.getMany(keys)
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key)
  }

  /** Every batch key (no values): the start-up scan that rebuilds the state vectors. */
  async * batchKeys (): AsyncGenerator<BatchKey> {
    for await (const key of this.db.keys(bulkRange('b!'))) { yield parseBatchKey(key) }
  }

  /** Batches of one document with clockEnd > `after`, in clock order. */
  async * batchesOf (authorHex: string, doc: string, after = 0): AsyncGenerator<StoredBatch> {
    for await (const [key, bytes] of this.db.iterator(prefixRange(docPrefix(authorHex, doc)))) {
      const k = parseBatchKey(key)
      if (k.end <= after) { continue }
      yield { ...k, key, bytes }
    }
  }

  /** Stored batches of a document that share a clock with [start, end). */
  async overlapping (authorHex: string, doc: string, start: number, end: number): Promise<StoredBatch[]> {
    const out: StoredBatch[] = []
    const prefix = docPrefix(authorHex, doc)
    // the last batch starting before `start` may straddle it
    for await (const [key, bytes] of this.db.iterator({ gte: prefix, lt: prefix + sortableNumber(start), reverse: true, limit: 1 })) {
      const k = parseBatchKey(key)
      if (k.end > start) { out.push({ ...k, key, bytes }) }
    }
    for await (const [key, bytes] of this.db.iterator({ gte: prefix + sortableNumber(start), lt: prefix + sortableNumber(end) })) {
      out.push({ ...parseBatchKey(key), key, bytes })
    }
    return out
  }

  /** The stored batch holding `clock` of a document, if any. */
  async batchAt (authorHex: string, doc: string, clock: number): Promise<StoredBatch | undefined> {
    const prefix = docPrefix(authorHex, doc)
    for await (const [key, bytes] of this.db.iterator({ gte: prefix, lt: prefix + sortableNumber(clock) + KEY_END, reverse: true, limit: 1 })) {
      const k = parseBatchKey(key)
      if (k.start <= clock && clock < k.end) { return { ...k, key, bytes } }
    }
    return undefined
  }

  async * entries (prefix: string, opts: { gt?: string, limit?: number } = {}): AsyncGenerator<[string, Uint8Array]> {
    const range: Record<string, unknown> = prefixRange(prefix)
    if (opts.gt !== undefined) {
      delete range.gte
      range.gt = opts.gt
    }
    if (opts.limit !== undefined) { range.limit = opts.limit }
    yield * this.db.iterator(range)
  }

  async * keys (prefix: string, opts: { gt?: string } = {}): AsyncGenerator<string> {
    const range: Record<string, unknown> = prefixRange(prefix)
    if (opts.gt !== undefined) {
      delete range.gte
      range.gt = opts.gt
    }
    yield * this.db.keys(range)
  }
}
