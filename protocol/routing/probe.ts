/**
 * The link probe on the wire: 32 random bytes over `/liberation/probe/1.0.0`, echoed back,
 * timed after the protocol negotiation (its own round trip). Peers without it (plain
 * libp2p, or one whose services are still starting) answer the standard ping, whose
 * protocol allows one outbound stream per connection.
 */
import { byteStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import type { Connection, Stream } from '@libp2p/interface'

export const PROBE_PROTOCOL = '/liberation/probe/1.0.0'
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
export const PROBE_LENGTH = 32

/** a probe that failed for a reason of our own: it says nothing about the peer */
export const LOCAL_FAILURE = Symbol('local failure')

/** errors of this node's own making: a stream limit reached, a stream or dial we gave up */
export function isLocalFailure (err: any): boolean {
  const name = err?.name
  return name === 'TooManyOutboundProtocolStreamsError' || name === 'ConnectionClosedError' ||
    name === 'ConnectionClosingError' || name === 'StreamStateError'
}

/** answer one probe: echo its bytes */
export async function answerProbe (stream: Stream, signal: AbortSignal): Promise<void> {
  try {
    const bytes = byteStream(stream)
    const data = await bytes.read({ bytes: PROBE_LENGTH, signal })
    await bytes.write(data, { signal })
    await stream.close({ signal })
  } catch (err: any) {
    stream.abort(err)
  }
}

/**
 * One echo round trip, in ms, timed after the protocol negotiation. The round trip is
 * measured with the performance clock, not the node's clock: it is a measurement of the
 * wire, not a schedule (a clock a test holds still would measure every link as 0 ms).
 */
export async function echo (conn: Connection, protocol: string, signal: AbortSignal): Promise<number> {
  const data = crypto.getRandomValues(new Uint8Array(PROBE_LENGTH))
  const stream = await conn.newStream(protocol, { signal, runOnLimitedConnection: true, negotiateFully: true })
  try {
    const bytes = byteStream(stream)
    const start = performance.now()
    await bytes.write(data, { signal })
    const answer = await bytes.read({ bytes: PROBE_LENGTH, signal })
    const elapsed = performance.now() - start
    if (!uint8ArrayEquals(answer.subarray(), data)) { throw new Error('probe answer does not match') }
    await stream.close({ signal }).catch(() => {})
    return elapsed
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}
