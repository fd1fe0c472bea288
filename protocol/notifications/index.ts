/**
 * Notifications for the people who run or watch a node (docs/domain.md): typed,
 * prioritised from `low` to `emergency`, either for one recipient (a user
 * id that a dashboard or WebSocket client identifies itself with) or broadcast to all,
 * with an optional expiry after which they disappear from every query and from storage.
 *
 * Notifications are the node's own: they are not gossiped (anyone could spam the mesh
 * with "emergencies"). They come from the API (an owner sending one) and from rules that
 * turn service events (a distribution paid, an urgent truth message, ...) into
 * notifications. They are persisted in the node's database so they survive a restart,
 * and bounded in number (oldest dropped first).
 */
import { TypedEventEmitter } from 'main-event'
import { lowerBound } from '../binary-search.ts'
import { MeshError } from '../errors.ts'
import { openStore, sortableNumber } from '../storage/index.ts'
import type { EventLog, MeshEvent } from '../events/index.ts'
import type { MeshDatabase, MeshStore } from '../storage/index.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export const NOTIFICATION_TYPES = ['resource_distribution', 'truth_update', 'mesh_change', 'system_alert', 'user_action'] as const
export type NotificationType = typeof NOTIFICATION_TYPES[number]

/** in increasing order of urgency */
export const NOTIFICATION_PRIORITIES = ['low', 'medium', 'high', 'critical', 'emergency'] as const
export type NotificationPriority = typeof NOTIFICATION_PRIORITIES[number]

export interface Notification {
  /** sorts by creation time: `<created_at hex><seq hex><random hex>` */
  id: string
  type: NotificationType
  priority: NotificationPriority
  title: string
  message: string
  data: Record<string, unknown>
  /** the user this is for; `null` = broadcast to everyone */
  recipient: string | null
  created_at: number
  /** ms since epoch; `null` = never expires */
  expires_at: number | null
  read: boolean
  dismissed: boolean
  /** the event or request that caused it */
  correlation_id: string | null
}

export interface NotificationInput {
  type: NotificationType
  priority?: NotificationPriority
  title: string
  message?: string
  data?: Record<string, unknown>
  recipient?: string | null
  /** lifetime from now, ms */
  ttlMs?: number
  correlationId?: string
}

export interface NotificationQuery {
  /** only those for this recipient plus broadcasts; absent = all */
  recipient?: string
  type?: NotificationType
  /** at least this urgent */
  minPriority?: NotificationPriority
  unreadOnly?: boolean
  includeDismissed?: boolean
  /** id of the last notification of the previous page (lists run newest first) */
  cursor?: string
  limit?: number
}

export interface NotificationPage {
  items: Notification[]
  next_cursor: string | null
}

export interface NotificationStats {
  total: number
  unread: number
  by_priority: Record<NotificationPriority, number>
  by_type: Record<NotificationType, number>
}

/** turns a service event into a notification, or not */
export type NotificationRule = (event: MeshEvent) => NotificationInput | undefined

export interface NotificationServiceEvents {
  notification: CustomEvent<Notification>
  updated: CustomEvent<Notification>
  removed: CustomEvent<{ id: string, reason: 'expired' | 'evicted' }>
}

export interface NotificationService extends TypedEventEmitter<NotificationServiceEvents> {
  start(): Promise<void>
  stop(): void
  send(input: NotificationInput): Promise<Notification>
  get(id: string): Notification | undefined
  list(query?: NotificationQuery): NotificationPage
  /** undefined when there is no such (unexpired) notification */
  markRead(id: string): Promise<Notification | undefined>
  dismiss(id: string): Promise<Notification | undefined>
  /** removes expired notifications now; returns how many */
  cleanup(): Promise<number>
  stats(recipient?: string): NotificationStats
}

export interface NotificationServiceComponents {
  db: MeshDatabase
  events: EventLog
  logger: ComponentLogger
}

