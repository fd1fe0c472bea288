/**
 * The in-process mode (the scale mode): every node is a real MeshNode (libp2p with
 * yamux, noise unless the scenario says otherwise, gossipsub, identify, ping, the truth
 * and routing services) in this one process, linked over the simulated network
 * (network/sim-network.ts), which gives each link its latency, jitter and loss and cuts
 * links for partitions and crashes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { plaintext } from '@libp2p/plaintext'
import { multiaddr } from '@multiformats/multiaddr'
import { createNodeSigner } from '../node/crypto.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { truthTopic } from '../protocol/truth/index.ts'
import { runOnVirtualClock } from './clock/virtual-clock.ts'
import { wallNow } from './clock/wall.ts'
import { createInProcessDriver } from './drivers/in-process.ts'
import { createLedgerDriver } from './ledger-driver.ts'
import { SimNetwork } from './network/sim-network.ts'
import { createCompactMemoryLevel, createKeyInterner, createValueArena } from './nodes/compact-memory-level.ts'
import { createMemoryLibp2p } from './nodes/memory-libp2p.ts'
import { createSharedVerifier } from './nodes/shared-verifier.ts'
import { createRandom } from './random.ts'
import { createRunBuffers, observations } from './record.ts'
import { buildSchedule } from './schedule.ts'
import { buildTopology, linkProfiles, shortestPaths } from './topology.ts'
import { postSeq, runWorkload } from './workload.ts'
import type { NodeDriver } from './drivers/driver.ts'
import type { LedgerDriver } from './ledger-driver.ts'
import type { Progress } from './progress.ts'
import type { HostInfo, RerouteRecord, RunRecord, Sample } from './record.ts'
import type { Scenario } from './scenario.ts'
import type { NetworkAction } from './schedule.ts'
import type { MeshNode } from '../protocol/mesh-node.ts'
import type { RoutingInit } from '../protocol/routing/index.ts'
import type { MeshDatabase } from '../protocol/storage/index.ts'
import type { TruthMessageEvent } from '../protocol/truth/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface RunOptions {
  onProgress?(p: Progress): void
  /** one-line notes while running (stderr in the CLI) */
  log?(line: string): void
  /** sampling period of the timeline, ms (default 250) */
  sampleMs?: number
}

interface LiveNode {
  index: number
  key: PrivateKey
  mesh?: MeshNode
  /** the workload's way into the node while it is up */
  driver?: NodeDriver
  db?: MeshDatabase
  dir?: string
  /** messages held (by sequence number) */
  held: Uint8Array
  heldCount: number
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export function hostInfo (): HostInfo {
  const c = cpus()
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    loadBefore: loadavg(),
    loadAfter: [],
    node: process.version,
    platform: `${process.platform} ${process.arch}`
  }
}

