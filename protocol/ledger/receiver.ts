/**
 * The receiver: batches and proofs from gossip, sync and direct calls. Each batch is
 * checked (signature, Yjs structure, entries, charter), charged to its peer's and its
 * author's quota (gossip and sync only), then group-committed with the others waiting:
 * one durable write for many batches. A batch contradicting a stored one of its author
 * makes an equivocation proof and excludes the author.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { toHex } from '../crypto/index.ts'
import { WindowBudget } from '../limits/window-budget.ts'
import { registerTopicScore } from '../pubsub/gossip.ts'
import { BatchRejected, MAX_BATCH_ENTRIES, openBatch } from './batch.ts'
import { charterViolation } from './charter.ts'
import { LEDGER_EVENTS, REGOSSIP_BYTES_PER_10S, REGOSSIP_PER_10S, REGOSSIP_WINDOW_MS } from './constants.ts'
import { covers, findConflict, heldWithin } from './doc-state.ts'
import { isSlotEntry } from './entries.ts'
import { BatchBody, EquivocationProof, LedgerGossip, SignedBatch } from './pb/ledger.ts'
import { AuthorQuota, PeerQuota } from './quota.ts'
import type { OpenedBatch } from './batch.ts'
import type { LedgerHeld, Plan } from './held.ts'
import type { LedgerInit, ReceiveOptions, ReceiveResult, ReceiveVia } from './index.ts'
import type { PeerId } from '@libp2p/interface'

export type LedgerReceiverInit = Pick<LedgerInit, 'authorQuota' | 'peerQuota'>

export interface LedgerReceiver {
  /** validate and take the ledger topic's gossip */
  start(): void
  stop(): void
  receiveBatch(bytes: Uint8Array, opts?: ReceiveOptions): Promise<ReceiveResult>
  receiveProof(bytes: Uint8Array, opts?: { from?: string, correlationId?: string }): Promise<ReceiveResult>
}

interface Incoming {
  batch: OpenedBatch
  via: ReceiveVia
  /** peer it came from */
  from?: string
  correlationId?: string
  resolve(r: ReceiveResult): void
  reject(err: Error): void
}