export interface NotificationServiceInit {
  /** notifications kept at most; the oldest are dropped first */
  maxStored?: number
  /** how often expired notifications are purged, ms */
  cleanupIntervalMs?: number
  /** lifetime of notifications made by rules, ms (default 7 days) */
  defaultTtlMs?: number
  /** event → notification rules; default `defaultNotificationRules` */
  rules?: NotificationRule[]
  now?(): number
}

export class NotificationInputError extends MeshError {
  override name = 'NotificationInputError'
  declare readonly field: string
  constructor (field: string, message: string) {
    super('invalid_input', `${field}: ${message}`, { field })
  }
}

export const NOTIFICATION_MAX_TITLE = 200
export const NOTIFICATION_MAX_MESSAGE = 2000
export const NOTIFICATION_MAX_RECIPIENT = 128

export function priorityRank (p: NotificationPriority): number {
  return NOTIFICATION_PRIORITIES.indexOf(p)
}

/**
 * Default rules. Matching is on event categories and loose type names so that services
 * can name their events as they like (`distribution:paid`, `weekly-distribution`, ...).
 */
export const defaultNotificationRules: NotificationRule[] = [
  event => {
    if (event.category !== 'resources' || !/distribut/i.test(event.type)) { return }
    return {
      type: 'resource_distribution',
      priority: 'medium',
      title: 'Resources distributed',
      message: summarize(event.data),
      data: asRecord(event.data),
      correlationId: event.correlationId
    }
  },
  event => {
    if (event.category !== 'truth' || !/message/i.test(event.type)) { return }
    const priority = Number(asRecord(event.data).priority)
    if (!(priority >= 5)) { return }
    return {
      type: 'truth_update',
      priority: 'high',
      title: 'Urgent truth message',
      message: String(asRecord(event.data).content ?? '').slice(0, 280),
      data: asRecord(event.data),
      correlationId: event.correlationId
    }
  },
  event => {
    // a neighbour became unreachable (far routes come and go too often to notify)
    if (event.category !== 'routes' || event.type !== 'route:changed') { return }
    const d = asRecord(event.data)
    const previous = asRecord(d.previous)
    if (d.route != null || previous.hops !== 1) { return }
    return {
      type: 'mesh_change',
      priority: 'low',
      title: 'Neighbour unreachable',
      message: `no route to ${String(d.target)}`,
      data: d,
      correlationId: event.correlationId
    }
  }
]

function asRecord (data: unknown): Record<string, unknown> {
  return data != null && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : { value: data }
}

function summarize (data: unknown): string {
  const d = asRecord(data)
  const parts = ['count', 'amount', 'total', 'week'].filter(k => d[k] != null).map(k => `${k} ${String(d[k])}`)
  return parts.join(', ')
}

function randomHex (bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), b => b.toString(16).padStart(2, '0')).join('')
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

class MeshNotificationService extends TypedEventEmitter<NotificationServiceEvents> implements NotificationService {
  private readonly store: MeshStore
  private readonly events: EventLog
  private readonly log: Logger
  private readonly maxStored: number
  private readonly cleanupIntervalMs: number
  private readonly defaultTtlMs: number
  private readonly rules: NotificationRule[]
  private readonly now: () => number
  /** ids in ascending (creation) order */
  private ids: string[] = []
  private readonly byId = new Map<string, Notification>()
  private seq = 0
  private timer?: ReturnType<typeof setInterval>
  private readonly onEvent = (evt: CustomEvent<MeshEvent>): void => {
    const event = evt.detail
    // never react to our own events: a rule matching them would loop
    if (event.category === 'notifications') { return }
    for (const rule of this.rules) {
      let input: NotificationInput | undefined
      try {
        input = rule(event)
      } catch (err: any) {
        this.log.error('notification rule failed on %s: %s', event.type, err.message)
      }
      if (input == null) { continue }
      this.send({ ttlMs: this.defaultTtlMs, ...input }).catch(err => {
        this.log.error('could not store notification for %s: %s', event.type, err.message)
      })
    }
  }

