/**
 * The responder side of range-based set reconciliation, shared by truth sync and
 * knowledge catch-up: answers one session of requests on an inbound stream. What a request
 * is answered with stays with the caller; the bounds every session pays are here: request
 * size, requests per session, a session deadline, and per-peer request and byte rates
 * (token buckets). A refusal ends the session.
 */
import { lpStream } from '@libp2p/utils'
import { TokenBuckets } from '../limits/token-buckets.ts'
import { SyncRequest, SyncResponse } from '../truth/pb/truth.ts'
import type { Connection, Logger, Stream } from '@libp2p/interface'

export interface RangeResponderInit {
  maxRequestBytes: number
  requestsPerSecond: number
  bytesPerSecond: number
  maxRequestsPerSession: number
  sessionTimeoutMs: number
  log: Logger
  /** names the protocol in log lines */
  name: string
}

export type RangeResponder = (stream: Stream, connection: Connection) => Promise<void>

function isEof (err: any): boolean {
  return err?.name === 'UnexpectedEOFError' || err?.name === 'StreamClosedError' || err?.name === 'StreamStateError'
}

export function createRangeResponder (init: RangeResponderInit, answer: (req: SyncRequest, peer: string) => Promise<SyncResponse>): RangeResponder {
  const requestRate = new TokenBuckets(init.requestsPerSecond, init.requestsPerSecond * 2)
  const byteRate = new TokenBuckets(init.bytesPerSecond, init.bytesPerSecond * 2)

  return async function handle (stream, connection) {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(init.sessionTimeoutMs)
    const lp = lpStream(stream, { maxDataLength: init.maxRequestBytes })
    let requests = 0
    try {
      while (true) {
        let req: SyncRequest
        try {
          req = SyncRequest.decode(await lp.read({ signal }))
        } catch (err: any) {
          if (isEof(err)) { break }
          throw err
        }
        requests++
        let res: SyncResponse
        if (requests > init.maxRequestsPerSession) { res = { error: 'too many requests in one session' } } else if (!requestRate.take(peer)) { res = { error: 'rate limited' } } else { res = await answer(req, peer) }
        // encoded once: measured for the byte rate, then sent
        let bytes = SyncResponse.encode(res)
        if (res.error === '' && !byteRate.take(peer, bytes.length)) {
          res = { error: 'rate limited' }
          bytes = SyncResponse.encode(res)
        }
        await lp.write(bytes, { signal })
        if (res.error !== '') {
          init.log('%s: refused %s: %s', init.name, peer, res.error)
          break
        }
      }
      await stream.close({ signal })
    } catch (err: any) {
      init.log('%s: session with %s failed: %s', init.name, peer, err.message)
      stream.abort(err)
    }
  }
}
