/**
 * Sums of ids mod 2^128, the fingerprint arithmetic of both set types. A sum is held as
 * 4 little-endian 32-bit lanes of a Uint32Array (lane 0 = the least significant 32
 * bits, bytes 12..15 of a big-endian id), so prefix sums of many positions sit in one
 * flat array: position i at offset i * 4.
 */
import { ID_BYTES } from './ids.ts'

/** acc[o..o+4) = src[so..so+4) + the id at `ids[io..io+16)` (big-endian), mod 2^128 */
export function addIdInto (acc: Uint32Array, o: number, src: Uint32Array, so: number, ids: Uint8Array, io = 0): void {
  let carry = 0
  for (let lane = 0; lane < 4; lane++) {
    const b = io + (3 - lane) * 4
    const v = ((ids[b] << 24) | (ids[b + 1] << 16) | (ids[b + 2] << 8) | ids[b + 3]) >>> 0
    const s = src[so + lane] + v + carry
    acc[o + lane] = s >>> 0
    carry = s > 0xffffffff ? 1 : 0
  }
}

/** acc[o..o+4) = a[ao..ao+4) + b[bo..bo+4), mod 2^128 */
export function addLanes (acc: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
  let carry = 0
  for (let lane = 0; lane < 4; lane++) {
    const s = a[ao + lane] + b[bo + lane] + carry
    acc[o + lane] = s >>> 0
    carry = s > 0xffffffff ? 1 : 0
  }
}

/** (a[ao..ao+4) − b[bo..bo+4)) mod 2^128 as 16 big-endian bytes: a range's sum from two prefix sums */
export function laneDifference (a: Uint32Array, ao: number, b: Uint32Array, bo: number): Uint8Array {
  const out = new Uint8Array(ID_BYTES)
  let borrow = 0
  for (let lane = 0; lane < 4; lane++) {
    let d = a[ao + lane] - b[bo + lane] - borrow
    borrow = d < 0 ? 1 : 0
    if (d < 0) { d += 0x100000000 }
    const o = (3 - lane) * 4
    out[o] = d >>> 24
    out[o + 1] = (d >>> 16) & 0xff
    out[o + 2] = (d >>> 8) & 0xff
    out[o + 3] = d & 0xff
  }
  return out
}
