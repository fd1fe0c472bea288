/**
 * Routed messages over `/liberation/route/1.0.0`: `send` signs a message and delivers it
 * along the best route (a source route in the link-state zone, the next hop for a far
 * target), retrying other routes when a hop fails or stays silent; each hop checks the
 * envelope, relays it or, at the target, answers with a signed acknowledgement that
 * travels back the same streams. One long-lived stream per neighbour (channel.ts).
 */
import { toHex } from '../crypto/index.ts'
import { RouteError } from './api.ts'
import { RouteChannel, serveRouteStream } from './channel.ts'
import { openConnection } from './context.ts'
import { RouteReply } from './pb/routing.ts'
import { parsePeerId, peerIdStringFromBytes, peerIdToBytes, publicKeyOfPeer } from './peer-ids.ts'
import { MESSAGE_ID_LENGTH, parseRoutedBody, signAck, signRoutedBody, verifyAck, verifyRoutedBody } from './records.ts'
import { linkKey } from './route-table.ts'
import type { RoutedMessage, SendOptions, SendResult } from './api.ts'
import type { FrameLimits } from './channel.ts'
import type { RoutingContext } from './context.ts'
import type { RoutingLimits } from './limits.ts'
import type { RoutedEnvelope } from './pb/routing.ts'
import type { RouteKeeper } from './route-keeper.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

const FORWARD_MARGIN_MS = 100
/** message ids remembered at most */
const MAX_SEEN = 100_000

export interface RoutedMessaging {
  /** deliver `payload` to `target`; resolves on the target's signed ack */
  send(target: string | PeerId, payload: Uint8Array, options?: SendOptions): Promise<SendResult>
  /** an inbound route stream from a neighbour */
  serve(stream: Stream, connection: Connection): Promise<void>
  /** `peer` is gone: close its channel */
  forget(peer: string): void
  /** drop expired link penalties and remembered ids */
  prune(now: number): void
  stop(): void
}

export interface RoutedMessagingParts {
  protocol: string
  table: RouteKeeper
  limits: RoutingLimits
  /** a message for this node arrived (verified, first copy only) */
  onMessage(message: RoutedMessage): void
}

interface SeenMessage { reply: RouteReply, expiresAt: number }

export function createRoutedMessaging (ctx: RoutingContext, parts: RoutedMessagingParts): RoutedMessaging {
  return new DefaultRoutedMessaging(ctx, parts)
}

class DefaultRoutedMessaging implements RoutedMessaging {
  private readonly table: RouteKeeper
  private readonly limits: RoutingLimits
  private readonly protocol: string
  private readonly onMessage: (message: RoutedMessage) => void
  private readonly channels = new Map<string, RouteChannel>()
  private readonly seen = new Map<string, SeenMessage>()
  /** links that failed a routed message: avoided by later sends until then */
  private readonly penalties = new Map<string, number>()

  constructor (private readonly ctx: RoutingContext, parts: RoutedMessagingParts) {
    this.table = parts.table
    this.limits = parts.limits
    this.protocol = parts.protocol
    this.onMessage = parts.onMessage
  }

  forget (peer: string): void {
    this.channels.get(peer)?.close()
    this.channels.delete(peer)
  }

  prune (now: number): void {
    for (const [k, until] of this.penalties) { if (until <= now) { this.penalties.delete(k) } }
    for (const [k, s] of this.seen) { if (s.expiresAt <= now) { this.seen.delete(k) } }
  }

  stop (): void {
    for (const c of this.channels.values()) { c.close() }
    this.channels.clear()
  }

