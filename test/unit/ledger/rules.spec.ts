/**
 * The ledger's rules and derived views as pure functions of entries: ownership, payment
 * amounts, one payment per week, pool admission, charter bounds; independent of arrival
 * order.
 */
import { describe, expect, it } from 'vitest'
import { charterViolation, createCharter, ledgerSyncProtocol, ledgerTopic } from '../../../protocol/ledger/charter.ts'
import { admit, compareAdmission, fundingBoundary, isValidPayment, statusForWeek } from '../../../protocol/ledger/rules.ts'
import { DerivedViews } from '../../../protocol/ledger/views.ts'
import type { HumanEntry, PaymentEntry, StatusEntry } from '../../../protocol/ledger/entries.ts'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const M = '0'.repeat(64) // an attacker with the smallest key there is
const W1 = '2025-W01'
const W2 = '2025-W02'

function reg (humanId: string, weeklyFlow = 80000, status: 'active' | 'inactive' = 'active', at = 1_700_000_000_000): HumanEntry {
  return { kind: 'human', humanId, at, status, weeklyFlow, housingCredit: 0, investmentPool: 0 }
}

function pay (humanId: string, registrar: string, week: string, amount = 80000, at = 1_700_000_000_000): PaymentEntry {
  return { kind: 'payment', humanId, registrar, week, amount, at, type: 'weekly_flow' }
}

function status (humanId: string, s: 'active' | 'inactive'): StatusEntry {
  return { kind: 'status', humanId, at: 1, status: s }
}

type Op = ['reg', string, HumanEntry] | ['pay', string, PaymentEntry] | ['status', string, string, number, StatusEntry]

async function viewsOf (ops: Op[], pool = 10n ** 15n): Promise<DerivedViews> {
  const v = new DerivedViews(new Set(), pool, Number.MAX_SAFE_INTEGER)
  for (const op of ops) {
    if (op[0] === 'reg') { v.applyRegistration(op[1], op[2]) } else if (op[0] === 'pay') {
      v.ensureEmptyWeek(op[2].week)
      v.applyPayment(op[1], op[2])
    } else { v.applyStatus(op[1], op[2], op[3], op[4]) }
    await v.settle()
  }
  return v
}

