/**
 * The direct-message inbox: the routed messages this node received, the most recent ones,
 * bounded in count and in characters held, kept in a store so they survive a restart.
 * Each arrival is also an event ('mesh' `message`, its payload cut to 4096 characters so a
 * few large messages cannot crowd the bounded event history).
 */
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { sortableNumber } from '../storage/index.ts'
import type { RoutedMessage } from './routing.ts'
import type { EventLog } from '../events/index.ts'
import type { MeshStore } from '../storage/index.ts'
import type { TypedEventTarget } from 'main-event'

export interface InboxMessage {
  /** monotonic per node, across restarts */
  seq: number
  /** the message id (hex) */
  id: string
  from: string
  /** the payload as UTF-8 text, or base64 when it is not valid UTF-8 */
  payload: string
  encoding: 'utf8' | 'base64'
  path: string[]
  hops: number
  sentAt: number
  receivedAt: number
}

export interface InboxInit {
  /** messages kept at most (default 1000) */
  size?: number
  /** payload characters kept at most, over all messages (default 8 MiB); the newest message is always kept */
  maxChars?: number
}

export interface InboxComponents {
  /** where `message` events of received routed messages come from */
  routing: TypedEventTarget<{ message: CustomEvent<RoutedMessage> }>
  events: EventLog
  /** where the inbox is kept across restarts (none: memory only) */
  store?: MeshStore
}

export interface InboxQuery {
  from?: string
  /** only messages with seq greater than this (cursor) */
  after?: number
  limit?: number
}

export interface Inbox {
  start(): Promise<void>
  stop(): Promise<void>
  /** oldest first; `more` says whether messages past `limit` match */
  list(query?: InboxQuery): { items: InboxMessage[], more: boolean }
  readonly size: number
}

export const EVENT_PAYLOAD_CHARS = 4096

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function decodeStored (bytes: Uint8Array): InboxMessage | undefined {
  try {
    const m = JSON.parse(new TextDecoder().decode(bytes))
    if (typeof m?.seq !== 'number' || typeof m.payload !== 'string' || typeof m.from !== 'string') { return undefined }
    return m as InboxMessage
  } catch {
    return undefined
  }
}

export function createInbox (components: InboxComponents, init: InboxInit = {}): Inbox {
  const { routing, events, store } = components
  const size = Math.max(1, init.size ?? 1000)
  const maxChars = init.maxChars ?? 8 * 1024 * 1024
  let items: InboxMessage[] = []
  let seq = 0
  let chars = 0
  let running = false
  let writing: Promise<void> = Promise.resolve()

  /** drops the oldest past the bounds; returns what was dropped */
  const trim = (): InboxMessage[] => {
    const dropped: InboxMessage[] = []
    while (items.length > size || (chars > maxChars && items.length > 1)) {
      const old = items.shift() as InboxMessage
      chars -= old.payload.length
      dropped.push(old)
    }
    return dropped
  }

  const persist = (added: InboxMessage, dropped: InboxMessage[]): void => {
    if (store == null) { return }
    writing = writing.then(async () => {
      if (store.status !== 'open') { return }
      await store.batch([
        ...dropped.map(m => ({ type: 'del' as const, key: sortableNumber(m.seq) })),
        { type: 'put' as const, key: sortableNumber(added.seq), value: new TextEncoder().encode(JSON.stringify(added)) }
      ])
    }).catch(() => {
      // a failed write loses the message from the stored inbox only
    })
  }

  const onMessage = (evt: CustomEvent<RoutedMessage>): void => {
    const m = evt.detail
    let payload: string
    let encoding: 'utf8' | 'base64' = 'utf8'
    try {
      payload = strictUtf8.decode(m.payload)
    } catch {
      payload = uint8ArrayToString(m.payload, 'base64pad')
      encoding = 'base64'
    }
    const item: InboxMessage = { seq: ++seq, id: m.id, from: m.from, payload, encoding, path: m.path, hops: m.hops, sentAt: m.sentAt, receivedAt: m.receivedAt }
    items.push(item)
    chars += payload.length
    persist(item, trim())
    events.emitEvent('mesh', 'message', payload.length <= EVENT_PAYLOAD_CHARS
      ? item
      : { ...item, payload: payload.slice(0, EVENT_PAYLOAD_CHARS), truncated: true })
  }

  return {
    get size () { return items.length },
    async start () {
      if (running) { return }
      running = true
      if (store != null) {
        const stored: InboxMessage[] = []
        for await (const [, value] of store.iterator({ reverse: true, limit: size })) {
          const m = decodeStored(value)
          if (m != null) { stored.push(m) }
        }
        stored.reverse()
        items = stored
        chars = items.reduce((n, m) => n + m.payload.length, 0)
        seq = Math.max(seq, items[items.length - 1]?.seq ?? 0)
        // bounds may have been lowered since: the stored copy follows
        const dropped = trim()
        if (dropped.length > 0) { await store.batch(dropped.map(m => ({ type: 'del' as const, key: sortableNumber(m.seq) }))) }
        if (items.length > 0) { await store.clear({ lt: sortableNumber(items[0].seq) }) }
      }
      routing.addEventListener('message', onMessage)
    },
    async stop () {
      if (!running) { return }
      running = false
      routing.removeEventListener('message', onMessage)
      await writing
    },
    list (query = {}) {
      const after = query.after ?? 0
      const limit = Math.max(1, query.limit ?? 100)
      const out: InboxMessage[] = []
      let more = false
      for (const m of items) {
        if (m.seq <= after || (query.from != null && m.from !== query.from)) { continue }
        if (out.length >= limit) {
          more = true
          break
        }
        out.push(m)
      }
      return { items: out, more }
    }
  }
}
