/**
 * Paths over the link-state zone: Dijkstra from this node over the confirmed links of the
 * beacons in scope, on typed arrays (the beacon store's node indices).
 *
 * A link counts only when it is confirmed (OLSR's and Babel's symmetric-link rule): this
 * node measured it itself, or both ends' current beacons list each other. Its cost is the
 * worse of the two claims. A signed beacon proves who claims a link, not that the link
 * exists: a hostile node listing a link to T at a tiny cost attracts no route to T unless
 * T's own beacon confirms the link.
 */
import { linkCost, linkLatency, linkReliability } from './health.ts'
import { MinHeap, sortedIndex } from './typed-search.ts'
import type { BeaconStore } from './beacon-store.ts'
import type { LinkQuality } from './health.ts'
import type { ComputeOptions } from './route-table.ts'

/** per node index: the path's cost, previous hop, hops, latency and delivery ratio */
export interface LinkStatePaths {
  dist: Float64Array
  prev: Int32Array
  hops: Int32Array
  latency: Float64Array
  reliability: Float64Array
}

/**
 * Origins whose beacons we can trust to be current: those within their own scope of us
 * (hop distance ≤ the beacon's scope), found by a breadth-first walk that only expands
 * such origins. A node that drifted out of scope (a shortcut died) stops sending us its
 * beacon; its last one must not keep dead links alive until it ages out.
 */
function scopeFilter (store: BeaconStore<unknown>, localLinks: ReadonlyMap<string, LinkQuality>): Uint8Array {
  const n = store.nodeIds.length
  const level = new Int32Array(n).fill(-1)
  const inScope = new Uint8Array(n)
  level[0] = 0
  let frontier: number[] = []
  for (const peer of localLinks.keys()) {
    const p = store.nodeIndex.get(peer)
    if (p != null && level[p] === -1) { level[p] = 1; frontier.push(p) }
  }
  let depth = 1
  while (frontier.length > 0) {
    const next: number[] = []
    for (const u of frontier) {
      const b = store.beaconAt[u]
      if (b == null || depth > b.scope) { continue }
      inScope[u] = 1
      const links = b.linkIndex
      for (let k = 0; k < links.length; k++) {
        const p = links[k]
        if (level[p] !== -1) { continue }
        // a link the far end's beacon denies does not bring that end nearer
        const far = store.beaconAt[p]
        if (far != null && sortedIndex(far.sortedLinks, 0, far.sortedLinks.length - 1, u) < 0) { continue }
        level[p] = depth + 1
        next.push(p)
      }
    }
    frontier = next
    depth++
  }
  return inScope
}

/**
 * Dijkstra over the link-state zone from this node (index 0). With `options` (avoid
 * links/nodes) it computes an alternative; without, it also records in the store which
 * origins are reachable (eviction keeps those first).
 */
