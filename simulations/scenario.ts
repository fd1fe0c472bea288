/**
 * Scenario files: what to simulate. JSON or YAML, validated with zod; command-line flags
 * override single fields before validation, so a flag gets the same checks as the file.
 * Every time is in ms (or a string such as "500ms", "2s", "1.5m") and, except for the
 * setup phase, counts from the start of the workload.
 */
import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

export class ScenarioError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ScenarioError'
  }
}

const duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m)$/, 'a duration: a number of ms, or a string such as "500ms", "2s", "1.5m"')
]).transform(v => {
  if (typeof v === 'number') { return v }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(v) as RegExpExecArray
  const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000
  return Math.round(Number(m[1]) * unit)
})

const nodeIndex = z.number().int().nonnegative()

/** nodes by index: a list, a range string "0-9", or a seeded random fraction of all nodes */
const nodeSet = z.union([
  z.array(nodeIndex).min(1),
  z.string().regex(/^\d+-\d+$/, 'a node range such as "0-9"'),
  z.object({ fraction: z.number().gt(0).lt(1) }).strict()
])
export type NodeSetSpec = z.input<typeof nodeSet>

const topology = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('line') }).strict(),
  z.object({ kind: z.literal('ring') }).strict(),
  z.object({ kind: z.literal('star'), center: nodeIndex.default(0) }).strict(),
  z.object({ kind: z.literal('full') }).strict(),
  z.object({ kind: z.literal('random'), degree: z.number().int().min(1) }).strict(),
  z.object({
    kind: z.literal('clustered'),
    clusters: z.number().int().min(2),
    /** links per node inside its cluster (random regular; full mesh if the cluster is smaller) */
    degree: z.number().int().min(1),
    /** links between each pair of neighbouring clusters (clusters form a ring; a line for 2) */
    bridges: z.number().int().min(1).default(1)
  }).strict(),
  z.object({ kind: z.literal('edges'), edges: z.array(z.tuple([nodeIndex, nodeIndex])).min(1) }).strict()
], { error: () => 'topology.kind must be one of line, ring, star, full, random, clustered, edges' })

const linkFields = {
  /** one-way delay, ms */
  latency: duration.optional(),
  /** each chunk's delay varies uniformly by up to ± this, ms */
  jitter: duration.optional(),
  /**
   * share of chunks lost, 0..1. Streams are reliable (as over TCP), so a lost chunk shows
   * up as a retransmission delay plus head-of-line blocking behind it.
   */
  loss: z.number().min(0).max(0.5).optional()
}

const links = z.object({
  ...linkFields,
  overrides: z.array(z.object({ between: z.tuple([nodeIndex, nodeIndex]), ...linkFields }).strict()).default([])
}).strict()

const truthWorkload = z.object({
  /** total posts; default rate × workload duration */
  messages: z.number().int().min(1).optional(),
  /** posts per second over the whole mesh */
  rate: z.number().gt(0).max(10_000).default(10),
  /** content bytes per post */
  size: z.number().int().min(1).max(8000).default(120),
  channel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a channel name (a-z, 0-9, -)').default('social'),
  /** who posts (default: every node, picked at random per post) */
  posters: nodeSet.optional(),
  start: duration.default(0)
}).strict()

const ledgerWorkload = z.object({
  writes: z.number().int().min(1).optional(),
  /** ledger writes (human registrations) per second over the whole mesh */
  rate: z.number().gt(0).max(10_000).default(5),
  writers: nodeSet.optional(),
  start: duration.default(0)
}).strict()

const churn = z.object({
  /** nodes leaving per second (a Poisson process) */
  leaveRate: z.number().min(0).default(0),
  /** new nodes joining per second; each links to `joinDegree` live nodes */
  joinRate: z.number().min(0).default(0),
  joinDegree: z.number().int().min(1).default(3),
  /** a leaver comes back (same identity and store) after this long; absent = gone for good */
  downtime: duration.optional(),
  /** nodes that never leave */
  protect: nodeSet.optional(),
  start: duration.default(0),
  /** default: end of the workload */
  end: duration.optional(),
  /** how a node leaves: 'crash' drops its links at once, 'graceful' stops it cleanly */
  how: z.enum(['crash', 'graceful']).default('crash')
}).strict()

const partition = z.object({
  at: duration,
  duration,
  /** one side; the other side is every other node */
  side: nodeSet
}).strict()