  async send (target: string | PeerId, payload: Uint8Array, options: SendOptions = {}): Promise<SendResult> {
    if (!this.ctx.running()) { throw new Error('routing is not running') }
    const targetId = parsePeerId(target).toString()
    if (targetId === this.ctx.self) { throw new Error('cannot send a routed message to this node itself') }
    if (!(payload instanceof Uint8Array)) { throw new TypeError('payload must be a Uint8Array') }
    if (payload.length > this.ctx.cfg.maxPayloadBytes) { throw new Error(`payload of ${payload.length} bytes exceeds the limit of ${this.ctx.cfg.maxPayloadBytes}`) }
    const targetKey = publicKeyOfPeer(targetId)
    if (targetKey == null) { throw new Error('the target must be an Ed25519 peer (its key checks the acknowledgement)') }

    const started = this.ctx.clock.now()
    const deadline = started + (options.timeoutMs ?? this.ctx.cfg.sendTimeoutMs)
    const id = crypto.getRandomValues(new Uint8Array(MESSAGE_ID_LENGTH))
    const { body, signature } = await signRoutedBody(this.ctx.crypto.signer, {
      id: id as Uint8Array<ArrayBuffer>,
      origin: this.ctx.crypto.signer.publicKey as Uint8Array<ArrayBuffer>,
      target: peerIdToBytes(targetId) as Uint8Array<ArrayBuffer>,
      timestamp: started,
      payload: payload as Uint8Array<ArrayBuffer>
    })
    this.ctx.counters.routedSent++
    const avoid = new Set<string>()
    let lastError = 'no route'
    let code: RouteError['reason'] = 'NO_ROUTE'
    for (let attempt = 1; attempt <= this.ctx.cfg.maxAttempts; attempt++) {
      options.signal?.throwIfAborted()
      const remaining = deadline - this.ctx.clock.now()
      if (remaining <= 0) { throw new RouteError(`no acknowledgement from ${targetId} in time (${lastError})`, 'TIMEOUT', attempt - 1) }
      const plan = await this.plan(targetId, avoid, attempt, Math.min(remaining, 5000))
      if (plan == null) { throw new RouteError(`no route to ${targetId}${attempt > 1 ? ` after ${lastError}` : ''}`, attempt > 1 ? code : 'NO_ROUTE', attempt - 1) }
      const attemptStart = performance.now()
      // a hop that swallows the message must leave time for the other routes
      const left = Math.max(1, deadline - this.ctx.clock.now())
      const attemptBudget = Math.max(Math.min(left, 1000), left / (this.ctx.cfg.maxAttempts - attempt + 1))
      let reply: RouteReply
      try {
        reply = await this.forward(plan.first, {
          body: body as Uint8Array<ArrayBuffer>,
          signature: signature as Uint8Array<ArrayBuffer>,
          ttl: this.ctx.cfg.maxHops,
          route: plan.route.map(p => peerIdToBytes(p) as Uint8Array<ArrayBuffer>),
          trace: [peerIdToBytes(this.ctx.self) as Uint8Array<ArrayBuffer>],
          budgetMs: Math.round(attemptBudget)
        }, attemptBudget + FORWARD_MARGIN_MS, options.signal)
      } catch (err: any) {
        options.signal?.throwIfAborted()
        lastError = `first hop ${plan.first} failed: ${err?.message}`
        code = 'FAILED'
        this.penalize(this.ctx.self, plan.first, avoid)
        continue
      }
      const latencyMs = performance.now() - attemptStart
      const trace = this.traceOf(reply)
      if (reply.status === RouteReply.Status.ACK) {
        try {
          const receivedAt = await verifyAck(this.ctx.crypto.verifier, reply.ack, reply.ackSignature, { id, targetKey, originKey: this.ctx.crypto.signer.publicKey })
          return {
            id: toHex(id),
            target: targetId,
            path: trace.length > 0 && trace[trace.length - 1] === targetId ? trace : [this.ctx.self, ...plan.route, targetId],
            hops: Math.max(1, trace.length - 1),
            latencyMs,
            totalMs: this.ctx.clock.now() - started,
            attempts: attempt,
            receivedAt,
            direct: plan.first === targetId
          }
        } catch (err: any) {
          lastError = err?.message
          code = 'INVALID'
          this.penalize(this.ctx.self, plan.first, avoid)
          continue
        }
      }
      code = 'FAILED'
      lastError = `${reply.status}${reply.error !== '' ? `: ${reply.error}` : ''}`
      if (reply.status === RouteReply.Status.HOP_FAILED && reply.failedFrom.length > 0 && reply.failedTo.length > 0) {
        try {
          this.penalize(peerIdStringFromBytes(reply.failedFrom), peerIdStringFromBytes(reply.failedTo), avoid)
          continue
        } catch {}
      }
      // a busy hop is avoided by this message only, not penalised for everyone
      if (reply.status === RouteReply.Status.BUSY) {
        avoid.add(trace.length >= 2 ? linkKey(trace[trace.length - 2], trace[trace.length - 1]) : linkKey(this.ctx.self, plan.first))
        continue
      }
      // NO_ROUTE / TTL / INVALID at a hop: avoid the link into the hop that answered
      if (trace.length >= 2) { this.penalize(trace[trace.length - 2], trace[trace.length - 1], avoid) } else { this.penalize(this.ctx.self, plan.first, avoid) }
    }
    throw new RouteError(`message to ${targetId} not acknowledged after ${this.ctx.cfg.maxAttempts} attempts: ${lastError}`, code, this.ctx.cfg.maxAttempts)
  }

  private traceOf (reply: RouteReply): string[] {
    try {
      return reply.trace.map(b => peerIdStringFromBytes(b))
    } catch {
      return []
    }
  }

  private penalize (from: string, to: string, avoid: Set<string>): void {
    const key = linkKey(from, to)
    avoid.add(key)
    this.penalties.set(key, this.ctx.clock.now() + this.ctx.cfg.failedLinkPenaltyMs)
  }

