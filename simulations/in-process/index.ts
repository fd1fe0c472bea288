/**
 * The in-process mode (the scale mode): every node is a real MeshNode (libp2p with
 * yamux, noise unless the scenario says otherwise, gossipsub, identify, ping, the truth
 * and routing services) in this one process, linked over the simulated network
 * (network/sim-network.ts), which gives each link its latency, jitter and loss and cuts
 * links for partitions and crashes. This module runs the scenario: set-up, workload,
 * settle; the nodes, the network events and the timeline are in their own modules.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { freemem, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { runOnVirtualClock } from '../clock/virtual-clock.ts'
import { wallNow } from '../clock/wall.ts'
import { createLedgerDriver } from '../ledger-driver.ts'
import { SimNetwork } from '../network/sim-network.ts'
import { createRandom } from '../random.ts'
import { createRunBuffers, observations } from '../record.ts'
import { hostInfo, pool, sleep } from '../runner.ts'
import { buildSchedule } from '../schedule.ts'
import { buildTopology, linkProfiles } from '../topology.ts'
import { runWorkload } from '../workload.ts'
import { createNetworkActions } from './actions.ts'
import { createSimNodes, seededKeys } from './nodes.ts'
import { createSampler } from './sampler.ts'
import type { LedgerDriver } from '../ledger-driver.ts'
import type { RunRecord } from '../record.ts'
import type { RunOptions } from '../runner.ts'
import type { Scenario } from '../scenario.ts'

export function stackLabel (scenario: Scenario): string {
  const enc = scenario.stack.encryption === 'noise' ? 'noise' : 'PLAINTEXT (sim-only, no encryption)'
  const clock = scenario.clock === 'virtual'
    ? 'virtual clock (processing takes no simulated time; real CPU reported apart)'
    : 'wall clock (processing delays included)'
  const g = scenario.stack.gossip
  const gossip = g == null ? 'gossipsub' : `gossipsub (D ${g.D}, Dlo ${g.Dlo}, Dhi ${g.Dhi})`
  const routing = scenario.stack.routing == null ? 'routing' : `routing (${Object.entries(scenario.stack.routing).map(([k, v]) => `${k} ${v}`).join(', ')})`
  return `in-process: js-libp2p ${enc} + yamux + ${gossip}, truth + ${routing} services, ${scenario.stack.storage === 'memory' ? 'memory-level' : 'LevelDB'} storage, simulated links, ${clock}`
}

export async function runInProcess (scenario: Scenario, opts: RunOptions = {}): Promise<RunRecord> {
  if (scenario.clock === 'real') { return runNodes(scenario, opts) }
  const startedAt = new Date().toISOString()
  const log = opts.log ?? (() => {})
  let timerErrors = 0
  const { value: record, stats } = await runOnVirtualClock(async () => runNodes(scenario, opts), {
    random: createRandom(scenario.seed, 'protocol'),
    onError: err => { if (timerErrors++ < 10) { log(`a timer threw: ${(err as Error)?.stack ?? String(err)}`) } }
  })
  if (timerErrors > 0) { record.notes.push(`${timerErrors} timer callbacks threw (in real Node they would be uncaught exceptions)`) }
  record.startedAt = startedAt
  record.wallMs = stats.wallMs
  if (record.cpu != null) { record.cpu.events = stats.events }
  return record
}

async function runNodes (scenario: Scenario, opts: RunOptions): Promise<RunRecord> {
  const wallStart = wallNow()
  const log = opts.log ?? (() => {})
  const progress = opts.onProgress ?? (() => {})
  const host = hostInfo()
  const topology = buildTopology(scenario)
  const schedule = buildSchedule(scenario, topology)
  const linkOf = linkProfiles(scenario)
  const network = new SimNetwork({ linkOf, random: createRandom(scenario.seed, 'links') })
  const channel = scenario.workload.truth?.channel ?? 'social'
  const notes: string[] = []
  const sampleMs = opts.sampleMs ?? Math.max(250, scenario.nodes)

  const keys = await seededKeys(scenario.seed, schedule.totalNodes)
  const buffers = createRunBuffers({
    peerIds: keys.map(k => peerIdFromPrivateKey(k).toString()),
    initialNodes: scenario.nodes,
    plannedLinks: i => topology.degree(i),
    posts: schedule.posts,
    writes: schedule.writes
  })
  const { records, posts, writes, deliveries, truthConvergence, ledgerConvergence, reroutes } = buffers
  let posted = 0

  // the run clock: 0 = workload start; set-up happens at negative times
  let t0 = performance.now() + 1e9
  const now = (): number => performance.now() - t0

  const ledger: LedgerDriver | undefined = scenario.workload.ledger != null ? createLedgerDriver() : undefined
  const dataRoot = scenario.stack.storage === 'leveldb' ? await mkdtemp(join(tmpdir(), 'liberation-sim-')) : undefined
  const nodes = createSimNodes({ scenario, topology, network, buffers, keys, channel, ledger, dataRoot, now, log })
  const { live } = nodes

  // ---- set-up: start, link, wait for gossip meshes ----
  const setupStart = performance.now()
  const setupDeadline = setupStart + scenario.setupTimeout
  t0 = performance.now() + scenario.setupTimeout // provisional: set-up times come out negative
  const initial = Array.from({ length: scenario.nodes }, (_, i) => i)
  let started = 0
  await pool(initial, 16, async i => {
    await nodes.start(i)
    started++
    progress({ phase: 'start', done: started, total: scenario.nodes, t: 0 })
  })
  const startMs = performance.now() - setupStart
  log(`${scenario.nodes} nodes started in ${Math.round(startMs)} ms`)

  const initialEdges = topology.edges.filter(([a, b]) => a < scenario.nodes && b < scenario.nodes)
  let linked = 0
  // on the wall clock a bounded number of dials in flight, each costing a handshake, identify
  // and the services' syncs; on the virtual clock CPU takes no simulated time, and linking in
  // one wave spares the routing service the far-table rounds of a mesh that grows for tens of
  // simulated seconds (each round costs every node its whole table)
  await pool(initialEdges, scenario.clock === 'virtual' ? 4096 : 12, async ([a, b]) => {
    await nodes.dial(a, b, 3, setupDeadline)
    linked++
    progress({ phase: 'link', done: linked, total: initialEdges.length, t: 0 })
  })
  const linkMs = performance.now() - setupStart - startMs

  // discovery: each node's planned links up; readiness: a gossip mesh on the channel
  let timedOut = false
  // gossipsub keeps at least Dlo peers in a mesh (4 unless the scenario lowers it)
  const wanted = (i: number): number => Math.min(topology.degree(i), scenario.stack.gossip?.Dlo ?? 4)
  while (true) {
    let ready = 0
    for (const i of initial) {
      const r = records[i]
      if (live[i].mesh == null) { continue }
      if (r.linkedAt == null) {
        const peers = nodes.connectedTo(i)
        if (topology.neighbours(i).every(j => j >= scenario.nodes || peers.has(records[j].peerId))) { r.linkedAt = now() }
      }
      if (r.meshReadyAt == null && nodes.meshPeers(i) >= wanted(i)) { r.meshReadyAt = now() }
      if (r.linkedAt != null && r.meshReadyAt != null) { ready++ }
    }
    progress({ phase: 'mesh', done: ready, total: scenario.nodes, t: 0 })
    if (ready === scenario.nodes) { break }
    if (performance.now() > setupDeadline) {
      timedOut = true
      notes.push(`set-up timed out: ${ready}/${scenario.nodes} nodes linked and with a gossip mesh after ${scenario.setupTimeout} ms`)
      break
    }
    await sleep(100)
  }
  const setupEnd = performance.now()
  const meshMs = setupEnd - setupStart - startMs - linkMs
  // re-base the run clock on the workload start
  const shift = setupEnd - t0
  t0 = setupEnd
  for (const r of records) {
    if (r.startedAt != null) { r.startedAt -= shift }
    if (r.linkedAt != null) { r.linkedAt -= shift }
    if (r.meshReadyAt != null) { r.meshReadyAt -= shift }
    for (const u of r.up) { u[0] -= shift }
  }
  log(`set-up done in ${Math.round(setupEnd - setupStart)} ms (start ${Math.round(startMs)}, link ${Math.round(linkMs)}, mesh ${Math.round(meshMs)})`)

  const sampler = createSampler({ nodes, network, ledger, samples: buffers.samples, posted: () => posted, now, sampleMs })
  sampler.start()

  // ---- the workload and network events ----
  const inflight = new Set<Promise<unknown>>()
  const track = (p: Promise<unknown>): void => {
    inflight.add(p)
    p.finally(() => inflight.delete(p)).catch(() => {})
  }
  const truthComplete = (): boolean => live.every(l => l.mesh == null || l.heldCount >= posted)
  const ledgerComplete = (): boolean => ledger == null || ledger.agrees(live.filter(l => l.mesh != null).map(l => l.index))
  // checking every node's state costs CPU in proportion to the node count: poll large meshes less often
  const convergencePollMs = Math.max(50, Math.ceil(schedule.totalNodes / 4))
  const networkActions = createNetworkActions({
    nodes,
    network,
    topology,
    linkOf,
    buffers,
    totalNodes: schedule.totalNodes,
    now,
    track,
    truthComplete,
    ledgerComplete: ledger != null ? ledgerComplete : undefined,
    settleDeadline: () => scenario.duration + scenario.settle,
    pollMs: convergencePollMs
  })

  function expectedPairs (): number {
    let n = 0
    for (const l of live) { if (l.mesh != null) { n += posted } }
    return n
  }

  sampler.sample()
  const cpuStart = process.cpuUsage()
  await runWorkload({
    schedule,
    driver: i => live[i].driver,
    posts,
    writes,
    channel,
    postSize: scenario.workload.truth?.size,
    duration: scenario.duration,
    now,
    sleep,
    track,
    act: networkActions.act,
    onPosted: d => { posted += d },
    progress,
    delivered: () => ({ delivered: nodes.heldPairs, expected: expectedPairs() })
  })
  const workloadEnd = now()

  // ---- settle: wait for delivery and convergence ----
  let settled = false
  const settleStart = now()
  while (now() - settleStart < scenario.settle) {
    const rerouting = reroutes.some(r => r.killed >= 0 && (r.routeUpdatedMs == null || r.deliveredMs == null) && r.error !== 'an end of the route is down' && now() - r.at < 30_000)
    if (networkActions.starting === 0 && truthComplete() && ledgerComplete() && !rerouting && [...truthConvergence, ...ledgerConvergence].every(c => c.convergedMs != null)) {
      settled = true
      break
    }
    progress({ phase: 'settle', done: now() - settleStart, total: scenario.settle, t: now(), delivered: nodes.heldPairs, expected: expectedPairs() })
    await sleep(Math.max(100, convergencePollMs))
  }
  const end = now()
  const cpuUsed = process.cpuUsage(cpuStart)
  const workloadCpuMs = (cpuUsed.user + cpuUsed.system) / 1000
  // what the services sent, summed over the live nodes: where the traffic and CPU went
  const serviceStats: Record<string, number> = {}
  const add = (k: string, v: number): void => { serviceStats[k] = (serviceStats[k] ?? 0) + v }
  for (const l of live) {
    if (l.mesh == null) { continue }
    const r = l.mesh.routing.stats()
    add('routingBeaconsSent', r.beaconsSent)
    add('routingBeaconsAccepted', r.beaconsAccepted)
    add('routingUpdatesSent', r.updatesSent)
    add('routingUpdateBytesSent', r.updateBytesSent)
    add('routingFarTablesSent', r.farTablesSent)
    add('routingFarTableBytesSent', r.farTableBytesSent)
    add('routingRecomputations', r.recomputations)
    add('truthSyncs', l.mesh.truth.stats().syncs)
  }
  if (nodes.dialFailures > 0) { notes.push(`${nodes.dialFailures} planned links could not be dialled (3 attempts of 30 s each)`) }
  // planned links (between live nodes) that are not up at the end: a sign of a harness or stack fault
  const missing: string[] = []
  for (const [a, b] of topology.edges) {
    if (live[a].mesh == null || live[b].mesh == null) { continue }
    if (!nodes.connectedTo(a).has(records[b].peerId)) { missing.push(`${a}-${b}`) }
  }
  if (missing.length > 0) { notes.push(`${missing.length} planned links down at the end: ${missing.slice(0, 10).join(' ')}`) }
  const thinMesh = live.filter(l => l.mesh != null && nodes.meshPeers(l.index) < Math.min(wanted(l.index), nodes.connectedTo(l.index).size))
  if (thinMesh.length > 0) { notes.push(`${thinMesh.length} nodes with a gossip mesh smaller than their links allow at the end: ${thinMesh.slice(0, 10).map(l => `${l.index} (${nodes.meshPeers(l.index)}/${nodes.connectedTo(l.index).size})`).join(' ')}`) }
  sampler.stop()
  if (sampler.ledgerDigestMs > 0) { notes.push(`ledger state digests took ${Math.round(sampler.ledgerDigestMs)} ms of the run's CPU`) }

  progress({ phase: 'stop', done: 0, total: live.length, t: now() })
  let stopped = 0
  await pool(live.filter(l => l.mesh != null), 16, async l => {
    await nodes.stop(l.index, 'graceful')
    stopped++
    progress({ phase: 'stop', done: stopped, total: live.length, t: now() })
  })
  await Promise.allSettled([...inflight])
  if (dataRoot == null) { await Promise.allSettled(live.map(async l => l.db?.close())) } else { await rm(dataRoot, { recursive: true, force: true }) }
  host.loadAfter = loadavg()
  if (freemem() < 256 * 1024 * 1024) { notes.push(`free memory fell to ${Math.round(freemem() / 1024 / 1024)} MB`) }

  return {
    scenario,
    stack: stackLabel(scenario),
    mode: 'in-process',
    startedAt: new Date(Date.now() - (wallNow() - wallStart)).toISOString(),
    host,
    setup: { startMs, linkMs, meshMs, totalMs: setupEnd - setupStart, timedOut },
    edges: topology.edges,
    ...observations(buffers),
    workloadEnd,
    end,
    settled,
    traffic: { ...network.stats },
    duplicatesMeasured: true,
    serviceStats,
    wallMs: wallNow() - wallStart,
    clock: scenario.clock,
    cpu: { workloadMs: workloadCpuMs, perDeliveryMs: deliveries.t.length > 0 ? workloadCpuMs / deliveries.t.length : 0 },
    notes
  }
}
