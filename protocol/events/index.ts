/**
 * The node's event log: typed events from every service, each with a correlation id, in a
 * bounded history that the API can search and the WebSocket feed streams. Given a store,
 * the history is kept there too (the last `historySize` events, written behind in batches)
 * and read back by `open()`, so it survives a restart. An event whose stored form would
 * pass `maxStoredBytes` is stored without its data (its seq, type and time stay), and a
 * stored entry that does not read back as an event is skipped: one peer's large message
 * cannot fill the store, nor a damaged entry stop the node from starting.
 */
import { TypedEventEmitter } from 'main-event'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { sortableNumber } from '../storage/index.ts'
import type { MeshStore } from '../storage/index.ts'

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
  /** seq of the last event read back from the store (0: none); later ones happened in this run */
  readonly restoredUpTo: number
  /** reads the stored history back (before the services start); events emitted before it follow the stored ones */
  open(): Promise<void>
  /** writes what is pending; the store may be closed after */
  close(): Promise<void>
}

export interface EventLogInit {
  /** events kept for history queries, in memory and in the store; older ones are dropped first */
  historySize?: number
  /** bytes of one stored event at most; a larger one is stored with `data: { truncated: true, bytes }` (default 64 KiB) */
  maxStoredBytes?: number
  /**
   * keep the history in the node's store (default true); false keeps it in memory only,
   * for nodes whose history nobody reads back (simulated ones)
   */
  persist?: boolean
  now?(): number
}

export const DEFAULT_EVENT_HISTORY_SIZE = 1000
export const DEFAULT_MAX_STORED_EVENT_BYTES = 64 * 1024

export interface EventLogComponents {
  /** where the history is kept across restarts (none: memory only) */
  store?: MeshStore
}

/** event data as stored: JSON, with bytes as hex and big integers as decimal strings */
function encodeEvent (e: MeshEvent, maxBytes: number): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(e, (_key, value) => {
    if (typeof value === 'bigint') { return value.toString() }
    if (value instanceof Uint8Array) { return uint8ArrayToString(value, 'base16') }
    return value
  }))
  if (bytes.byteLength <= maxBytes) { return bytes }
  return new TextEncoder().encode(JSON.stringify({ ...e, data: { truncated: true, bytes: bytes.byteLength } }))
}

function decodeEvent (bytes: Uint8Array): MeshEvent | undefined {
  try {
    const e = JSON.parse(new TextDecoder().decode(bytes))
    if (!Number.isSafeInteger(e?.seq) || e.seq < 1 || typeof e.type !== 'string' || typeof e.category !== 'string' ||
      typeof e.timestamp !== 'number' || typeof e.correlationId !== 'string') { return undefined }
    return e as MeshEvent
  } catch {
    return undefined
  }
}

export function newCorrelationId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

class BoundedEventLog extends TypedEventEmitter<EventLogEvents> implements EventLog {
  private ring: MeshEvent[] = []
  private readonly size: number
  private readonly maxStoredBytes: number
  private readonly now: () => number
  private readonly store?: MeshStore
  private seq = 0
  restoredUpTo = 0
  /** events not yet written (held back until open() has read the stored ones) */
  private pending: MeshEvent[] = []
  private opened = false
  private writing: Promise<void> = Promise.resolve()
  private flushQueued = false

  constructor (components: EventLogComponents, init: EventLogInit) {
    super()
    this.size = Math.max(1, init.historySize ?? DEFAULT_EVENT_HISTORY_SIZE)
    this.maxStoredBytes = Math.max(256, init.maxStoredBytes ?? DEFAULT_MAX_STORED_EVENT_BYTES)
    this.now = init.now ?? Date.now
    this.store = init.persist === false ? undefined : components.store
  }

  async open (): Promise<void> {
    if (this.opened) { return }
    const store = this.store
    if (store == null) {
      this.opened = true
      return
    }
    const stored: MeshEvent[] = []
    for await (const [, value] of store.iterator({ reverse: true, limit: this.size })) {
      const e = decodeEvent(value)
      if (e != null) { stored.push(e) }
    }
    stored.reverse()
    // events emitted while the store was read come after the stored ones
    const base = stored.length > 0 ? stored[stored.length - 1].seq : 0
    this.restoredUpTo = base
    for (const e of this.ring) { e.seq += base }
    this.seq += base
    this.ring = [...stored, ...this.ring].slice(-this.size)
    this.opened = true
    this.scheduleFlush()
  }

  async close (): Promise<void> {
    this.flushQueued = false
    await this.flush()
  }

  private scheduleFlush (): void {
    if (this.store == null || !this.opened || this.flushQueued || this.pending.length === 0) { return }
    this.flushQueued = true
    // one batch for the events of one turn of the event loop
    setTimeout(() => {
      if (!this.flushQueued) { return }
      this.flushQueued = false
      void this.flush()
    }, 0)
  }

  private async flush (): Promise<void> {
    const store = this.store
    if (store == null || !this.opened) { return }
    const batch = this.pending.splice(0)
    const write = this.writing.then(async () => {
      if (batch.length === 0 || store.status !== 'open') { return }
      const last = batch[batch.length - 1].seq
      await store.batch(batch.slice(-this.size).map(e => ({ type: 'put' as const, key: sortableNumber(e.seq), value: encodeEvent(e, this.maxStoredBytes) })))
      // bounded: only the last `size` events stay
      if (last > this.size) { await store.clear({ lt: sortableNumber(last - this.size + 1) }) }
    }).catch(() => {
      // a failed write loses those events from the stored history only
    })
    this.writing = write
    await write
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
    if (this.store != null) {
      this.pending.push(event)
      if (this.pending.length > this.size) { this.pending.splice(0, this.pending.length - this.size) }
      this.scheduleFlush()
    }
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

export function createEventLog (components: EventLogComponents = {}, init: EventLogInit = {}): EventLog {
  return new BoundedEventLog(components, init)
}
