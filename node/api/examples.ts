/**
 * Examples for the OpenAPI document: bodies as a node on loopback answered them (ids and
 * figures kept, lists cut to one item). Each route's schema carries its example; a test
 * checks that every operation has one and that each example is valid against its schema.
 */

export const PEER_A = '12D3KooWM76HmrjmpJUUHVwVq6Fz7WrxrxxRKaee1r9EQNToHERV'
export const PEER_B = '12D3KooWQHW8B3brT3XciQ3ARU6qWUj2haMpVgRrPahESPtoJDTq'
const KEY_A = 'a7b979c983d68fa8034ce3a46c9b5d53498ae54e5f78debe604468ce51ce63c0'
const T = 1796194218815

export const rootExample = {
  name: 'Liberation Mesh node',
  version: '0.1.0',
  peer_id: PEER_A,
  status: 'ok',
  docs: '/docs',
  openapi: '/openapi.json',
  api: '/api/v1',
  realtime: '/api/v1/realtime/ws',
  metrics: '/metrics'
}

export const statsExample = {
  total_humans: 1,
  active_humans: 1,
  total_distributed: '800.00',
  distributed_this_week: '800.00',
  remaining_wealth: '18999999999200.00',
  average_per_human: '800.00',
  pool_total: '19000000000000.00',
  week: '2026-W49',
  payments_this_week: 1,
  uptime: 3600.5,
  peer_id: PEER_A,
  peers: 3,
  connections: 3,
  notifications_unread: 1,
  ws_clients: 1,
  truth_messages: 12,
  truth_channels: 3,
  truth_rejected: 0,
  known_nodes: 5,
  knowledge_entries: 4,
  knowledge_retracted: 0,
  knowledge_ratings: 2,
  knowledge_rejected: 0,
  knowledge_by_type: { technical: 3, insight: 1 }
}

export const metricsExample = '# HELP liberation_ws_clients connected WebSocket feed clients\n# TYPE liberation_ws_clients gauge\nliberation_ws_clients 1\n'

export const distributeBodyExample = { human_ids: ['alice'] }

export const distributeExample = {
  week: '2026-W49',
  paid: 1,
  total: '800.00',
  skipped: { already_paid: 0, inactive: 0, zero_flow: 0 },
  remaining_wealth: '18999999999200.00',
  payments: [{ human_id: 'alice', registrar: PEER_A, amount: '800.00' }],
  payments_listed: 1
}

export const transactionExample = {
  id: `2026-W49:alice:${KEY_A}:${PEER_A}`,
  human_id: 'alice',
  registrar: PEER_A,
  amount: '800.00',
  type: 'weekly_flow',
  week: '2026-W49',
  timestamp: T + 179,
  status: 'completed',
  author: PEER_A,
  metadata: { doc: '2026-W49', clock: 1, author_key: KEY_A, registrar_key: KEY_A }
}

export const notificationBodyExample = { type: 'system_alert', priority: 'high', title: 'Disk almost full', message: 'data dir at 91%' }

export const notificationStatsExample = {
  total: 1,
  unread: 1,
  by_priority: { low: 0, medium: 1, high: 0, critical: 0, emergency: 0 },
  by_type: { resource_distribution: 1, truth_update: 0, mesh_change: 0, system_alert: 0, user_action: 0 }
}

export const removedExample = { removed: 2 }

const linkExample = {
  health: 0.83,
  rtt_ms: 1.4,
  jitter_ms: 0.6,
  loss: 0,
  uptime_ms: 312_000,
  first_seen: T,
  last_seen: T + 312_000,
  connected_since: T,
  bytes_in: 858_000,
  bytes_out: 933_400,
  invalid_messages: 0,
  health_reasons: []
}

export const peerExample = {
  peer_id: PEER_B,
  status: 'connected',
  addresses: ['/ip4/127.0.0.1/tcp/44555'],
  protocols: ['/ipfs/id/1.0.0', '/liberation/probe/1.0.0'],
  connection_count: 1,
  connections: [{
    id: '6jebzi1796194216742',
    remote_addr: `/ip4/127.0.0.1/tcp/44555/p2p/${PEER_B}`,
    direction: 'outbound',
    status: 'open',
    opened_at: T,
    rtt_ms: null,
    streams: 4,
    limited: false
  }],
  gossip_score: 0.03,
  link: linkExample
}

