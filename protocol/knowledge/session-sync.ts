/**
 * Session catch-up over `/liberation/knowledge-session/1.0.0`: the responder (a page of
 * the charters held, or of one session's signed update log after an offset, only what
 * the requester's state vector lacks) and the requester (pages of charters, or of one
 * session's log, each record checked and offered to the session service as gossip's are).
 * When to pull and from whom stays with the session service (sessions.ts).
 */
import { pbStream } from '@libp2p/utils'
import * as Y from 'yjs'
import { fromHex, toHex } from '../crypto/index.ts'
import { parseSortableNumber, sortableNumber } from '../storage/index.ts'
import { SessionSyncRequest, SessionSyncResponse, SessionUpdate, SignedSessionRecord } from './pb/knowledge.ts'
import { checkSessionRecord, SESSION_LIMITS, UPDATE_KIND } from './session-codec.ts'
import type { CheckOptions } from './codec.ts'
import type { SessionOutcome, SessionRejection, VerifiedSessionRecord } from './session-codec.ts'
import type { Verifier } from '../crypto/index.ts'
import type { MeshStore } from '../storage/index.ts'
import type { Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'

export const SESSION_SYNC_PROTOCOL = '/liberation/knowledge-session/1.0.0'
export const SYNC_PAGE = 256
/** log records a responder reads for one filtered page at most */
const SYNC_SCAN = SYNC_PAGE * 8

/** what catch-up reads of the session service, and hands it */
export interface SessionSyncHost {
  /** charters held, by session id, as signed */
  charters: ReadonlyMap<string, { signed: Uint8Array }>
  /** the session log: `u!<id>!<n>` signed updates */
  store: MeshStore
  /** the state vector of a joined session's document; undefined when not joined */
  stateVector(id: string): Uint8Array | undefined
  /** the requester holds updates this node lacks: pull from it */
  pullFrom(id: string, requester: string): void
  log: Logger
  libp2p: Pick<Libp2p, 'dialProtocol'>
  verifier: Verifier
  checkOptions(): CheckOptions
  /** apply a checked record received from `from` */
  accept(rec: VerifiedSessionRecord, from: string): Promise<SessionOutcome>
  rejected(r: SessionRejection): void
}

/** answer one request on an inbound stream */
export async function serveSessionSync (host: SessionSyncHost, stream: Stream, conn: Connection): Promise<void> {
  const pb = pbStream(stream, { maxDataLength: 1024 })
  try {
    const req = await pb.read(SessionSyncRequest, { signal: AbortSignal.timeout(10_000) })
    if (req.sessionId.length === 0) {
      // the charters this node holds, a page from `offset`: how a node that was away learns of sessions
      const all = [...host.charters.values()]
      const page = all.slice(req.offset, req.offset + SYNC_PAGE)
      await pb.write({ charter: new Uint8Array(0), updates: page.map(c => c.signed as Uint8Array<ArrayBuffer>), more: req.offset + SYNC_PAGE < all.length, error: '' }, SessionSyncResponse)
      await stream.close()
      return
    }
    const id = toHex(req.sessionId)
    const st = host.charters.get(id)
    const res: SessionSyncResponse = { charter: (st?.signed ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, updates: [], more: false, error: '', nextOffset: req.offset }
    if (st != null) { await page(host, id, req, res, conn.remotePeer.toString()) }
    await pb.write(res, SessionSyncResponse)
    await stream.close()
  } catch (err: any) {
    host.log('session sync for %s failed: %s', conn.remotePeer, err.message)
    stream.abort(err)
  }
}

/**
 * One page of a session's update log after `req.offset`. With the requester's state
 * vector, only updates holding something past it (the requester lacks them); and when
 * the requester holds what this node lacks, this node pulls from it in turn.
 */
async function page (host: SessionSyncHost, id: string, req: SessionSyncRequest, res: SessionSyncResponse, requester: string): Promise<void> {
  let theirs: Map<number, number> | undefined
  if (req.stateVector.length > 0) {
    try { theirs = Y.decodeStateVector(req.stateVector) } catch { res.error = 'bad state vector'; return }
    const sv = req.offset === 0 ? host.stateVector(id) : undefined
    if (sv != null) {
      const ours = Y.decodeStateVector(sv)
      if ([...theirs].some(([client, clock]) => clock > (ours.get(client) ?? 0))) { host.pullFrom(id, requester) }
    }
  }
  let scanned = 0
  for await (const [key, value] of host.store.iterator({ gt: `u!${id}!${sortableNumber(req.offset)}`, lt: `u!${id}"`, limit: SYNC_SCAN + 1 })) {
    if (res.updates.length === SYNC_PAGE || scanned === SYNC_SCAN) { res.more = true; break }
    scanned++
    res.nextOffset = parseSortableNumber(key.slice(key.lastIndexOf('!') + 1))
    if (theirs == null || holdsNews(value, theirs)) { res.updates.push(value as Uint8Array<ArrayBuffer>) }
  }
}

/** send one request on a dialled stream and read its page */
async function requestPage (stream: Stream, req: Partial<SessionSyncRequest>): Promise<SessionSyncResponse> {
  const pb = pbStream(stream, { maxDataLength: SYNC_PAGE * SESSION_LIMITS.maxRecordBytes + 64 * 1024 })
  await pb.write(req, SessionSyncRequest)
  const res = await pb.read(SessionSyncResponse, { limits: { updates: SYNC_PAGE } })
  await stream.close().catch(() => {})
  return res
}

/** pull the charters a peer holds (at most 10,000 / 256 pages) */
export async function pullCharters (host: SessionSyncHost, peer: PeerId): Promise<number> {
  let got = 0
  let offset = 0
  for (let page = 0; page < 40; page++) {
    const stream = await host.libp2p.dialProtocol(peer, SESSION_SYNC_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    const res = await requestPage(stream, { sessionId: new Uint8Array(0), offset })
    for (const bytes of res.updates) {
      const checked = await checkSessionRecord(bytes, host.verifier, host.checkOptions())
      if (!checked.ok || checked.record.kind !== 'charter') {
        host.rejected({ reason: checked.ok ? 'malformed' : checked.reason, detail: checked.ok ? 'not a charter' : checked.detail, peer: peer.toString() })
        return got
      }
      if (await host.accept(checked.record, peer.toString()) === 'new') { got++ }
    }
    offset += res.updates.length
    if (!res.more || res.updates.length === 0) { break }
  }
  return got
}

/**
 * pull a session's charter and updates from each of `peers` in turn, sending the state
 * vector `stateVector()` gives at the first page of each
 */
export async function pullSession (host: SessionSyncHost, id: string, peers: PeerId[], stateVector: () => Uint8Array): Promise<number> {
  let got = 0
  for (const peer of peers) {
    let offset = 0
    let sv: Uint8Array | undefined
    for (let page = 0; page < SESSION_LIMITS.maxUpdatesPerSession / SYNC_PAGE + 1; page++) {
      const stream = await host.libp2p.dialProtocol(peer, SESSION_SYNC_PROTOCOL, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
      if (stream == null) { break }
      // the state vector as of the first page: later pages must not skip what that one lacked
      sv ??= stateVector()
      const res = await requestPage(stream, { sessionId: fromHex(id) as Uint8Array<ArrayBuffer>, offset, stateVector: sv as Uint8Array<ArrayBuffer> })
      const from = peer.toString()
      for (const bytes of [res.charter, ...res.updates]) {
        if (bytes.length === 0) { continue }
        const checked = await checkSessionRecord(bytes, host.verifier, host.checkOptions())
        if (!checked.ok) {
          host.rejected({ reason: checked.reason, detail: checked.detail, peer: from, session: id })
          return got
        }
        const outcome = await host.accept(checked.record, from)
        if (outcome === 'new') { got++ } else if (outcome !== 'known' && outcome !== 'rate-limited') { host.rejected({ reason: outcome, detail: 'refused by the charter in force (sync)', peer: from, session: id }) }
      }
      // a responder from before state vectors sends no next offset
      const next = res.nextOffset > offset ? res.nextOffset : offset + res.updates.length
      if (!res.more || next <= offset) { break }
      offset = next
    }
  }
  return got
}

/** whether a stored signed update holds a struct past a state vector */
function holdsNews (signed: Uint8Array, sv: Map<number, number>): boolean {
  try {
    const update = SessionUpdate.decode(SignedSessionRecord.decode(signed).update)
    if (update.kind !== UPDATE_KIND.doc) { return false }
    const { to } = Y.parseUpdateMeta(update.data)
    for (const [client, clock] of to) { if (clock > (sv.get(client) ?? 0)) { return true } }
    // a deletion-only update carries no clocks: send it, it is cheap and idempotent
    return to.size === 0
  } catch {
    return true
  }
}
