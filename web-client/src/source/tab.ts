/** The tab-as-a-node view: the dashboard reads the tab's own mesh node in-process. */
import * as Y from 'yjs'
import { createMeshAutomation } from '../../../protocol/automation/index.ts'
import { isLedgerError } from '../../../protocol/ledger/errors.ts'
import { SourceError } from './types.ts'
import type { AutomationTaskRow, DashboardSource, EventRow, HumanRow, KnowledgeEntryRow, NotificationRow, PeerRow, SourceEvents, TruthRow } from './types.ts'
import type { MeshEvent } from '../../../protocol/events/index.ts'
import type { KnowledgeEntry, KnowledgeType } from '../../../protocol/knowledge/index.ts'
import type { SessionField } from '../../../protocol/knowledge/sessions.ts'
import type { Human } from '../../../protocol/ledger/index.ts'
import type { Notification } from '../../../protocol/notifications/index.ts'
import type { TruthMessage } from '../../../protocol/truth/index.ts'
import type { BrowserNode } from '../node.ts'

/** a tab's typing goes out as one signed update per this many ms */
const SEND_AFTER_MS = 100

/**
 * How a connection runs. A WebRTC connection is named by the signalling (circuit) address
 * on the side that answered it; only limited connections really run through a relay.
 */
export function transportOf (addr: string, limited: boolean): string {
  if (limited) { return 'relayed' }
  if (addr.includes('/webrtc')) { return 'webrtc' }
  if (addr.includes('/p2p-circuit')) { return 'relayed' }
  if (addr.includes('/wss') || addr.includes('/tls/ws')) { return 'wss' }
  if (addr.includes('/ws')) { return 'websocket' }
  if (addr.includes('/tcp')) { return 'tcp' }
  return 'other'
}

export function eventRow (e: MeshEvent): EventRow {
  const data = e.data != null && typeof e.data === 'object' ? e.data as Record<string, unknown> : { value: e.data }
  return {
    seq: e.seq,
    category: e.category,
    type: e.type,
    timestamp: e.timestamp,
    peerId: typeof data.peerId === 'string' ? data.peerId : undefined,
    origin: typeof data.origin === 'string' ? data.origin : undefined,
    data
  }
}

const humanRow = (m: Human): HumanRow => ({ id: m.id, status: m.status, weeklyFlow: m.weeklyFlow, totalReceived: m.totalReceived, lastDistributionWeek: m.lastDistributionWeek })
const truthRow = (m: TruthMessage): TruthRow => ({ id: m.id, content: m.content, source: m.source, priority: m.priority, channels: m.channels, createdAt: m.created_at, author: m.author, spread: m.spread })
const noteRow = (n: Notification): NotificationRow => ({ id: n.id, title: n.title, message: n.message, priority: n.priority, createdAt: n.created_at })

const knowledgeRow = (e: Omit<KnowledgeEntry, 'content'> & { content?: string }): KnowledgeEntryRow => ({
  id: e.id,
  title: e.title,
  content: e.content,
  type: e.type,
  tags: e.tags,
  author: e.author,
  confidence: e.confidence,
  version: e.version,
  retracted: e.retracted,
  createdAt: e.created_at,
  updatedAt: e.updated_at,
  rating: { mean: e.rating.mean, count: e.rating.count }
})

function wrap (err: unknown): SourceError {
  if (isLedgerError(err)) { return new SourceError(err.message, { code: err.code }) }
  return new SourceError(err instanceof Error ? err.message : String(err))
}

