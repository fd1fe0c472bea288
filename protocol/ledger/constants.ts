/**
 * The ledger's constants: defaults of its settings, the types of the events it emits,
 * and the limits of re-gossip.
 */

/** name of the single root map of every ledger document */
export const LEDGER_ROOT = 'e'

export const DEFAULT_POOL_TOTAL = '19000000000000.00'
export const DEFAULT_WEEKLY_FLOW = '800.00'
export const DEFAULT_HOUSING_CREDIT = '104000.00'
export const DEFAULT_INVESTMENT_POOL = '104000.00'

/** Types of the events the ledger emits on `node.events` (category 'resources'). */
export const LEDGER_EVENTS = {
  /** data: { humans: Array<{ id, status }> (first 100), count, author, local } */
  humansRegistered: 'ledger:humans-registered',
  /** data: { changes: Array<{ humanId, status }> (first 100), count, author, local } */
  statusChanged: 'ledger:status-changed',
  /** data: { weeks: string[], count, total, author, local } — payments recorded (any node's) */
  paymentsRecorded: 'ledger:payments-recorded',
  /** data: DistributionResult without `payments` — this node ran a distribution */
  distributionCompleted: 'ledger:distribution-completed',
  /** data: { author, reason } — an author was caught contradicting itself and excluded */
  equivocation: 'ledger:equivocation',
  /** data: { from, reason } — a batch or proof failed the checks and was dropped */
  rejected: 'ledger:rejected',
  /**
   * data: { authors: string[] (peer ids, first 20), peers: string[] (first 20), batches, since } —
   * batches over their author's or their peer's quota were set aside (at most one event per 10 s, counting them all)
   */
  throttled: 'ledger:throttled',
  /** data: SyncResult — a catch-up with a peer finished */
  synced: 'ledger:synced',
  /** data: { batches, into } — this node compacted its own small batches */
  compacted: 'ledger:compacted',
  /** data: { peer, protocol, charter } — a peer runs the ledger under another charter: no data is exchanged with it */
  charterMismatch: 'ledger:charter-mismatch'
} as const

export const KEY_END_CHAR = '~'
/** sync-fetched batches signed less than this long ago are gossiped on (see regossip) */
export const REGOSSIP_WINDOW_MS = 10 * 60_000
/** at most this many re-gossips per 10 s, so a large heal cannot flood the mesh */
export const REGOSSIP_PER_10S = 256
/** and at most this many bytes (a batch may weigh up to 2 MiB) */
export const REGOSSIP_BYTES_PER_10S = 16 * 1024 * 1024
/** signatures remembered as gossiped */
export const GOSSIPED_CAPACITY = 65_536
