/**
 * What the dashboard shows, whichever node it looks at: the tab's own node (in-process,
 * `tab.ts`) or the node that served the page (its HTTP API and live feed, `api.ts`).
 * Panels read and act only through a `DashboardSource`, in these shapes.
 */

export type ViewKind = 'tab' | 'node'

export interface PeerRow {
  peerId: string
  connected: boolean
  /** how each open connection runs: webrtc, websocket, tcp, relayed, ... */
  links: string[]
  /** multiaddrs of the open connections, else the known ones */
  addresses: string[]
  rttMs?: number
  jitterMs?: number
  /** probe loss 0..1 */
  loss?: number
  /** 0..1 */
  health?: number
  /** the parts the health score is made of (0..1 each): the reasons for it */
  healthParts: Record<string, number>
  /** why the score is what it is, in words with figures, worst first (empty: all good) */
  healthReasons?: string[]
  invalidMessages?: number
  gossipScore?: number
  bytesIn?: number
  bytesOut?: number
  uptimeMs?: number
}

export interface RouteRow {
  target: string
  nextHop: string
  hops: number
  latencyMs?: number
  reliability: number
  path: string[]
}

export interface TopologyNodeRow {
  id: string
  zone: 'self' | 'neighbour' | 'near' | 'far'
  reachable: boolean
}

export interface TopologyLinkRow {
  from: string
  to: string
  health?: number
}

export interface TopologyView {
  self: string
  nodes: TopologyNodeRow[]
  links: TopologyLinkRow[]
}

export interface LedgerStatsView {
  remainingWealth: string
  totalDistributed: string
  distributedThisWeek: string
  week: string
  activeHumans: number
  totalHumans: number
  averagePerHuman: string
}

export interface HumanRow {
  id: string
  status: string
  weeklyFlow: string
  totalReceived: string
  lastDistributionWeek: string | null
}

export interface TruthRow {
  id: string
  content: string
  source: string
  priority: number
  channels: string[]
  createdAt: number
  author: string
  spread: number
}

export interface NotificationRow {
  id: string
  title: string
  message: string
  priority: string
  createdAt: number
}

export interface EventRow {
  seq: number
  category: string
  type: string
  timestamp: number
  /** the peer the event is about, when it names one */
  peerId?: string
  /** truth messages: where it came from ('local' = posted by this node) */
  origin?: string
  /** the event's own data, for events a panel takes apart itself (truth messages) */
  data: Record<string, unknown>
}

export interface DistributionOutcome {
  week: string
  paid: number
  total: string
  alreadyPaid: number
}

export interface PostOptions {
  channels?: string[]
  priority?: number
  source?: string
}

export interface SourceEvents {
  /** any event of the node (peers, truth, ledger, routes, notifications) */
  event: EventRow
  notification: NotificationRow
  /** the live connection to the node came or went (always true for the tab) */
  connection: boolean
}

/** a scheduled task of the node's automation engine */
export interface AutomationTaskRow {
  name: string
  description: string
  enabled: boolean
  running: boolean
  /** epoch ms; null when disabled or not scheduled */
  nextRunAt: number | null
  lastRunAt: number | null
  lastOutcome: string | null
  failing: boolean
}

/** a knowledge entry (its current version); `content` is Markdown, absent in search hits */
export interface KnowledgeEntryRow {
  id: string
  title: string
  content?: string
  type: string
  tags: string[]
  author: string
  confidence: number
  version: number
  retracted: boolean
  createdAt: number
  updatedAt: number
  rating: { mean: number | null, count: number }
}

/** a search hit: `titleHtml` and `snippetHtml` are escaped text with `<mark>` around matches */
export interface KnowledgeHitRow {
  entry: KnowledgeEntryRow
  score: number
  titleHtml: string
  snippetHtml: string
}

export interface KnowledgeDraftInput {
  title: string
  content: string
  type?: string
  tags?: string[]
}

export const KNOWLEDGE_TYPE_NAMES = ['technical', 'process', 'solution', 'insight', 'resource', 'collaboration', 'optimization'] as const

