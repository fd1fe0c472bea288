/**
 * Figures from a run record: delivery, propagation latency against the ideal (the
 * shortest-path latency on the same graph, in the same network state), duplicates,
 * convergence after heals, reroutes after kills, resources. Plain JSON.
 */
import { Topology, linkProfiles, shortestPaths } from './topology.ts'
import type { RunRecord, RerouteRecord, Sample } from './record.ts'
import type { Paths } from './topology.ts'

export interface Percentiles {
  count: number
  min: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

export interface HopBucket {
  hops: number
  pairs: number
  p50: number
  p95: number
  /** mean ideal latency of these pairs, ms */
  ideal: number
}

export interface Report {
  scenario: {
    name: string
    description?: string
    mode: string
    seed: number | string
    nodes: number
    topology: string
    links: { latency: number, jitter: number, loss: number, overrides: number }
    durationMs: number
    settleMs: number
  }
  /** which stack produced these figures */
  stack: string
  startedAt: string
  wallMs: number
  /** 'virtual': latencies are simulated time, processing took none; 'real': wall clock */
  clock: RunRecord['clock']
  /** real CPU of the workload and settle phases, and per delivery (the cost the virtual clock leaves out) */
  cpu?: RunRecord['cpu']
  host: RunRecord['host']
  settled: boolean
  setup: {
    startMs: number
    linkMs: number
    meshMs: number
    totalMs: number
    timedOut: boolean
    /** per node: start → all planned links up, ms */
    discovery: Percentiles
    /** per node: start → a gossip mesh on the truth channel, ms */
    meshReady: Percentiles
  }
  truth: {
    posted: number
    failed: number
    postErrors: string[]
    /** (message, node) pairs that should hold it: every node up at the end, except the poster */
    expectedPairs: number
    deliveredPairs: number
    deliveryRatio: number
    /** pairs where the receiver was reachable when the message was posted and stayed up */
    connectedPairs: number
    connectedDelivered: number
    connectedDeliveryRatio: number
    byGossip: number
    bySync: number
    /** post → delivery over gossip, connected pairs, ms */
    latency: Percentiles
    /** shortest-path latency of the same pairs, ms */
    ideal: Percentiles
    /** latency − ideal per pair, ms */
    excess: Percentiles
    /** latency / ideal per pair (pairs with ideal > 0) */
    stretch: Percentiles
    duplicates: number
    duplicatesPerDelivery: number
    byHops: HopBucket[]
    /**
     * the same pairs split by the network when the message was posted: whole, or cut by a
     * partition (pairs on one side; a side keeps few of its links, so its paths are long
     * and its meshes thin). Empty when the scenario has no partition.
     */
    byPhase: PhaseLatency[]
    /** run clock of the last delivery */
    lastDeliveryAt: number
    /** propagation CDF, ≤ 200 points: fraction of connected pairs delivered within ms */
    cdf: Array<{ ms: number, fraction: number, ideal: number }>
  }
  convergence: {
    truth: Array<{ healAt: number, convergedMs?: number }>
    ledger: Array<{ healAt: number, convergedMs?: number }>
  }
  ledger: { writes: number, failed: number, errors: string[] }
  reroutes: RerouteRecord[]
  churn: { leaves: number, rejoins: number, joins: number, kills: number }
  resources: {
    /** the highest RSS the timeline sampled during the run */
    peakRssBytes: number
    /**
     * in-process runs: this process's maximum resident set (the OS's figure) once the report
     * is built, so it covers building the report too, and anything the process ran before
     */
    processPeakRssBytes?: number
    /** peak RSS / peak live nodes (in-process); mean per process (multi-process) */
    rssPerNodeBytes: number
    peakHeapUsedBytes: number
    /** CPU of the run's process(es) during the workload and settle phases, ms */
    cpuMs: number
    /** that CPU per node per second of run time (simulated seconds on the virtual clock), ms/s */
    cpuMsPerNodePerSecond: number
    /** CPU / run time: on the wall clock 1.0 = one core busy; on the virtual clock, CPU seconds per simulated second */
    cores: number
    eventLoopDelayP99MaxMs: number
    eventLoopDelayMaxMs: number
    traffic?: { bytes: number, chunks: number, retransmits: number }
    /** the services' own counters, summed over the nodes (routing beacons and updates, truth syncs) */
    services?: Record<string, number>
    perNode?: Array<{ index: number, cpuMs?: number, peakRssBytes?: number }>
  }
  timeline: Array<Pick<Sample, 't' | 'liveNodes' | 'links' | 'truthComplete' | 'ledgerAgree' | 'rssBytes'> & { heldFraction: number, cpuCores: number, eventLoopP99Ms: number }>
  actions: RunRecord['actions']
  notes: string[]
}

export interface PhaseLatency {
  phase: 'whole' | 'partitioned'
  latency: Percentiles
  ideal: Percentiles
}

export function percentiles (values: number[]): Percentiles {
  if (values.length === 0) { return { count: 0, min: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN } }
  const s = Float64Array.from(values).sort()
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
  let sum = 0
  for (const v of s) { sum += v }
  return { count: s.length, min: s[0], p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1], mean: sum / s.length }
}

