/**
 * Queries: humans, payment history, figures, the batch log and its integrity check. All
 * read the derived views and the store; none writes (the integrity check rebuilds views
 * of its own from the batch log, inside the serial queue so nothing moves meanwhile).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { toHex } from '../crypto/index.ts'
import { docFromBatches, openTrustedBatch } from './batch.ts'
import { KEY_END_CHAR } from './constants.ts'
import { decodeEntry, HUMAN_ID, HUMAN_STATUSES } from './entries.ts'
import { invalidInput } from './errors.ts'
import { formatCents } from './money.ts'
import { isPreferredPayer } from './rules.ts'
import { decodeIndexed, docPrefix, parseBatchKey } from './store.ts'
import { DerivedViews } from './views.ts'
import { isIsoWeek, isoWeek } from './week.ts'
import type { LedgerEntry, PaymentEntry } from './entries.ts'
import type { LedgerHeld } from './held.ts'
import type { EquivocationRecord, HistoryQuery, Human, LedgerService, LedgerTransaction, ListHumansQuery, Page, SystemStats } from './index.ts'
import type { HumanView, Winner } from './views.ts'
import type * as Y from 'yjs'

export type LedgerQueries = Pick<LedgerService, 'getHuman' | 'listHumans' | 'history' | 'stats' | 'batches' | 'equivocations' | 'derivedState' | 'verifyIntegrity' | 'document'> & {
  /** how a record is shown to callers */
  humanOf(h: HumanView): Human
}