  constructor (components: NotificationServiceComponents, init: NotificationServiceInit) {
    super()
    this.store = openStore(components.db, 'notifications')
    this.events = components.events
    this.log = components.logger.forComponent('liberation:notifications')
    this.maxStored = init.maxStored ?? 1000
    this.cleanupIntervalMs = init.cleanupIntervalMs ?? 60_000
    this.defaultTtlMs = init.defaultTtlMs ?? 7 * 24 * 3600_000
    this.rules = init.rules ?? defaultNotificationRules
    this.now = init.now ?? Date.now
  }

  async start (): Promise<void> {
    this.ids = []
    this.byId.clear()
    for await (const [key, value] of this.store.iterator()) {
      try {
        const n = JSON.parse(decoder.decode(value)) as Notification
        if (n.id !== key) { continue }
        this.byId.set(key, n)
        this.ids.push(key)
      } catch {
        this.log.error('dropping unreadable stored notification %s', key)
        await this.store.del(key)
      }
    }
    await this.cleanup()
    await this.evict()
    this.events.addEventListener('event', this.onEvent)
    this.timer = setInterval(() => {
      this.cleanup().catch(err => { this.log.error('cleanup failed: %s', err.message) })
    }, this.cleanupIntervalMs)
    ;(this.timer as { unref?(): void }).unref?.()
  }

  stop (): void {
    this.events.removeEventListener('event', this.onEvent)
    if (this.timer != null) { clearInterval(this.timer) }
    this.timer = undefined
  }

  async send (input: NotificationInput): Promise<Notification> {
    const n = this.validate(input)
    await this.store.put(n.id, encoder.encode(JSON.stringify(n)))
    this.byId.set(n.id, n)
    // ids sort by creation time; insert in order even if the clock stepped back
    this.ids.splice(lowerBound(this.ids, n.id), 0, n.id)
    await this.evict()
    this.safeDispatchEvent('notification', { detail: n })
    this.events.emitEvent('notifications', 'notification:created', n, n.correlation_id ?? undefined)
    return n
  }

  get (id: string): Notification | undefined {
    const n = this.byId.get(id)
    if (n == null || this.expired(n)) { return undefined }
    return n
  }

