/**
 * The one place where the node view reads the API's JSON: every field the dashboard uses
 * is mapped here into the dashboard's shapes (types.ts). Field names are read in
 * snake_case first, with the camelCase spelling as a fallback, so a renamed field needs
 * one change here and no panel knows the wire names.
 */
import type { AutomationTaskRow, EventRow, HumanRow, KnowledgeDraftInput, KnowledgeEntryRow, KnowledgeHitRow, SessionRow, LedgerStatsView, NotificationRow, PeerRow, RouteRow, TopologyView, TruthRow } from './types.ts'

type Json = Record<string, unknown>

const obj = (v: unknown): Json => v != null && typeof v === 'object' && !Array.isArray(v) ? v as Json : {}
const camel = (snake: string): string => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
/** the field by its snake_case name, else its camelCase one */
export function field (o: Json, snake: string): unknown {
  return o[snake] !== undefined ? o[snake] : o[camel(snake)]
}
const str = (o: Json, name: string, fallback = ''): string => {
  const v = field(o, name)
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback
}
const num = (o: Json, name: string): number | undefined => {
  const v = field(o, name)
  if (typeof v === 'number' && Number.isFinite(v)) { return v }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) { return Number(v) }
  return undefined
}
/** a time as epoch ms, whether sent as a number or an ISO string */
const time = (o: Json, name: string): number => {
  const v = field(o, name)
  if (typeof v === 'number') { return v }
  if (typeof v === 'string') { const t = Date.parse(v); if (Number.isFinite(t)) { return t } }
  return 0
}
const strings = (v: unknown): string[] => Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []
/** a list page: `{ items }` (or a bare array) */
export function items (body: unknown): Json[] {
  const list = Array.isArray(body) ? body : obj(body).items
  return Array.isArray(list) ? list.map(obj) : []
}
export function nextCursor (body: unknown): string | undefined {
  const next = field(obj(body), 'next_cursor')
  return typeof next === 'string' && next !== '' ? next : undefined
}
export function hasMore (body: unknown): boolean {
  return nextCursor(body) != null
}

/** how a connection runs, from its remote address (see also source/tab.ts transportOf) */
function transport (addr: string, limited: boolean): string {
  if (limited) { return 'relayed' }
  if (addr.includes('/webrtc')) { return 'webrtc' }
  if (addr.includes('/p2p-circuit')) { return 'relayed' }
  if (addr.includes('/wss') || addr.includes('/tls/ws')) { return 'wss' }
  if (addr.includes('/ws')) { return 'websocket' }
  if (addr.includes('/tcp')) { return 'tcp' }
  return 'other'
}

/** GET /mesh/peers items joined with GET /mesh/health items (by peer id) */
export function peerRows (peersBody: unknown, healthBody: unknown): PeerRow[] {
  const health = new Map(items(healthBody).map(h => [str(h, 'peer_id'), h]))
  return items(peersBody).map(p => {
    const id = str(p, 'peer_id')
    const link = obj(field(p, 'link'))
    const h = health.get(id) ?? {}
    const conns = Array.isArray(field(p, 'connections')) ? (field(p, 'connections') as unknown[]).map(obj) : []
    const connAddrs = conns.map(c => str(c, 'remote_addr')).filter(a => a !== '')
    const parts = obj(field(h, 'components'))
    return {
      peerId: id,
      connected: str(p, 'status') === 'connected' || conns.length > 0,
      links: conns.map(c => transport(str(c, 'remote_addr'), field(c, 'limited') === true)),
      addresses: [...new Set([...connAddrs, ...strings(field(p, 'addresses'))])],
      rttMs: num(link, 'rtt_ms') ?? num(h, 'rtt_ms'),
      jitterMs: num(link, 'jitter_ms') ?? num(h, 'jitter_ms'),
      loss: num(link, 'loss') ?? num(h, 'loss'),
      health: num(h, 'health') ?? num(link, 'health'),
      healthParts: Object.fromEntries(Object.entries(parts).filter((e): e is [string, number] => typeof e[1] === 'number')),
      healthReasons: Array.isArray(field(h, 'reasons')) ? strings(field(h, 'reasons')) : Array.isArray(field(link, 'health_reasons')) ? strings(field(link, 'health_reasons')) : undefined,
      invalidMessages: num(h, 'invalid_messages') ?? num(link, 'invalid_messages'),
      gossipScore: num(p, 'gossip_score') ?? num(h, 'gossip_score'),
      bytesIn: num(link, 'bytes_in'),
      bytesOut: num(link, 'bytes_out'),
      uptimeMs: num(link, 'uptime_ms') ?? num(h, 'uptime_ms')
    }
  })
}