function shuffled<T> (xs: T[], seed: number): T[] {
  const out = [...xs]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

describe('ownership', () => {
  it('a second registration of an id is a second human; the first keeps its record, status and payments', async () => {
    const v = await viewsOf([
      ['reg', A, reg('x', 80000, 'inactive', 1_700_000_000_000)],
      ['reg', M, reg('x', 80000, 'active', 1)],
      ['status', M, 'x', 5, status('x', 'active')],
      ['pay', M, pay('x', A, W1, 1)]
    ])
    const a = v.human('x', A)
    expect(a?.registration).toMatchObject({ author: A, at: 1_700_000_000_000, weeklyFlow: 80000, status: 'inactive' })
    expect(a?.active).toBe(false)
    expect(a?.total).toBe(0)
    expect(v.human('x', M)?.active).toBe(true)
    expect(v.registrarsOf('x')).toEqual([M, A])
    expect(v.registered).toBe(2)
  })

  it('only the registrar\'s status entries count', async () => {
    const v = await viewsOf([
      ['reg', A, reg('x')],
      ['status', B, '2025-W09', 0, status('x', 'inactive')],
      ['status', A, '2025-W03', 1, status('x', 'inactive')],
      ['status', A, '2025-W02', 9, status('x', 'active')]
    ])
    expect(v.human('x', A)?.active).toBe(false)
    expect(v.active).toBe(0)
  })
})

describe('status by week', () => {
  it('a change written in week V governs the weeks after V, never V itself; the latest (document, clock) wins', () => {
    const marks = [
      { doc: '2025-W05', clock: 3, status: 'inactive' as const },
      { doc: '2025-W05', clock: 7, status: 'active' as const },
      { doc: '2025-W05', clock: 9, status: 'inactive' as const },
      { doc: '2025-W10', clock: 0, status: 'active' as const }
    ]
    expect(statusForWeek('active', undefined, '2025-W01')).toBe('active')
    expect(statusForWeek('inactive', [], '2030-W01')).toBe('inactive')
    expect(statusForWeek('active', marks, '2025-W05')).toBe('active')
    expect(statusForWeek('active', marks, '2025-W06')).toBe('inactive')
    expect(statusForWeek('active', marks, '2025-W10')).toBe('inactive')
    expect(statusForWeek('active', marks, '2025-W11')).toBe('active')
    // weeks compare across years as their names do
    expect(statusForWeek('active', [{ doc: '2024-W52', clock: 0, status: 'inactive' }], '2025-W01')).toBe('inactive')
  })
})

describe('payments', () => {
  it('count only with the owner\'s flow; a wrong amount neither counts nor pre-empts the week', async () => {
    expect(isValidPayment(undefined, 80000)).toBe(false)
    expect(isValidPayment({ weeklyFlow: 80000 }, 1)).toBe(false)
    expect(isValidPayment({ weeklyFlow: 80000 }, 80000)).toBe(true)
    const v = await viewsOf([
      ['reg', A, reg('x')],
      ['pay', M, pay('x', A, W1, 1)],
      ['pay', M, pay('x', A, W2, 99_999_999_999_999)]
    ])
    expect(v.winner(W1, 'x', A)).toBeUndefined()
    expect(v.distributed).toBe(0)
    const after = await viewsOf([
      ['reg', A, reg('x')],
      ['pay', M, pay('x', A, W1, 1)],
      ['pay', B, pay('x', A, W1)]
    ])
    expect(after.winner(W1, 'x', A)).toEqual({ author: B, amount: 80000 })
    expect(after.human('x', A)?.total).toBe(80000)
  })

  it('one counted payment per (human, week), the same whatever the arrival order, payments before their registration included', async () => {
    const ops: Op[] = [
      ['reg', A, reg('x')],
      ['reg', B, reg('y', 50000)],
      ['pay', B, pay('x', A, W1)],
      ['pay', A, pay('x', A, W1)],
      ['pay', M, pay('x', A, W1)],
      ['pay', A, pay('y', B, W1, 50000)],
      ['pay', A, pay('y', B, W2, 50000)],
      ['pay', M, pay('y', B, W2, 1)],
      ['pay', A, pay('ghost', A, W1)]
    ]
    const reference = (await viewsOf(ops)).canonical()
    for (let seed = 1; seed <= 20; seed++) {
      expect((await viewsOf(shuffled(ops, seed))).canonical()).toBe(reference)
    }
    const v = await viewsOf(ops)
    expect(v.winner(W1, 'x', A)?.author).toBe(M)
    expect(v.human('x', A)?.paidWeeks).toBe(1)
    expect(v.human('y', B)?.total).toBe(100000)
    expect(v.distributed).toBe(180000)
  })
})

describe('pool admission', () => {
  it('admits in (week, admission key) order while the pool covers, the rest unfunded', () => {
    const c = (week: string, humanId: string, amount = 100): { week: string, registrar: string, humanId: string, amount: number } => ({ week, registrar: A, humanId, amount })
    const all = [c(W2, 'a'), c(W1, 'b'), c(W1, 'c'), c(W2, 'd')]
    const r = admit(all, 250n)
    expect(r.remaining).toBe(50n)
    expect(r.admitted.every(x => x.week === W1)).toBe(true)
    expect(r.unfunded).toHaveLength(2)
    expect(admit(shuffled(all, 7), 250n)).toEqual(r)
    expect(fundingBoundary([[W2, 100], [W1, 200]], 250n)).toEqual({ boundary: W2, before: 200n })
    expect(fundingBoundary([[W1, 200]], 250n)).toEqual({ before: 200n })
    expect(compareAdmission({ registrar: A, humanId: 'a' }, { registrar: A, humanId: 'a' })).toBe(0)
  })

  it('never overdraws, and every arrival order funds the same payments', async () => {
    const ops: Op[] = []
    for (let i = 0; i < 8; i++) {
      ops.push(['reg', A, reg(`h${i}`)])
      ops.push(['pay', i % 2 === 0 ? A : B, pay(`h${i}`, A, W1)])
      ops.push(['pay', B, pay(`h${i}`, A, W2)])
    }
    // 16 counted payments of 800.00, a pool of 10 of them and a bit
    const pool = 800_050n
    const v = await viewsOf(ops, pool)
    expect(v.unfundedPayments.count).toBe(6)
    expect(v.remaining).toBe(50n)
    expect(v.weekFigures(W1)).toMatchObject({ count: 8, unfundedCount: 0 })
    expect(v.weekFigures(W2)).toMatchObject({ count: 2, unfundedCount: 6 })
    const reference = v.canonical()
    for (let seed = 1; seed <= 20; seed++) {
      const x = await viewsOf(shuffled(ops, seed), pool)
      expect(x.canonical()).toBe(reference)
      expect(x.remaining >= 0n).toBe(true)
    }
    // the same decision as the reference admission
    const ref = admit([...v.registeredRecords()].flatMap(r => [W1, W2].map(week => ({ week, registrar: r.registrar, humanId: r.id, amount: 80000 }))), pool)
    for (const u of ref.unfunded) { expect(v.isUnfunded(u.week, u.humanId, u.registrar)).toBe(true) }
    for (const a of ref.admitted) { expect(v.isUnfunded(a.week, a.humanId, a.registrar)).toBe(false) }
  })
})

describe('charter', () => {
  it('bounds records and names the mesh', () => {
    const c = createCharter()
    expect(charterViolation(c, reg('x', 80000))).toBeUndefined()
    expect(charterViolation(c, reg('x', 80001))).toMatch(/weekly_flow 800.01 is above the charter's 800.00/)
    expect(charterViolation(c, { ...reg('x'), housingCredit: 10_400_001 })).toMatch(/housing_credit/)
    const other = createCharter({ poolTotal: '5000.00' })
    expect(other.id).not.toBe(c.id)
    expect(createCharter({ poolTotal: '19000000000000' }).id).toBe(c.id)
    expect(ledgerTopic(other)).not.toBe(ledgerTopic(c))
    expect(ledgerSyncProtocol(c)).toBe(`/liberation/ledger-sync/2.0.0/${c.id}`)
    expect(() => createCharter({ poolTotal: '-1' })).toThrow(/poolTotal/)
  })
})
