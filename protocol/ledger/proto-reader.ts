/**
 * A cursor over protobuf-style bytes for the ledger's hand-written readers (entries, Yjs
 * updates, index values), which run once per entry on the receive and start-up paths:
 * varints of at most 8 bytes (every safe integer fits), length-checked views, ASCII text
 * without a decoder. Each reader says how a problem is reported, so its callers keep
 * their own error type; `minimal` refuses a varint longer than needed (another encoding
 * of the same value), for readers that accept one canonical encoding only.
 */

export type ReadProblem = 'truncated' | 'non-minimal' | 'too-long'

export class ProtoReader {
  pos = 0
  private readonly bytes: Uint8Array
  private readonly end: number
  private readonly fail: (problem: ReadProblem) => Error
  private readonly minimal: boolean

  constructor (bytes: Uint8Array, fail: (problem: ReadProblem) => Error, minimal = true) {
    this.bytes = bytes
    this.end = bytes.byteLength
    this.fail = fail
    this.minimal = minimal
  }

  get done (): boolean {
    return this.pos >= this.end
  }

  byte (): number {
    if (this.pos >= this.end) { throw this.fail('truncated') }
    return this.bytes[this.pos++]
  }

  varint (): number {
    // most varints here are one byte (tags, lengths)
    if (this.pos < this.end && this.bytes[this.pos] < 0x80) { return this.bytes[this.pos++] }
    let v = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) { throw this.fail('truncated') }
      const b = this.bytes[this.pos++]
      v += (b & 0x7f) * mul
      if (b < 0x80) {
        if (this.minimal && b === 0 && i > 0) { throw this.fail('non-minimal') }
        return v
      }
      mul *= 128
    }
    throw this.fail('too-long')
  }

  /** the next `n` bytes, as a view */
  view (n: number): Uint8Array {
    if (this.pos + n > this.end) { throw this.fail('truncated') }
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
}

const utf8 = new TextDecoder()

/** bytes as text: ASCII directly (ids, amounts, weeks are ASCII), anything else as UTF-8 */
export function textOf (bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) { return utf8.decode(bytes) }
  }
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}

/** ASCII bytes as text, undefined when any byte is not ASCII */
export function asciiOf (bytes: Uint8Array): string | undefined {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) { return undefined }
  }
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}