  /** first hop and the source route after it */
  private async plan (target: string, avoid: Set<string>, attempt: number, dialTimeoutMs: number): Promise<{ first: string, route: string[] } | undefined> {
    const avoidLinks = new Set(avoid)
    const now = this.ctx.clock.now()
    for (const [k, until] of this.penalties) { if (until > now) { avoidLinks.add(k) } }
    if (!avoidLinks.has(linkKey(this.ctx.self, target)) && openConnection(this.ctx, target) != null) { return { first: target, route: [] } }
    const table = avoidLinks.size === 0 ? this.table.current() : this.ctx.graph.compute(now, { avoidLinks })
    const r = table.route(target)
    if (r != null) { return { first: r.nextHop, route: r.complete ? r.path.slice(2) : [] } }
    if (attempt === 1 && this.ctx.cfg.dialUnknownTargets) {
      try {
        await this.ctx.libp2p.dial(parsePeerId(target), { signal: AbortSignal.timeout(Math.max(1, Math.round(dialTimeoutMs))) })
        return { first: target, route: [] }
      } catch (err: any) {
        this.ctx.log('no route to %s and dialling it failed: %s', target, err?.message)
      }
    }
    return undefined
  }

  /** send an envelope to a direct neighbour and wait for the reply */
  private async forward (peer: string, envelope: RoutedEnvelope, timeoutMs: number, outer?: AbortSignal): Promise<RouteReply> {
    const conn = openConnection(this.ctx, peer)
    if (conn == null) { throw new Error('not connected') }
    let channel = this.channels.get(peer)
    if (channel == null || channel.connection !== conn) {
      channel?.close()
      channel = new RouteChannel(conn, this.protocol, this.frameLimits(), this.ctx.log, this.ctx.clock)
      this.channels.set(peer, channel)
    }
    return channel.request(envelope, timeoutMs, outer)
  }

  private frameLimits (): FrameLimits {
    return { maxFrameBytes: this.ctx.cfg.maxPayloadBytes + 8192, maxHops: this.ctx.cfg.maxHops }
  }

  async serve (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    await serveRouteStream(stream, {
      ...this.frameLimits(),
      maxInFlight: 64,
      handle: async (envelope) => {
        if (!this.limits.routed(from, this.ctx.clock.now())) { return this.reply(RouteReply.Status.BUSY, [], 'rate limited') }
        try {
          return await this.handleEnvelope(envelope, from)
        } catch (err: any) {
          return this.reply(RouteReply.Status.BUSY, [], err?.message ?? 'busy')
        }
      },
      busy: () => this.reply(RouteReply.Status.BUSY, [], 'too many messages in flight'),
      malformed: (err) => {
        this.ctx.counters.routedRejected++
        this.ctx.invalid(from, `malformed routed message: ${err.message}`)
      }
    })
  }

  private reply (status: RouteReply.Status, trace: Uint8Array[], error = '', extra: Partial<RouteReply> = {}): RouteReply {
    return {
      status,
      ack: new Uint8Array(0),
      ackSignature: new Uint8Array(0),
      failedFrom: new Uint8Array(0),
      failedTo: new Uint8Array(0),
      error,
      trace: trace as Array<Uint8Array<ArrayBuffer>>,
      ...extra
    }
  }

  private rejectEnvelope (from: string, reason: string, trace: Uint8Array[]): RouteReply {
    this.ctx.counters.routedRejected++
    this.ctx.invalid(from, reason)
    return this.reply(RouteReply.Status.INVALID, trace, reason)
  }

