/** The ledger's pure parts: money, ISO weeks, entry and batch codecs and checks. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createNodeSigner, createNodeVerifier } from '../../../node/crypto.ts'
import { fromHex } from '../../../protocol/crypto/index.ts'
import { BatchRejected, buildUpdate, clientIdOf, openBatch, signBatch } from '../../../protocol/ledger/batch.ts'
import { bytesEqual, decodeEntry, encodeEntry, entryKey } from '../../../protocol/ledger/entries.ts'
import { formatCents, parseAmount, parseBigAmount, parseCanonicalAmount } from '../../../protocol/ledger/money.ts'
import { Entry, EntryKind, HumanStatusPb, IndexedEntry } from '../../../protocol/ledger/pb/ledger.ts'
import { decodeIndexed, indexValue } from '../../../protocol/ledger/store.ts'
import { encodeUpdate, readUpdate } from '../../../protocol/ledger/update-codec.ts'
import { isIsoWeek, isoWeek, isoWeekStart } from '../../../protocol/ledger/week.ts'
import { entryBytes, signBody, withoutDeletes } from '../../ledger/forge.ts'
import type { BatchItem } from '../../../protocol/ledger/batch.ts'
import type { LedgerEntry } from '../../../protocol/ledger/entries.ts'

describe('money', () => {
  it('parses API amounts exactly and refuses anything inexact', () => {
    expect(parseAmount('800', 'x')).toBe(80000)
    expect(parseAmount('800.5', 'x')).toBe(80050)
    expect(parseAmount('800.05', 'x')).toBe(80005)
    expect(parseAmount(800.5, 'x')).toBe(80050)
    expect(parseAmount('9999999999999.99', 'x')).toBe(999_999_999_999_999)
    expect(parseAmount('0', 'x', { allowZero: true })).toBe(0)
    for (const bad of ['0', '-1', '1.001', '1e3', 'abc', '', ' ', '1,00', '10000000000000.00', 0.1 + 0.2, -1, Number.POSITIVE_INFINITY, null, {}]) {
      expect(() => parseAmount(bad, 'amount'), String(bad)).toThrow(/amount/)
    }
    expect(parseBigAmount('19000000000000.00', 'pool')).toBe(1_900_000_000_000_000n)
    expect(parseBigAmount('123456789012345678901234567890', 'pool')).toBe(12345678901234567890123456789000n)
  })

  it('formats cents and accepts only canonical wire amounts', () => {
    expect(formatCents(0)).toBe('0.00')
    expect(formatCents(5)).toBe('0.05')
    expect(formatCents(80000)).toBe('800.00')
    expect(formatCents(-150)).toBe('-1.50')
    expect(formatCents(1_900_000_000_000_000n)).toBe('19000000000000.00')
    expect(parseCanonicalAmount('800.00')).toBe(80000)
    expect(parseCanonicalAmount('0.01')).toBe(1)
    for (const bad of ['800', '800.0', '0800.00', '-800.00', '+800.00', '800.000', ' 800.00', 'NaN', '1e2.00']) {
      expect(parseCanonicalAmount(bad), bad).toBeUndefined()
    }
  })
})

describe('ISO weeks', () => {
  it('names weeks like ISO 8601, across year boundaries', () => {
    expect(isoWeek(Date.UTC(2021, 0, 3))).toBe('2020-W53')
    expect(isoWeek(Date.UTC(2021, 0, 4))).toBe('2021-W01')
    expect(isoWeek(Date.UTC(2024, 11, 30))).toBe('2025-W01')
    expect(isoWeek(Date.UTC(2025, 5, 4, 23, 59))).toBe('2025-W23')
    expect(isIsoWeek('2020-W53')).toBe(true)
    expect(isIsoWeek('2021-W53')).toBe(false)
    expect(isIsoWeek('2021-W00')).toBe(false)
    expect(isIsoWeek('2021-w01')).toBe(false)
    expect(isoWeek(isoWeekStart('2025-W23'))).toBe('2025-W23')
    expect(isoWeek(isoWeekStart('2025-W23') - 1)).toBe('2025-W22')
  })
})

describe('entries', () => {
  const entries: LedgerEntry[] = [
    { kind: 'human', humanId: 'h-1', at: 1_700_000_000_000, status: 'active', weeklyFlow: 80000, housingCredit: 10400000, investmentPool: 0 },
    { kind: 'status', humanId: 'h-1', at: 1_700_000_000_001, status: 'inactive' },
    { kind: 'payment', humanId: 'h-1', at: 1_700_000_000_002, week: '2025-W23', amount: 80000, type: 'weekly_flow', registrar: 'ab'.repeat(32) }
  ]

  it('round-trips and derives keys from content', () => {
    for (const e of entries) { expect(decodeEntry(encodeEntry(e))).toEqual(e) }
    expect(entries.map((e, i) => entryKey(e, i + 7))).toEqual(['h:h-1', 's:h-1:8', `p:2025-W23:h-1:${'ab'.repeat(32)}`])
  })

  it('refuses malformed, non-canonical or out-of-range entries', () => {
    const bad: Array<[Uint8Array, RegExp]> = [
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W23', amount: '-1.00' }), /amount/],
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W23', amount: 'NaN' }), /amount/],
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W23', amount: '0.00' }), /greater than zero/],
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W60', amount: '1.00' }), /week/],
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W23', amount: '1.00', weeklyFlow: '1.00' }), /registration fields/],
      [entryBytes({ kind: EntryKind.HUMAN, humanId: 'h', weeklyFlow: '1.00', housingCredit: '1.00', investmentPool: '1.00', week: '2025-W23' }), /payment fields/],
      [entryBytes({ kind: EntryKind.HUMAN, humanId: 'bad id', weeklyFlow: '1.00', housingCredit: '1.00', investmentPool: '1.00' }), /human id/],
      [entryBytes({ kind: EntryKind.HUMAN, humanId: 'h', at: 0, weeklyFlow: '1.00', housingCredit: '1.00', investmentPool: '1.00' }), /timestamp/],
      [entryBytes({ kind: EntryKind.PAYMENT, humanId: 'h', week: '2025-W23', amount: '1.00' }), /registrar/],
      [new Uint8Array([0xff, 0xff, 0xff]), /undecodable/]
    ]
    for (const [bytes, reason] of bad) { expect(() => decodeEntry(bytes)).toThrow(reason) }
    // an unknown field makes the bytes non-canonical
    const good = encodeEntry(entries[0])
    const extra = new Uint8Array([...good, 0x78, 0x01])
    expect(() => decodeEntry(extra)).toThrow(/canonical/)
  })

  it('encodes entries and index values byte for byte as the generated encoders do', () => {
    let seed = 3
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    const id = (): string => 'h' + 'x._-@9Z'.repeat(20).slice(0, rand(120))
    const statusPb = (st: string): HumanStatusPb => st === 'inactive' ? HumanStatusPb.INACTIVE : HumanStatusPb.ACTIVE
    for (let i = 0; i < 300; i++) {
      const at = rand(3) === 0 ? rand(200) + 1 : 1_700_000_000_000 + rand(1e9)
      const cents = (): number => rand(4) === 0 ? 0 : rand(2 ** 30) * (rand(2) === 0 ? 1 : 1000)
      const status = rand(2) === 0 ? 'active' : 'inactive'
      const registrar = Array.from({ length: 32 }, () => rand(256).toString(16).padStart(2, '0')).join('')
      const e: LedgerEntry = [
        { kind: 'human', humanId: id(), at, status, weeklyFlow: cents(), housingCredit: cents(), investmentPool: cents() } as const,
        { kind: 'status', humanId: id(), at, status } as const,
        { kind: 'payment', humanId: id(), at, week: '2025-W23', amount: cents() + 1, type: 'weekly_flow', registrar } as const
      ][i % 3]
      const pb: Partial<Entry> = { humanId: e.humanId, at: e.at }
      if (e.kind === 'human') { Object.assign(pb, { kind: EntryKind.HUMAN, status: statusPb(e.status), weeklyFlow: formatCents(e.weeklyFlow), housingCredit: formatCents(e.housingCredit), investmentPool: formatCents(e.investmentPool) }) }
      if (e.kind === 'status') { Object.assign(pb, { kind: EntryKind.STATUS, status: statusPb(e.status) }) }
      if (e.kind === 'payment') { Object.assign(pb, { kind: EntryKind.PAYMENT, week: e.week, amount: formatCents(e.amount), registrar: fromHex(e.registrar) }) }
      const bytes = encodeEntry(e)
      expect(bytesEqual(bytes, Entry.encode(pb as Entry))).toBe(true)
      expect(bytes.constructor).toBe(Uint8Array)
      expect(decodeEntry(bytes)).toEqual(e)
      const item = { clock: rand(3) === 0 ? 0 : rand(2 ** 40), key: '', value: bytes, entry: e }
      expect(bytesEqual(indexValue('2025-W23', item), IndexedEntry.encode({ doc: '2025-W23', clock: item.clock, entry: bytes as Uint8Array<ArrayBuffer> }))).toBe(true)
      expect(decodeIndexed(indexValue('2025-W23', item))).toEqual({ doc: '2025-W23', clock: item.clock, entry: bytes })
    }
  })

  it('accepts only the one canonical encoding: other encodings of the same fields are refused', () => {
    const good = encodeEntry(entries[2])
    const noncanonical: Uint8Array[] = [
      // the kind field at its default value, written anyway
      new Uint8Array([0x08, 0x00, ...encodeEntry(entries[0])]),
      // an empty string field written
      new Uint8Array([...encodeEntry(entries[1]), 0x2a, 0x00]),
      // the timestamp as a longer varint than needed
      (() => { const b = encodeEntry({ ...entries[1], at: 5 }); return new Uint8Array([...b.subarray(0, b.length - 1), b[b.length - 1] | 0x80, 0x00]) })(),
      // fields out of order: the human id moved after the timestamp
      (() => { const b = encodeEntry({ ...entries[1], at: 5 }); const id = b.subarray(2, b.length - 2); return new Uint8Array([b[0], b[1], ...b.subarray(b.length - 2), ...id]) })(),
      // a field repeated
      new Uint8Array([...good, 0x5a, 0x20, ...new Uint8Array(32).fill(1)]),
      // the (only, default) payment type written
      new Uint8Array([...good.subarray(0, good.length - 34), 0x50, 0x00, ...good.subarray(good.length - 34)])
    ]
    for (const bytes of noncanonical) { expect(() => decodeEntry(bytes)).toThrow(/canonical|payment type|undecodable/) }
    // seeded mutations of valid encodings: whatever is accepted re-encodes to exactly itself
    let seed = 13
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    let accepted = 0
    for (let i = 0; i < 20_000; i++) {
      const base = [...encodeEntry(entries[rand(entries.length)])]
      for (let k = rand(3) + 1; k > 0; k--) {
        const at = rand(base.length + 1)
        const op = rand(3)
        if (op === 0) { base[Math.min(at, base.length - 1)] = rand(256) } else if (op === 1) { base.splice(at, 0, rand(256)) } else { base.splice(at, 1) }
      }
      const bytes = new Uint8Array(base)
      let e: LedgerEntry | undefined
      try { e = decodeEntry(bytes) } catch { continue }
      accepted++
      expect(bytesEqual(encodeEntry(e), bytes)).toBe(true)
    }
    expect(accepted).toBeGreaterThan(100)
  })
})

describe('update codec', () => {
  let seed = 7
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const randomItems = (n: number): Array<{ key: string, value: Uint8Array }> => Array.from({ length: n }, (_, i) => ({
    key: `h:${i}-${'x'.repeat(rand(200))}`,
    value: new Uint8Array(rand(300)).map(() => rand(256))
  }))

  it('writes byte for byte what Yjs writes, and reads it back', () => {
    for (const [client, clock, n] of [[0, 0, 1], [7, 300, 2], [0xffffffff, 0, 3], [0x12345678, 2 ** 31, 40], [1, 127, 128], [2 ** 20, 16_384, 1000]]) {
      const items = randomItems(n)
      const update = encodeUpdate(client, clock, items)
      expect(bytesEqual(update, buildUpdate(client, clock, items))).toBe(true)
      const read = readUpdate(update, client, clock, n)
      expect(read.every((it, i) => it.key === items[i].key && bytesEqual(it.value, items[i].value))).toBe(true)
    }
  })

  it('reads nothing but the canonical update: whatever it accepts is written back identically', () => {
    const items = randomItems(3)
    const good = encodeUpdate(300, 40, items)
    expect(() => readUpdate(good, 301, 40, 3)).toThrow(/foreign client/)
    expect(() => readUpdate(good, 300, 41, 3)).toThrow(/clock/)
    expect(() => readUpdate(good, 300, 40, 2)).toThrow(/structs/)
    expect(() => readUpdate(new Uint8Array([...good, 0]), 300, 40, 3)).toThrow(/trailing/)
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const base = [...good]
      for (let k = rand(2) + 1; k > 0; k--) {
        const at = rand(base.length)
        const op = rand(3)
        if (op === 0) { base[at] = rand(256) } else if (op === 1) { base.splice(at, 0, rand(256)) } else { base.splice(at, 1) }
      }
      const bytes = new Uint8Array(base)
      let read
      try { read = readUpdate(bytes, 300, 40, 3) } catch { continue }
      accepted++
      expect(bytesEqual(encodeUpdate(300, 40, read), bytes)).toBe(true)
      expect(bytesEqual(buildUpdate(300, 40, read.map(it => ({ key: it.key, value: new Uint8Array(it.value) }))), bytes)).toBe(true)
    }
    expect(accepted).toBeGreaterThan(100)
  })
})

describe('batches', () => {
  it('open what the writer signs, and refuse anything not byte-identical to it', async () => {
    const key = await generateKeyPair('Ed25519')
    const signer = createNodeSigner(key)
    const verifier = createNodeVerifier()
    const items: BatchItem[] = [0, 1, 2].map(i => {
      const entry: LedgerEntry = { kind: 'human', humanId: `b-${i}`, at: 1_700_000_000_000 + i, status: 'active', weeklyFlow: 80000, housingCredit: 0, investmentPool: 0 }
      return { clock: 40 + i, key: entryKey(entry, 40 + i), value: encodeEntry(entry), entry }
    })
    const batch = await signBatch(signer, '2025-W23', 40, items, 1)
    const opened = await openBatch(batch.bytes, verifier)
    expect(opened.items.map(i => i.entry)).toEqual(items.map(i => i.entry))
    expect([opened.clockStart, opened.clockEnd, opened.doc]).toEqual([40, 43, '2025-W23'])

    const update = buildUpdate(clientIdOf(signer.publicKey), 40, items)
    const sign = async (u: Uint8Array, over: Record<string, unknown> = {}): Promise<Uint8Array> =>
      signBody(signer, { author: signer.publicKey, doc: '2025-W23', clockStart: 40, clockEnd: 43, update: u, ...over })
    const reject = async (bytes: Uint8Array, reason: RegExp): Promise<void> => {
      await expect(openBatch(bytes, verifier)).rejects.toThrow(BatchRejected)
      await expect(openBatch(bytes, verifier)).rejects.toThrow(reason)
    }
    expect((await openBatch(await sign(update), verifier)).items).toHaveLength(3)
    // trailing bytes Yjs would ignore
    await reject(await sign(new Uint8Array([...update, 0])), /canonical/)
    await reject(await sign(update, { clockEnd: 44 }), /structs/)
    await reject(await sign(update, { clockStart: 39, clockEnd: 42 }), /consecutive/)
    await reject(await sign(update, { doc: 'week 23' }), /document id/)
    await reject(await sign(update, { clockStart: 5, clockEnd: 5 }), /clock range/)
    // keys must match their entries
    const wrongKey = buildUpdate(clientIdOf(signer.publicKey), 40, [{ key: 'h:someone-else', value: items[0].value }, items[1], items[2]])
    await reject(await sign(wrongKey), /does not match/)
    // a GC struct standing for clocks it does not carry
    const gcDoc = new Y.Doc()
    gcDoc.clientID = clientIdOf(signer.publicKey)
    gcDoc.store.clients.set(gcDoc.clientID, [new Y.GC(Y.createID(gcDoc.clientID, 40), 1)])
    await reject(await sign(Y.encodeStateAsUpdate(gcDoc), { clockEnd: 41 }), /deletes items/)
    await reject(await sign(withoutDeletes(Y.encodeStateAsUpdate(gcDoc)), { clockEnd: 41 }), /GC or skip/)
    // values that are not binary entries
    let anyUpdate: Uint8Array | undefined
    const anyDoc = new Y.Doc()
    anyDoc.clientID = clientIdOf(signer.publicKey)
    anyDoc.store.clients.set(anyDoc.clientID, [new Y.GC(Y.createID(anyDoc.clientID, 0), 40)])
    anyDoc.on('update', (u: Uint8Array) => { anyUpdate = u })
    anyDoc.transact(() => { for (const it of items) { anyDoc.getMap('e').set(it.key, { json: true }) } })
    await reject(await sign(anyUpdate as Uint8Array), /not binary/)
    // nested types are not the root map
    let nestedUpdate: Uint8Array | undefined
    const nested = new Y.Doc()
    nested.clientID = clientIdOf(signer.publicKey)
    nested.store.clients.set(nested.clientID, [new Y.GC(Y.createID(nested.clientID, 0), 40)])
    nested.on('update', (u: Uint8Array) => { nestedUpdate = u })
    nested.transact(() => { nested.getArray('e').insert(0, [items[0].value, items[1].value, items[2].value]) })
    await reject(await sign(nestedUpdate as Uint8Array), /no map key|not in the root map|origin/)
  })
})