/** a learning session the node knows */
export interface SessionRow {
  id: string
  title: string
  owner: string
  participants: string[]
  closed: boolean
}

/** a place in a session text that stays next to the same character across everyone's changes */
export type SessionAnchor = unknown

/**
 * A live session field bound to the page: its text and who is in the session. A change
 * applies at once (`text()` holds it when `splice` returns), so an editor can place the
 * next keystroke by index; the node signs and spreads it afterwards.
 */
export interface SessionBinding {
  text(): string
  /** peer ids present in the session now (awareness), this node included */
  presence(): string[]
  /** removes `remove` characters at `at` and inserts `insert` there; resolves once sent */
  splice(at: number, remove: number, insert: string): Promise<void>
  /** an anchor at `index` of the text now */
  anchor(index: number): SessionAnchor
  /** where an anchor is in the text now */
  indexOf(anchor: SessionAnchor): number
  /** this user's cursor, shown to the others */
  setCursor(index: number | null): void
  /** called when the text or the presence changed (remote changes; local ones are already in `text()`) */
  onChange(listener: () => void): () => void
  close(): void
}

export const SESSION_FIELD_NAMES = ['problem', 'notes', 'proposals', 'solution'] as const

export interface DashboardSource {
  readonly kind: ViewKind
  /** the peer id of the node shown */
  readonly selfId: string
  /** what the header says the page looks at */
  readonly label: string
  /** direct peers right now (header chip) */
  peerCount(): Promise<number>
  /** false while the node view has lost its API/feed connection */
  online(): boolean
  peers(): Promise<PeerRow[]>
  routes(): Promise<RouteRow[]>
  topology(): Promise<TopologyView>
  ledgerStats(): Promise<LedgerStatsView>
  humans(limit: number): Promise<{ items: HumanRow[], more: boolean }>
  registerHuman(input: { id: string, weeklyFlow?: string }): Promise<HumanRow>
  distribute(): Promise<DistributionOutcome>
  truth(query: { channel?: string, limit: number }): Promise<TruthRow[]>
  post(content: string, opts: PostOptions): Promise<{ recipients: number }>
  notifications(limit: number): Promise<NotificationRow[]>
  /** the node's latest events, oldest first (what happened before the page opened) */
  recentEvents(limit: number): Promise<EventRow[]>
  /** the node's scheduled tasks (empty when its automation is off) */
  automationTasks(): Promise<AutomationTaskRow[]>
  /** runs a task now; resolves when it ends */
  runTask(name: string): Promise<{ outcome: string, error?: string }>
  /** full-text search over the node's knowledge entries, best first */
  searchKnowledge(q: string, limit: number): Promise<KnowledgeHitRow[]>
  /** the latest entries, most recently updated first */
  knowledgeEntries(limit: number): Promise<KnowledgeEntryRow[]>
  /** one entry with its content, or null */
  knowledgeEntry(id: string): Promise<KnowledgeEntryRow | null>
  /** writes an entry signed by the node shown */
  writeKnowledge(draft: KnowledgeDraftInput): Promise<KnowledgeEntryRow>
  /** rates an entry 0..5 (the node's latest rating counts); resolves with the new aggregate */
  rateKnowledge(id: string, score: number): Promise<KnowledgeEntryRow>
  /** learning sessions the node knows, newest first */
  knowledgeSessions(): Promise<SessionRow[]>
  /** joins a session and binds one of its fields (the node must be a participant to write) */
  openSession(id: string, field: string): Promise<SessionBinding>
  on<K extends keyof SourceEvents>(type: K, listener: (detail: SourceEvents[K]) => void): () => void
  stop(): Promise<void>
}

/** an error of a source: `status` is the HTTP status for the node view, `code` the core's code for the tab */
export class SourceError extends Error {
  readonly status?: number
  readonly code?: string
  constructor (message: string, opts: { status?: number, code?: string } = {}) {
    super(message)
    this.name = 'SourceError'
    this.status = opts.status
    this.code = opts.code
  }
}