  list (query: NotificationQuery = {}): NotificationPage {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 500))
    const minRank = query.minPriority != null ? priorityRank(query.minPriority) : 0
    const items: Notification[] = []
    // newest first: walk the ascending id list backwards, starting below the cursor
    let i = this.ids.length - 1
    if (query.cursor != null) { i = lowerBound(this.ids, query.cursor) - 1 }
    let next: string | null = null
    for (; i >= 0; i--) {
      const n = this.byId.get(this.ids[i])
      if (n == null || this.expired(n)) { continue }
      if (query.recipient != null && n.recipient != null && n.recipient !== query.recipient) { continue }
      if (query.type != null && n.type !== query.type) { continue }
      if (priorityRank(n.priority) < minRank) { continue }
      if (query.unreadOnly === true && n.read) { continue }
      if (query.includeDismissed !== true && n.dismissed) { continue }
      if (items.length === limit) {
        next = items[items.length - 1].id
        break
      }
      items.push(n)
    }
    return { items, next_cursor: next }
  }

  async markRead (id: string): Promise<Notification | undefined> {
    return this.update(id, n => { n.read = true })
  }

  async dismiss (id: string): Promise<Notification | undefined> {
    return this.update(id, n => { n.dismissed = true; n.read = true })
  }

  async cleanup (): Promise<number> {
    const expired = this.ids.filter(id => {
      const n = this.byId.get(id)
      return n == null || this.expired(n)
    })
    if (expired.length === 0) { return 0 }
    await this.store.batch(expired.map(key => ({ type: 'del' as const, key })))
    const gone = new Set(expired)
    this.ids = this.ids.filter(id => !gone.has(id))
    for (const id of expired) {
      this.byId.delete(id)
      this.safeDispatchEvent('removed', { detail: { id, reason: 'expired' } })
    }
    return expired.length
  }

  stats (recipient?: string): NotificationStats {
    const stats: NotificationStats = {
      total: 0,
      unread: 0,
      by_priority: Object.fromEntries(NOTIFICATION_PRIORITIES.map(p => [p, 0])) as Record<NotificationPriority, number>,
      by_type: Object.fromEntries(NOTIFICATION_TYPES.map(t => [t, 0])) as Record<NotificationType, number>
    }
    for (const n of this.byId.values()) {
      if (this.expired(n) || n.dismissed) { continue }
      if (recipient != null && n.recipient != null && n.recipient !== recipient) { continue }
      stats.total++
      if (!n.read) { stats.unread++ }
      stats.by_priority[n.priority]++
      stats.by_type[n.type]++
    }
    return stats
  }

  private async update (id: string, change: (n: Notification) => void): Promise<Notification | undefined> {
    const current = this.get(id)
    if (current == null) { return undefined }
    const n = { ...current }
    change(n)
    await this.store.put(id, encoder.encode(JSON.stringify(n)))
    this.byId.set(id, n)
    this.safeDispatchEvent('updated', { detail: n })
    this.events.emitEvent('notifications', 'notification:updated', { id, read: n.read, dismissed: n.dismissed, recipient: n.recipient })
    return n
  }

  private async evict (): Promise<void> {
    const excess = this.ids.length - this.maxStored
    if (excess <= 0) { return }
    const dropped = this.ids.slice(0, excess)
    await this.store.batch(dropped.map(key => ({ type: 'del' as const, key })))
    this.ids = this.ids.slice(excess)
    for (const id of dropped) {
      this.byId.delete(id)
      this.safeDispatchEvent('removed', { detail: { id, reason: 'evicted' } })
    }
  }

  private expired (n: Notification): boolean {
    return n.expires_at != null && n.expires_at <= this.now()
  }

  private validate (input: NotificationInput): Notification {
    if (!(NOTIFICATION_TYPES as readonly string[]).includes(input.type)) {
      throw new NotificationInputError('type', `must be one of ${NOTIFICATION_TYPES.join(', ')}`)
    }
    const priority = input.priority ?? 'medium'
    if (!(NOTIFICATION_PRIORITIES as readonly string[]).includes(priority)) {
      throw new NotificationInputError('priority', `must be one of ${NOTIFICATION_PRIORITIES.join(', ')}`)
    }
    if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > NOTIFICATION_MAX_TITLE) {
      throw new NotificationInputError('title', `must be a non-empty string of at most ${NOTIFICATION_MAX_TITLE} characters`)
    }
    const message = input.message ?? ''
    if (typeof message !== 'string' || message.length > NOTIFICATION_MAX_MESSAGE) {
      throw new NotificationInputError('message', `must be a string of at most ${NOTIFICATION_MAX_MESSAGE} characters`)
    }
    const recipient = input.recipient ?? null
    if (recipient != null && (typeof recipient !== 'string' || recipient === '' || recipient.length > NOTIFICATION_MAX_RECIPIENT)) {
      throw new NotificationInputError('recipient', `must be a non-empty string of at most ${NOTIFICATION_MAX_RECIPIENT} characters`)
    }
    if (input.ttlMs != null && (!Number.isSafeInteger(input.ttlMs) || input.ttlMs <= 0)) {
      throw new NotificationInputError('ttl', 'must be a positive integer')
    }
    const now = this.now()
    const seq = this.seq = (this.seq + 1) % 0x10000
    return {
      id: `${sortableNumber(now)}${seq.toString(16).padStart(4, '0')}${randomHex(4)}`,
      type: input.type,
      priority,
      title: input.title,
      message,
      data: input.data ?? {},
      recipient,
      created_at: now,
      expires_at: input.ttlMs != null ? now + input.ttlMs : null,
      read: false,
      dismissed: false,
      correlation_id: input.correlationId ?? null
    }
  }
}

export function createNotificationService (components: NotificationServiceComponents, init: NotificationServiceInit = {}): NotificationService {
  return new MeshNotificationService(components, init)
}
