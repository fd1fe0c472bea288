/**
 * The in-process run's network events: partitions and heals on the simulated network,
 * kills (with the reroute they measure), leaves, joins and rejoins, each recorded in the
 * run's buffers.
 */
import { pool, sleep } from '../runner.ts'
import { shortestPaths } from '../topology.ts'
import type { SimNodes } from './nodes.ts'
import type { SimNetwork } from '../network/sim-network.ts'
import type { RerouteRecord, RunBuffers } from '../record.ts'
import type { NetworkAction } from '../schedule.ts'
import type { LinkProfile, Topology } from '../topology.ts'

export interface NetworkActionsInit {
  nodes: SimNodes
  network: SimNetwork
  topology: Topology
  linkOf(a: number, b: number): LinkProfile
  buffers: RunBuffers
  /** nodes in the schedule, initial and joining */
  totalNodes: number
  now(): number
  /** keep a background task for the run to wait on before it ends */
  track(p: Promise<unknown>): void
  /** whether every live node holds every posted message / agrees on the ledger */
  truthComplete(): boolean
  ledgerComplete?(): boolean
  /** run time after which convergence is no longer watched */
  settleDeadline(): number
  /** run ms between convergence checks */
  pollMs: number
}

export interface NetworkActions {
  act(a: NetworkAction): Promise<void>
  /** nodes started by a join or rejoin that have not linked yet */
  readonly starting: number
}

export function createNetworkActions (init: NetworkActionsInit): NetworkActions {
  const { nodes, network, topology, buffers, now, track } = init
  const { live } = nodes
  const { records, indexOf, actions, reroutes } = buffers
  let starting = 0

  async function watchConvergence (healAt: number, out: { healAt: number, convergedMs?: number }, check: () => boolean): Promise<void> {
    while (now() < init.settleDeadline()) {
      if (check()) { out.convergedMs = now() - healAt; return }
      await sleep(init.pollMs)
    }
  }

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
      path = shortestPaths(topology, from, init.linkOf, j => live[j].mesh != null).path(to)
      rec.error = route == null ? 'no route in the routing table at the kill; used the graph path' : undefined
    }
    rec.before = path
    if (path.length < 3) { rec.error = 'the two nodes are neighbours: nothing in between to kill'; return undefined }
    const victim = path[Math.floor((path.length - 1) / 2)]
    rec.killed = victim
    rec.at = now()
    records[victim].killed = true
    actions.push({ t: now(), kind: 'kill', nodes: [victim], detail: `on the route ${from}→${to}` })
    track(nodes.stop(victim, 'crash'))
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

  function heal (): void {
    network.heal()
    const healAt = now()
    actions.push({ t: healAt, kind: 'heal', nodes: [] })
    // links cut by the partition come back (the nodes would redial; here the harness does)
    const relink = topology.edges.filter(([x, y]) => live[x].mesh != null && live[y].mesh != null &&
      !nodes.connectedTo(x).has(records[y].peerId))
    track(pool(relink, 32, async ([x, y]) => { await nodes.dial(x, y) }))
    const tc = { healAt }
    buffers.truthConvergence.push(tc)
    track(watchConvergence(healAt, tc, init.truthComplete))
    if (init.ledgerComplete != null) {
      const lc = { healAt }
      buffers.ledgerConvergence.push(lc)
      track(watchConvergence(healAt, lc, init.ledgerComplete))
    }
  }

  /** a node coming up is not counted until it has started and linked: the run waits for it */
  function join (node: number): void {
    starting++
    track((async () => {
      try {
        await nodes.start(node)
        const links = topology.neighbours(node).filter(j => live[j].mesh != null)
        await pool(links, 8, async j => { await nodes.dial(node, j) })
        records[node].linkedAt ??= now()
      } finally {
        starting--
      }
    })())
  }

  async function act (a: NetworkAction): Promise<void> {
    switch (a.kind) {
      case 'partition':
        network.partition(a.side, init.totalNodes)
        actions.push({ t: now(), kind: 'partition', nodes: a.side, detail: `${a.side.length} nodes cut off until ${a.until} ms` })
        break
      case 'heal':
        heal()
        break
      case 'kill':
        if (a.route != null) {
          await measureReroute(a)
        } else if (a.node != null && live[a.node].mesh != null) {
          records[a.node].killed = true
          actions.push({ t: now(), kind: 'kill', nodes: [a.node] })
          track(nodes.stop(a.node, 'crash'))
        }
        break
      case 'leave':
        if (live[a.node].mesh == null) { break }
        actions.push({ t: now(), kind: 'leave', nodes: [a.node], detail: a.how })
        track(nodes.stop(a.node, a.how))
        break
      case 'rejoin':
      case 'join':
        if (records[a.node].killed || live[a.node].mesh != null) { break }
        actions.push({ t: now(), kind: a.kind, nodes: [a.node] })
        join(a.node)
        break
      default:
    }
  }

  return { act, get starting () { return starting } }
}
