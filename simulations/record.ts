/**
 * What a run records, the same for both modes: raw observations, kept columnar where
 * they are many (one delivery per message per node). report.ts turns a record into
 * figures; nothing here is computed.
 */
import type { Scenario } from './scenario.ts'

export interface NodeRecord {
  index: number
  peerId: string
  /** part of the initial topology (not a churn joiner) */
  initial: boolean
  /** links the topology gives it */
  plannedLinks: number
  /** when it was started, ms on the run clock (negative: during set-up) */
  startedAt?: number
  /** when all its planned links were up (discovery, for wired topologies) */
  linkedAt?: number
  /** when its gossip mesh on the truth channel was formed */
  meshReadyAt?: number
  /** first time its topology view (routing) held every node of the initial graph */
  topologyCompleteAt?: number
  /** gossip copies it received of messages it already had */
  duplicates: number
  /** [up, down] intervals on the run clock; down undefined = up at the end */
  up: Array<[number, number | undefined]>
  killed: boolean
  /** multi-process: measured per process */
  cpuMs?: number
  peakRssBytes?: number
}

export interface PostRecord {
  seq: number
  node: number
  /** scheduled time */
  t: number
  /** when post() was called (later than `t` when the process lags) */
  calledAt?: number
  /** when post() returned */
  doneAt?: number
  id?: string
  error?: string
}

export interface WriteRecord {
  seq: number
  node: number
  t: number
  doneAt?: number
  error?: string
}

/** deliveries, one entry per (message, receiving node): columns of equal length */
export interface Deliveries {
  msg: number[]
  node: number[]
  t: number[]
  /** 0 gossip, 1 sync (catch-up) */
  origin: number[]
}

export interface Sample {
  t: number
  liveNodes: number
  links: number
  /** (message, node) pairs held, counting posters */
  heldPairs: number
  posted: number
  /** live nodes holding every message posted so far */
  truthComplete: number
  /** live nodes whose ledger state equals the most common one (NaN without a ledger workload) */
  ledgerAgree: number
  ledgerStates: number
  eventLoopP50Ms: number
  eventLoopP99Ms: number
  eventLoopMaxMs: number
  rssBytes: number
  heapUsedBytes: number
  /** process CPU since the previous sample, ms */
  cpuMs: number
}

export interface ActionRecord {
  t: number
  kind: 'partition' | 'heal' | 'kill' | 'leave' | 'rejoin' | 'join'
  nodes: number[]
  detail?: string
}

export interface RerouteRecord {
  killed: number
  from: number
  to: number
  at: number
  /** the route before the kill, node indices */
  before: number[]
  /** first route (from `from`'s routing table) that avoids the dead node */
  after?: number[]
  /** kill → routing table updated, ms */
  routeUpdatedMs?: number
  /** kill → first routed message acknowledged by `to`, ms */
  deliveredMs?: number
  attempts?: number
  error?: string
}

export interface LedgerConvergence {
  /** heal time on the run clock */
  healAt: number
  /** heal → every live node has the same ledger state, ms (undefined: not within the run) */
  convergedMs?: number
}

export interface HostInfo {
  cpus: number
  cpuModel: string
  totalMemoryBytes: number
  loadBefore: number[]
  loadAfter: number[]
  node: string
  platform: string
}

export interface RunRecord {
  scenario: Scenario
  /** which stack ran: the honest label of every figure */
  stack: string
  mode: 'in-process' | 'multi-process' | 'attached'
  startedAt: string
  host: HostInfo
  setup: { startMs: number, linkMs: number, meshMs: number, totalMs: number, timedOut: boolean }
  nodes: NodeRecord[]
  edges: Array<[number, number]>
  posts: PostRecord[]
  writes: WriteRecord[]
  deliveries: Deliveries
  samples: Sample[]
  actions: ActionRecord[]
  reroutes: RerouteRecord[]
  truthConvergence: Array<{ healAt: number, convergedMs?: number }>
  ledgerConvergence: LedgerConvergence[]
  /** end of the workload phase, run clock */
  workloadEnd: number
  /** when the run stopped waiting (settled or timed out), run clock */
  end: number
  settled: boolean
  traffic?: { bytes: number, chunks: number, retransmits: number }
  /** counters of the services summed over the nodes live at the end (in-process) */
  serviceStats?: Record<string, number>
  /** false where the stack gave no duplicate count (multi-process: gossipsub runs without metrics) */
  duplicatesMeasured: boolean
  wallMs: number
  /**
   * the clock the figures are on: 'virtual' (simulated; processing took no simulated
   * time) or 'real' (wall clock; processing delays are in every latency)
   */
  clock: 'virtual' | 'real'
  /** real CPU the run spent, ms, from the first post to the end of the settle phase */
  cpu?: { workloadMs: number, perDeliveryMs: number, events?: number }
  notes: string[]
}