export const peerHealthExample = {
  peer_id: PEER_B,
  status: 'connected',
  health: 0.39,
  components: { latency: 0.99, jitter: 0.99, delivery: 1, uptime: 0.92, gossip: 1, validity: 0.5 },
  rtt_ms: 1.4,
  jitter_ms: 0.6,
  loss: 0,
  uptime_ms: 312_000,
  gossip_score: 0.03,
  invalid_messages: 1,
  reasons: ['invalid messages: 1 (decaying), last: malformed topology update: index out of range'],
  last_invalid_reason: 'malformed topology update: index out of range'
}

export const topologyExample = {
  view: 'full',
  next_cursor: null,
  self: PEER_A,
  generated_at: T,
  scope: 2,
  nodes: [
    { peer_id: PEER_A, zone: 'self', reachable: true, hops: 0, cost: 0, seq: T - 98, beacon_age_ms: null, addresses: [`/ip4/127.0.0.1/tcp/36847/p2p/${PEER_A}`] },
    { peer_id: PEER_B, zone: 'neighbour', reachable: true, hops: 1, cost: 6.2, seq: T - 193, beacon_age_ms: 1793, addresses: [`/ip4/127.0.0.1/tcp/44555/p2p/${PEER_B}`] }
  ],
  links: [{ from: PEER_A, to: PEER_B, rtt_ms: 1.4, jitter_ms: 0.6, loss: 0, health: 0.83, cost: 6.2, symmetric: true }]
}

export const topologySummaryExample = {
  view: 'summary',
  self: PEER_A,
  generated_at: T,
  scope: 2,
  neighbours: 1,
  beacons: 1,
  links: 1,
  reachable: { near: 1, far: 0 },
  excess: { origins: 0, links: 0, reach: 0, evicted: 0, refused: 0 }
}

export const routeExample = {
  target: PEER_B,
  path: [PEER_A, PEER_B],
  next_hop: PEER_B,
  hop_count: 1,
  cost: 6.2,
  total_latency_ms: 0.7,
  reliability: 1,
  complete: true,
  kind: 'direct'
}

export const sendBodyExample = { target: PEER_B, payload: 'hello', timeout_ms: 5000 }

export const sendResultExample = {
  id: 'edc31901165b255e84db8f431116b029',
  target: PEER_B,
  path: [PEER_A, PEER_B],
  hops: 1,
  latency_ms: 2.1,
  total_ms: 4,
  attempts: 1,
  received_at: T + 2,
  direct: true
}

export const inboxExample = {
  seq: 7,
  id: 'edc31901165b255e84db8f431116b029',
  from: PEER_A,
  payload: 'hello',
  encoding: 'utf8',
  path: [PEER_A, PEER_B],
  hops: 1,
  sent_at: T,
  received_at: T + 2
}

export const truthBodyExample = { content: 'The well on Mill Road is dry', channels: ['water'], priority: 3 }

export const channelExample = { channel: 'water', topic: 'liberation/truth/water/1', subscribed: true, reach: 3, messages: 1, conversion_rate: 1 }

export const unsubscribedExample = { channel: 'water', subscribed: false }

const settingsExample = {
  enabled: true,
  schedule: '17 * * * *',
  timezone: 'UTC',
  jitter_ms: 1000,
  timeout_ms: 600_000,
  retries: 0,
  backoff_ms: 30_000,
  max_backoff_ms: 1_800_000,
  missed: 'skip'
}

export const automationStatsExample = {
  started: true,
  tasks: 5,
  enabled: 5,
  running: [],
  failing: [],
  runs: 12,
  failures: 0,
  history: 12,
  next: { task: 'ledger-compaction', at: T + 41_185 }
}

