/**
 * The node's event log: typed events from every service, each with a correlation id, in a
 * bounded history that the API can search and the WebSocket feed streams.
 */
import { TypedEventEmitter } from 'main-event'

export type MeshEventCategory = 'mesh' | 'truth' | 'resources' | 'routes' | 'notifications' | 'metrics' | 'system' | 'knowledge'

export interface MeshEvent<T = unknown> {
  /** monotonic per node */
  seq: number
  type: string
  category: MeshEventCategory
  /** ties together the events of one operation (an API request, a sync round) */
  correlationId: string
  timestamp: number
  data: T
}

export interface EventQuery {
  type?: string
  category?: MeshEventCategory
  correlationId?: string
  /** only events with seq greater than this (cursor) */
  after?: number
  limit?: number
}

export interface EventLogEvents {
  event: CustomEvent<MeshEvent>
}

export interface EventLog extends TypedEventEmitter<EventLogEvents> {
  emitEvent<T>(category: MeshEventCategory, type: string, data: T, correlationId?: string): MeshEvent<T>
  history(query?: EventQuery): MeshEvent[]
}

export interface EventLogInit {
  /** events kept for history queries; older ones are dropped first */
  historySize?: number
  now?(): number
}

export function newCorrelationId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

class BoundedEventLog extends TypedEventEmitter<EventLogEvents> implements EventLog {
  private readonly ring: MeshEvent[] = []
  private readonly size: number
  private readonly now: () => number
  private seq = 0

  constructor (init: EventLogInit) {
    super()
    this.size = init.historySize ?? 1000
    this.now = init.now ?? Date.now
  }

  emitEvent<T>(category: MeshEventCategory, type: string, data: T, correlationId?: string): MeshEvent<T> {
    const event: MeshEvent<T> = {
      seq: ++this.seq,
      type,
      category,
      correlationId: correlationId ?? newCorrelationId(),
      timestamp: this.now(),
      data
    }
    this.ring.push(event)
    if (this.ring.length > this.size) { this.ring.splice(0, this.ring.length - this.size) }
    this.safeDispatchEvent('event', { detail: event })
    return event
  }

  history (query: EventQuery = {}): MeshEvent[] {
    const limit = Math.min(query.limit ?? 100, this.size)
    const out: MeshEvent[] = []
    for (const e of this.ring) {
      if (query.after != null && e.seq <= query.after) { continue }
      if (query.type != null && e.type !== query.type) { continue }
      if (query.category != null && e.category !== query.category) { continue }
      if (query.correlationId != null && e.correlationId !== query.correlationId) { continue }
      out.push(e)
      if (out.length >= limit) { break }
    }
    return out
  }
}

export function createEventLog (init: EventLogInit = {}): EventLog {
  return new BoundedEventLog(init)
}
