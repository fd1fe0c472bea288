/**
 * A minimal protobuf writer for the two messages written once per entry (`Entry` and
 * `IndexedEntry`): the same bytes as the generated encoders (unit tests hold them
 * together) without their per-call allocations. One scratch buffer, reused; `finish`
 * copies the message out as a plain Uint8Array.
 */

const textEncoder = new TextEncoder()

export class ProtoWriter {
  private buf = new Uint8Array(1024)
  private pos = 0

  private ensure (n: number): void {
    if (this.pos + n <= this.buf.byteLength) { return }
    const b = new Uint8Array(Math.max(this.buf.byteLength * 2, this.pos + n))
    b.set(this.buf.subarray(0, this.pos))
    this.buf = b
  }

  reset (): this {
    this.pos = 0
    return this
  }

  /** a non-negative safe integer as a minimal varint */
  varint (v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) { throw new RangeError(`not a non-negative safe integer: ${v}`) }
    this.ensure(8)
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.pos++] = v
    return this
  }

  /** a length-delimited string field, UTF-8 */
  string (tag: number, s: string): this {
    let ascii = true
    for (let i = 0; i < s.length; i++) { if (s.charCodeAt(i) >= 0x80) { ascii = false; break } }
    if (!ascii) { return this.bytes(tag, textEncoder.encode(s)) }
    this.varint(tag).varint(s.length)
    this.ensure(s.length)
    for (let i = 0; i < s.length; i++) { this.buf[this.pos++] = s.charCodeAt(i) }
    return this
  }

  /** a length-delimited bytes field */
  bytes (tag: number, b: Uint8Array): this {
    this.varint(tag).varint(b.byteLength)
    this.ensure(b.byteLength)
    this.buf.set(b, this.pos)
    this.pos += b.byteLength
    return this
  }

  /** a length-delimited bytes field given as hex (lower or upper case) */
  hexBytes (tag: number, hex: string): this {
    if (hex.length % 2 !== 0) { throw new Error('not a hex string') }
    const n = hex.length / 2
    this.varint(tag).varint(n)
    this.ensure(n)
    for (let i = 0; i < n; i++) {
      const hi = hexDigit(hex.charCodeAt(2 * i))
      const lo = hexDigit(hex.charCodeAt(2 * i + 1))
      this.buf[this.pos++] = (hi << 4) | lo
    }
    return this
  }

  finish (): Uint8Array {
    // a loop: for messages this small it is cheaper than slice() or set(subarray())
    const out = new Uint8Array(this.pos)
    const buf = this.buf
    for (let i = 0; i < out.length; i++) { out[i] = buf[i] }
    return out
  }
}

function hexDigit (c: number): number {
  if (c >= 48 && c <= 57) { return c - 48 }
  if (c >= 97 && c <= 102) { return c - 87 }
  if (c >= 65 && c <= 70) { return c - 55 }
  throw new Error('not a hex string')
}
