import { describe, expect, it } from 'vitest'
import { ProtoReader, asciiOf, textOf } from '../../../protocol/ledger/proto-reader.ts'
import type { ReadProblem } from '../../../protocol/ledger/proto-reader.ts'

const fail = (problem: ReadProblem): Error => new Error(problem)
const reader = (bytes: number[], minimal = true): ProtoReader => new ProtoReader(Uint8Array.from(bytes), fail, minimal)

describe('ProtoReader', () => {
  it('reads varints of one to eight bytes, up to the largest safe integer', () => {
    expect(reader([0x05]).varint()).toBe(5)
    expect(reader([0xac, 0x02]).varint()).toBe(300)
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]
    expect(reader(max).varint()).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('refuses a truncated varint, a ninth byte and, when minimal, a longer encoding of a value', () => {
    expect(() => reader([0x80]).varint()).toThrow('truncated')
    expect(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).varint()).toThrow('too-long')
    expect(() => reader([0x85, 0x00]).varint()).toThrow('non-minimal')
    expect(reader([0x85, 0x00], false).varint()).toBe(5)
  })

  it('gives views of exactly the bytes asked for, and refuses to read past the end', () => {
    const r = reader([2, 0x61, 0x62, 0x63])
    const view = r.view(r.varint())
    expect(Array.from(view)).toEqual([0x61, 0x62])
    expect(r.done).toBe(false)
    expect(() => r.view(2)).toThrow('truncated')
    expect(r.byte()).toBe(0x63)
    expect(r.done).toBe(true)
    expect(() => r.byte()).toThrow('truncated')
  })

  it('reads text as ASCII or UTF-8, and tells non-ASCII apart', () => {
    expect(textOf(new TextEncoder().encode('h-1'))).toBe('h-1')
    expect(textOf(new TextEncoder().encode('Zoë'))).toBe('Zoë')
    expect(asciiOf(new TextEncoder().encode('p:2026-W40'))).toBe('p:2026-W40')
    expect(asciiOf(new TextEncoder().encode('Zoë'))).toBeUndefined()
  })
})
