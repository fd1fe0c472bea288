/**
 * Signed batches: how an author turns entries into a Yjs update of its own document, and
 * how a receiver decides that an update is authentic before anything reaches shared state.
 *
 * ## Why no peer can forge, overwrite or delete another peer's entries
 *
 * Every author has its own documents (one per ISO week); no document has two writers.
 * A batch is `SignedBatch { body, signature }` where `body` names the author (its raw
 * Ed25519 key), the document, the clock range [clockStart, clockEnd) and carries one Yjs
 * V1 update. A receiver accepts it only when all of these hold, in this order:
 *
 * 1. `signature` is the author's Ed25519 signature over "liberation/ledger/1\n" || body
 * (checked with `components.crypto.verifier`). So the batch is the author's words:
 * a peer cannot put anything into another author's document, nor claim another
 * author, without that author's private key.
 * 2. The update decodes (`Y.decodeUpdate`) to exactly clockEnd − clockStart structs, all
 * `Item`s of the author's client id (bound to its key: `clientIdOf(author)`), with
 * consecutive clocks from clockStart, and an empty delete set. A signer can only
 * speak for its own client: it cannot add items under another client id, and it
 * cannot delete anything (not even its own items).
 * 3. Every item has `origin === null` and `rightOrigin === null`, parent the root map
 * "e" (a string, not a nested type), a string key, and `ContentBinary` content.
 * An overwrite of a map key in Yjs is an item whose origin is the item it replaces;
 * a delete is an entry in the delete set. Both are refused, so an update cannot
 * replace or remove any existing item, whoever wrote it. (We do not rely on
 * `parent`/`parentSub` alone: `decodeUpdate` leaves them null whenever an item has an
 * origin, which is why a key check alone misses an overwrite.)
 * 4. Each value decodes to a valid canonical `Entry` and its key is the one derived
 * from its content (`entryKey`), and no key repeats inside the batch.
 * 5. The update is byte-identical to the one `buildUpdate` produces from those items for
 * that client and clockStart: there is exactly one valid encoding, so nothing the
 * checks above do not look at (flags, trailing bytes) can ride along.
 *
 * Checks 2, 3 and 5 are made as one: the update is read directly as that one canonical
 * encoding (`update-codec.ts`, which writes byte for byte what Yjs writes for
 * `buildUpdate`), so whatever it accepts is an update Yjs decodes to exactly the items
 * above, and anything else is refused without building a Y.Doc. Likewise an entry is
 * read directly in its canonical encoding (check 4, `decodeEntry`).
 *
 * Documents are keyed by author key, not by Yjs client id, so two authors whose client
 * ids collide (a 32-bit value a peer can grind for) still write to different documents.
 * What remains for a dishonest author is to contradict itself: two signed batches with
 * different items at the same (document, clock), or the same slot (`h:`/`p:` key) at two
 * places. Receivers detect both (ledger `receive`), keep the pair as an
 * `EquivocationProof`, spread it, and drop the author from every derived view.
 */
import * as Y from 'yjs'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, toHex } from '../crypto/index.ts'
import { LEDGER_ROOT } from './constants.ts'
import { bytesEqual, decodeEntry, entryKey, EntryError } from './entries.ts'
import { BatchBody, SignedBatch } from './pb/ledger.ts'
import { encodeUpdate, readUpdate } from './update-codec.ts'
import { isIsoWeek } from './week.ts'
import type { LedgerEntry } from './entries.ts'
import type { Signer, Verifier } from '../crypto/index.ts'

/** bytes as the generated codecs type them */
export type Bytes = Uint8Array<ArrayBuffer>

export { LEDGER_ROOT } from './constants.ts'

export const SIGNATURE_DOMAIN = new TextEncoder().encode('liberation/ledger/1\n')

/** the most entries one batch may carry (compaction makes batches up to this size) */
export const MAX_BATCH_ENTRIES = 8192
/** the largest signed batch accepted, bytes */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024

/** The Yjs client id of an author: the first 4 bytes of its public key. */
export function clientIdOf (author: Uint8Array): number {
  return ((author[0] << 24) | (author[1] << 16) | (author[2] << 8) | author[3]) >>> 0
}

export interface BatchItem {
  /** Yjs clock of the item */
  clock: number
  key: string
  /** canonical Entry bytes */
  value: Uint8Array
  entry: LedgerEntry
}

/** A batch that passed every check (or that this node wrote itself). */
export interface OpenedBatch {
  /** SignedBatch bytes, exactly as signed and stored */
  bytes: Uint8Array
  signature: Uint8Array
  author: Uint8Array
  authorHex: string
  doc: string
  clockStart: number
  clockEnd: number
  signedAt: number
  items: BatchItem[]
}