export function createTabSource (browser: BrowserNode): DashboardSource {
  const { node } = browser
  const selfId = node.libp2p.peerId.toString()
  // the tab runs the built-in tasks itself, except ledger compaction: the ledger's own
  // timer keeps doing that in the browser
  const automation = createMeshAutomation(node, { minConnections: 1, settings: { 'ledger-compaction': { enabled: false } } })
  const automationStarted = automation.start()
  return {
    kind: 'tab',
    selfId,
    label: 'this tab’s own node',
    async peerCount () { return node.libp2p.getPeers().length },
    online () { return true },
    async peers () {
      const byPeer = new Map<string, string[]>()
      const addrs = new Map<string, string[]>()
      for (const c of node.libp2p.getConnections()) {
        const id = c.remotePeer.toString()
        byPeer.set(id, [...(byPeer.get(id) ?? []), transportOf(c.remoteAddr.toString(), c.limits != null)])
        addrs.set(id, [...(addrs.get(id) ?? []), c.remoteAddr.toString()])
      }
      const infos = new Map(node.routing.peers().map(p => [p.peerId, p]))
      return [...byPeer.entries()].map(([id, links]): PeerRow => {
        const info = infos.get(id)
        const health = node.routing.health(id)
        return {
          peerId: id,
          connected: true,
          links,
          addresses: addrs.get(id) ?? info?.addresses ?? [],
          rttMs: info?.rttMs,
          jitterMs: info?.jitterMs,
          loss: info?.loss,
          health: health?.health,
          healthParts: { ...(health?.components ?? {}) },
          healthReasons: health?.reasons,
          invalidMessages: health?.invalidMessages,
          gossipScore: health?.gossipScore,
          bytesIn: info?.bytesIn,
          bytesOut: info?.bytesOut,
          uptimeMs: info?.uptimeMs
        }
      })
    },
    async routes () {
      return node.routing.routes().map(r => ({ target: r.target, nextHop: r.nextHop, hops: r.hops, latencyMs: r.latencyMs, reliability: r.reliability, path: r.path }))
    },
    async topology () {
      const t = node.routing.topology()
      return {
        self: t.self,
        nodes: t.nodes.map(n => ({ id: n.id, zone: n.zone, reachable: n.reachable })),
        links: t.links.map(l => ({ from: l.from, to: l.to, health: l.health }))
      }
    },
    async ledgerStats () {
      const s = await node.ledger.stats()
      return { remainingWealth: s.remainingWealth, totalDistributed: s.totalDistributed, distributedThisWeek: s.distributedThisWeek, week: s.week, activeHumans: s.activeHumans, totalHumans: s.totalHumans, averagePerHuman: s.averagePerHuman }
    },
    async humans (limit) {
      const page = await node.ledger.listHumans({ limit })
      return { items: page.items.map(humanRow), more: page.nextCursor != null }
    },
    async registerHuman (input) {
      try {
        return humanRow(await node.ledger.registerHuman({ id: input.id, weeklyFlow: input.weeklyFlow }))
      } catch (err) { throw wrap(err) }
    },
    async distribute () {
      try {
        const r = await node.ledger.distributeWeekly()
        return { week: r.week, paid: r.paid, total: r.total, alreadyPaid: r.skipped.alreadyPaid }
      } catch (err) { throw wrap(err) }
    },
    async truth (q) {
      const page = await node.truth.list({ channel: q.channel, limit: q.limit })
      return page.items.map(truthRow)
    },
    async post (content, opts) {
      try {
        const r = await node.truth.post(content, opts)
        return { recipients: r.recipients.length }
      } catch (err) { throw wrap(err) }
    },
    async searchKnowledge (q, limit) {
      const r = await node.knowledge.search({ q, limit })
      return r.items.map(h => ({ entry: knowledgeRow(h.entry), score: h.score, titleHtml: h.title_html, snippetHtml: h.snippet }))
    },
    async knowledgeEntries (limit) {
      return (await node.knowledge.list({ limit })).items.map(knowledgeRow)
    },
    async knowledgeEntry (id) {
      const e = await node.knowledge.get(id).catch(() => null)
      return e == null ? null : knowledgeRow(e)
    },
    async writeKnowledge (draft) {
      try {
        return knowledgeRow(await node.knowledge.add({ title: draft.title, content: draft.content, type: draft.type as KnowledgeType | undefined, tags: draft.tags }))
      } catch (err) { throw wrap(err) }
    },
    async rateKnowledge (id, score) {
      try {
        return knowledgeRow(await node.knowledge.rate(id, score))
      } catch (err) { throw wrap(err) }
    },
    async knowledgeSessions () {
      return node.knowledge.sessions.list().map(v => ({ id: v.id, title: v.title, owner: v.owner, participants: v.participants, closed: v.closed }))
    },
    async openSession (id, field) {
      const sessions = node.knowledge.sessions
      let live
      try { live = await sessions.join(id) } catch (err) { throw wrap(err) }
      // the editor reads and writes the session's Y.Text directly: a change lands in the
      // document at once, the service signs and sends it (typing batched per 100 ms)
      const { doc } = live
      const text = doc.getText(field)
      const listeners = new Set<() => void>()
      const changed = (): void => { for (const l of listeners) { l() } }
      const onText = (evt: Y.YTextEvent): void => { if (!evt.transaction.local) { changed() } }
      const onPresence = (evt: CustomEvent<{ id: string, kind: string }>): void => { if (evt.detail.id === id && evt.detail.kind === 'presence') { changed() } }
      text.observe(onText)
      sessions.addEventListener('change', onPresence)
      let cursorTimer: ReturnType<typeof setTimeout> | undefined
      let cursor: number | null = null
      await sessions.setPresence(id, {})
      return {
        text: () => text.toString(),
        presence: () => sessions.view(id).presence.map(p => p.peer),
        async splice (at, remove, insert) {
          let sent: Promise<void>
          try { sent = sessions.change(id, { field: field as SessionField, at, delete: remove, insert }, { sendAfterMs: SEND_AFTER_MS }) } catch (err) { throw wrap(err) }
          try { await sent } catch (err) { throw wrap(err) }
        },
        // kept with the character before it: text others insert right at the caret goes after it, so the user's own word stays whole
        anchor: index => Y.createRelativePositionFromTypeIndex(text, index, -1),
        indexOf (anchor) {
          const at = Y.createAbsolutePositionFromRelativePosition(anchor as Y.RelativePosition, doc)
          return at == null ? text.length : Math.min(at.index, text.length)
        },
        setCursor (index) {
          // presence is rate-limited by peers: send the latest cursor at most twice a second
          cursor = index
          cursorTimer ??= setTimeout(() => {
            cursorTimer = undefined
            void sessions.setPresence(id, { cursor: cursor == null ? null : { field: field as SessionField, index: cursor } }).catch(() => {})
          }, 500)
        },
        onChange (l) { listeners.add(l); return () => { listeners.delete(l) } },
        close () { clearTimeout(cursorTimer); text.unobserve(onText); sessions.removeEventListener('change', onPresence); listeners.clear() }
      }
    },
    async notifications (limit) {
      return node.notifications.list({ limit }).items.map(noteRow)
    },
    async recentEvents (limit) {
      return node.events.history({ limit: 100_000 }).slice(-limit).map(eventRow)
    },
    on<K extends keyof SourceEvents> (type: K, listener: (detail: SourceEvents[K]) => void): () => void {
      if (type === 'event') {
        const l = (evt: CustomEvent<MeshEvent>): void => { (listener as (d: EventRow) => void)(eventRow(evt.detail)) }
        node.events.addEventListener('event', l)
        return () => { node.events.removeEventListener('event', l) }
      }
      if (type === 'notification') {
        const l = (evt: CustomEvent<Notification>): void => { (listener as (d: NotificationRow) => void)(noteRow(evt.detail)) }
        node.notifications.addEventListener('notification', l)
        return () => { node.notifications.removeEventListener('notification', l) }
      }
      return () => {}
    },
    async automationTasks () {
      await automationStarted
      return automation.engine.tasks().map((t): AutomationTaskRow => ({
        name: t.name,
        description: t.description,
        enabled: t.settings.enabled,
        running: t.running,
        nextRunAt: t.next_run_at,
        lastRunAt: t.last_run_at,
        lastOutcome: t.last_outcome,
        failing: t.failing
      }))
    },
    async runTask (name) {
      const run = await automation.engine.runNow(name)
      return { outcome: run.outcome, error: run.error ?? undefined }
    },
    async stop () {
      await automation.stop()
      await browser.stop()
    }
  }
}