const kill = z.object({
  at: duration,
  /** the node that dies; or give `route` to kill the middle node of the shortest path between two nodes */
  node: nodeIndex.optional(),
  route: z.tuple([nodeIndex, nodeIndex]).optional()
}).strict().refine(k => (k.node == null) !== (k.route == null), { message: 'give exactly one of node, route' })

const stack = z.object({
  /** 'plaintext' is a sim-only shortcut (no handshake, no cipher): say so in any figure it produced */
  encryption: z.enum(['noise', 'plaintext']).default('noise'),
  /** 'memory' = memory-level per node; 'leveldb' = a real LevelDB per node in a temp dir */
  storage: z.enum(['memory', 'leveldb']).default('memory'),
  /** truth catch-up sync on connect and on a timer (off = pure gossip delivery) */
  truthSync: z.boolean().default(true),
  /**
   * periodic truth sync with one neighbour this often, ms (default: the node's 30 s). After a
   * heal, what one side missed spreads one hop per sync: this sets the convergence time.
   */
  truthSyncInterval: duration.optional(),
  /** periodic ledger anti-entropy pull, ms (default: the node's 30 s) */
  ledgerSyncInterval: duration.optional(),
  /** gossipsub heartbeat, ms */
  heartbeat: duration.default(1000),
  /** Kad-DHT on every node */
  dht: z.boolean().default(false),
  /** routing service timers (RoutingInit fields in ms, e.g. probeIntervalMs, beaconIntervalMs); default: the node's */
  routing: z.record(z.string(), z.number().nonnegative()).optional(),
  /**
   * gossipsub mesh degrees (default: the node's, gossipsub's D 6, Dlo 4, Dhi 12, Dlazy 6).
   * On a sparse graph whose degree is about D every link joins the mesh and every node
   * receives about D / 2 copies of each message; a lower D trades copies for hops.
   */
  gossip: z.object({
    D: z.number().int().min(1).max(64),
    Dlo: z.number().int().min(1).max(64),
    Dhi: z.number().int().min(1).max(128),
    Dout: z.number().int().min(0).max(64).optional(),
    Dlazy: z.number().int().min(0).max(64).optional()
  }).strict().refine(g => g.Dlo <= g.D && g.D <= g.Dhi && (g.Dout ?? 0) < g.Dlo && (g.Dout ?? 0) <= g.D / 2, { message: 'need Dlo <= D <= Dhi, and Dout < Dlo and <= D / 2' }).optional()
}).strict()

export const scenarioSchema = z.object({
  name: z.string().min(1).default('scenario'),
  description: z.string().optional(),
  mode: z.enum(['in-process', 'multi-process']).default('in-process'),
  /**
   * in-process only: 'virtual' runs every node on one simulated clock that jumps to the
   * next event once all nodes are idle (processing takes no simulated time); 'real' runs
   * on the wall clock, where the process's CPU load adds to every latency
   */
  clock: z.enum(['virtual', 'real']).default('virtual'),
  seed: z.union([z.number().int(), z.string().min(1)]).default(1),
  nodes: z.number().int().min(2).max(10_000),
  topology,
  links: links.default({ overrides: [] }),
  workload: z.object({
    truth: truthWorkload.optional(),
    ledger: ledgerWorkload.optional()
  }).strict().default({}),
  /** workload phase, ms; default: long enough for the posts at their rate */
  duration: duration.optional(),
  /** after the workload, wait at most this long for delivery and convergence */
  settle: duration.default(15_000),
  /** bringing nodes up, linking them and forming gossip meshes may take at most this long */
  setupTimeout: duration.default(120_000),
  churn: churn.optional(),
  partitions: z.array(partition).default([]),
  kills: z.array(kill).default([]),
  stack: stack.default({ encryption: 'noise', storage: 'memory', truthSync: true, heartbeat: 1000, dht: false })
}).strict()

export type ScenarioInput = z.input<typeof scenarioSchema>
export type ParsedScenario = z.output<typeof scenarioSchema>

/** A validated scenario with derived values filled in. */
export interface Scenario extends ParsedScenario {
  duration: number
  links: ParsedScenario['links'] & { latency: number, jitter: number, loss: number }
}