/** run `fn` over items with at most `limit` in flight */
export async function pool<T> (items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  })
  await Promise.all(workers)
}

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
  const topic = truthTopic(channel)
  const totalMessages = schedule.posts.length
  const notes: string[] = []
  const sampleMs = opts.sampleMs ?? Math.max(250, scenario.nodes)

  // identities from the seed: the same peer ids every run
  const krand = createRandom(scenario.seed, 'keys')
  const live: LiveNode[] = []
  for (let i = 0; i < schedule.totalNodes; i++) {
    live.push({ index: i, key: await generateKeyPairFromSeed('Ed25519', krand.bytes(32)), held: new Uint8Array(totalMessages), heldCount: 0 })
  }
  const buffers = createRunBuffers({
    peerIds: live.map(l => peerIdFromPrivateKey(l.key).toString()),
    initialNodes: scenario.nodes,
    plannedLinks: i => topology.degree(i),
    posts: schedule.posts,
    writes: schedule.writes
  })
  const { records, indexOf, posts, msgBySeq: postByContentSeq, writes, deliveries, actions, samples, reroutes, truthConvergence, ledgerConvergence } = buffers
  let posted = 0
  let heldPairs = 0

  // the run clock: 0 = workload start; set-up happens at negative times
  let t0 = performance.now() + 1e9
  const now = (): number => performance.now() - t0

  const ledger: LedgerDriver | undefined = scenario.workload.ledger != null ? createLedgerDriver() : undefined

  // every node verifies the same flooded records: one verifier for all, remembering its answers
  const verifier = createSharedVerifier()

  const dataRoot = scenario.stack.storage === 'leveldb' ? await mkdtemp(join(tmpdir(), 'liberation-sim-')) : undefined

  // the nodes' stores share identical keys (see compact-memory-level.ts)
  const storeKeys = createKeyInterner()
  const storeValues = createValueArena()
  async function startNode (i: number): Promise<void> {
    const l = live[i]
    const rec = records[i]
    network.bringUp(i)
    let db: MeshDatabase
    if (dataRoot != null) {
      l.dir ??= join(dataRoot, `n${i}`)
      db = await openNodeDatabase(l.dir)
    } else {
      // memory-level keeps its data across a stop/start only if the same instance is reused
      db = l.db ?? createCompactMemoryLevel({ keys: storeKeys, values: storeValues }) as unknown as MeshDatabase
      if (db.status === 'closed') { await db.open() }
    }
    l.db = db
    const libp2p = await createMemoryLibp2p({
      privateKey: l.key,
      name: network.address(i).slice('/memory/'.length),
      transport: network.transport(i),
      connectionEncrypter: scenario.stack.encryption === 'plaintext' ? plaintext() : undefined,
      dht: scenario.stack.dht,
      patient: true,
      maxConnections: Math.max(256, topology.degree(i) + 32),
      gossip: { overrides: { heartbeatInterval: scenario.stack.heartbeat, ...meshDegrees(scenario) } }
    })
    const mesh = createMeshNode({ libp2p, db, crypto: { signer: createNodeSigner(l.key), verifier } }, {
      // the harness wires the topology; nodes do not dial on their own
      connections: { minConnections: 0 },
      // nothing reads a simulated node's event history (no API): keep little of it, in
      // memory only, since a thousand nodes each holding the last 1,000 events (each truth
      // message among them) is gigabytes, and storing each event costs a write and a trim
      events: { historySize: 16, persist: false },
      truth: {
        channels: [channel],
        defaultChannels: [channel],
        sync: scenario.stack.truthSync
          ? (scenario.stack.truthSyncInterval != null ? { intervalMs: scenario.stack.truthSyncInterval, minGapMs: Math.min(2000, scenario.stack.truthSyncInterval) } : {})
          : { onConnect: false, intervalMs: 0 }
      },
      ledger: scenario.stack.ledgerSyncInterval != null ? { sync: { intervalMs: scenario.stack.ledgerSyncInterval } } : undefined,
      // a loaded host delays answers, it does not kill links: never close on lost probes
      routing: { deadAfterLosses: 0, ...scenario.stack.routing as RoutingInit | undefined }
    })
    // duplicates: gossipsub drops them before any validation; count where it reports them
    const score = (libp2p.services.pubsub as unknown as { score: { duplicateMessage(...args: any[]): void } }).score
    const original = score.duplicateMessage.bind(score)
    score.duplicateMessage = (...args: any[]) => { rec.duplicates++; original(...args) }
    mesh.truth.addEventListener('message', evt => { onTruth(i, evt.detail) })
    await mesh.start()
    ledger?.attach(i, mesh)
    l.mesh = mesh
    l.driver = createInProcessDriver(mesh)
    rec.startedAt ??= now()
    rec.up.push([now(), undefined])
  }

  function onTruth (i: number, m: TruthMessageEvent): void {
    const seq = postSeq(m.content)
    if (seq == null) { return }
    const msg = postByContentSeq.get(seq)
    if (msg == null) { return }
    const l = live[i]
    if (l.held[msg] === 1) { return }
    l.held[msg] = 1
    l.heldCount++
    heldPairs++
    if (m.origin === 'local') { return }
    deliveries.msg.push(msg)
    deliveries.node.push(i)
    deliveries.t.push(now())
    deliveries.origin.push(m.origin === 'sync' ? 1 : 0)
  }

  async function stopNode (i: number, how: 'crash' | 'graceful'): Promise<void> {
    const l = live[i]
    const rec = records[i]
    const last = rec.up[rec.up.length - 1]
    if (last != null && last[1] == null) { last[1] = now() }
    // a crash drops every link at once, as a dead host would; then free the node's resources
    if (how === 'crash') { network.takeDown(i) }
    const mesh = l.mesh
    l.mesh = undefined
    l.driver = undefined
    ledger?.detach(i)
    if (mesh != null) {
      // a node that does not stop within 10 s is left behind (its links are cut below)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        mesh.stop().catch(err => { log(`node ${i} stop: ${err.message}`) }),
        new Promise<void>(resolve => { timer = setTimeout(() => { log(`node ${i} did not stop within 10 s`); resolve() }, 10_000) })
      ])
      clearTimeout(timer)
      cancelAddressUpdate(mesh)
    }
    network.takeDown(i)
    if (dataRoot != null) { await l.db?.close() }
  }

  /** dial a planned link; a busy process can time a dial out, so try a few times */
  async function dialEdge (a: number, b: number, attempts = 3, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const ma = live[a].mesh
      if (ma == null || live[b].mesh == null || !network.reachable(a, b)) { return false }
      const left = deadline - performance.now()
      if (left < 100) { return false }
      const target = multiaddr(`${network.address(b)}/p2p/${records[b].peerId}`)
      try {
        await ma.libp2p.dial(target, { signal: AbortSignal.timeout(Math.floor(Math.min(30_000, left))) })
        return true
      } catch (err: any) {
        if (attempt === attempts) {
          log(`link ${a}-${b} failed ${attempts} times: ${err.message}`)
          dialFailures++
        }
      }
    }
    return false
  }
  let dialFailures = 0

  function connectedTo (i: number): Set<string> {
    return new Set(live[i].mesh?.libp2p.getPeers().map(p => p.toString()) ?? [])
  }

  // ---- set-up: start, link, wait for gossip meshes ----
  const setupStart = performance.now()
  const setupDeadline = setupStart + scenario.setupTimeout
  t0 = performance.now() + scenario.setupTimeout // provisional: set-up times come out negative
  const initial = Array.from({ length: scenario.nodes }, (_, i) => i)
  let started = 0
  await pool(initial, 16, async i => {
    await startNode(i)
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
    await dialEdge(a, b, 3, setupDeadline)
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
      const mesh = live[i].mesh
      if (mesh == null) { continue }
      if (r.linkedAt == null) {
        const peers = connectedTo(i)
        if (topology.neighbours(i).every(j => j >= scenario.nodes || peers.has(records[j].peerId))) { r.linkedAt = now() }
      }
      if (r.meshReadyAt == null && meshPeers(mesh, topic) >= wanted(i)) { r.meshReadyAt = now() }
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

  // ---- the timeline sampler ----
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  let lastCpu = process.cpuUsage()
  let ledgerDigestMs = 0
  function sample (): Sample {
    const cpu = process.cpuUsage()
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000
    lastCpu = cpu
    let liveNodes = 0
    let complete = 0
    for (const l of live) {
      if (l.mesh == null) { continue }
      liveNodes++
      if (l.heldCount >= posted) { complete++ }
    }
    let ledgerAgree = Number.NaN
    let ledgerStates = 0
    if (ledger != null) {
      const t = performance.now()
      const agree = ledger.agreement(live.filter(l => l.mesh != null).map(l => l.index))
      ledgerDigestMs += performance.now() - t
      ledgerAgree = agree.largest
      ledgerStates = agree.states
    }
    const mem = process.memoryUsage()
    const s: Sample = {
      t: now(),
      liveNodes,
      links: network.linkCount(),
      heldPairs,
      posted,
      truthComplete: complete,
      ledgerAgree,
      ledgerStates,
      eventLoopP50Ms: loop.percentile(50) / 1e6,
      eventLoopP99Ms: loop.percentile(99) / 1e6,
      eventLoopMaxMs: loop.max / 1e6,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuMs
    }
    loop.reset()
    samples.push(s)
    return s
  }
  const sampler = setInterval(() => { sample() }, sampleMs)

  // ---- the workload and network events ----
  const inflight = new Set<Promise<unknown>>()
  const track = (p: Promise<unknown>): void => {
    inflight.add(p)
    p.finally(() => inflight.delete(p)).catch(() => {})
  }
  // checking every node's state costs CPU in proportion to the node count: poll large meshes less often
  const convergencePollMs = Math.max(50, Math.ceil(schedule.totalNodes / 4))
  async function watchConvergence (healAt: number, out: { healAt: number, convergedMs?: number }, check: () => boolean, deadline: () => number): Promise<void> {
    while (now() < deadline()) {
      if (check()) { out.convergedMs = now() - healAt; return }
      await sleep(convergencePollMs)
    }
  }

  const truthComplete = (): boolean => live.every(l => l.mesh == null || l.heldCount >= posted)
  const ledgerComplete = (): boolean => ledger == null || ledger.agrees(live.filter(l => l.mesh != null).map(l => l.index))
  const settleDeadline = (): number => scenario.duration + scenario.settle

  async function measureReroute (a: Extract<NetworkAction, { kind: 'kill' }>): Promise<number | undefined> {
    const [from, to] = a.route as [number, number]
    const rec: RerouteRecord = { killed: -1, from, to, at: now(), before: [] }
    reroutes.push(rec)
    const src = live[from].mesh
    if (src == null || live[to].mesh == null) { rec.error = 'an end of the route is down'; return undefined }
    const route = src.routing.route(records[to].peerId)
    let path = route?.path.map(p => indexOf.get(p) ?? -1) ?? []
    if (path.length < 3) {
      // no multi-hop route known: take the middle of the shortest path in the graph
      path = shortestPaths(topology, from, linkOf, j => live[j].mesh != null).path(to)
      rec.error = route == null ? 'no route in the routing table at the kill; used the graph path' : undefined
    }
    rec.before = path
    if (path.length < 3) { rec.error = 'the two nodes are neighbours: nothing in between to kill'; return undefined }
    const victim = path[Math.floor((path.length - 1) / 2)]
    rec.killed = victim
    rec.at = now()
    records[victim].killed = true
    actions.push({ t: now(), kind: 'kill', nodes: [victim], detail: `on the route ${from}→${to}` })
    track(stopNode(victim, 'crash'))
    const victimId = records[victim].peerId
    const killedAt = now()
    // routing table: the first route that avoids the dead node
    track((async () => {
      while (now() - killedAt < 30_000 && live[from].mesh != null) {
        const r = live[from].mesh?.routing.route(records[to].peerId)
        if (r != null && !r.path.includes(victimId)) {
          rec.after = r.path.map(p => indexOf.get(p) ?? -1)
          rec.routeUpdatedMs = now() - killedAt
          return
        }
        await sleep(20)
      }
    })())
    // delivery: routed messages from the kill on until one is acknowledged
    track((async () => {
      let attempts = 0
      while (now() - killedAt < 30_000) {
        const m = live[from].mesh
        if (m == null) { return }
        attempts++
        try {
          await m.routing.send(records[to].peerId, new TextEncoder().encode(`reroute probe ${attempts}`), { timeoutMs: 5000 })
          rec.deliveredMs = now() - killedAt
          rec.attempts = attempts
          return
        } catch (err: any) {
          rec.error = err.message
          await sleep(50)
        }
      }
    })())
    return victim
  }

  let starting = 0
  async function doAction (a: NetworkAction): Promise<void> {
    switch (a.kind) {
      case 'partition':
        network.partition(a.side, schedule.totalNodes)
        actions.push({ t: now(), kind: 'partition', nodes: a.side, detail: `${a.side.length} nodes cut off until ${a.until} ms` })
        break
      case 'heal': {
        network.heal()
        const healAt = now()
        actions.push({ t: healAt, kind: 'heal', nodes: [] })
        // links cut by the partition come back (the nodes would redial; here the harness does)
        const relink = topology.edges.filter(([x, y]) => live[x].mesh != null && live[y].mesh != null &&
          !connectedTo(x).has(records[y].peerId))
        track(pool(relink, 32, async ([x, y]) => { await dialEdge(x, y) }))
        const tc = { healAt }
        truthConvergence.push(tc)
        track(watchConvergence(healAt, tc, truthComplete, settleDeadline))
        if (ledger != null) {
          const lc = { healAt }
          ledgerConvergence.push(lc)
          track(watchConvergence(healAt, lc, ledgerComplete, settleDeadline))
        }
        break
      }
      case 'kill':
        if (a.route != null) {
          await measureReroute(a)
        } else if (a.node != null && live[a.node].mesh != null) {
          records[a.node].killed = true
          actions.push({ t: now(), kind: 'kill', nodes: [a.node] })
          track(stopNode(a.node, 'crash'))
        }
        break
      case 'leave':
        if (live[a.node].mesh == null) { break }
        actions.push({ t: now(), kind: 'leave', nodes: [a.node], detail: a.how })
        track(stopNode(a.node, a.how))
        break
      case 'rejoin':
      case 'join': {
        if (records[a.node].killed || live[a.node].mesh != null) { break }
        actions.push({ t: now(), kind: a.kind, nodes: [a.node] })
        // a node coming up is not counted until it has started and linked: the run waits for it
        starting++
        track((async () => {
          try {
            await startNode(a.node)
            const links = topology.neighbours(a.node).filter(j => live[j].mesh != null)
            await pool(links, 8, async j => { await dialEdge(a.node, j) })
            records[a.node].linkedAt ??= now()
          } finally {
            starting--
          }
        })())
        break
      }
      default:
    }
  }

  sample()
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
    act: doAction,
    onPosted: d => { posted += d },
    progress,
    delivered: () => ({ delivered: heldPairs, expected: expectedPairs() })
  })
  const workloadEnd = now()

  function expectedPairs (): number {
    let n = 0
    for (const l of live) { if (l.mesh != null) { n += posted } }
    return n
  }

  // ---- settle: wait for delivery and convergence ----
  let settled = false
  const settleStart = now()
  while (now() - settleStart < scenario.settle) {
    const rerouting = reroutes.some(r => r.killed >= 0 && (r.routeUpdatedMs == null || r.deliveredMs == null) && r.error !== 'an end of the route is down' && now() - r.at < 30_000)
    if (starting === 0 && truthComplete() && ledgerComplete() && !rerouting && [...truthConvergence, ...ledgerConvergence].every(c => c.convergedMs != null)) {
      settled = true
      break
    }
    progress({ phase: 'settle', done: now() - settleStart, total: scenario.settle, t: now(), delivered: heldPairs, expected: expectedPairs() })
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
  if (dialFailures > 0) { notes.push(`${dialFailures} planned links could not be dialled (3 attempts of 30 s each)`) }
  // planned links (between live nodes) that are not up at the end: a sign of a harness or stack fault
  const missing: string[] = []
  for (const [a, b] of topology.edges) {
    if (live[a].mesh == null || live[b].mesh == null) { continue }
    if (!connectedTo(a).has(records[b].peerId)) { missing.push(`${a}-${b}`) }
  }
  if (missing.length > 0) { notes.push(`${missing.length} planned links down at the end: ${missing.slice(0, 10).join(' ')}`) }
  const thinMesh = live.filter(l => l.mesh != null && meshPeers(l.mesh, topic) < Math.min(wanted(l.index), connectedTo(l.index).size))
  if (thinMesh.length > 0) { notes.push(`${thinMesh.length} nodes with a gossip mesh smaller than their links allow at the end: ${thinMesh.slice(0, 10).map(l => `${l.index} (${meshPeers(l.mesh as MeshNode, topic)}/${connectedTo(l.index).size})`).join(' ')}`) }
  clearInterval(sampler)
  sample()
  loop.disable()
  if (ledgerDigestMs > 0) { notes.push(`ledger state digests took ${Math.round(ledgerDigestMs)} ms of the run's CPU`) }

  // ---- topology view: does each node's routing know the initial graph? ----
  progress({ phase: 'stop', done: 0, total: live.length, t: now() })
  let stopped = 0
  await pool(live.filter(l => l.mesh != null), 16, async l => {
    await stopNode(l.index, 'graceful')
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

/**
 * libp2p's address manager debounces a peer-store update when a transport closes and never
 * cancels it on stop: a timer that fires a second after the node stopped, into whatever
 * runs next in this process (the next scenario, on another clock). Cancel it.
 */
function cancelAddressUpdate (mesh: MeshNode): void {
  const components = (mesh.libp2p as unknown as { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?(): void } } } }).components
  components?.addressManager?._updatePeerStoreAddresses?.stop?.()
}

/** the scenario's gossipsub mesh degrees; Dout (gossipsub's 2) must stay under Dlo and at most D / 2 */
function meshDegrees (scenario: Scenario): Record<string, number> {
  const g = scenario.stack.gossip
  if (g == null) { return {} }
  return { ...g, Dout: g.Dout ?? Math.min(2, Math.floor(g.D / 2), g.Dlo - 1) }
}

/** gossipsub's mesh for a topic (the interface type does not list getMeshPeers) */
function meshPeers (mesh: MeshNode, topic: string): number {
  return (mesh.libp2p.services.pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(topic).length
}
