/**
 * Routed messages travel over one long-lived `/liberation/route/1.0.0` stream per
 * neighbour: multistream-select costs a round trip per new stream (js-libp2p negotiates
 * in full), which would double the latency of every hop. Requests and replies are
 * `RouteFrame`s matched by id; many may be in flight at once. A broken stream fails its
 * pending requests (the caller treats that as a failed hop) and the next request opens a
 * new one.
 */
import { pbStream } from '@libp2p/utils'
import { RouteFrame } from './pb/routing.js'
import type { RouteReply, RoutedEnvelope } from './pb/routing.js'
import type { Connection, Logger, Stream } from '@libp2p/interface'
import type { ProtobufMessageStream } from '@libp2p/utils'

const OPEN_TIMEOUT_MS = 5000

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
  timer: ReturnType<typeof setTimeout>
}

/** The sending side towards one neighbour. */
export class RouteChannel {
  private stream?: Stream
  private pb?: ProtobufMessageStream<RouteFrame, Stream>
  private opening?: Promise<void>
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private writing: Promise<void> = Promise.resolve()

  constructor (
    readonly connection: Connection,
    private readonly protocol: string,
    private readonly limits: FrameLimits,
    private readonly log: Logger
  ) {}

  get open (): boolean {
    return this.connection.status === 'open'
  }

  async request (envelope: RoutedEnvelope, timeoutMs: number, signal?: AbortSignal): Promise<RouteReply> {
    signal?.throwIfAborted()
    await this.ensureOpen()
    const pb = this.pb
    if (pb == null) throw new Error('route stream not open')
    const id = this.nextId
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1
    const reply = new Promise<RouteReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`no reply within ${Math.round(timeoutMs)} ms`))
      }, Math.max(1, Math.round(timeoutMs)))
      this.pending.set(id, { resolve, reject, timer })
    })
    const onAbort = (): void => { this.settle(id, undefined, signal?.reason ?? new Error('aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.write(pb, { id, envelope })
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
    this.stream?.abort(new Error('route channel closed'))
    this.stream = undefined
    this.pb = undefined
  }

  private settle (id: number, reply: RouteReply | undefined, err?: Error): void {
    const p = this.pending.get(id)
    if (p == null) return
    this.pending.delete(id)
    clearTimeout(p.timer)
    if (reply != null) p.resolve(reply)
    else p.reject(err ?? new Error('no reply'))
  }

  private fail (err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, err)
  }

  /** frames are written one after the other, never interleaved */
  private async write (pb: ProtobufMessageStream<RouteFrame, Stream>, frame: RouteFrame): Promise<void> {
    const next = this.writing.then(async () => { await pb.write(frame) })
    this.writing = next.catch(() => {})
    await next
  }

  private async ensureOpen (): Promise<void> {
    if (this.stream != null && this.stream.status === 'open' && this.stream.writeStatus === 'writable') return
    this.opening ??= (async () => {
      const stream = await this.connection.newStream(this.protocol, { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS), runOnLimitedConnection: true })
      const pb = pbStream(stream, { maxDataLength: this.limits.maxFrameBytes }).pb(RouteFrame)
      this.stream = stream
      this.pb = pb
      this.writing = Promise.resolve()
      void this.readLoop(stream, pb)
    })().finally(() => { this.opening = undefined })
    await this.opening
  }

  private async readLoop (stream: Stream, pb: ProtobufMessageStream<RouteFrame, Stream>): Promise<void> {
    try {
      for (;;) {
        const frame = await pb.read(frameReadOptions(this.limits))
        if (frame.reply != null) this.settle(frame.id, frame.reply)
      }
    } catch (err: any) {
      this.log.trace('route stream to %p ended: %s', this.connection.remotePeer, err?.message)
      if (this.stream === stream) {
        this.stream = undefined
        this.pb = undefined
      }
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
      const ended = err?.name === 'UnexpectedEOFError' || err?.name === 'StreamResetError' || err?.name === 'StreamStateError' || err?.name === 'AbortError'
      if (!ended) opts.malformed(err)
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
      .finally(() => { inFlight-- })
  }
}
