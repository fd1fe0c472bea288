/**
 * `/liberation/ledger-sync/2.0.0/<charter id>`: catch-up between two peers of one charter.
 *
 * Whenever a connection to a peer that speaks the protocol opens (libp2p topology), this
 * node dials a stream and pulls. First the two reconcile their sets of document ids
 * (range-based set reconciliation, `protocol/reconcile`: a few round trips and bytes in
 * proportion to the documents that differ, whatever their number); then this node asks
 * for the documents it lacks, giving its own state of the ones that differ, and the peer
 * answers with the proofs it lacks, every stored signed batch past its clocks, then
 * `done`. Every message is bounded: a reconciliation answer lists at most 32,768 ids
 * and leaves the rest for the next round, and the transfer goes in requests of at most
 * `TRANSFER_CHUNK` states or wanted ids (`more` set on all but the last), so a fresh
 * node catches up with any number of documents. The peer does the same in the other direction, so both end up with the union. Batches travel exactly as their authors signed them (merged updates carry no
 * signature), and each one goes through the same checks as a gossiped one. A timer also
 * pulls from a random connected peer now and then, which heals any gossip loss.
 */
import { lpStream } from '@libp2p/utils'
import { decodeRanges, encodeRanges } from '../reconcile/index.ts'
import { createCharter, LEDGER_SYNC_PROTOCOL_PREFIX, ledgerSyncProtocol } from './charter.ts'
import { SyncRequest, SyncResponse } from './pb/ledger.ts'
import type { Reconciler } from '../reconcile/index.ts'
import type { Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'

/** the sync protocol id under the default charter */
export const LEDGER_SYNC_PROTOCOL = ledgerSyncProtocol(createCharter())

/** what one sync message may weigh: a batch (≤ 2 MiB) or a large reconciliation message */
export const MAX_SYNC_MESSAGE_BYTES = 8 * 1024 * 1024
/**
 * reconciliation rounds one session may take: a few to find the differences, plus one
 * per 32,768 ids a fresh node is sent (about 8 million documents)
 */
export const MAX_RECONCILE_ROUNDS = 256
/** bytes of received batches being checked and stored at once in one pull */
export const PIPELINE_BYTES = 32 * 1024 * 1024
/** document states or wanted ids one transfer request carries */
export const TRANSFER_CHUNK = 16_384
/** document states one serve session keeps across its transfer requests */
export const SESSION_STATES = 500_000
/** what one transfer request may name (wanted ids, own states), and excluded authors */
const REQUEST_LIMITS = { docs: TRANSFER_CHUNK, want: TRANSFER_CHUNK, excluded: 100_000 }

export interface SyncHost {
  /** one side of a reconciliation over this node's document ids, as they are now */
  reconciler(initiator: boolean): Reconciler
  /**
   * the transfer, from what reconciliation found (ids only this node holds, ids only the
   * peer holds): this node's states of the first, the second as wanted ids, and the
   * excluded authors; the sync cuts it into bounded requests
   */
  request(have: Uint8Array[], need: Uint8Array[]): Pick<SyncRequest, 'docs' | 'want' | 'excluded'>
  /** one serve session: encoded SyncResponse messages for each of a peer's transfer requests, done excluded */
  responder(): (req: SyncRequest) => AsyncGenerator<Uint8Array>
  /** handle one response message of a pull session; resolves once it is stored or refused */
  receive(msg: SyncResponse, session: SyncSession): Promise<'applied' | 'other'>
  onSynced(result: SyncResult, correlationId: string): void
  /** a peer announces the ledger sync protocol under another charter id */
  onCharterMismatch?(peer: PeerId, protocol: string): void
  log: Logger
}

/** One pull from one peer. */
export interface SyncSession {
  peer: PeerId
  correlationId: string
  /** authors (hex keys) whose batches the rest of this session skips: they are over their quota */
  skipAuthors: Set<string>
  /** the peer is over its quota: the rest of this session is skipped (it comes again next pull) */
  peerOverQuota?: boolean
}

export interface SyncResult {
  peer: string
  /** reconciliation round trips, and documents found to differ (held here only, there only) */
  rounds: number
  have: number
  need: number
  /** response messages received */
  messages: number
  /** ledger-sync message bytes this pull sent and received (reconciliation and transfer) */
  bytesSent: number
  bytesReceived: number
  /** batches or proofs that added something */
  applied: number
  ms: number
}

export interface LedgerSyncInit {
  /** idle timeout of one read or write, ms */
  idleTimeoutMs?: number
  /** pull from a random connected peer this often; 0 = only on new connections */
  intervalMs?: number
  /**
   * how many received batches are checked and stored concurrently (default 256, and at
   * most `PIPELINE_BYTES` of them): the receiver stores what is waiting in one durable
   * write, so a catch-up of many small batches pays one disk sync per group, not per 16
   */
  pipeline?: number
  /** protocol id (default LEDGER_SYNC_PROTOCOL; the ledger passes its charter's) */
  protocol?: string
  /** most ids one reconciliation answer lists (default 32,768) */
  idsPerMessage?: number
  /** most document states or wanted ids one transfer request carries (default and at most TRANSFER_CHUNK) */
  transferChunk?: number
}

/**
 * Cut a transfer into requests of at most `chunk` states or wanted ids: the states first
 * (the peer keeps them for the session), then the wanted ids; `more` on all but the last.
 */
export function transferRequests (t: Pick<SyncRequest, 'docs' | 'want' | 'excluded'>, chunk: number): SyncRequest[] {
  const request = (part: Partial<SyncRequest>): SyncRequest => ({ docs: [], want: [], excluded: [], reconcile: new Uint8Array(0), more: true, ...part })
  const out: SyncRequest[] = []
  if (t.docs.length <= chunk && t.want.length <= chunk) {
    out.push(request({ docs: t.docs, want: t.want }))
  } else {
    for (let i = 0; i < t.docs.length; i += chunk) { out.push(request({ docs: t.docs.slice(i, i + chunk) })) }
    for (let i = 0; i < t.want.length; i += chunk) { out.push(request({ want: t.want.slice(i, i + chunk) })) }
  }
  out[0].excluded = t.excluded.slice(0, REQUEST_LIMITS.excluded)
  out[out.length - 1].more = false
  return out
}

export interface LedgerSync {
  start(): Promise<void>
  stop(): Promise<void>
  /** pull what `peer` has and this node lacks */
  syncWith(peer: PeerId, correlationId?: string): Promise<SyncResult>
}

const DONE = SyncResponse.encode({ done: true })

export function createLedgerSync (libp2p: Libp2p, host: SyncHost, init: LedgerSyncInit = {}): LedgerSync {
  const idleTimeoutMs = init.idleTimeoutMs ?? 30_000
  const intervalMs = init.intervalMs ?? 30_000
  const pipeline = Math.max(1, init.pipeline ?? 256)
  const protocol = init.protocol ?? LEDGER_SYNC_PROTOCOL
  const transferChunk = Math.max(1, Math.min(init.transferChunk ?? TRANSFER_CHUNK, TRANSFER_CHUNK))
  const warned = new Set<string>()
  const onPeerUpdate = (evt: CustomEvent<{ peer: { id: PeerId, protocols: string[] } }>): void => {
    const { id, protocols } = evt.detail.peer
    const other = protocols.find(p => p.startsWith(LEDGER_SYNC_PROTOCOL_PREFIX) && p !== protocol)
    if (other === undefined || protocols.includes(protocol) || warned.has(id.toString())) { return }
    if (warned.size > 1000) { warned.clear() }
    warned.add(id.toString())
    host.onCharterMismatch?.(id, other)
  }
  const inflight = new Map<string, Promise<SyncResult>>()
  let controller = new AbortController()
  let topologyId: string | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let running = false

  const idle = (): AbortSignal => AbortSignal.any([controller.signal, AbortSignal.timeout(idleTimeoutMs)])

  async function serve (stream: Stream): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES, maxBufferSize: 2 * MAX_SYNC_MESSAGE_BYTES })
    try {
      let responder: Reconciler | undefined
      let req: SyncRequest
      for (let round = 0; ; round++) {
        req = SyncRequest.decode(await lp.read({ signal: idle() }), { limits: REQUEST_LIMITS })
        if (req.reconcile.byteLength === 0) { break }
        if (round >= MAX_RECONCILE_ROUNDS) { throw new Error('too many reconciliation rounds') }
        responder ??= host.reconciler(false)
        const step = responder.receive(decodeRanges(req.reconcile))
        await lp.write(SyncResponse.encode({ reconcile: encodeRanges(step.reply ?? []) as Uint8Array<ArrayBuffer>, done: false }), { signal: idle() })
      }
      const respond = host.responder()
      while (true) {
        let chunk: Uint8Array[] = []
        let size = 0
        for await (const msg of respond(req)) {
          chunk.push(msg)
          size += msg.byteLength
          if (size >= 256 * 1024 || chunk.length >= 64) {
            await lp.writeV(chunk, { signal: idle() })
            chunk = []
            size = 0
          }
        }
        chunk.push(DONE)
        await lp.writeV(chunk, { signal: idle() })
        if (!req.more) { break }
        req = SyncRequest.decode(await lp.read({ signal: idle() }), { limits: REQUEST_LIMITS })
        if (req.reconcile.byteLength !== 0) { throw new Error('a reconciliation message after the transfer began') }
      }
      await stream.close({ signal: idle() })
    } catch (err: any) {
      host.log('sync serve to %s failed: %s', stream.id, err.message)
      stream.abort(err)
    }
  }

  async function pull (peer: PeerId, correlationId: string): Promise<SyncResult> {
    const started = Date.now()
    const result: SyncResult = { peer: peer.toString(), rounds: 0, have: 0, need: 0, messages: 0, applied: 0, ms: 0, bytesSent: 0, bytesReceived: 0 }
    const stream = await libp2p.dialProtocol(peer, protocol, { signal: idle() })
    // the byte stream buffers whatever arrives while we are not reading: pause the stream
    // (yamux stops granting window) while the checks are behind, so memory stays bounded
    const lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES, maxBufferSize: 2 * MAX_SYNC_MESSAGE_BYTES })
    const work = new Set<Promise<void>>()
    const session: SyncSession = { peer, correlationId, skipAuthors: new Set() }
    const send = async (req: SyncRequest): Promise<void> => {
      const bytes = SyncRequest.encode(req)
      result.bytesSent += bytes.byteLength
      await lp.write(bytes, { signal: idle() })
    }
    const read = async (): Promise<SyncResponse> => {
      const bytes = (await lp.read({ signal: idle() })).subarray()
      result.bytesReceived += bytes.byteLength
      return SyncResponse.decode(bytes)
    }
    try {
      const initiator = host.reconciler(true)
      const have: Uint8Array[] = []
      const need: Uint8Array[] = []
      let ranges = initiator.initiate()
      while (true) {
        if (result.rounds++ >= MAX_RECONCILE_ROUNDS) { throw new Error('too many reconciliation rounds') }
        await send({ reconcile: encodeRanges(ranges) as Uint8Array<ArrayBuffer>, docs: [], excluded: [], want: [], more: false })
        const answer = await read()
        const step = initiator.receive(decodeRanges(answer.reconcile))
        have.push(...step.have)
        need.push(...step.need)
        if (step.reply === undefined) { break }
        ranges = step.reply
      }
      result.have = have.length
      result.need = need.length
      /** one response message: checked and stored in the background, at most `pipeline` and `PIPELINE_BYTES` at once */
      let inflightBytes = 0
      const full = (): boolean => work.size >= pipeline || inflightBytes >= PIPELINE_BYTES
      const take = async (msg: SyncResponse): Promise<void> => {
        result.messages++
        const size = msg.batch?.body.byteLength ?? 0
        inflightBytes += size
        const p: Promise<void> = host.receive(msg, session).then(r => {
          if (r === 'applied') { result.applied++ }
        }, () => {}).finally(() => {
          work.delete(p)
          inflightBytes -= size
        })
        work.add(p)
        if (!full()) { return }
        const pause = stream.readStatus === 'readable'
        if (pause) { stream.pause() }
        while (full()) { await Promise.race(work) }
        if (pause && stream.readStatus === 'paused') { stream.resume() }
      }
      for (const req of transferRequests(host.request(have, need), transferChunk)) {
        await send(req)
        for (let msg = await read(); !msg.done; msg = await read()) { await take(msg) }
      }
      await Promise.all(work)
      await stream.close({ signal: idle() })
    } catch (err: any) {
      await Promise.allSettled(work)
      stream.abort(err)
      throw err
    }
    result.ms = Date.now() - started
    host.onSynced(result, correlationId)
    return result
  }

  const sync: LedgerSync = {
    async start () {
      running = true
      controller = new AbortController()
      await libp2p.handle(protocol, (stream) => { void serve(stream) }, {
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
        runOnLimitedConnection: false
      })
      libp2p.addEventListener('peer:update', onPeerUpdate as any)
      topologyId = await libp2p.register(protocol, {
        onConnect: (peer) => {
          sync.syncWith(peer).catch(err => { host.log('sync with %p failed: %s', peer, err.message) })
        }
      })
      if (intervalMs > 0) {
        timer = setInterval(() => {
          const peers = libp2p.getPeers()
          if (peers.length === 0) { return }
          const peer = peers[Math.floor(Math.random() * peers.length)]
          sync.syncWith(peer).catch(err => { host.log('periodic sync with %p failed: %s', peer, err.message) })
        }, intervalMs)
      }
    },
    async stop () {
      running = false
      if (timer !== undefined) { clearInterval(timer) }
      timer = undefined
      controller.abort(new Error('ledger stopping'))
      if (topologyId !== undefined) { libp2p.unregister(topologyId) }
      topologyId = undefined
      libp2p.removeEventListener('peer:update', onPeerUpdate as any)
      await libp2p.unhandle(protocol).catch(() => {})
      await Promise.allSettled([...inflight.values()])
    },
    async syncWith (peer, correlationId) {
      if (!running) { throw new Error('ledger sync is not running') }
      const key = peer.toString()
      const current = inflight.get(key)
      if (current !== undefined) { return current }
      const p = pull(peer, correlationId ?? Math.random().toString(16).slice(2, 18)).finally(() => inflight.delete(key))
      inflight.set(key, p)
      return p
    }
  }
  return sync
}