export const taskExample = {
  name: 'housekeeping',
  description: 'remove expired notifications and trim bounded histories',
  settings: settingsExample,
  running: false,
  next_run_at: T + 1_601_637,
  last_run_at: T + 2682,
  last_success_at: T + 2682,
  last_outcome: 'success',
  failing: false,
  consecutive_failures: 0,
  runs: 1,
  failures: 0
}

export const taskPatchExample = { jitter_ms: 1000, enabled: true }

export const runExample = {
  id: '0001a23584bdb900015884',
  task: 'housekeeping',
  trigger: 'manual',
  correlation_id: '8f2f6a83u',
  scheduled_for: null,
  started_at: T + 2682,
  ended_at: T + 2691,
  duration_ms: 9,
  outcome: 'success',
  attempts: 1,
  error: null,
  result: { notifications_expired: 0, runs_trimmed: 0, backups_pruned: 0 }
}

const ENTRY_ID = '7a6c794043643595f4433000ee59889c156781db8f7c3c3e68cf5afe21853289'

export const knowledgeSummaryExample = {
  id: ENTRY_ID,
  title: 'Fixing a hand pump',
  type: 'technical',
  tags: ['water', 'repair'],
  author: PEER_A,
  author_key: KEY_A,
  confidence: 0.5,
  version: 2,
  versions: 2,
  retracted: false,
  session: null,
  created_at: T,
  updated_at: T + 169,
  rating: { mean: 4, count: 1 },
  record_id: '8c85febd90a8cfff75d4a34598f9e2c5b6b51791642308bf5c86293e6211b144'
}

export const knowledgeEntryExample = { ...knowledgeSummaryExample, content: 'Replace the **leather cup** seal.' }

export const knowledgeBodyExample = { title: 'Fixing a hand pump', content: 'Replace the **leather cup** seal.', type: 'technical', tags: ['water'], confidence: 0.5 }

export const knowledgePatchExample = { tags: ['water', 'repair'] }

export const ratingBodyExample = { score: 4 }

export const knowledgeVersionExample = {
  record_id: '5c737b173b70a12802d793a0b6f3e792ad6d7c63294fa954e718cf644767032f',
  version: 1,
  title: 'Fixing a hand pump',
  content: 'Replace the **leather cup** seal.',
  type: 'technical',
  tags: ['water'],
  confidence: 0.5,
  retracted: false,
  created_at: T
}

export const knowledgeHitExample = {
  entry: knowledgeSummaryExample,
  score: 3.2,
  snippet: 'Replace the leather cup seal of the <mark>pump</mark>.',
  title_html: 'Fixing a hand <mark>pump</mark>'
}

const SESSION_ID = '9215959e3510be62c54ce1cac2b379bb45f631df1243658e7d917511df2e52c4'

export const sessionSummaryExample = {
  id: SESSION_ID,
  title: 'Pump repair plan',
  description: '',
  owner: PEER_A,
  participants: [PEER_A, PEER_B],
  closed: false,
  solution_entry: null,
  created_at: T,
  updates: 1,
  joined: true
}

export const sessionExample = {
  ...sessionSummaryExample,
  fields: { problem: 'The pump on Mill Road leaks', notes: '', proposals: '', solution: 'Replace the seal' },
  presence: [{ peer: PEER_A, name: 'ana', cursor: { field: 'solution', index: 3 } }]
}

export const sessionBodyExample = { title: 'Pump repair plan', problem: 'The pump on Mill Road leaks', participants: [PEER_B] }

export const participantsBodyExample = { participants: [PEER_B] }

export const editBodyExample = { field: 'solution', text: 'Replace the seal' }

export const presenceBodyExample = { name: 'ana', cursor: { field: 'solution', index: 3 } }

export const wsStatsExample = {
  clients: 1,
  subscriptions: { resources: 1, truth: 1, mesh: 0, notifications: 1, metrics: 0, events: 0, knowledge: 0 },
  messages_sent: 42,
  messages_dropped: 0,
  slow_disconnects: 0
}

/** `{ items: [example] }`, the example of a list answer */
export function itemsExample (item: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { items: [item], ...extra }
}
