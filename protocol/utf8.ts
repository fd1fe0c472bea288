/** UTF-8 sizes of strings, for limits checked on every received message. */

const utf8 = new TextEncoder()

/**
 * Whether `s` encodes to at most `maxBytes` bytes of UTF-8. A UTF-16 code unit encodes to
 * one to three bytes (a surrogate pair, two units, to four), so most strings are decided by
 * their length alone and only those in between are encoded.
 */
export function fitsUtf8 (s: string, maxBytes: number): boolean {
  if (s.length > maxBytes) { return false }
  if (s.length * 3 <= maxBytes) { return true }
  return utf8.encode(s).length <= maxBytes
}