/** the network state at time t: who is up, which partition side (if any) */
interface NetState { up(i: number): boolean, side?: Set<number>, epoch: number }

function netStateAt (record: RunRecord, t: number): NetState {
  let side: Set<number> | undefined
  let epoch = 0
  for (const a of record.actions) {
    if (a.t > t) { break }
    epoch++
    if (a.kind === 'partition') { side = new Set(a.nodes) }
    if (a.kind === 'heal') { side = undefined }
  }
  const up = (i: number): boolean => {
    const r = record.nodes[i]
    return r != null && r.up.some(([from, to]) => from <= t && (to == null || to > t))
  }
  return { up, side, epoch }
}

function upThroughout (record: RunRecord, i: number, from: number, to: number): boolean {
  return record.nodes[i].up.some(([a, b]) => a <= from && (b == null || b >= to))
}

export function buildReport (record: RunRecord): Report {
  const s = record.scenario
  const linkOf = linkProfiles(s)
  const topology = new Topology(record.nodes.length, record.edges)
  const nodes = record.nodes

  // ---- truth ----
  const posts = record.posts
  const okPosts = posts.map((p, i) => ({ p, i })).filter(({ p }) => p.error == null && p.id != null)
  const upAtEnd = nodes.filter(n => { const u = n.up[n.up.length - 1]; return u != null && (u[1] == null || u[1] >= record.end) }).map(n => n.index)
  const delivered = new Map<number, Map<number, { t: number, origin: number }>>()
  const { msg, node, t, origin } = record.deliveries
  for (let k = 0; k < msg.length; k++) {
    let m = delivered.get(msg[k])
    if (m == null) { m = new Map(); delivered.set(msg[k], m) }
    m.set(node[k], { t: t[k], origin: origin[k] })
  }
  let expectedPairs = 0
  let deliveredPairs = 0
  let connectedPairs = 0
  let connectedDelivered = 0
  let byGossip = 0
  let bySync = 0
  let lastDeliveryAt = Number.NEGATIVE_INFINITY
  const latencies: number[] = []
  const ideals: number[] = []
  const excess: number[] = []
  const stretch: number[] = []
  const hopLat = new Map<number, { lat: number[], ideal: number[] }>()
  const phaseLat = { whole: { lat: [] as number[], ideal: [] as number[] }, partitioned: { lat: [] as number[], ideal: [] as number[] } }
  const pathCache = new Map<string, Paths>()
  for (const { p, i } of okPosts) {
    const sentAt = p.calledAt ?? p.t
    const state = netStateAt(record, sentAt)
    const key = `${p.node}:${state.epoch}:${state.side == null ? '' : 'p'}`
    let paths = pathCache.get(key)
    if (paths == null) {
      const usable = (a: number, b: number): boolean => state.side == null || state.side.has(a) === state.side.has(b)
      const reach = new Set(topology.components(state.up, usable).find(c => c.includes(p.node)) ?? [p.node])
      paths = shortestPaths(topology, p.node, linkOf, j => reach.has(j))
      pathCache.set(key, paths)
    }
    const got = delivered.get(i)
    for (const j of upAtEnd) {
      if (j === p.node) { continue }
      expectedPairs++
      const d = got?.get(j)
      if (d != null) {
        deliveredPairs++
        if (d.origin === 0) { byGossip++ } else { bySync++ }
        if (d.t > lastDeliveryAt) { lastDeliveryAt = d.t }
      }
      const ideal = paths.latency[j]
      if (!Number.isFinite(ideal) || !upThroughout(record, j, sentAt, record.end)) { continue }
      connectedPairs++
      if (d == null) { continue }
      connectedDelivered++
      if (d.origin !== 0) { continue }
      const lat = d.t - sentAt
      latencies.push(lat)
      ideals.push(ideal)
      excess.push(lat - ideal)
      if (ideal > 0) { stretch.push(lat / ideal) }
      const hops = paths.hops[j]
      let b = hopLat.get(hops)
      if (b == null) { b = { lat: [], ideal: [] }; hopLat.set(hops, b) }
      b.lat.push(lat)
      b.ideal.push(ideal)
      const ph = state.side == null ? phaseLat.whole : phaseLat.partitioned
      ph.lat.push(lat)
      ph.ideal.push(ideal)
    }
  }
  const duplicates = record.duplicatesMeasured ? nodes.reduce((a, n) => a + n.duplicates, 0) : Number.NaN
  const byHops: HopBucket[] = [...hopLat.entries()].sort((a, b) => a[0] - b[0]).map(([hops, b]) => {
    const pl = percentiles(b.lat)
    return { hops, pairs: b.lat.length, p50: pl.p50, p95: pl.p95, ideal: b.ideal.reduce((x, y) => x + y, 0) / b.ideal.length }
  })

  // ---- resources ----
  const samples = record.samples
  const peakRss = Math.max(0, ...samples.map(x => x.rssBytes))
  const peakLive = Math.max(1, ...samples.map(x => x.liveNodes))
  const cpuMs = samples.reduce((a, x) => a + x.cpuMs, 0)
  const runSeconds = Math.max(0.001, (record.end - (samples[0]?.t ?? 0)) / 1000)
  const perNode = nodes.some(n => n.cpuMs != null || n.peakRssBytes != null)
    ? nodes.map(n => ({ index: n.index, cpuMs: n.cpuMs, peakRssBytes: n.peakRssBytes }))
    : undefined
  const processRss = perNode?.map(n => n.peakRssBytes ?? 0).filter(x => x > 0) ?? []

  const timeline = samples.map((x, k) => {
    const dt = k === 0 ? 1 : Math.max(1, x.t - samples[k - 1].t)
    const expected = x.posted * x.liveNodes
    return {
      t: Math.round(x.t),
      liveNodes: x.liveNodes,
      links: x.links,
      truthComplete: x.truthComplete,
      ledgerAgree: x.ledgerAgree,
      rssBytes: x.rssBytes,
      heldFraction: expected === 0 ? 1 : Math.min(1, x.heldPairs / expected),
      cpuCores: k === 0 ? 0 : x.cpuMs / dt,
      eventLoopP99Ms: x.eventLoopP99Ms
    }
  })

  const lat = percentiles(latencies)
  const idealSorted = Float64Array.from(ideals).sort()
  const latSorted = Float64Array.from(latencies).sort()
  const cdf: Report['truth']['cdf'] = []
  if (latSorted.length > 0) {
    const top = Math.max(latSorted[latSorted.length - 1], idealSorted[idealSorted.length - 1])
    const points = 200
    for (let k = 0; k <= points; k++) {
      const ms = top * k / points
      cdf.push({ ms: round(ms), fraction: upperBound(latSorted, ms) / latSorted.length, ideal: upperBound(idealSorted, ms) / idealSorted.length })
    }
  }

  const topo = s.topology
  const topoLabel = topo.kind === 'random'
    ? `random ${topo.degree}-regular`
    : topo.kind === 'clustered'
      ? `${topo.clusters} clusters (degree ${topo.degree}, ${topo.bridges} bridge${topo.bridges > 1 ? 's' : ''} between neighbours)`
      : topo.kind === 'edges' ? `${topo.edges.length} given edges` : topo.kind
  const count = (kind: string): number => record.actions.filter(a => a.kind === kind).length
  const failedPosts = posts.filter(p => p.error != null)

  return {
    scenario: {
      name: s.name,
      description: s.description,
      mode: record.mode,
      seed: s.seed,
      nodes: s.nodes,
      topology: topoLabel,
      links: { latency: s.links.latency, jitter: s.links.jitter, loss: s.links.loss, overrides: s.links.overrides.length },
      durationMs: s.duration,
      settleMs: s.settle
    },
    stack: record.stack,
    startedAt: record.startedAt,
    wallMs: Math.round(record.wallMs),
    clock: record.clock,
    cpu: record.cpu == null ? undefined : { ...record.cpu, workloadMs: Math.round(record.cpu.workloadMs), perDeliveryMs: round(record.cpu.perDeliveryMs, 3) },
    host: record.host,
    settled: record.settled,
    setup: {
      startMs: Math.round(record.setup.startMs),
      linkMs: Math.round(record.setup.linkMs),
      meshMs: Math.round(record.setup.meshMs),
      totalMs: Math.round(record.setup.totalMs),
      timedOut: record.setup.timedOut,
      discovery: percentiles(nodes.filter(n => n.initial && n.linkedAt != null && n.startedAt != null).map(n => (n.linkedAt as number) - (n.startedAt as number))),
      meshReady: percentiles(nodes.filter(n => n.initial && n.meshReadyAt != null && n.startedAt != null).map(n => (n.meshReadyAt as number) - (n.startedAt as number)))
    },
    truth: {
      posted: okPosts.length,
      failed: failedPosts.length,
      postErrors: [...new Set(failedPosts.map(p => p.error as string))].slice(0, 5),
      expectedPairs,
      deliveredPairs,
      deliveryRatio: expectedPairs === 0 ? Number.NaN : deliveredPairs / expectedPairs,
      connectedPairs,
      connectedDelivered,
      connectedDeliveryRatio: connectedPairs === 0 ? Number.NaN : connectedDelivered / connectedPairs,
      byGossip,
      bySync,
      latency: lat,
      ideal: percentiles(ideals),
      excess: percentiles(excess),
      stretch: percentiles(stretch),
      duplicates,
      duplicatesPerDelivery: deliveredPairs === 0 ? Number.NaN : duplicates / deliveredPairs,
      byHops,
      byPhase: record.actions.some(a => a.kind === 'partition')
        ? (['whole', 'partitioned'] as const).map(phase => ({ phase, latency: percentiles(phaseLat[phase].lat), ideal: percentiles(phaseLat[phase].ideal) }))
        : [],
      lastDeliveryAt: Number.isFinite(lastDeliveryAt) ? Math.round(lastDeliveryAt) : Number.NaN,
      cdf
    },
    convergence: { truth: record.truthConvergence, ledger: record.ledgerConvergence },
    ledger: {
      writes: record.writes.filter(w => w.error == null).length,
      failed: record.writes.filter(w => w.error != null).length,
      errors: [...new Set(record.writes.filter(w => w.error != null).map(w => w.error as string))].slice(0, 5)
    },
    reroutes: record.reroutes,
    churn: { leaves: count('leave'), rejoins: count('rejoin'), joins: count('join'), kills: count('kill') },
    resources: {
      peakRssBytes: processRss.length > 0 ? processRss.reduce((a, b) => a + b, 0) : peakRss,
      rssPerNodeBytes: processRss.length > 0 ? processRss.reduce((a, b) => a + b, 0) / processRss.length : peakRss / peakLive,
      peakHeapUsedBytes: Math.max(0, ...samples.map(x => x.heapUsedBytes)),
      cpuMs: Math.round(cpuMs),
      cpuMsPerNodePerSecond: cpuMs / peakLive / runSeconds,
      cores: cpuMs / (runSeconds * 1000),
      eventLoopDelayP99MaxMs: Math.max(0, ...samples.map(x => x.eventLoopP99Ms)),
      eventLoopDelayMaxMs: Math.max(0, ...samples.map(x => x.eventLoopMaxMs)),
      traffic: record.traffic,
      services: record.serviceStats,
      perNode
    },
    timeline,
    actions: record.actions,
    notes: record.notes
  }
}

function upperBound (sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] <= x) { lo = mid + 1 } else { hi = mid }
  }
  return lo
}

function round (x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
