/**
 * The API runner: nodes driven only through their HTTP APIs (the API driver), whoever
 * started them. Two launchers: `local` (the multi-process mode: `liberation start`
 * processes on 127.0.0.1, each with its own LevelDB) and `attach` (nodes already running,
 * such as a cluster's pods, by their API URLs: `--attach nodes.json`). The runner wires
 * nothing itself: a node dials the neighbours its launcher gives it. It posts the
 * workload through the API, watches deliveries on each node's WebSocket feed, and reads
 * CPU and memory per process where the launcher can see them.
 *
 * Loopback has no per-link latency, loss or partitions without changing the host's
 * network for everyone; the local launcher refuses scenarios that ask for them.
 */
import { loadavg } from 'node:os'
import { createAttachLauncher } from './launchers/attach.ts'
import { createLocalLauncher } from './launchers/local.ts'
import { createRunBuffers, observations, recordHeld } from './record.ts'
import { hostInfo, pool, sleep } from './runner.ts'
import { ScenarioError } from './scenario.ts'
import { buildSchedule } from './schedule.ts'
import { buildTopology } from './topology.ts'
import { postSeq, runWorkload } from './workload.ts'
import type { ApiDriver } from './drivers/api.ts'
import type { AttachFile } from './launchers/attach.ts'
import type { Launcher } from './launchers/launcher.ts'
import type { Holdings, RerouteRecord, RunRecord } from './record.ts'
import type { RunOptions } from './runner.ts'
import type { Scenario } from './scenario.ts'
import type { NetworkAction } from './schedule.ts'
import type WebSocket from 'ws'

interface ApiNode extends Holdings {
  index: number
  peerId: string
  /** set while the node is up */
  api?: ApiDriver
}

function checkLocal (s: Scenario): void {
  const problems: string[] = []
  if (s.links.latency > 0 || s.links.jitter > 0 || s.links.loss > 0 || s.links.overrides.length > 0) { problems.push('links: per-link latency, jitter and loss need the in-process mode (loopback has none)') }
  if (s.partitions.length > 0) { problems.push('partitions: need the in-process mode') }
  if (s.stack.storage !== 'memory' && s.stack.storage !== 'leveldb') { problems.push('stack.storage') }
  if (problems.length > 0) { throw new ScenarioError(`scenario ${s.name} cannot run in multi-process mode:\n  ${problems.join('\n  ')}`) }
}

function checkAttached (s: Scenario, nodes: AttachFile): void {
  const problems: string[] = []
  if (nodes.api.length < s.nodes) { problems.push(`the nodes file lists ${nodes.api.length} nodes, the scenario has ${s.nodes}`) }
  if (s.churn != null || s.kills.length > 0) { problems.push('churn and kills: attached nodes are not the driver\'s to stop') }
  if (s.partitions.length > 0) { problems.push('partitions: the node API cannot cut links, and the attach driver does not apply NetworkPolicies yet (apply the rendered partitions/ by hand)') }
  if (problems.length > 0) { throw new ScenarioError(`scenario ${s.name} cannot run attached:\n  ${problems.join('\n  ')}`) }
}

/** the multi-process mode: the API runner over locally spawned node processes */
export async function runMultiProcess (scenario: Scenario, opts: RunOptions = {}): Promise<RunRecord> {
  checkLocal(scenario)
  const topology = buildTopology(scenario)
  const launcher = await createLocalLauncher({
    totalNodes: buildSchedule(scenario, topology).totalNodes,
    maxConnections: i => Math.max(64, topology.degree(i) + 16),
    dht: scenario.stack.dht
  })
  return runOverApi(scenario, launcher, 'multi-process', opts)
}

/** `--attach nodes.json`: the API runner over nodes that are already running */
export async function runAttached (scenario: Scenario, nodes: AttachFile, opts: RunOptions & { token?: string, readyTimeoutMs?: number } = {}): Promise<RunRecord> {
  checkAttached(scenario, nodes)
  const launcher = createAttachLauncher({ nodes, token: opts.token, readyTimeoutMs: opts.readyTimeoutMs })
  return runOverApi(scenario, launcher, 'attached', opts)
}