  /** relay or accept one envelope that `from` sent us; bad ones change nothing */
  private async handleEnvelope (env: RoutedEnvelope, from: string): Promise<RouteReply> {
    const received = this.ctx.clock.now()
    const selfBytes = peerIdToBytes(this.ctx.self)
    let trace: string[]
    let route: string[]
    try {
      trace = env.trace.map(b => peerIdStringFromBytes(b))
      route = env.route.map(b => peerIdStringFromBytes(b))
    } catch {
      return this.rejectEnvelope(from, 'malformed peer id in trace or route', [])
    }
    const traceOut = [...env.trace, selfBytes]
    let body
    try {
      body = parseRoutedBody(env.body, env.signature, {
        now: received,
        maxAgeMs: this.ctx.cfg.maxMessageAgeMs,
        maxClockSkewMs: this.ctx.cfg.maxClockSkewMs,
        maxPayloadBytes: this.ctx.cfg.maxPayloadBytes
      })
    } catch (err: any) {
      return this.rejectEnvelope(from, err?.message ?? 'malformed message', traceOut)
    }
    if (trace.length === 0 || trace[0] !== body.origin || trace[trace.length - 1] !== from) {
      return this.rejectEnvelope(from, 'trace does not run from the sender to the previous hop', traceOut)
    }
    if (trace.includes(this.ctx.self) || new Set(trace).size !== trace.length) {
      return this.rejectEnvelope(from, 'routing loop', traceOut)
    }
    if (env.ttl < 1 || env.ttl > this.ctx.cfg.maxHops) { return this.rejectEnvelope(from, 'ttl out of range', traceOut) }
    if (!await verifyRoutedBody(this.ctx.crypto.verifier, env.body, env.signature, body.originKey)) {
      return this.rejectEnvelope(from, 'message signature does not verify', traceOut)
    }

    if (body.target === this.ctx.self) {
      const idHex = toHex(body.id)
      const seen = this.seen.get(idHex)
      if (seen != null) { return seen.reply }
      const { ack, signature } = await signAck(this.ctx.crypto.signer, {
        id: body.id as Uint8Array<ArrayBuffer>,
        target: this.ctx.crypto.signer.publicKey as Uint8Array<ArrayBuffer>,
        origin: body.originKey as Uint8Array<ArrayBuffer>,
        receivedAt: received
      })
      const reply = this.reply(RouteReply.Status.ACK, traceOut, '', { ack: ack as Uint8Array<ArrayBuffer>, ackSignature: signature as Uint8Array<ArrayBuffer> })
      this.remember(idHex, reply, body.timestamp)
      this.ctx.counters.routedDelivered++
      const path = [...trace, this.ctx.self]
      const message: RoutedMessage = { id: idHex, from: body.origin, payload: body.payload, path, hops: path.length - 1, sentAt: body.timestamp, receivedAt: received }
      this.onMessage(message)
      return reply
    }

    if (env.ttl <= 1) { return this.reply(RouteReply.Status.TTL_EXPIRED, traceOut, 'ttl expired') }
    // next hop: the source route if any, else our own route (avoiding where it has been)
    let next: string
    let rest: string[]
    if (route.length > 0) {
      next = route[0]
      rest = route.slice(1)
      if (rest.length > 0 && rest[rest.length - 1] !== body.target) {
        return this.rejectEnvelope(from, 'source route does not end at the target', traceOut)
      }
      if (rest.length === 0 && next !== body.target) {
        return this.rejectEnvelope(from, 'source route does not end at the target', traceOut)
      }
    } else {
      const visited = new Set(trace)
      let r = this.table.current().route(body.target)
      if (r != null && r.path.some(p => visited.has(p))) { r = this.ctx.graph.compute(this.ctx.clock.now(), { avoidNodes: visited }).route(body.target) }
      if (r == null) {
        if (openConnection(this.ctx, body.target) == null) { return this.reply(RouteReply.Status.NO_ROUTE, traceOut, 'no route to target') }
        next = body.target
        rest = []
      } else {
        next = r.nextHop
        rest = r.complete ? r.path.slice(2) : []
      }
    }
    if (next === this.ctx.self || trace.includes(next) || rest.includes(this.ctx.self)) { return this.rejectEnvelope(from, 'routing loop', traceOut) }
    const budget = Math.min(env.budgetMs, this.ctx.cfg.sendTimeoutMs) - (this.ctx.clock.now() - received) - FORWARD_MARGIN_MS
    const hopFailed = (why: string): RouteReply => this.reply(RouteReply.Status.HOP_FAILED, traceOut, why, {
      failedFrom: selfBytes as Uint8Array<ArrayBuffer>,
      failedTo: peerIdToBytes(next) as Uint8Array<ArrayBuffer>
    })
    if (budget <= 0) { return hopFailed('time budget exhausted') }
    if (openConnection(this.ctx, next) == null) { return hopFailed('next hop not connected') }
    try {
      const reply = await this.forward(next, {
        body: env.body,
        signature: env.signature,
        ttl: env.ttl - 1,
        route: rest.map(p => peerIdToBytes(p) as Uint8Array<ArrayBuffer>),
        trace: traceOut as Array<Uint8Array<ArrayBuffer>>,
        budgetMs: budget
      }, budget)
      this.ctx.counters.routedForwarded++
      return reply
    } catch (err: any) {
      return hopFailed(`forwarding failed: ${err?.message}`)
    }
  }

  private remember (idHex: string, reply: RouteReply, sentAt: number): void {
    // ids are kept as long as a copy could still pass the age check
    const expiresAt = sentAt + this.ctx.cfg.maxMessageAgeMs + this.ctx.cfg.maxClockSkewMs
    if (this.seen.size >= MAX_SEEN) { this.seen.delete(this.seen.keys().next().value as string) }
    this.seen.set(idHex, { reply, expiresAt })
  }
}