export function routeRows (body: unknown): RouteRow[] {
  return items(body).map(r => ({
    target: str(r, 'target'),
    nextHop: str(r, 'next_hop'),
    hops: num(r, 'hop_count') ?? num(r, 'hops') ?? 0,
    latencyMs: num(r, 'total_latency_ms') ?? num(r, 'latency_ms'),
    reliability: num(r, 'reliability') ?? 0,
    path: strings(field(r, 'path'))
  }))
}

const ZONES = new Set(['self', 'neighbour', 'near', 'far'])

export function topologyView (body: unknown): TopologyView {
  const t = obj(body)
  const nodes = Array.isArray(t.nodes) ? t.nodes.map(obj) : []
  const links = Array.isArray(t.links) ? t.links.map(obj) : []
  return {
    self: str(t, 'self'),
    nodes: nodes.map(n => {
      const zone = str(n, 'zone')
      return { id: str(n, 'peer_id') || str(n, 'id'), zone: (ZONES.has(zone) ? zone : 'far') as TopologyView['nodes'][number]['zone'], reachable: field(n, 'reachable') !== false }
    }),
    links: links.map(l => ({ from: str(l, 'from'), to: str(l, 'to'), health: num(l, 'health') }))
  }
}

/** GET /api/v1/stats */
export function ledgerStats (body: unknown): LedgerStatsView {
  const s = obj(body)
  return {
    remainingWealth: str(s, 'remaining_wealth', '–'),
    totalDistributed: str(s, 'total_distributed', '–'),
    distributedThisWeek: str(s, 'distributed_this_week', '–'),
    week: str(s, 'week'),
    activeHumans: num(s, 'active_humans') ?? 0,
    totalHumans: num(s, 'total_humans') ?? 0,
    averagePerHuman: str(s, 'average_per_human', '–')
  }
}

export function humanRow (h: Json): HumanRow {
  const week = field(h, 'last_distribution_week')
  return {
    id: str(h, 'id'),
    status: str(h, 'status'),
    weeklyFlow: str(h, 'weekly_flow'),
    totalReceived: str(h, 'total_received'),
    lastDistributionWeek: typeof week === 'string' ? week : null
  }
}

export function truthRow (m: Json): TruthRow {
  return {
    id: str(m, 'id'),
    content: str(m, 'content'),
    source: str(m, 'source'),
    priority: num(m, 'priority') ?? 3,
    channels: strings(field(m, 'channels')),
    createdAt: time(m, 'created_at'),
    author: str(m, 'author'),
    spread: num(m, 'spread') ?? 0
  }
}

export function notificationRow (n: Json): NotificationRow {
  return { id: str(n, 'id'), title: str(n, 'title'), message: str(n, 'message'), priority: str(n, 'priority', 'medium'), createdAt: time(n, 'created_at') }
}

/** an event of GET /events or of the live feed's `event` messages */
export function eventRow (e: Json): EventRow {
  const data = obj(field(e, 'data'))
  const peer = field(data, 'peer_id')
  const origin = field(data, 'origin')
  return {
    seq: num(e, 'seq') ?? 0,
    category: str(e, 'category'),
    type: str(e, 'type'),
    timestamp: time(e, 'timestamp'),
    peerId: typeof peer === 'string' ? peer : undefined,
    origin: typeof origin === 'string' ? origin : undefined,
    data
  }
}

/** POST /distribute */
export function distributionOutcome (body: unknown): { week: string, paid: number, total: string, alreadyPaid: number } {
  const r = obj(body)
  return { week: str(r, 'week'), paid: num(r, 'paid') ?? 0, total: str(r, 'total', '0.00'), alreadyPaid: num(obj(field(r, 'skipped')), 'already_paid') ?? 0 }
}