export function createLedgerQueries (held: LedgerHeld): LedgerQueries {
  function humanOf (h: HumanView): Human {
    const reg = h.registration as NonNullable<HumanView['registration']>
    return {
      id: h.id,
      weeklyFlow: formatCents(reg.weeklyFlow),
      housingCredit: formatCents(reg.housingCredit),
      investmentPool: formatCents(reg.investmentPool),
      status: h.active ? 'active' : 'inactive',
      createdAt: new Date(reg.at).toISOString(),
      registeredBy: held.peerIdOf(h.registrar),
      registrarKey: h.registrar,
      registrars: h.registrars,
      lastDistribution: h.lastWeek === undefined ? null : new Date(h.lastAt).toISOString(),
      lastDistributionWeek: h.lastWeek ?? null,
      totalReceived: formatCents(h.total),
      payments: h.paidWeeks,
      unfunded: formatCents(h.unfundedTotal),
      unfundedPayments: h.unfundedWeeks
    }
  }

  /** A registrar given as a peer id or a 64-hex key, as a hex key. */
  function registrarHex (registrar: string): string {
    if (/^[0-9a-f]{64}$/.test(registrar)) { return registrar }
    try {
      const pk = peerIdFromString(registrar).publicKey
      if (pk?.type === 'Ed25519') { return toHex(pk.raw) }
    } catch {}
    throw invalidInput('registrar must be a peer id or a 64-hex public key', 'registrar')
  }

  async function getHuman (id: string, registrar?: string): Promise<Human | undefined> {
    if (typeof id !== 'string' || !HUMAN_ID.test(id)) { throw invalidInput('bad human id', 'id') }
    const h = held.views.human(id, registrar === undefined ? undefined : registrarHex(registrar))
    return h?.registered === true ? humanOf(h) : undefined
  }

  async function listHumans (query: ListHumansQuery = {}): Promise<Page<Human>> {
    const limit = pageLimit(query.limit)
    if (query.status !== undefined && !HUMAN_STATUSES.includes(query.status)) { throw invalidInput('status must be "active" or "inactive"', 'status') }
    if (query.cursor !== undefined && (typeof query.cursor !== 'string' || !/^[A-Za-z0-9_.@-]{1,128}(![0-9a-f]{64})?$/.test(query.cursor))) { throw invalidInput('bad cursor', 'cursor') }
    const items: Human[] = []
    // registration keys sort by (human id, registrar); '"' sorts right after '!', before any id character
    const gt = query.cursor === undefined ? undefined : query.cursor.includes('!') ? `r!${query.cursor}` : `r!${query.cursor}"`
    for await (const key of held.store.keys('r!', { gt })) {
      const sep = key.lastIndexOf('!')
      const id = key.slice(2, sep)
      const h = held.views.human(id, key.slice(sep + 1))
      if (h?.registered !== true) { continue }
      if (query.status !== undefined && (h.active ? 'active' : 'inactive') !== query.status) { continue }
      if (items.length === limit) {
        const last = items[items.length - 1]
        return { items, nextCursor: `${last.id}!${last.registrarKey}` }
      }
      items.push(humanOf(h))
    }
    return { items }
  }

  async function history (query: HistoryQuery = {}): Promise<Page<LedgerTransaction>> {
    const limit = pageLimit(query.limit)
    if (query.humanId !== undefined && (typeof query.humanId !== 'string' || !HUMAN_ID.test(query.humanId))) { throw invalidInput('bad human id', 'humanId') }
    if (query.week !== undefined && (typeof query.week !== 'string' || !isIsoWeek(query.week))) { throw invalidInput('week must be an ISO week like "2025-W23"', 'week') }
    let after: string | undefined
    if (query.cursor !== undefined) {
      if (typeof query.cursor !== 'string' || !/^\d{4}-W\d{2}![A-Za-z0-9_.@-]{1,128}![0-9a-f]{64}![0-9a-f]{64}$/.test(query.cursor)) { throw invalidInput('bad cursor', 'cursor') }
      after = 'p!' + query.cursor
    }
    const items: LedgerTransaction[] = []
    const groups = new Map<string, Winner | undefined>()
    // the counted payment of (registrar, id, week): the preferred payer among the valid ones
    const winnerOf = async (week: string, humanId: string, registrar: string): Promise<Winner | undefined> => {
      if (held.views.isWeekLoaded(week)) { return held.views.winner(week, humanId, registrar) }
      const g = `${week}!${humanId}!${registrar}`
      if (groups.has(g)) { return groups.get(g) }
      let best: Winner | undefined
      for await (const [key, value] of held.store.entries(`p!${g}!`)) {
        const author = key.slice(key.lastIndexOf('!') + 1)
        if (held.excluded.has(author)) { continue }
        const p = openEntry(decodeIndexed(value).entry) as PaymentEntry
        if (!held.views.isValidPaymentFor(week, humanId, registrar, p.amount)) { continue }
        if (best === undefined || isPreferredPayer(author, best.author)) { best = { author, amount: p.amount } }
      }
      groups.set(g, best)
      return best
    }
    const prefixes = query.humanId === undefined
      ? [query.week === undefined ? 'p!' : `p!${query.week}!`]
      : (query.week === undefined ? held.views.paymentWeekList() : [query.week]).map(w => `p!${w}!${query.humanId as string}!`)
    for (const prefix of prefixes) {
      if (after !== undefined && prefix + KEY_END_CHAR <= after) { continue }
      for await (const [key, value] of held.store.entries(prefix, { gt: after !== undefined && after >= prefix ? after : undefined })) {
        const [, week, humanId, registrar, author] = key.split('!')
        if (held.excluded.has(author)) { continue }
        const ix = decodeIndexed(value)
        const p = openEntry(ix.entry) as PaymentEntry
        let status: LedgerTransaction['status']
        if (!held.views.isValidPaymentFor(week, humanId, registrar, p.amount)) {
          status = 'invalid'
        } else if ((await winnerOf(week, humanId, registrar))?.author !== author) {
          status = 'superseded'
        } else {
          status = held.views.isUnfunded(week, humanId, registrar) ? 'unfunded' : 'completed'
        }
        if ((status === 'superseded' || status === 'invalid') && query.includeSuperseded !== true) { continue }
        if (items.length === limit) { return { items, nextCursor: cursorOf(items[items.length - 1]) } }
        items.push({
          id: `${week}:${humanId}:${registrar}:${held.peerIdOf(author)}`,
          humanId,
          registrar: held.peerIdOf(registrar),
          amount: formatCents(p.amount),
          type: p.type,
          week,
          timestamp: new Date(p.at).toISOString(),
          status,
          author: held.peerIdOf(author),
          metadata: { doc: ix.doc, clock: ix.clock, authorKey: author, registrarKey: registrar }
        })
      }
    }
    return { items }
  }

  async function stats (): Promise<SystemStats> {
    const week = isoWeek(held.now())
    const wt = held.views.weekFigures(week)
    const distributed = BigInt(held.views.distributed)
    const unfunded = held.views.unfundedPayments
    const registered = held.views.registered
    const authors = new Set<string>()
    for (const ds of held.docs.values()) { authors.add(ds.authorHex) }
    return {
      totalHumans: registered,
      activeHumans: held.views.active,
      totalDistributed: formatCents(distributed),
      distributedThisWeek: formatCents(wt.total),
      remainingWealth: formatCents(held.views.remaining),
      // to the nearest cent, halves up (integer division alone truncated: 266.666… showed 266.66)
      averagePerHuman: formatCents(registered === 0 ? 0n : (2n * distributed + BigInt(registered)) / (2n * BigInt(registered))),
      uptime: held.running ? Math.max(0, (held.now() - held.startedAt) / 1000) : 0,
      poolTotal: formatCents(held.charter.poolTotal),
      week,
      paymentsThisWeek: wt.count,
      authors: authors.size,
      documents: held.docs.size,
      excludedAuthors: held.excluded.size,
      batchesRejected: held.rejected,
      batchesThrottled: held.throttled,
      unfundedPayments: unfunded.count,
      unfundedTotal: formatCents(unfunded.total),
      charter: held.charter.id
    }
  }

  async function * batches (): AsyncGenerator<Uint8Array> {
    for await (const [, value] of held.store.entries('b!')) { yield value }
  }

  async function equivocations (): Promise<EquivocationRecord[]> {
    const out: EquivocationRecord[] = []
    for await (const [key, value] of held.store.entries('x!')) {
      const authorHex = key.slice(2)
      out.push({ author: held.peerIdOf(authorHex), authorKey: authorHex, proof: value })
    }
    return out
  }

  function derivedState (): string {
    return held.views.canonical()
  }

  async function verifyIntegrity (): Promise<{ ok: boolean, batches: number, entries: number }> {
    return held.serial(async () => {
      const fresh = new DerivedViews(held.excluded, held.charter.poolTotal, Number.MAX_SAFE_INTEGER)
      let batches = 0
      let entries = 0
      for await (const [key, bytes] of held.store.entries('b!')) {
        const k = parseBatchKey(key)
        batches++
        if (held.excluded.has(k.authorHex)) { continue }
        const b = openTrustedBatch(bytes)
        if (b.clockStart !== k.start || b.clockEnd !== k.end || b.authorHex !== k.authorHex || b.doc !== k.doc) { return { ok: false, batches, entries } }
        for (const it of b.items) {
          entries++
          const e = it.entry
          if (e.kind === 'human') { fresh.applyRegistration(k.authorHex, e) } else if (e.kind === 'status') { fresh.applyStatus(k.authorHex, k.doc, it.clock, e) } else {
            fresh.ensureEmptyWeek(e.week)
            fresh.applyPayment(k.authorHex, e)
          }
        }
      }
      await fresh.settle(held.store)
      return { ok: fresh.canonical() === held.views.canonical(), batches, entries }
    })
  }

  async function document (authorHex: string, doc: string): Promise<Y.Doc> {
    const out: Uint8Array[] = []
    for await (const [, bytes] of held.store.entries(docPrefix(authorHex, doc))) { out.push(bytes) }
    return docFromBatches(out)
  }

  return { humanOf, getHuman, listHumans, history, stats, batches, equivocations, derivedState, verifyIntegrity, document }
}

function openEntry (bytes: Uint8Array): LedgerEntry {
  return decodeEntry(bytes, true)
}

function cursorOf (t: LedgerTransaction): string {
  return `${t.week}!${t.humanId}!${t.metadata.registrarKey}!${t.metadata.authorKey}`
}

function pageLimit (limit: unknown): number {
  if (limit === undefined) { return 50 }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) { throw invalidInput('limit must be an integer from 1 to 1000', 'limit') }
  return limit
}