/** The observation buffers a run fills, set up the same way by both modes. */
export interface RunBuffers {
  records: NodeRecord[]
  /** node index by peer id */
  indexOf: Map<string, number>
  posts: PostRecord[]
  /** message index (into posts) by the post's content sequence number */
  msgBySeq: Map<number, number>
  writes: WriteRecord[]
  deliveries: Deliveries
  actions: ActionRecord[]
  samples: Sample[]
  reroutes: RerouteRecord[]
  truthConvergence: Array<{ healAt: number, convergedMs?: number }>
  ledgerConvergence: Array<{ healAt: number, convergedMs?: number }>
}

export interface RunBuffersInit {
  /** peer id of every node, initial and joining, by index */
  peerIds: string[]
  initialNodes: number
  plannedLinks(index: number): number
  posts: Array<{ seq: number, node: number, t: number }>
  writes: Array<{ seq: number, node: number, t: number }>
}

export function createRunBuffers (init: RunBuffersInit): RunBuffers {
  const records: NodeRecord[] = init.peerIds.map((peerId, index) => ({
    index, peerId, initial: index < init.initialNodes, plannedLinks: init.plannedLinks(index), duplicates: 0, up: [], killed: false
  }))
  const msgBySeq = new Map<number, number>()
  init.posts.forEach((p, i) => msgBySeq.set(p.seq, i))
  return {
    records,
    indexOf: new Map(records.map(r => [r.peerId, r.index])),
    posts: init.posts.map(p => ({ seq: p.seq, node: p.node, t: p.t })),
    msgBySeq,
    writes: init.writes.map(w => ({ seq: w.seq, node: w.node, t: w.t })),
    deliveries: { msg: [], node: [], t: [], origin: [] },
    actions: [],
    samples: [],
    reroutes: [],
    truthConvergence: [],
    ledgerConvergence: []
  }
}

/** what one node holds of the workload's truth messages */
export interface Holdings {
  /** 1 where the node holds the message (by message index) */
  held: Uint8Array
  heldCount: number
}

/**
 * Note that a node holds a message; the first copy of a message the node did not post
 * is a delivery at `t` (by `origin`: gossip, or sync for a catch-up). False when the node
 * held it already.
 */
export function recordHeld (deliveries: Deliveries, h: Holdings, node: number, msg: number, origin: string, t: () => number): boolean {
  if (h.held[msg] === 1) { return false }
  h.held[msg] = 1
  h.heldCount++
  if (origin === 'local') { return true }
  deliveries.msg.push(msg)
  deliveries.node.push(node)
  deliveries.t.push(t())
  deliveries.origin.push(origin === 'sync' ? 1 : 0)
  return true
}

/** The RunRecord fields the buffers fill. */
export function observations (b: RunBuffers): Pick<RunRecord, 'nodes' | 'posts' | 'writes' | 'deliveries' | 'samples' | 'actions' | 'reroutes' | 'truthConvergence' | 'ledgerConvergence'> {
  return {
    nodes: b.records,
    posts: b.posts,
    writes: b.writes,
    deliveries: b.deliveries,
    samples: b.samples,
    actions: b.actions,
    reroutes: b.reroutes,
    truthConvergence: b.truthConvergence,
    ledgerConvergence: b.ledgerConvergence
  }
}
