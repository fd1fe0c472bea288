/**
 * The one canonical Yjs update of a batch, written and read directly. It is byte for
 * byte what Yjs writes for `buildUpdate`'s transaction (a unit test holds the two
 * together), in Yjs's V1 update format:
 *
 * varuint 1 (one client) · varuint count · varuint client id · varuint clockStart ·
 * per item: 0x23 (an `Item` with no origin, no right origin, a map key and
 * `ContentBinary` content) · varuint 1 + varstring "e" (parent: the root type `e` by
 * name) · varstring key · varuint length + the value's bytes ·
 * then varuint 0 (an empty delete set).
 *
 * All varuints are minimal (as lib0 writes them). Reading accepts exactly this layout
 * and nothing else, so an update it accepts is the canonical update of its items: no
 * second encoding (and no Y.Doc) is needed to check that, on the path every received
 * batch takes.
 */
import { LEDGER_ROOT } from './constants.ts'
import { ProtoReader, asciiOf } from './proto-reader.ts'
import type { ReadProblem } from './proto-reader.ts'

/** info byte of a root-map item with binary content: ContentBinary (3) | has parentSub (0x20) */
const ITEM_INFO = 0x23
/** parent info of every item: varuint 1 (a root type, by name) + varstring LEDGER_ROOT */
const PARENT = new Uint8Array([0x01, LEDGER_ROOT.length, ...new TextEncoder().encode(LEDGER_ROOT)])

export class UpdateError extends Error {
  override name = 'UpdateError'
}

function varuintSize (v: number): number {
  let n = 1
  while (v > 0x7f) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/** The canonical update of `items` (map keys must be ASCII, as entry keys are). */
export function encodeUpdate (clientId: number, clockStart: number, items: ReadonlyArray<{ key: string, value: Uint8Array }>): Uint8Array {
  let size = 1 + varuintSize(items.length) + varuintSize(clientId) + varuintSize(clockStart) + 1
  for (const { key, value } of items) {
    size += 1 + PARENT.length + varuintSize(key.length) + key.length + varuintSize(value.byteLength) + value.byteLength
  }
  const out = new Uint8Array(size)
  let pos = 0
  const varuint = (v: number): void => {
    while (v > 0x7f) {
      out[pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    out[pos++] = v
  }
  varuint(1)
  varuint(items.length)
  varuint(clientId)
  varuint(clockStart)
  for (const { key, value } of items) {
    out[pos++] = ITEM_INFO
    out.set(PARENT, pos)
    pos += PARENT.length
    varuint(key.length)
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      if (c >= 0x80) { throw new UpdateError('a map key must be ASCII') }
      out[pos++] = c
    }
    varuint(value.byteLength)
    out.set(value, pos)
    pos += value.byteLength
  }
  varuint(0)
  return out
}

/**
 * Read the canonical update of `count` items of `clientId` from `clockStart`: their
 * keys and values (views into `update`). Throws UpdateError, saying what differs, for
 * anything else.
 */
export function readUpdate (update: Uint8Array, clientId: number, clockStart: number, count: number): Array<{ key: string, value: Uint8Array }> {
  const r = new ProtoReader(update, updateProblem)
  if (r.varint() !== 1) { throw new UpdateError('update must hold the structs of exactly one client') }
  const n = r.varint()
  if (n !== count) { throw new UpdateError(`update has ${n} structs, clock range says ${count}`) }
  const client = r.varint()
  if (client !== clientId) { throw new UpdateError(`item of foreign client ${client}`) }
  if (r.varint() !== clockStart) { throw new UpdateError('item clocks do not start at the clock range') }
  const items: Array<{ key: string, value: Uint8Array }> = new Array(count)
  for (let i = 0; i < count; i++) {
    if (r.byte() !== ITEM_INFO) { throw new UpdateError('item is not a binary value set on an empty map key (it has an origin, or other content)') }
    for (let j = 0; j < PARENT.length; j++) {
      if (r.byte() !== PARENT[j]) { throw new UpdateError('item is not in the root map') }
    }
    // entry keys are ASCII: any other key can match no entry
    const key = asciiOf(r.view(r.varint()))
    if (key == null) { throw new UpdateError('map key is not ASCII') }
    items[i] = { key, value: r.view(r.varint()) }
  }
  if (r.varint() !== 0) { throw new UpdateError('update deletes items') }
  if (!r.done) { throw new UpdateError('update has trailing bytes') }
  return items
}

function updateProblem (problem: ReadProblem): UpdateError {
  switch (problem) {
    case 'truncated': return new UpdateError('truncated update')
    case 'non-minimal': return new UpdateError('update is not in canonical form')
    default: return new UpdateError('varint too long')
  }
}