export function createLedgerReceiver (held: LedgerHeld, init: LedgerReceiverInit = {}): LedgerReceiver {
  const quota = new AuthorQuota(init.authorQuota)
  const peerQuota = new PeerQuota(init.peerQuota)
  const incoming: Incoming[] = []
  let incomingScheduled = false
  /** throttled since the last `throttled` event */
  let throttleReport: { at: number, batches: number, authors: Set<string>, peers: Set<string> } = { at: 0, batches: 0, authors: new Set(), peers: new Set() }
  const regossipBudget = new WindowBudget(10_000, REGOSSIP_PER_10S, REGOSSIP_BYTES_PER_10S)
  const validator = async (peer: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => validate(peer, msg.data)

  async function validate (peer: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    let msg: LedgerGossip
    try {
      msg = LedgerGossip.decode(data)
    } catch {
      noteRejected(peer.toString(), 'undecodable gossip message')
      return TopicValidatorResult.Reject
    }
    if ((msg.batch == null) === (msg.proof == null)) {
      noteRejected(peer.toString(), 'gossip message must carry exactly one of batch, proof')
      return TopicValidatorResult.Reject
    }
    const from = peer.toString()
    const r = msg.batch != null
      ? await receiveBatch(SignedBatch.encode(msg.batch), { from, via: 'gossip' })
      : await receiveProof(EquivocationProof.encode(msg.proof as EquivocationProof), { from })
    switch (r.status) {
      case 'applied': return TopicValidatorResult.Accept
      case 'rejected': return TopicValidatorResult.Reject
      // the relay may be honest: a contradiction, a known or an over-quota author is not its fault
      default: return TopicValidatorResult.Ignore
    }
  }

  function noteRejected (from: string | undefined, reason: string, correlationId?: string): void {
    held.rejected++
    held.log('rejected from %s: %s', from, reason)
    held.events.emitEvent('resources', LEDGER_EVENTS.rejected, { from: from ?? null, reason }, correlationId)
  }

  async function receiveBatch (bytes: Uint8Array, opts: ReceiveOptions = {}): Promise<ReceiveResult> {
    const via = opts.via ?? 'direct'
    if (via !== 'direct' && opts.from !== undefined && !takePeerQuota(opts.from, bytes)) {
      noteThrottled(undefined, opts.correlationId, opts.from)
      return { status: 'throttled', reason: 'peer over its quota' }
    }
    let batch: OpenedBatch
    try {
      batch = await openBatch(bytes, held.crypto.verifier)
    } catch (err: any) {
      const reason = err instanceof BatchRejected ? err.message : `check failed: ${err.message}`
      noteRejected(opts.from, reason, opts.correlationId)
      return { status: 'rejected', reason }
    }
    for (const it of batch.items) {
      const v = it.entry.kind === 'human' ? charterViolation(held.charter, it.entry) : undefined
      if (v !== undefined) {
        const reason = `bad entry: ${v}`
        noteRejected(opts.from, reason, opts.correlationId)
        return { status: 'rejected', reason }
      }
    }
    const ds = held.docState(batch.authorHex, batch.doc)
    if (batch.authorHex === held.selfHex && ds !== undefined && covers(ds, batch.clockStart, batch.clockEnd)) {
      // our own batch coming back
      return { status: 'duplicate' }
    }
    if (via === 'gossip') { held.markGossiped(batch.signature) }
    if (via !== 'direct' && batch.authorHex !== held.selfHex && !held.excluded.has(batch.authorHex)) {
      // only after the signature: nobody can spend another author's quota. Batches adding
      // nothing are paid for in drainIncoming, and only if they replace something
      const fresh = batch.clockEnd - batch.clockStart - heldWithin(ds, batch.clockStart, batch.clockEnd)
      if (fresh > 0 && !quota.take(batch.authorHex, fresh, held.now())) {
        noteThrottled(batch.authorHex, opts.correlationId)
        return { status: 'throttled', reason: 'author over its quota' }
      }
    }
    return new Promise<ReceiveResult>((resolve, reject) => {
      incoming.push({ batch, via, from: opts.from, correlationId: opts.correlationId, resolve, reject })
      if (!incomingScheduled) {
        incomingScheduled = true
        held.serial(async () => {
          incomingScheduled = false
          await drainIncoming()
        }).catch(() => {})
      }
    })
  }

  /**
   * Charge the peer a batch brought by: one batch, its entries, and a new author when
   * this node holds nothing of the author it names. Before the signature check, on the
   * claimed fields: whatever they say, the peer pays for them.
   */
  function takePeerQuota (peer: string, bytes: Uint8Array): boolean {
    let author: string | undefined
    let entries = 0
    try {
      const body = BatchBody.decode(SignedBatch.decode(bytes).body)
      author = toHex(body.author)
      entries = Math.max(0, body.clockEnd - body.clockStart)
    } catch {
      // undecodable: rejected right after, and the peer pays one batch for it
    }
    if (author === held.selfHex) { return true }
    const fresh = author !== undefined && !held.authorsHeld.has(author) && !held.excluded.has(author)
    return peerQuota.take(peer, Math.min(entries, MAX_BATCH_ENTRIES), fresh, held.now())
  }

  function noteThrottled (authorHex: string | undefined, correlationId?: string, peer?: string): void {
    held.throttled++
    const r = throttleReport
    r.batches++
    if (authorHex !== undefined && r.authors.size < 20) { r.authors.add(authorHex) }
    if (peer !== undefined && r.peers.size < 20) { r.peers.add(peer) }
    const now = held.now()
    if (now - r.at < 10_000) { return }
    held.log('throttled %d batches of %d authors and %d peers', r.batches, r.authors.size, r.peers.size)
    held.events.emitEvent('resources', LEDGER_EVENTS.throttled, { authors: [...r.authors].map(a => held.peerIdOf(a)), peers: [...r.peers], batches: r.batches, since: r.at === 0 ? null : new Date(r.at).toISOString() }, correlationId)
    throttleReport = { at: now, batches: 0, authors: new Set(), peers: new Set() }
  }

  /**
   * A recent batch learnt by sync (written offline, or on the other side of a healed
   * partition) is gossiped on, so the rest of the mesh has it within a gossip round
   * instead of one hop per periodic sync. Never our own, never one seen on gossip or
   * already published, never when the only subscriber is the peer it came from; old
   * ones (a fresh node's catch-up) are not: everyone else has them. Peers holding it
   * drop the copy by its content-addressed id, unpenalised.
   */
  function regossip (batch: OpenedBatch, from?: string): void {
    const now = held.now()
    if (!held.running || batch.authorHex === held.selfHex || Math.abs(now - batch.signedAt) > REGOSSIP_WINDOW_MS) { return }
    // nobody to tell but the peer it came from (a fresh node syncing from its one peer)
    if (!held.libp2p.services.pubsub.getSubscribers(held.topic).some(p => p.toString() !== from)) { return }
    if (held.isGossiped(batch.signature)) { return }
    if (!regossipBudget.take(batch.bytes.byteLength, now)) { return }
    held.publish({ batch: SignedBatch.decode(batch.bytes) })
  }

  async function receiveProof (bytes: Uint8Array, opts: { from?: string, correlationId?: string } = {}): Promise<ReceiveResult> {
    let a: OpenedBatch
    let b: OpenedBatch
    try {
      const proof = EquivocationProof.decode(bytes)
      if (proof.a == null || proof.b == null) { throw new BatchRejected('proof needs two batches') }
      a = await openBatch(SignedBatch.encode(proof.a), held.crypto.verifier)
      b = await openBatch(SignedBatch.encode(proof.b), held.crypto.verifier)
    } catch (err: any) {
      const reason = `bad proof: ${err.message}`
      noteRejected(opts.from, reason, opts.correlationId)
      return { status: 'rejected', reason }
    }
    if (held.excluded.has(a.authorHex)) { return { status: 'duplicate' } }
    const conflict = findConflict(a, b)
    if (conflict === undefined) {
      noteRejected(opts.from, 'proof batches do not contradict each other', opts.correlationId)
      return { status: 'rejected', reason: 'proof batches do not contradict each other' }
    }
    return held.serial(async () => {
      if (held.excluded.has(a.authorHex)) { return { status: 'duplicate' } as ReceiveResult }
      await held.exclude(a, b, conflict, opts.correlationId)
      return { status: 'applied', reason: conflict } as ReceiveResult
    })
  }

  /**
   * Group commit for received batches: every batch waiting is checked and the accepted
   * ones stored in one durable write (one fsync for many batches). A group never holds
   * two batches that could interact (same document ranges, or the same author's slot),
   * so each is checked against the store alone. Inside serial.
   */
  async function drainIncoming (): Promise<void> {
    while (incoming.length > 0) {
      const group: Incoming[] = []
      const ranges = new Map<string, Array<[number, number]>>()
      const slots = new Map<string, Set<string>>()
      let entries = 0
      while (incoming.length > 0 && group.length < 64 && entries < 32_768) {
        const next = incoming[0]
        const b = next.batch
        const dk = b.authorHex + '!' + b.doc
        if (ranges.get(dk)?.some(([s, e]) => s < b.clockEnd && e > b.clockStart) === true) { break }
        const taken = slots.get(b.authorHex)
        if (taken !== undefined && b.items.some(it => taken.has(it.key))) { break }
        incoming.shift()
        group.push(next)
        entries += b.items.length
        ranges.set(dk, [...(ranges.get(dk) ?? []), [b.clockStart, b.clockEnd]])
        const mine = taken ?? new Set<string>()
        for (const it of b.items) { if (isSlotEntry(it.entry)) { mine.add(it.key) } }
        slots.set(b.authorHex, mine)
      }
      const plans: Plan[] = []
      const planned: Incoming[] = []
      try {
        for (const g of group) {
          const p = await held.plan(g.batch, false)
          if ('ops' in p && p.items.length === 0 && g.via !== 'direct' && g.batch.authorHex !== held.selfHex && !quota.take(g.batch.authorHex, 0, held.now())) {
            // a re-signed range (a compaction) replaces stored batches: one batch of quota
            noteThrottled(g.batch.authorHex, g.correlationId)
            g.resolve({ status: 'throttled', reason: 'author over its quota' })
            continue
          }
          if ('ops' in p) {
            plans.push(p)
            planned.push(g)
            continue
          }
          if (p.proof !== undefined && !held.excluded.has(g.batch.authorHex)) {
            // store what came before in this group first: exclusion rebuilds from the store
            await held.commit(plans, false, planned.map(x => x.correlationId))
            settleStored(planned, plans)
            plans.length = 0
            planned.length = 0
            await held.exclude(p.proof, g.batch, p.result.reason ?? 'equivocation', g.correlationId)
          }
          g.resolve(p.result)
        }
        await held.commit(plans, false, planned.map(x => x.correlationId))
        settleStored(planned, plans)
      } catch (err) {
        for (const g of group) { g.reject(err as Error) }
      }
    }
  }

  /** Resolve received batches once stored; gossip on the recent ones that came by sync. */
  function settleStored (stored: Incoming[], plans: Plan[]): void {
    stored.forEach((x, i) => {
      x.resolve({ status: 'applied', entries: plans[i].items.length })
      if (x.via === 'sync') { regossip(x.batch, x.from) }
    })
  }

  return {
    start () {
      const pubsub = held.libp2p.services.pubsub
      pubsub.topicValidators.set(held.topic, validator)
      registerTopicScore(pubsub, held.topic)
      pubsub.subscribe(held.topic)
    },
    stop () {
      const pubsub = held.libp2p.services.pubsub
      try {
        pubsub.unsubscribe(held.topic)
      } catch {
        // gossipsub already stopped
      }
      if (pubsub.topicValidators.get(held.topic) === validator) { pubsub.topicValidators.delete(held.topic) }
    },
    receiveBatch,
    receiveProof
  }
}
