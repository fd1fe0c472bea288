/**
 * The schedule of a run, fixed by the scenario and its seed before any node starts:
 * who posts when, who leaves, rejoins or joins when (and links to whom), which
 * partitions and kills happen. The same seed gives the same schedule.
 */
import { createRandom } from './random.ts'
import { resolveNodeSet } from './topology.ts'
import type { Scenario } from './scenario.ts'
import type { Topology } from './topology.ts'

export interface PostAction { t: number, node: number, seq: number }
export interface WriteAction { t: number, node: number, seq: number }

export type NetworkAction =
  | { t: number, kind: 'partition', side: number[], until: number, seq: number }
  | { t: number, kind: 'heal', seq: number }
  | { t: number, kind: 'kill', node?: number, route?: [number, number], seq: number }
  | { t: number, kind: 'leave', node: number, how: 'crash' | 'graceful' }
  | { t: number, kind: 'rejoin', node: number }
  | { t: number, kind: 'join', node: number, links: number[] }

export interface Schedule {
  posts: PostAction[]
  writes: WriteAction[]
  actions: NetworkAction[]
  /** nodes including those that join during the run */
  totalNodes: number
}

export function buildSchedule (scenario: Scenario, topology: Topology): Schedule {
  const n = scenario.nodes
  const actions: NetworkAction[] = []
  // partitions and kills
  const prand = createRandom(scenario.seed, 'partitions')
  scenario.partitions.forEach((p, seq) => {
    const side = resolveNodeSet(p.side, n, prand)
    actions.push({ t: p.at, kind: 'partition', side, until: p.at + p.duration, seq })
    actions.push({ t: p.at + p.duration, kind: 'heal', seq })
  })
  scenario.kills.forEach((k, seq) => {
    actions.push({ t: k.at, kind: 'kill', node: k.node, route: k.route, seq })
  })

  // churn: replay leaves, rejoins and joins in time order so each pick sees who is up then
  let totalNodes = n
  const churn = scenario.churn
  if (churn != null && (churn.leaveRate > 0 || churn.joinRate > 0)) {
    const crand = createRandom(scenario.seed, 'churn')
    const end = churn.end ?? scenario.duration
    const protect = new Set(churn.protect == null ? [] : resolveNodeSet(churn.protect, n, crand))
    for (const k of scenario.kills) { if (k.node != null) { protect.add(k.node) } }
    for (const k of scenario.kills) { if (k.route != null) { protect.add(k.route[0]); protect.add(k.route[1]) } }
    type Ev = { t: number, kind: 'leave' | 'rejoin' | 'join', node?: number }
    const pending: Ev[] = []
    const arrivals = (rate: number, kind: 'leave' | 'join'): void => {
      if (rate <= 0) { return }
      for (let t = churn.start + crand.exponential(1000 / rate); t < end; t += crand.exponential(1000 / rate)) {
        pending.push({ t: Math.round(t), kind })
      }
    }
    arrivals(churn.leaveRate, 'leave')
    arrivals(churn.joinRate, 'join')
    const up = new Set(Array.from({ length: n }, (_, i) => i))
    const killed = new Set(scenario.kills.flatMap(k => k.node != null ? [k.node] : []))
    while (pending.length > 0) {
      pending.sort((a, b) => a.t - b.t)
      const ev = pending.shift() as Ev
      if (ev.kind === 'leave') {
        const candidates = [...up].filter(i => !protect.has(i) && !killed.has(i))
        // keep at least two nodes up
        if (candidates.length === 0 || up.size <= 2) { continue }
        const node = crand.pick(candidates)
        up.delete(node)
        actions.push({ t: ev.t, kind: 'leave', node, how: churn.how })
        if (churn.downtime != null) { pending.push({ t: ev.t + churn.downtime, kind: 'rejoin', node }) }
      } else if (ev.kind === 'rejoin') {
        up.add(ev.node as number)
        actions.push({ t: ev.t, kind: 'rejoin', node: ev.node as number })
      } else {
        const node = totalNodes++
        const links = crand.shuffle([...up]).slice(0, churn.joinDegree)
        topology.addNode()
        for (const l of links) { topology.addEdge(node, l) }
        up.add(node)
        actions.push({ t: ev.t, kind: 'join', node, links })
      }
    }
  }
  actions.sort((a, b) => a.t - b.t)

  // who is up when, for picking posters and writers
  const upAt = upTimeline(n, actions)
  const posts: PostAction[] = []
  const truth = scenario.workload.truth
  if (truth != null) {
    const rand = createRandom(scenario.seed, 'posts')
    const posters = resolveNodeSet(truth.posters, n, rand)
    const count = truth.messages ?? Math.max(1, Math.floor((scenario.duration - truth.start) * truth.rate / 1000))
    for (let seq = 0; seq < count; seq++) {
      const t = Math.round(truth.start + seq * 1000 / truth.rate)
      const candidates = posters.filter(i => upAt(i, t))
      if (candidates.length === 0) { continue }
      posts.push({ t, node: rand.pick(candidates), seq })
    }
  }
  const writes: WriteAction[] = []
  const ledger = scenario.workload.ledger
  if (ledger != null) {
    const rand = createRandom(scenario.seed, 'ledger')
    const writers = resolveNodeSet(ledger.writers, n, rand)
    const count = ledger.writes ?? Math.max(1, Math.floor((scenario.duration - ledger.start) * ledger.rate / 1000))
    for (let seq = 0; seq < count; seq++) {
      const t = Math.round(ledger.start + seq * 1000 / ledger.rate)
      const candidates = writers.filter(i => upAt(i, t))
      if (candidates.length === 0) { continue }
      writes.push({ t, node: rand.pick(candidates), seq })
    }
  }
  return { posts, writes, actions, totalNodes }
}

/** is node i up at time t (ignoring partitions, which cut links but keep nodes up)? */
function upTimeline (n: number, actions: NetworkAction[]): (i: number, t: number) => boolean {
  const changes = new Map<number, Array<{ t: number, up: boolean }>>()
  const note = (i: number, t: number, up: boolean): void => {
    let list = changes.get(i)
    if (list == null) { list = []; changes.set(i, list) }
    list.push({ t, up })
  }
  for (const a of actions) {
    if (a.kind === 'leave') { note(a.node, a.t, false) } else if (a.kind === 'rejoin') { note(a.node, a.t, true) } else if (a.kind === 'kill' && a.node != null) { note(a.node, a.t, false) }
  }
  return (i, t) => {
    if (i >= n) { return false }
    let up = true
    for (const c of changes.get(i) ?? []) { if (c.t <= t) { up = c.up } }
    return up
  }
}