function formatIssue (issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)'
  if (issue.code === 'unrecognized_keys') { return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` }
  return `${path}: ${issue.message}`
}

/** Check a node set against the node count; returns an error message or undefined. */
function nodeSetError (set: NodeSetSpec | undefined, nodes: number): string | undefined {
  if (set == null) { return undefined }
  if (typeof set === 'string') {
    const [a, b] = set.split('-').map(Number)
    if (a > b) { return `range ${set} is backwards` }
    if (b >= nodes) { return `range ${set} names node ${b}, but there are ${nodes} nodes (0-${nodes - 1})` }
    return undefined
  }
  if (Array.isArray(set)) {
    const bad = set.find(i => i >= nodes)
    if (bad != null) { return `node ${bad} does not exist (there are ${nodes} nodes, 0-${nodes - 1})` }
  }
  return undefined
}

/** Validate a scenario object; throws ScenarioError naming the field. */
export function validateScenario (value: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(value)
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map(formatIssue)
    throw new ScenarioError(`${source} is invalid:\n  ${lines.join('\n  ')}`)
  }
  const s = result.data
  const errors: string[] = []
  const n = s.nodes
  const t = s.topology
  switch (t.kind) {
    case 'star': if (t.center >= n) { errors.push(`topology.center: node ${t.center} does not exist (${n} nodes)`) } break
    case 'random':
      if (t.degree >= n) { errors.push(`topology.degree: must be less than nodes (${n})`) } else if ((n * t.degree) % 2 !== 0) { errors.push(`topology.degree: nodes × degree must be even for a regular graph (${n} × ${t.degree})`) }
      break
    case 'clustered':
      if (t.clusters > n / 2) { errors.push(`topology.clusters: at most nodes / 2 (${Math.floor(n / 2)})`) }
      break
    case 'edges':
      t.edges.forEach(([a, b], i) => {
        if (a >= n || b >= n) { errors.push(`topology.edges.${i}: [${a}, ${b}] names a node that does not exist (${n} nodes)`) }
        if (a === b) { errors.push(`topology.edges.${i}: a node cannot link to itself`) }
      })
      break
    default:
  }
  s.links.overrides.forEach((o, i) => {
    if (o.between[0] >= n || o.between[1] >= n) { errors.push(`links.overrides.${i}.between: names a node that does not exist (${n} nodes)`) }
  })
  const sets: Array<[string, NodeSetSpec | undefined]> = [
    ['workload.truth.posters', s.workload.truth?.posters],
    ['workload.ledger.writers', s.workload.ledger?.writers],
    ['churn.protect', s.churn?.protect],
    ...s.partitions.map((p, i): [string, NodeSetSpec] => [`partitions.${i}.side`, p.side])
  ]
  for (const [path, set] of sets) {
    const err = nodeSetError(set, n)
    if (err != null) { errors.push(`${path}: ${err}`) }
  }
  s.kills.forEach((k, i) => {
    const ids = k.node != null ? [k.node] : k.route ?? []
    if (ids.some(id => id >= n)) { errors.push(`kills.${i}: names a node that does not exist (${n} nodes)`) }
    if (k.route != null && k.route[0] === k.route[1]) { errors.push(`kills.${i}.route: the two ends must differ`) }
  })
  if (s.mode === 'in-process' && s.clock === 'virtual' && s.stack.storage === 'leveldb') {
    errors.push('stack.storage: the virtual clock needs memory storage (LevelDB works on a thread pool, whose replies would land at arbitrary simulated times); use clock: real for LevelDB')
  }
  if (s.mode === 'multi-process') {
    if (s.nodes > 64) { errors.push(`nodes: multi-process mode runs one OS process per node; at most 64 (got ${n})`) }
    if (s.stack.encryption !== 'noise') { errors.push('stack.encryption: multi-process mode runs the real node, always with noise') }
  }
  if (errors.length > 0) { throw new ScenarioError(`${source} is invalid:\n  ${errors.slice(0, 5).join('\n  ')}`) }

  const truth = s.workload.truth
  const ledger = s.workload.ledger
  const needed = Math.max(
    truth == null ? 0 : truth.start + 1000 * (truth.messages ?? 0) / truth.rate,
    ledger == null ? 0 : ledger.start + 1000 * (ledger.writes ?? 0) / ledger.rate,
    ...s.partitions.map(p => p.at + p.duration),
    ...s.kills.map(k => k.at),
    0
  )
  return {
    ...s,
    duration: s.duration ?? Math.max(1000, Math.ceil(needed)),
    links: { ...s.links, latency: s.links.latency ?? 0, jitter: s.links.jitter ?? 0, loss: s.links.loss ?? 0 }
  }
}

/** the folder of the standard scenarios */
export function standardScenarioDir (): string {
  // works from the sources (simulations/) and from the build (dist/simulations/)
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'scenarios'), join(here, '..', '..', 'simulations', 'scenarios')]
  return candidates.find(d => existsSync(d)) ?? candidates[0]
}

/** A path, or the name of a standard scenario ("random-200" → simulations/scenarios/random-200.yaml). */
export function resolveScenarioPath (nameOrPath: string): string {
  if (existsSync(nameOrPath)) { return resolve(nameOrPath) }
  for (const ext of ['.yaml', '.yml', '.json']) {
    const p = join(standardScenarioDir(), nameOrPath + ext)
    if (existsSync(p)) { return p }
  }
  throw new ScenarioError(`no scenario file ${nameOrPath} (and no standard scenario of that name in ${standardScenarioDir()})`)
}

/** Read a scenario file (JSON or YAML) without validating it. */
export function readScenarioFile (path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    throw new ScenarioError(`cannot read ${path}: ${err.code ?? err.message}`)
  }
  let parsed: unknown
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err: any) {
    throw new ScenarioError(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${String(err.message).split('\n')[0]}`)
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ScenarioError(`${path} must hold an object (the scenario's fields)`)
  }
  return parsed as Record<string, unknown>
}

