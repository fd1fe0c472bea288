/**
 * The node view: the dashboard reads and drives the node that served the page, through
 * its HTTP API (`/api/v1/...`) and its WebSocket live feed (`/api/v1/realtime/ws`). With
 * a token (a node not bound to loopback demands one) every request carries
 * `Authorization: Bearer`, and the feed `?access_token=` (browsers cannot set headers on
 * a WebSocket). All JSON goes through api-adapter.ts.
 */
import * as adapt from './api-adapter.ts'
import { SourceError } from './types.ts'
import type { DashboardSource, SourceEvents } from './types.ts'

export const API_PREFIX = '/api/v1'
const LIST_LIMIT = 500
/** pages of event history read at most to find the latest events */
const MAX_EVENT_PAGES = 4
/** the live feed reconnects after a drop, backing off up to this */
const MAX_RECONNECT_MS = 10_000
/** how often an open session is read again (the node's text and presence) */
const SESSION_POLL_MS = 700

export interface ApiSourceInit {
  /** where the API lives: the page's own origin */
  origin: string
  token?: string
  /** test hook and for panels: WebSocket constructor */
  WebSocketImpl?: typeof WebSocket
}

type Listener = (detail: any) => void

export async function connectApiSource (init: ApiSourceInit): Promise<DashboardSource> {
  const { origin, token } = init
  const WS = init.WebSocketImpl ?? globalThis.WebSocket

  async function call (method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token != null) { headers.authorization = `Bearer ${token}` }
    if (body !== undefined) { headers['content-type'] = 'application/json' }
    let res: Response
    try {
      res = await fetch(origin + API_PREFIX + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
    } catch (err) {
      throw new SourceError(`the node does not answer (${err instanceof Error ? err.message : String(err)})`, { status: 0 })
    }
    const text = await res.text()
    let json: unknown
    try { json = text === '' ? undefined : JSON.parse(text) } catch { json = text }
    if (!res.ok) { throw new SourceError(adapt.errorMessage(json, res.status), { status: res.status }) }
    return json
  }

  // also checks the token: /api/v1/health is not public (only /health is)
  const hello = adapt.healthInfo(await call('GET', '/health'))
  let peers = hello.peers

  const listeners: { [K in keyof SourceEvents]: Set<Listener> } = { event: new Set(), notification: new Set(), connection: new Set() }
  const emit = <K extends keyof SourceEvents>(type: K, detail: SourceEvents[K]): void => {
    for (const l of listeners[type]) {
      try { l(detail) } catch { /* one panel failing must not stop the others */ }
    }
  }

  let socket: WebSocket | undefined
  let connected = false
  let stopped = false
  let retryMs = 500
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  const setConnected = (v: boolean): void => {
    if (v === connected) { return }
    connected = v
    emit('connection', v)
  }
  function openFeed (): void {
    const url = new URL(API_PREFIX + '/realtime/ws', origin.replace(/^http/, 'ws'))
    url.searchParams.set('channels', 'events')
    url.searchParams.set('connection_type', 'dashboard')
    if (token != null) { url.searchParams.set('access_token', token) }
    const ws = new WS(url.toString())
    socket = ws
    ws.onopen = () => { retryMs = 500; setConnected(true) }
    ws.onmessage = msg => {
      let m: Record<string, unknown>
      try { m = JSON.parse(String(msg.data)) } catch { return }
      if (m.type === 'event') {
        emit('event', adapt.eventRow(m.data as Record<string, unknown>))
      } else if (m.type === 'notification') {
        emit('notification', adapt.notificationRow(m.data as Record<string, unknown>))
      }
    }
    ws.onclose = () => {
      if (socket !== ws) { return }
      socket = undefined
      setConnected(false)
      if (stopped) { return }
      retryTimer = setTimeout(openFeed, retryMs)
      retryMs = Math.min(MAX_RECONNECT_MS, retryMs * 2)
    }
  }
  openFeed()

  return {
    kind: 'node',
    selfId: hello.peerId,
    label: 'the node serving this page',
    async peerCount () {
      try {
        peers = adapt.healthInfo(await call('GET', '/health')).peers
      } catch { /* keep the last figure; online() says the node is gone */ }
      return peers
    },
    online () { return connected },
    async peers () {
      const [list, health] = await Promise.all([call('GET', `/mesh/peers?limit=${LIST_LIMIT}`), call('GET', '/mesh/health')])
      return adapt.peerRows(list, health)
    },
    async routes () { return adapt.routeRows(await call('GET', `/mesh/routes?limit=${LIST_LIMIT}`)) },
    async topology () { return adapt.topologyView(await call('GET', '/mesh/topology')) },
    async ledgerStats () { return adapt.ledgerStats(await call('GET', '/stats')) },
    async humans (limit) {
      const body = await call('GET', `/humans?limit=${limit}`)
      return { items: adapt.items(body).map(adapt.humanRow), more: adapt.hasMore(body) }
    },
    async registerHuman (input) {
      return adapt.humanRow(await call('POST', '/humans', { id: input.id, ...(input.weeklyFlow != null ? { weekly_flow: input.weeklyFlow } : {}) }) as Record<string, unknown>)
    },
    async distribute () { return adapt.distributionOutcome(await call('POST', '/distribute', {})) },
    async truth (q) {
      const params = new URLSearchParams({ limit: String(q.limit) })
      if (q.channel != null) { params.set('channel', q.channel) }
      return adapt.items(await call('GET', `/truth/messages?${params.toString()}`)).map(adapt.truthRow)
    },
    async automationTasks () {
      const page = await call('GET', '/automation/tasks').catch((err: unknown) => {
        // 503: automation is off on that node
        if (err instanceof SourceError && err.status === 503) { return { items: [] } }
        throw err
      })
      return adapt.automationTasks(page)
    },
    async runTask (name) {
      const run = await call('POST', `/automation/run-task/${encodeURIComponent(name)}`) as { outcome?: string, error?: string | null }
      return { outcome: String(run.outcome ?? 'unknown'), error: run.error ?? undefined }
    },
    async searchKnowledge (q, limit) {
      const params = new URLSearchParams({ q, limit: String(limit) })
      return adapt.knowledgeHits(await call('GET', `/knowledge/search?${params.toString()}`))
    },
    async knowledgeEntries (limit) {
      return adapt.items(await call('GET', `/knowledge?limit=${limit}`)).map(adapt.knowledgeEntry)
    },
    async knowledgeEntry (id) {
      try {
        return adapt.knowledgeEntry(await call('GET', `/knowledge/${encodeURIComponent(id)}`))
      } catch (err) {
        if (err instanceof SourceError && err.status === 404) { return null }
        throw err
      }
    },
    async writeKnowledge (draft) { return adapt.knowledgeEntry(await call('POST', '/knowledge', adapt.knowledgeDraft(draft))) },
    async rateKnowledge (id, score) { return adapt.knowledgeEntry(await call('POST', `/knowledge/${encodeURIComponent(id)}/rating`, { score })) },
    async knowledgeSessions () { return adapt.items(await call('GET', '/knowledge/sessions')).map(adapt.sessionRow) },
    async openSession (id, field) {
      const path = `/knowledge/sessions/${encodeURIComponent(id)}`
      // presence joins the session on the node and says the node is in it
      await call('POST', `${path}/presence`, {})
      let state = adapt.sessionState(await call('GET', path), field)
      const listeners = new Set<() => void>()
      // changes are applied here at once and sent in order; while any is on its way, the
      // node's text lacks it, so polls wait and the last answer brings the merged text
      let inFlight = 0
      let sending: Promise<unknown> = Promise.resolve()
      const update = (next: { text: string, presence: string[] }): void => {
        const changed = next.text !== state.text || next.presence.join() !== state.presence.join()
        state = next
        if (changed) { for (const l of listeners) { l() } }
      }
      let closed = false
      let polling: ReturnType<typeof setTimeout> | undefined
      const poll = (): void => {
        polling = setTimeout(() => {
          call('GET', path).then(body => { if (inFlight === 0) { update(adapt.sessionState(body, field)) } }, () => {}).finally(() => { if (!closed) { poll() } })
        }, SESSION_POLL_MS)
      }
      poll()
      return {
        text: () => state.text,
        presence: () => state.presence,
        async splice (at, remove, insert) {
          state = { ...state, text: state.text.slice(0, at) + insert + state.text.slice(at + remove) }
          inFlight++
          const sent = sending.then(async () => call('POST', `${path}/edit`, { field, at, delete: remove, insert }))
          sending = sent.catch(() => {})
          try {
            const body = await sent
            if (inFlight === 1) { update(adapt.sessionState(body, field)) }
          } finally {
            inFlight--
          }
        },
        // without the document in the page, an anchor is an index plus the text it was taken in
        anchor: index => ({ index, base: state.text }),
        indexOf: anchor => shiftIndex(anchor as { index: number, base: string }, state.text),
        setCursor () {},
        onChange (l) { listeners.add(l); return () => { listeners.delete(l) } },
        close () { closed = true; clearTimeout(polling); listeners.clear() }
      }
    },
    async post (content, opts) {
      return { recipients: adapt.postRecipients(await call('POST', '/truth/messages', { content, ...opts })) }
    },
    async notifications (limit) { return adapt.items(await call('GET', `/notifications?limit=${limit}`)).map(adapt.notificationRow) },
    async recentEvents (limit) {
      // the history is oldest first: walk its pages (bounded) and keep the tail
      let rows: ReturnType<typeof adapt.eventRow>[] = []
      let cursor: string | undefined
      for (let i = 0; i < MAX_EVENT_PAGES; i++) {
        const body = await call('GET', `/events?limit=${LIST_LIMIT}${cursor != null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        rows = [...rows, ...adapt.items(body).map(adapt.eventRow)].slice(-limit)
        cursor = adapt.nextCursor(body)
        if (cursor == null) { break }
      }
      return rows
    },
    on<K extends keyof SourceEvents> (type: K, listener: (detail: SourceEvents[K]) => void): () => void {
      listeners[type].add(listener)
      return () => { listeners[type].delete(listener) }
    },
    async stop () {
      stopped = true
      clearTimeout(retryTimer)
      socket?.close()
      socket = undefined
    }
  }
}

/** where `index` of `base` is in `next`: text changed before it moves it, after it does not */
export function shiftIndex ({ index, base }: { index: number, base: string }, next: string): number {
  let start = 0
  while (start < base.length && start < next.length && base[start] === next[start]) { start++ }
  if (index <= start) { return index }
  let end = 0
  while (end < base.length - start && end < next.length - start && base[base.length - 1 - end] === next[next.length - 1 - end]) { end++ }
  if (index >= base.length - end) { return index + next.length - base.length }
  return Math.min(next.length, start + (next.length - start - end))
}
