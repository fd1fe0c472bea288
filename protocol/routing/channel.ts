/**
 * Long-lived streams, one per neighbour and protocol: multistream-select costs a round
 * trip per new stream (js-libp2p negotiates in full) and CPU on both ends (yamux, the
 * peer store's merge), which would double the latency of every routed hop and dominate
 * the cost of topology gossip. `LongLivedStream` opens the stream on first use, writes
 * length-prefixed frames one after the other and reopens the stream after a failure.
 *
 * Routed messages (`/liberation/route/1.0.0`): requests and replies are `RouteFrame`s
 * matched by id; many may be in flight at once. A broken stream fails its pending requests
 * (the caller treats that as a failed hop) and the next request opens a new one.
 * Topology updates (`/liberation/topology/2.0.0`): one `TopologyUpdate` per frame, one
 * way; `serveFrames` reads them until the stream ends.
 */
import { LengthPrefixedDecoder, lpStream, pbStream } from '@libp2p/utils'
import { systemClock, yieldToEventLoop } from '../clock.ts'
import { RouteFrame } from './pb/routing.ts'
import type { Clock } from '../clock.ts'
import type { RouteReply, RoutedEnvelope } from './pb/routing.ts'
import type { Connection, Logger, Stream, StreamMessageEvent } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

const OPEN_TIMEOUT_MS = 5000

/** the remote end or the connection went away: not the sender's fault */
export function isStreamEnd (err: any): boolean {
  const name = err?.name
  return name === 'UnexpectedEOFError' || name === 'StreamResetError' || name === 'StreamStateError' ||
    name === 'AbortError' || name === 'TimeoutError' || name === 'StreamAbortedError' || name === 'StreamClosedError'
}

/**
 * A read failed because of what the sender sent (a frame too long, bytes that do not
 * decode), not because the stream or connection went away: when this node aborts a
 * connection (a local limit, shutting down) the error it gives reaches every reader, and
 * must not be counted against the peer.
 */
export function isSenderFault (err: any, stream: Stream): boolean {
  return !isStreamEnd(err) && stream.status === 'open'
}

/**
 * One outbound stream of `protocol` over `connection`, opened when first needed and again
 * after it broke. `onOpen` sees each new stream (to read its answers).
 */
export class LongLivedStream {
  private stream?: Stream
  private lp?: LengthPrefixedStream<Stream>
  private opening?: Promise<LengthPrefixedStream<Stream>>
  private writing: Promise<void> = Promise.resolve()

  constructor (
    readonly connection: Connection,
    private readonly protocol: string,
    private readonly maxFrameBytes: number,
    private readonly onOpen?: (stream: Stream, lp: LengthPrefixedStream<Stream>) => void
  ) {}

  get usable (): boolean {
    return this.stream != null && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  /** frames are written one after the other, never interleaved */
  async write (frame: Uint8Array | Uint8ArrayList): Promise<void> {
    const lp = await this.open()
    const next = this.writing.then(async () => { await lp.write(frame) })
    this.writing = next.catch(() => {})
    try {
      await next
    } catch (err) {
      if (this.lp === lp) { this.dropped(this.stream, err) }
      throw err
    }
  }

  /** the stream broke (a failed write or read): the next write opens a new one */
  dropped (stream: Stream | undefined, err?: any): void {
    if (stream == null || this.stream !== stream) { return }
    this.stream = undefined
    this.lp = undefined
    stream.abort(err instanceof Error ? err : new Error('stream dropped'))
  }

  close (reason = 'closed'): void {
    const stream = this.stream
    this.stream = undefined
    this.lp = undefined
    stream?.abort(new Error(reason))
  }

  private async open (): Promise<LengthPrefixedStream<Stream>> {
    if (this.usable && this.lp != null) { return this.lp }
    this.opening ??= (async () => {
      const stream = await this.connection.newStream(this.protocol, { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS), runOnLimitedConnection: true })
      const lp = lpStream(stream, { maxDataLength: this.maxFrameBytes })
      this.stream = stream
      this.lp = lp
      this.writing = Promise.resolve()
      this.onOpen?.(stream, lp)
      return lp
    })().finally(() => { this.opening = undefined })
    return this.opening
  }
}

/**
 * Reads the frames of one inbound stream until it ends and hands them to `onFrame` one at
 * a time (each settles before the next).
 *
 * Reading is paced, so that what a sender pushes beyond its budget stays on its side: a
 * paused stream sends the sender no window updates (yamux), so it can have no more than
 * the window it was last given in flight, and its further writes wait. The stream is
 * paused, from inside the listener that got the bytes (before the muxer would grant more),
 * while `pace` says the sender is over its byte budget, and while `pauseQueuedBytes` of
 * frames wait for `onFrame`. What still arrives past `maxQueuedBytes` waiting (the window
 * in flight) goes to `dropped`. So what a sender can make this node hold is one frame being
 * cut, the queue, the frame in hand and one window, however fast it sends.
 *
 * A frame over `maxFrameBytes` ends the stream (its framing is lost) and counts as
 * malformed; a frame `onFrame` rejects is only counted: the next one is read. When
 * `signal` aborts (the sender was cut off) the stream is reset at once and the frames
 * still queued go to `dropped` unhandled.
 */