/** POST /truth/messages: how many peers it was sent to */
export function postRecipients (body: unknown): number {
  const r = field(obj(body), 'recipients')
  return Array.isArray(r) ? r.length : typeof r === 'number' ? r : 0
}

/** GET /api/v1/health */
export function healthInfo (body: unknown): { peerId: string, peers: number } {
  const b = obj(body)
  return { peerId: str(b, 'peer_id'), peers: num(b, 'peers') ?? 0 }
}

/** the message of an error answer (`{ message }`, or `{ error: { message } }`) */
export function errorMessage (body: unknown, status: number): string {
  const b = obj(body)
  const nested = obj(b.error)
  const msg = typeof b.message === 'string' ? b.message : typeof nested.message === 'string' ? nested.message : undefined
  return msg ?? (typeof b.error === 'string' ? b.error : `HTTP ${status}`)
}

/** `GET /automation/tasks`: times are ISO strings or epoch ms */
export function automationTasks (page: unknown): AutomationTaskRow[] {
  const items = (page as { items?: unknown[] } | undefined)?.items ?? []
  const time = (v: unknown): number | null => {
    if (v == null) { return null }
    const ms = typeof v === 'number' ? v : Date.parse(String(v))
    return Number.isFinite(ms) ? ms : null
  }
  return items.map(raw => {
    const t = raw as Record<string, any>
    return {
      name: String(t.name),
      description: String(t.description ?? ''),
      enabled: t.settings?.enabled !== false,
      running: t.running === true,
      nextRunAt: time(t.next_run_at),
      lastRunAt: time(t.last_run_at),
      lastOutcome: t.last_outcome ?? null,
      failing: t.failing === true
    }
  })
}

/** a knowledge entry of `/knowledge...` (a summary has no `content`) */
export function knowledgeEntry (raw: unknown): KnowledgeEntryRow {
  const o = obj(raw)
  const rating = obj(o.rating)
  const mean = num(rating, 'mean')
  const content = field(o, 'content')
  return {
    id: str(o, 'id'),
    title: str(o, 'title'),
    content: typeof content === 'string' ? content : undefined,
    type: str(o, 'type'),
    tags: strings(o.tags),
    author: str(o, 'author'),
    confidence: num(o, 'confidence') ?? 0.5,
    version: num(o, 'version') ?? 1,
    retracted: field(o, 'retracted') === true,
    createdAt: time(o, 'created_at'),
    updatedAt: time(o, 'updated_at'),
    rating: { mean: mean ?? null, count: num(rating, 'count') ?? 0 }
  }
}

/** `GET /knowledge/search` */
export function knowledgeHits (body: unknown): KnowledgeHitRow[] {
  return items(body).map(h => ({
    entry: knowledgeEntry(h.entry),
    score: num(h, 'score') ?? 0,
    titleHtml: str(h, 'title_html'),
    snippetHtml: str(h, 'snippet')
  }))
}

/** the body of `POST /knowledge` */
export function knowledgeDraft (d: KnowledgeDraftInput): Json {
  return { title: d.title, content: d.content, ...(d.type != null ? { type: d.type } : {}), ...(d.tags != null && d.tags.length > 0 ? { tags: d.tags } : {}) }
}

/** a session of `GET /knowledge/sessions` */
export function sessionRow (raw: unknown): SessionRow {
  const o = obj(raw)
  return { id: str(o, 'id'), title: str(o, 'title'), owner: str(o, 'owner'), participants: strings(o.participants), closed: field(o, 'closed') === true }
}

/** `GET /knowledge/sessions/{id}`: one field's text and the peers present */
export function sessionState (raw: unknown, name: string): { text: string, presence: string[] } {
  const o = obj(raw)
  const fields = obj(o.fields)
  const presence = Array.isArray(o.presence) ? o.presence.map(p => str(obj(p), 'peer')).filter(p => p !== '') : []
  return { text: typeof fields[name] === 'string' ? fields[name] : '', presence }
}