export class BatchRejected extends Error {
  override name = 'BatchRejected'
}

/**
 * The update of a batch as Yjs itself makes it: a throwaway document whose client already
 * stands at `clockStart` (a GC struct covers the earlier clocks) and one transaction
 * inserting every key; since the map is empty no insertion has an origin. The reference
 * for `encodeUpdate`, which writes the same bytes without a Y.Doc (writers and
 * receivers use that one; tests hold the two together).
 */
export function buildUpdate (clientId: number, clockStart: number, items: ReadonlyArray<{ key: string, value: Uint8Array }>): Uint8Array {
  const doc = new Y.Doc({ gc: false })
  doc.clientID = clientId
  if (clockStart > 0) { doc.store.clients.set(clientId, [new Y.GC(Y.createID(clientId, 0), clockStart)]) }
  let update: Uint8Array | undefined
  doc.on('update', (u: Uint8Array) => { update = u })
  doc.transact(() => {
    const map = doc.getMap(LEDGER_ROOT)
    for (const { key, value } of items) { map.set(key, value) }
  })
  doc.destroy()
  if (update === undefined) { throw new Error('empty batch') }
  return update
}

export function signingBytes (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNATURE_DOMAIN.length + body.length)
  out.set(SIGNATURE_DOMAIN, 0)
  out.set(body, SIGNATURE_DOMAIN.length)
  return out
}

/** Author side: encode, sign and wrap one batch of this node's document `doc`. */
export async function signBatch (signer: Signer, doc: string, clockStart: number, items: BatchItem[], signedAt: number): Promise<OpenedBatch> {
  const author = signer.publicKey
  const update = encodeUpdate(clientIdOf(author), clockStart, items)
  const clockEnd = clockStart + items.length
  const body = BatchBody.encode({ author: author as Bytes, doc, clockStart, clockEnd, update: update as Bytes, signedAt })
  const signature = await signer.sign(signingBytes(body))
  return {
    bytes: SignedBatch.encode({ body, signature: signature as Bytes }),
    signature,
    author,
    authorHex: toHex(author),
    doc,
    clockStart,
    clockEnd,
    signedAt,
    items
  }
}

/** The parts of a SignedBatch, structurally checked (sizes, canonical encoding); no signature check. */
export interface ParsedBatch {
  signed: SignedBatch
  body: BatchBody
}

export function parseBatch (bytes: Uint8Array): ParsedBatch {
  if (bytes.byteLength > MAX_BATCH_BYTES) { throw new BatchRejected(`batch of ${bytes.byteLength} bytes is over the limit`) }
  let signed: SignedBatch
  let body: BatchBody
  try {
    signed = SignedBatch.decode(bytes)
    body = BatchBody.decode(signed.body)
  } catch (err: any) {
    throw new BatchRejected(`undecodable batch: ${err.message}`)
  }
  if (signed.signature.byteLength !== ED25519_SIGNATURE_LENGTH) { throw new BatchRejected('bad signature length') }
  if (body.author.byteLength !== ED25519_PUBLIC_KEY_LENGTH) { throw new BatchRejected('bad author key length') }
  if (!isIsoWeek(body.doc)) { throw new BatchRejected(`bad document id ${JSON.stringify(body.doc.slice(0, 20))}`) }
  if (!Number.isSafeInteger(body.clockStart) || !Number.isSafeInteger(body.clockEnd) || body.clockStart < 0 ||
    body.clockEnd <= body.clockStart || body.clockEnd - body.clockStart > MAX_BATCH_ENTRIES || body.clockEnd > 0xffffffff) {
    throw new BatchRejected('bad clock range')
  }
  if (!bytesEqual(SignedBatch.encode(signed), bytes) || !bytesEqual(BatchBody.encode(body), signed.body)) {
    throw new BatchRejected('batch bytes are not canonical')
  }
  return { signed, body }
}

/**
 * Checks 2–5 of the module docs: the update is a plain append to the author's own map.
 * They come down to one: the update is byte for byte the canonical update of its items
 * (`update-codec.ts`), read directly, and each item a valid canonical entry under its key.
 */