export function computeLinkState (store: BeaconStore<unknown>, localLinks: ReadonlyMap<string, LinkQuality>, options: ComputeOptions = {}): LinkStatePaths {
  const index = store.nodeIndex
  const n = store.nodeIds.length
  // what to leave out, as indices
  const skipNode = new Uint8Array(n)
  for (const id of options.avoidNodes ?? []) {
    const i = index.get(id)
    if (i != null && i !== 0) { skipNode[i] = 1 }
  }
  let skipLink: Set<number> | undefined
  if (options.avoidLinks != null && options.avoidLinks.size > 0) {
    skipLink = new Set()
    for (const key of options.avoidLinks) {
      const sep = key.indexOf('>')
      const a = index.get(key.slice(0, sep))
      const b = index.get(key.slice(sep + 1))
      if (a != null && b != null) { skipLink.add(a * n + b) }
    }
  }
  const inScope = scopeFilter(store, localLinks)

  // CSR adjacency, built origin by origin in index order
  let upper = localLinks.size
  for (const b of store.beacons.values()) { upper += b.links.length }
  const start = new Int32Array(n + 1)
  const adjTo = new Int32Array(upper)
  const adjCost = new Float64Array(upper)
  const adjLat = new Float64Array(upper)
  const adjRel = new Float64Array(upper)
  let m = 0
  for (const [peer, q] of localLinks) {
    const p = index.get(peer)
    if (p == null || skipNode[p] === 1 || skipLink?.has(p) === true) { continue }
    adjTo[m] = p
    adjCost[m] = linkCost(q)
    adjLat[m] = linkLatency(q)
    adjRel[m] = linkReliability(q)
    m++
  }
  start[1] = m
  const beaconAt = store.beaconAt
  // the current beacons' sorted link lists, flattened: the symmetric-link check then
  // reads one array instead of chasing a pointer per link
  const symStart = new Int32Array(n + 1)
  const current = new Uint8Array(n)
  let total = 0
  for (let o = 1; o < n; o++) {
    const b = beaconAt[o]
    if (b != null && inScope[o] === 1) { total += b.sortedLinks.length }
  }
  const symLinks = new Int32Array(total)
  const symCost = new Float64Array(total)
  const symLat = new Float64Array(total)
  const symRel = new Float64Array(total)
  total = 0
  for (let o = 1; o < n; o++) {
    symStart[o] = total
    const b = beaconAt[o]
    if (b != null && inScope[o] === 1) {
      current[o] = 1
      symLinks.set(b.sortedLinks, total)
      symCost.set(b.sortedCost, total)
      symLat.set(b.sortedLatency, total)
      symRel.set(b.sortedReliability, total)
      total += b.sortedLinks.length
    }
  }
  symStart[n] = total
  for (let o = 1; o < n; o++) {
    const b = beaconAt[o]
    if (b != null && inScope[o] === 1 && skipNode[o] === 0) {
      const links = b.linkIndex
      for (let k = 0; k < links.length; k++) {
        const p = links[k]
        if (p === 0 || p === o || skipNode[p] === 1) { continue }
        // confirmed links only: the far end's current beacon lists this one too
        if (current[p] === 0) { continue }
        const back = sortedIndex(symLinks, symStart[p], symStart[p + 1] - 1, o)
        if (back < 0) { continue }
        if (skipLink?.has(o * n + p) === true) { continue }
        // the worse of the two ends' claims
        adjTo[m] = p
        adjCost[m] = Math.max(b.linkCost[k], symCost[back])
        adjLat[m] = Math.max(b.linkLatency[k], symLat[back])
        adjRel[m] = Math.min(b.linkReliability[k], symRel[back])
        m++
      }
    }
    start[o + 1] = m
  }

  const dist = new Float64Array(n).fill(Infinity)
  const prev = new Int32Array(n).fill(-1)
  const hops = new Int32Array(n)
  const latency = new Float64Array(n)
  const reliability = new Float64Array(n)
  dist[0] = 0
  reliability[0] = 1
  const heap = new MinHeap(Math.max(16, Math.min(m + 1, 4 * n)))
  heap.push(0, 0)
  const done = new Uint8Array(n)
  while (heap.size > 0) {
    const u = heap.pop()
    if (done[u] === 1) { continue }
    done[u] = 1
    const du = dist[u]
    for (let p = start[u]; p < start[u + 1]; p++) {
      const v = adjTo[p]
      const dv = du + adjCost[p]
      // ties: fewer hops wins, so equal-cost paths are stable and short
      if (dv < dist[v] || (dv === dist[v] && done[v] === 0 && hops[u] + 1 < hops[v])) {
        dist[v] = dv
        prev[v] = u
        hops[v] = hops[u] + 1
        latency[v] = latency[u] + adjLat[p]
        reliability[v] = reliability[u] * adjRel[p]
        heap.push(v, dv)
      }
    }
  }

  if (options.avoidLinks == null && options.avoidNodes == null) {
    const reachable = new Set<string>()
    for (let i = 1; i < n; i++) { if (Number.isFinite(dist[i]) && beaconAt[i] != null) { reachable.add(store.nodeIds[i]) } }
    store.reachable = reachable
  }
  return { dist, prev, hops, latency, reliability }
}