export async function serveFrames (stream: Stream, opts: {
  maxFrameBytes: number
  /** bytes of frames read and not handled yet past which more are dropped (default: one frame) */
  maxQueuedBytes?: number
  /** bytes of frames waiting past which reading pauses until the handler catches up (default: maxQueuedBytes / 4) */
  pauseQueuedBytes?: number
  /** `bytes` more were read: ms to stop reading for (0: read on); see RoutingLimits.readBytes */
  pace?(bytes: number): number
  /** the timers of the pauses `pace` asks for */
  clock?: Clock
  /** reading paused for `ms` because `pace` asked */
  throttled?(ms: number): void
  onFrame(frame: Uint8ArrayList): void | Promise<void>
  /** a frame that came while `maxQueuedBytes` of others waited */
  dropped(frame: Uint8ArrayList): void
  malformed(err: Error): void
  /** stop reading: reset the stream, drop what is queued */
  signal?: AbortSignal
}): Promise<void> {
  const maxQueued = opts.maxQueuedBytes ?? opts.maxFrameBytes
  const pauseQueued = opts.pauseQueuedBytes ?? Math.floor(maxQueued / 4)
  const clock = opts.clock ?? systemClock
  // the decoder holds one partial frame (at most maxFrameBytes) plus the chunk being cut
  const decoder = new LengthPrefixedDecoder({ maxDataLength: opts.maxFrameBytes, maxBufferSize: Number.MAX_SAFE_INTEGER })
  const queue: Uint8ArrayList[] = []
  let queued = 0
  let ended = false
  let senderFault: Error | undefined
  let wake: (() => void) | undefined
  /** a pause `pace` asked for, until its timer */
  let throttle: unknown
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const more = async (): Promise<void> => { await new Promise<void>(resolve => { wake = resolve }) }
  const reading = (): boolean => stream.readStatus === 'readable' || stream.readStatus === 'paused'
  let resuming = false
  /** pause while throttled or the queue is full, resume once neither holds */
  const flow = (): void => {
    if (!reading()) { return }
    const hold = throttle != null || queued >= pauseQueued
    if (hold && stream.readStatus === 'readable') {
      // resume() hands over what came meanwhile before it grants the sender more window:
      // a pause from within would be undone by that grant, so it waits for resume() to return
      if (!resuming) { stream.pause() }
    } else if (!hold && stream.readStatus === 'paused') {
      resuming = true
      try {
        stream.resume()
      } finally {
        resuming = false
      }
      flow()
    }
  }
  const onMessage = (evt: StreamMessageEvent): void => {
    if (ended || opts.signal?.aborted === true) { return }
    try {
      for (const frame of decoder.decode(evt.data)) {
        if (queued + frame.byteLength > maxQueued && queue.length > 0) {
          opts.dropped(frame)
          continue
        }
        queue.push(frame)
        queued += frame.byteLength
      }
    } catch (err: any) {
      senderFault = err
      ended = true
    }
    const waitMs = ended ? 0 : opts.pace?.(evt.data.byteLength) ?? 0
    if (waitMs > 0 && throttle == null) {
      opts.throttled?.(waitMs)
      throttle = clock.setTimeout(() => {
        throttle = undefined
        flow()
      }, waitMs)
    }
    flow()
    notify()
  }
  const onEnd = (): void => {
    ended = true
    notify()
  }
  const stopReading = (): Error => opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('stopped reading')
  /** reset at once: the sender's window is not granted again while a frame in hand is handled */
  const onAbort = (): void => {
    stream.abort(stopReading())
    onEnd()
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onEnd)
  opts.signal?.addEventListener('abort', onAbort)
  if (opts.signal?.aborted === true) { onAbort() }
  if (stream.readableEnded) { ended = true }
  // bytes that came before the listener wait in the stream: pausing and resuming hands them over
  if (stream.readBufferLength > 0 && stream.readStatus === 'readable') {
    stream.pause()
    stream.resume()
  }
  try {
    for (;;) {
      if (opts.signal?.aborted === true) {
        for (const frame of queue.splice(0)) { opts.dropped(frame) }
        break
      }
      const frame = queue.shift()
      if (frame == null) {
        if (ended || stream.status !== 'open') { break }
        await more()
        continue
      }
      queued -= frame.byteLength
      flow()
      try {
        await opts.onFrame(frame)
      } catch (err: any) {
        opts.malformed(err)
      }
      // handling a frame may wait on nothing (its promises settle as microtasks): with more
      // queued, let timers and the other sockets (the API) run between frames
      if (queue.length > 0) { await yieldToEventLoop() }
    }
  } finally {
    if (throttle != null) { clock.clearTimeout(throttle) }
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onEnd)
    opts.signal?.removeEventListener('abort', onAbort)
  }
  if (opts.signal?.aborted === true) { return }
  if (senderFault != null) {
    opts.malformed(senderFault)
    stream.abort(senderFault)
    return
  }
  if (stream.status === 'open') { stream.abort(new Error('stream ended')) }
}

