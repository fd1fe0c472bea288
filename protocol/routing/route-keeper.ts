/**
 * The route table: recomputed from the topology graph shortly after a change (batching
 * bursts), or at once when asked for while stale. Each recomputation is compared with
 * the last: changed routes become `route:changed` events (at most maxRouteEvents per
 * recomputation), and changes that matter to the neighbours' far tables are passed on as
 * a reason to send them (a lost route, a new or much worse one, or a moved cost).
 */
import type { RouteChange } from './api.ts'
import type { RoutingContext } from './context.ts'
import type { RouteTable } from './route-table.ts'

/** why the far tables should go out: see TopologyExchange.scheduleReach */
export type FarChange = 'retraction' | 'membership' | 'cost'

export interface RouteKeeper {
  /** the table for the graph as it is now */
  current(): RouteTable
  /** recompute soon (recomputeDelayMs), once for a burst of changes */
  schedule(): void
  stop(): void
}

export interface RouteKeeperEvents {
  routeChanged(change: RouteChange): void
  /** more changes than maxRouteEvents in one recomputation: how many in all */
  manyChanged(changed: number): void
  farChanged(reason: FarChange): void
}

export function createRouteKeeper (ctx: RoutingContext, on: RouteKeeperEvents): RouteKeeper {
  const { graph, clock, cfg, counters } = ctx
  let table = graph.compute(clock.now())
  let tableVersion = -1
  let timer: unknown

  function recompute (): void {
    const now = clock.now()
    graph.prune(now)
    const started = performance.now()
    const previous = table
    const version = graph.version
    const next = graph.compute(now)
    counters.lastComputeMs = performance.now() - started
    counters.recomputations++
    table = next
    tableVersion = version
    diff(previous, next)
  }

  function diff (previous: RouteTable, next: RouteTable): void {
    let emitted = 0
    let changedFar = false
    let newFar = false
    let lost = false
    const emit = (change: RouteChange): void => {
      if (emitted++ >= cfg.maxRouteEvents) { return }
      on.routeChanged(change)
    }
    const seen = new Set<string>()
    for (const target of next.targets()) {
      seen.add(target)
      const now = next.summary(target)
      const before = previous.summary(target)
      if (now == null) { continue }
      if (now.hops >= cfg.scope || now.kind === 'distance-vector') {
        if (before == null) { newFar = true } else if (Math.abs(before.cost - now.cost) > 1) { changedFar = true }
      }
      if (before != null && before.nextHop === now.nextHop && before.hops === now.hops && before.kind === now.kind) { continue }
      // a route that got significantly worse through another next hop is news for the
      // neighbours soon, though not a retraction (traffic still flows through us, and
      // under load RTT noise makes this happen all the time); a swap to a next hop about
      // as good waits for the next send
      if (before != null && before.nextHop !== now.nextHop && now.cost - before.cost >= cfg.significantCostChange * before.cost) { newFar = true }
      emit({ target, route: next.route(target), previous: before == null ? undefined : { nextHop: before.nextHop, hops: before.hops, cost: before.cost, kind: before.kind } })
    }
    for (const target of previous.targets()) {
      if (seen.has(target)) { continue }
      const before = previous.summary(target)
      if (before == null) { continue }
      changedFar = true
      lost = true
      emit({ target, previous: { nextHop: before.nextHop, hops: before.hops, cost: before.cost, kind: before.kind } })
    }
    if (emitted > cfg.maxRouteEvents) { on.manyChanged(emitted) }
    if (lost) { on.farChanged('retraction') } else if (newFar) { on.farChanged('membership') } else if (changedFar) { on.farChanged('cost') }
  }

  return {
    current () {
      if (tableVersion !== graph.version) { recompute() }
      return table
    },
    schedule () {
      if (!ctx.running() || timer != null) { return }
      timer = clock.setTimeout(() => {
        timer = undefined
        recompute()
      }, cfg.recomputeDelayMs)
    },
    stop () {
      if (timer != null) { clock.clearTimeout(timer) }
      timer = undefined
    }
  }
}