async function runOverApi (scenario: Scenario, launcher: Launcher, mode: 'multi-process' | 'attached', opts: RunOptions): Promise<RunRecord> {
  const wallStart = performance.now()
  const log = opts.log ?? (() => {})
  const progress = opts.onProgress ?? (() => {})
  const host = hostInfo()
  const topology = buildTopology(scenario)
  const schedule = buildSchedule(scenario, topology)
  const channel = scenario.workload.truth?.channel ?? 'social'
  const totalMessages = schedule.posts.length
  const notes: string[] = [...launcher.notes]
  const sampleMs = opts.sampleMs ?? 500

  const nodes: ApiNode[] = launcher.peerIds.slice(0, schedule.totalNodes).map((peerId, index) => ({ index, peerId, held: new Uint8Array(totalMessages), heldCount: 0 }))
  const buffers = createRunBuffers({
    peerIds: nodes.map(n => n.peerId),
    initialNodes: scenario.nodes,
    plannedLinks: i => topology.degree(i),
    posts: schedule.posts,
    writes: schedule.writes
  })
  const { records, indexOf, posts, msgBySeq, writes, deliveries, actions, samples, reroutes } = buffers
  let posted = 0
  let heldPairs = 0
  // run clock in wall time: nodes timestamp deliveries with their own Date.now() (same host)
  let t0Wall = Date.now() + 1e9
  const now = (): number => Date.now() - t0Wall

  function onEvent (i: number, raw: WebSocket.RawData): void {
    let msg: any
    try { msg = JSON.parse(raw.toString()) } catch { return }
    const ev = msg?.data
    if (msg?.type !== 'event' || ev?.category !== 'truth' || ev?.type !== 'message') { return }
    const m = ev.data
    const seq = typeof m?.content === 'string' ? postSeq(m.content) : undefined
    if (seq == null) { return }
    const k = msgBySeq.get(seq)
    if (k == null) { return }
    if (recordHeld(deliveries, nodes[i], i, k, String(m.origin), () => (typeof m.received_at === 'number' ? m.received_at : Date.now()) - t0Wall)) { heldPairs++ }
  }

  async function startNode (i: number, links: number[]): Promise<void> {
    const driver = await launcher.start(i, links)
    await driver.openFeed(data => { onEvent(i, data) })
    nodes[i].api = driver
    records[i].startedAt ??= now()
    records[i].up.push([now(), undefined])
  }

  async function stopNode (i: number, how: 'crash' | 'graceful'): Promise<void> {
    const n = nodes[i]
    if (n.api == null) { return }
    n.api.closeFeed()
    n.api = undefined
    const last = records[i].up[records[i].up.length - 1]
    if (last != null && last[1] == null) { last[1] = now() }
    await launcher.stop(i, how)
  }

  async function peersOf (i: number): Promise<Set<string>> {
    const n = nodes[i]
    if (n.api == null) { return new Set() }
    try {
      const page = await n.api.get('/api/v1/mesh/peers?limit=500')
      const items: any[] = page?.items ?? page?.peers ?? []
      return new Set(items.map(p => p.peer_id ?? p.peerId ?? p.id))
    } catch {
      return new Set()
    }
  }

  const cleanup = async (): Promise<void> => {
    for (const n of nodes) { n.api?.closeFeed() }
    await launcher.close()
  }

  try {
    // ---- set-up: start in index order, each bootstrapping to its lower neighbours ----
    const setupStart = performance.now()
    t0Wall = Date.now()
    for (let i = 0; i < scenario.nodes; i++) {
      await startNode(i, topology.neighbours(i).filter(j => j < i))
      progress({ phase: 'start', done: i + 1, total: scenario.nodes, t: 0 })
    }
    const startMs = performance.now() - setupStart
    log(`${scenario.nodes} nodes up in ${Math.round(startMs)} ms`)
    let timedOut = false
    const deadline = setupStart + scenario.setupTimeout
    while (true) {
      let linked = 0
      await pool(nodes.slice(0, scenario.nodes), 8, async n => {
        const r = records[n.index]
        if (r.linkedAt != null) { linked++; return }
        const peers = await peersOf(n.index)
        if (topology.neighbours(n.index).every(j => j >= scenario.nodes || peers.has(records[j].peerId))) { r.linkedAt = now(); linked++ }
      })
      progress({ phase: 'link', done: linked, total: scenario.nodes, t: 0 })
      if (linked === scenario.nodes) { break }
      if (performance.now() > deadline) {
        timedOut = true
        notes.push(`set-up timed out: ${linked}/${scenario.nodes} nodes had all their links after ${scenario.setupTimeout} ms`)
        break
      }
      await sleep(250)
    }
    const linkMs = performance.now() - setupStart - startMs
    // gossip meshes form on the heartbeat after subscriptions are exchanged
    await sleep(Math.max(1500, 2 * scenario.stack.heartbeat))
    const setupEnd = performance.now()
    const meshMs = setupEnd - setupStart - startMs - linkMs
    const shift = Date.now() - t0Wall
    t0Wall = Date.now()
    for (const r of records) {
      if (r.startedAt != null) { r.startedAt -= shift }
      if (r.linkedAt != null) { r.linkedAt -= shift }
      for (const u of r.up) { u[0] -= shift }
    }

    // ---- sampler ----
    const totalCpu = (): number => nodes.reduce((sum, n) => sum + (launcher.usage(n.index)?.cpuMs ?? 0), 0)
    let lastTotalCpu = totalCpu()
    const sampler = setInterval(() => {
      let rss = 0
      let liveNodes = 0
      let complete = 0
      for (const n of nodes) {
        if (n.api != null) {
          liveNodes++
          rss += launcher.usage(n.index)?.rssBytes ?? 0
          if (n.heldCount >= posted) { complete++ }
        }
      }
      const cpu = totalCpu()
      samples.push({
        t: now(),
        liveNodes,
        links: Number.NaN,
        heldPairs,
        posted,
        truthComplete: complete,
        ledgerAgree: Number.NaN,
        ledgerStates: 0,
        eventLoopP50Ms: Number.NaN,
        eventLoopP99Ms: Number.NaN,
        eventLoopMaxMs: Number.NaN,
        rssBytes: rss,
        heapUsedBytes: 0,
        cpuMs: cpu - lastTotalCpu
      })
      lastTotalCpu = cpu
    }, sampleMs)

    // ---- workload ----
    const inflight = new Set<Promise<unknown>>()
    const track = (p: Promise<unknown>): void => { inflight.add(p); p.finally(() => inflight.delete(p)).catch(() => {}) }
    async function measureReroute (from: number, to: number): Promise<void> {
      const rec: RerouteRecord = { killed: -1, from, to, at: now(), before: [] }
      reroutes.push(rec)
      const src = nodes[from]
      if (src.api == null || nodes[to].api == null) { rec.error = 'an end of the route is down'; return }
      const route = await src.api.get(`/api/v1/mesh/routes/${nodes[to].peerId}`).catch(() => undefined)
      const path: number[] = (route?.path ?? []).map((p: string) => indexOf.get(p) ?? -1)
      rec.before = path
      if (path.length < 3) { rec.error = 'no multi-hop route to cut'; return }
      const victim = path[Math.floor((path.length - 1) / 2)]
      rec.killed = victim
      records[victim].killed = true
      const killedAt = now()
      rec.at = killedAt
      actions.push({ t: killedAt, kind: 'kill', nodes: [victim], detail: `on the route ${from}→${to}` })
      await stopNode(victim, 'crash')
      const victimId = nodes[victim].peerId
      track((async () => {
        while (now() - killedAt < 30_000 && src.api != null) {
          const r = await src.api.get(`/api/v1/mesh/routes/${nodes[to].peerId}`).catch(() => undefined)
          if (r?.path != null && !r.path.includes(victimId)) {
            rec.after = r.path.map((p: string) => indexOf.get(p) ?? -1)
            rec.routeUpdatedMs = now() - killedAt
            return
          }
          await sleep(50)
        }
      })())
      track((async () => {
        let attempts = 0
        while (now() - killedAt < 30_000 && src.api != null) {
          attempts++
          try {
            await src.api.post('/api/v1/mesh/send', { target: nodes[to].peerId, payload: `reroute probe ${attempts}` })
            rec.deliveredMs = now() - killedAt
            rec.attempts = attempts
            return
          } catch (err: any) {
            rec.error = err.message
            await sleep(100)
          }
        }
      })())
    }

    async function doAction (a: NetworkAction): Promise<void> {
      switch (a.kind) {
        case 'kill':
          if (a.route != null) { await measureReroute(a.route[0], a.route[1]) } else if (a.node != null && nodes[a.node].api != null) {
            records[a.node].killed = true
            actions.push({ t: now(), kind: 'kill', nodes: [a.node] })
            await stopNode(a.node, 'crash')
          }
          break
        case 'leave':
          if (nodes[a.node].api == null) { break }
          actions.push({ t: now(), kind: 'leave', nodes: [a.node], detail: a.how })
          track(stopNode(a.node, a.how))
          break
        case 'rejoin':
        case 'join':
          if (records[a.node].killed || nodes[a.node].api != null) { break }
          actions.push({ t: now(), kind: a.kind, nodes: [a.node] })
          track(startNode(a.node, topology.neighbours(a.node)).catch(err => { notes.push(`node ${a.node} failed to ${a.kind}: ${err.message}`) }))
          break
        default:
      }
    }

    const expected = (): number => nodes.reduce((a, n) => a + (n.api != null ? posted : 0), 0)
    await runWorkload({
      schedule,
      driver: i => nodes[i].api,
      posts,
      writes,
      channel,
      postSize: scenario.workload.truth == null ? undefined : scenario.workload.truth.size,
      duration: scenario.duration,
      now,
      sleep,
      track,
      act: doAction,
      onPosted: d => { posted += d },
      progress,
      delivered: () => ({ delivered: heldPairs, expected: expected() })
    })
    const workloadEnd = now()

    // ---- settle ----
    let settled = false
    const settleStart = now()
    const truthComplete = (): boolean => nodes.every(n => n.api == null || n.heldCount >= posted)
    let ledgerAgreed = scenario.workload.ledger == null
    while (now() - settleStart < scenario.settle) {
      if (!ledgerAgreed) {
        const states = new Set<string>()
        await pool(nodes.filter(n => n.api != null), 8, async n => {
          const s = await n.api?.get('/api/v1/stats').catch(() => undefined)
          states.add(JSON.stringify({ h: s?.total_humans, a: s?.active_humans, d: s?.total_distributed }))
        })
        ledgerAgreed = states.size === 1
      }
      const rerouting = reroutes.some(r => r.killed >= 0 && (r.routeUpdatedMs == null || r.deliveredMs == null) && now() - r.at < 30_000)
      if (truthComplete() && ledgerAgreed && !rerouting && inflight.size === 0) { settled = true; break }
      progress({ phase: 'settle', done: now() - settleStart, total: scenario.settle, t: now(), delivered: heldPairs, expected: expected() })
      await sleep(250)
    }
    const end = now()
    clearInterval(sampler)

    // duplicates: the node's gossipsub runs without metrics, so they cannot be counted here
    notes.push('duplicates not measured over the API (the node exports no gossipsub duplicate counter)')
    for (const n of nodes) {
      const usage = launcher.usage(n.index)
      if (usage != null) {
        records[n.index].cpuMs = usage.cpuMs
        records[n.index].peakRssBytes = usage.peakRssBytes
      }
    }
    progress({ phase: 'stop', done: 0, total: nodes.length, t: now() })
    await Promise.allSettled([...inflight])
    await cleanup()
    host.loadAfter = loadavg()
    return {
      scenario,
      stack: launcher.stack,
      mode,
      startedAt: new Date(Date.now() - (performance.now() - wallStart)).toISOString(),
      host,
      setup: { startMs, linkMs, meshMs, totalMs: setupEnd - setupStart, timedOut },
      edges: topology.edges,
      ...observations(buffers),
      workloadEnd,
      end,
      settled,
      duplicatesMeasured: false,
      wallMs: performance.now() - wallStart,
      clock: 'real',
      notes
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