/** Overrides from command-line flags; each replaces one field of the file. */
export interface ScenarioOverrides {
  nodes?: number
  seed?: number | string
  mode?: 'in-process' | 'multi-process'
  clock?: 'virtual' | 'real'
  topology?: string
  degree?: number
  latency?: number | string
  jitter?: number | string
  loss?: number
  messages?: number
  rate?: number
  duration?: number | string
  settle?: number | string
  encryption?: 'noise' | 'plaintext'
  storage?: 'memory' | 'leveldb'
  /** gossipsub mesh degrees */
  gossip?: { D: number, Dlo: number, Dhi: number }
}

export function applyOverrides (raw: Record<string, unknown>, o: ScenarioOverrides): Record<string, unknown> {
  const out: Record<string, any> = structuredClone(raw)
  const set = (obj: Record<string, any>, key: string, value: unknown): void => { if (value !== undefined) { obj[key] = value } }
  set(out, 'nodes', o.nodes)
  set(out, 'seed', o.seed)
  set(out, 'mode', o.mode)
  set(out, 'clock', o.clock)
  set(out, 'duration', o.duration)
  set(out, 'settle', o.settle)
  if (o.topology !== undefined || o.degree !== undefined) {
    const topo = typeof out.topology === 'object' && out.topology != null ? { ...out.topology } : {}
    if (o.topology !== undefined && o.topology !== topo.kind) {
      for (const k of Object.keys(topo)) { delete topo[k] }
      topo.kind = o.topology
    }
    set(topo, 'degree', o.degree)
    out.topology = topo
  }
  if (o.latency !== undefined || o.jitter !== undefined || o.loss !== undefined) {
    out.links = { ...(out.links ?? {}) }
    set(out.links, 'latency', o.latency)
    set(out.links, 'jitter', o.jitter)
    set(out.links, 'loss', o.loss)
  }
  if (o.messages !== undefined || o.rate !== undefined) {
    out.workload = { ...(out.workload ?? {}) }
    out.workload.truth = { ...(out.workload.truth ?? {}) }
    set(out.workload.truth, 'messages', o.messages)
    set(out.workload.truth, 'rate', o.rate)
  }
  if (o.encryption !== undefined || o.storage !== undefined || o.gossip !== undefined) {
    out.stack = { ...(out.stack ?? {}) }
    set(out.stack, 'encryption', o.encryption)
    set(out.stack, 'storage', o.storage)
    if (o.gossip !== undefined) { out.stack.gossip = { ...(out.stack.gossip ?? {}), ...o.gossip } }
  }
  return out
}

/** Load, override and validate a scenario file. */
export function loadScenario (nameOrPath: string, overrides: ScenarioOverrides = {}): Scenario {
  const path = resolveScenarioPath(nameOrPath)
  const raw = applyOverrides(readScenarioFile(path), overrides)
  return validateScenario(raw, path)
}