export interface FrameLimits {
  maxFrameBytes: number
  maxHops: number
}

export function frameReadOptions (limits: FrameLimits): { limits: any } {
  return {
    limits: {
      envelope$: { route: limits.maxHops, trace: limits.maxHops },
      reply$: { trace: limits.maxHops + 1 }
    }
  }
}

interface Pending {
  resolve(reply: RouteReply): void
  reject(err: Error): void
  timer: unknown
}

/** The sending side of routed messages towards one neighbour. */
export class RouteChannel {
  private readonly line: LongLivedStream
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor (
    readonly connection: Connection,
    protocol: string,
    private readonly limits: FrameLimits,
    private readonly log: Logger,
    /** the requests' timeouts run on it */
    private readonly clock: Clock = systemClock
  ) {
    this.line = new LongLivedStream(connection, protocol, limits.maxFrameBytes, (stream, lp) => { void this.readLoop(stream, lp) })
  }

  get open (): boolean {
    return this.connection.status === 'open'
  }

  async request (envelope: RoutedEnvelope, timeoutMs: number, signal?: AbortSignal): Promise<RouteReply> {
    signal?.throwIfAborted()
    const id = this.nextId
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1
    const reply = new Promise<RouteReply>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`no reply within ${Math.round(timeoutMs)} ms`))
      }, Math.max(1, Math.round(timeoutMs)))
      this.pending.set(id, { resolve, reject, timer })
    })
    const onAbort = (): void => { this.settle(id, undefined, signal?.reason ?? new Error('aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.line.write(RouteFrame.encode({ id, envelope }))
      return await reply
    } catch (err) {
      this.settle(id, undefined, err as Error)
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  close (): void {
    this.fail(new Error('route channel closed'))
    this.line.close('route channel closed')
  }

  private settle (id: number, reply: RouteReply | undefined, err?: Error): void {
    const p = this.pending.get(id)
    if (p == null) { return }
    this.pending.delete(id)
    this.clock.clearTimeout(p.timer)
    if (reply != null) { p.resolve(reply) } else { p.reject(err ?? new Error('no reply')) }
  }

  private fail (err: Error): void {
    for (const id of [...this.pending.keys()]) { this.settle(id, undefined, err) }
  }

  private async readLoop (stream: Stream, lp: LengthPrefixedStream<Stream>): Promise<void> {
    try {
      for (;;) {
        const frame = RouteFrame.decode(await lp.read(), frameReadOptions(this.limits))
        if (frame.reply != null) { this.settle(frame.id, frame.reply) }
      }
    } catch (err: any) {
      this.log.trace('route stream to %p ended: %s', this.connection.remotePeer, err?.message)
      this.line.dropped(stream, err)
      this.fail(new Error(`route stream ended: ${err?.message ?? 'closed'}`))
      stream.abort(err)
    }
  }
}

export interface ServeOptions extends FrameLimits {
  /** requests in progress per stream at most; more are answered BUSY */
  maxInFlight: number
  /** answer one request */
  handle(envelope: RoutedEnvelope): Promise<RouteReply>
  /** what to answer when over maxInFlight */
  busy(): RouteReply
  /** the stream sent something that is not a frame */
  malformed(err: Error): void
}

/** The receiving side: answers the frames of one inbound stream until it closes. */
export async function serveRouteStream (stream: Stream, opts: ServeOptions): Promise<void> {
  const pb = pbStream(stream, { maxDataLength: opts.maxFrameBytes }).pb(RouteFrame)
  let writing: Promise<void> = Promise.resolve()
  let inFlight = 0
  const answer = async (id: number, reply: RouteReply): Promise<void> => {
    const next = writing.then(async () => { await pb.write({ id, reply }) })
    writing = next.catch(() => {})
    await next
  }
  for (;;) {
    let frame: RouteFrame
    try {
      frame = await pb.read(frameReadOptions(opts))
    } catch (err: any) {
      if (isSenderFault(err, stream)) { opts.malformed(err) }
      stream.abort(err)
      return
    }
    const envelope = frame.envelope
    if (envelope == null) {
      opts.malformed(new Error('frame without a request'))
      continue
    }
    if (inFlight >= opts.maxInFlight) {
      void answer(frame.id, opts.busy()).catch(() => {})
      continue
    }
    inFlight++
    void opts.handle(envelope)
      .then(async reply => { await answer(frame.id, reply) })
      .catch(() => {})
      // the count is shared on purpose: each handler gives its slot back when it settles
      // eslint-disable-next-line no-loop-func
      .finally(() => { inFlight-- })
  }
}