export function inspectUpdate (body: BatchBody): BatchItem[] {
  const count = body.clockEnd - body.clockStart
  let raw: Array<{ key: string, value: Uint8Array }>
  try {
    raw = readUpdate(body.update, clientIdOf(body.author), body.clockStart, count)
  } catch {
    explainRefusal(body)
  }
  const items: BatchItem[] = new Array(count)
  const keys = new Set<string>()
  for (let i = 0; i < count; i++) {
    const { key: itemKey, value } = raw[i]
    const clock = body.clockStart + i
    let entry: LedgerEntry
    try {
      entry = decodeEntry(value)
    } catch (err: any) {
      throw new BatchRejected(err instanceof EntryError ? `bad entry: ${err.message}` : String(err))
    }
    const key = entryKey(entry, clock)
    if (key !== itemKey) { throw new BatchRejected(`key ${JSON.stringify(itemKey.slice(0, 80))} does not match its entry`) }
    if (keys.has(key)) { throw new BatchRejected('key repeats inside the batch') }
    keys.add(key)
    items[i] = { clock, key, value, entry }
  }
  return items
}

/**
 * Why an update that is not the canonical one is refused, in the terms of checks 2–5:
 * decoded with Yjs and checked struct by struct. Only refused updates come here.
 */
function explainRefusal (body: BatchBody): never {
  const clientId = clientIdOf(body.author)
  const count = body.clockEnd - body.clockStart
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(body.update)
  } catch (err: any) {
    throw new BatchRejected(`undecodable Yjs update: ${err?.message ?? err}`)
  }
  const { structs, ds } = decoded
  if (ds.clients.size !== 0) { throw new BatchRejected('update deletes items') }
  if (structs.length !== count) { throw new BatchRejected(`update has ${structs.length} structs, clock range says ${count}`) }
  const keys = new Set<string>()
  for (let i = 0; i < count; i++) {
    const s = structs[i]
    if (!(s instanceof Y.Item)) { throw new BatchRejected('update holds a GC or skip struct') }
    if (s.id.client !== clientId) { throw new BatchRejected(`item of foreign client ${s.id.client}`) }
    if (s.id.clock !== body.clockStart + i) { throw new BatchRejected('item clocks are not consecutive') }
    if (s.origin !== null || s.rightOrigin !== null) { throw new BatchRejected('item has an origin (an overwrite or insertion next to an existing item)') }
    if ((s.parent as unknown) !== LEDGER_ROOT) { throw new BatchRejected('item is not in the root map') }
    if (typeof s.parentSub !== 'string') { throw new BatchRejected('item has no map key') }
    if (!(s.content instanceof Y.ContentBinary)) { throw new BatchRejected('item content is not binary') }
    let entry: LedgerEntry
    try {
      entry = decodeEntry(s.content.content)
    } catch (err: any) {
      throw new BatchRejected(err instanceof EntryError ? `bad entry: ${err.message}` : String(err))
    }
    const key = entryKey(entry, body.clockStart + i)
    if (key !== s.parentSub) { throw new BatchRejected(`key ${JSON.stringify(s.parentSub.slice(0, 80))} does not match its entry`) }
    if (keys.has(key)) { throw new BatchRejected('key repeats inside the batch') }
    keys.add(key)
  }
  throw new BatchRejected('update is not in canonical form')
}

function openedBatch (bytes: Uint8Array, signed: SignedBatch, body: BatchBody, items: BatchItem[]): OpenedBatch {
  return {
    bytes,
    signature: signed.signature,
    author: body.author,
    authorHex: toHex(body.author),
    doc: body.doc,
    clockStart: body.clockStart,
    clockEnd: body.clockEnd,
    signedAt: body.signedAt,
    items
  }
}

/** Receiver side: checks 1–5 of the module docs. Throws BatchRejected. */
export async function openBatch (bytes: Uint8Array, verifier: Verifier): Promise<OpenedBatch> {
  const { signed, body } = parseBatch(bytes)
  if (!await verifier.verify(body.author, signingBytes(signed.body), signed.signature)) {
    throw new BatchRejected('bad signature')
  }
  const items = inspectUpdate(body)
  return openedBatch(bytes, signed, body, items)
}

/** Decode a batch this node stored after checking it (no signature or canonical checks). */
export function openTrustedBatch (bytes: Uint8Array): OpenedBatch {
  const signed = SignedBatch.decode(bytes)
  const body = BatchBody.decode(signed.body)
  const raw = readUpdate(body.update, clientIdOf(body.author), body.clockStart, body.clockEnd - body.clockStart)
  const items: BatchItem[] = raw.map(({ key, value }, i) => ({ clock: body.clockStart + i, key, value, entry: decodeEntry(value, true) }))
  return openedBatch(bytes, signed, body, items)
}

/** Load stored signed batches into a Y.Doc (inspection, tests): the CRDT state they make. */
export function docFromBatches (batches: Iterable<Uint8Array>): Y.Doc {
  const doc = new Y.Doc({ gc: false })
  for (const bytes of batches) {
    const body = BatchBody.decode(SignedBatch.decode(bytes).body)
    Y.applyUpdate(doc, body.update)
  }
  return doc
}
