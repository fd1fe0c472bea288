/**
 * The typed-array primitives route computation runs on: a binary min-heap for Dijkstra and
 * a binary search over a beacon's sorted link indices (the confirmed-link check).
 */

/** position of `x` in sorted[from..to], or -1 */
export function sortedIndex (sorted: Int32Array, from: number, to: number, x: number): number {
  let lo = from
  let hi = to
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = sorted[mid]
    if (v === x) { return mid }
    if (v < x) { lo = mid + 1 } else { hi = mid - 1 }
  }
  return -1
}

/** Binary min-heap of (node, priority) on typed arrays; duplicates allowed (lazy deletion). */
export class MinHeap {
  private nodes: Int32Array
  private prio: Float64Array
  size = 0

  constructor (capacity: number) {
    this.nodes = new Int32Array(capacity)
    this.prio = new Float64Array(capacity)
  }

  push (node: number, priority: number): void {
    if (this.size === this.nodes.length) {
      const n = new Int32Array(this.size * 2); n.set(this.nodes); this.nodes = n
      const p = new Float64Array(this.size * 2); p.set(this.prio); this.prio = p
    }
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.prio[parent] <= priority) { break }
      this.nodes[i] = this.nodes[parent]
      this.prio[i] = this.prio[parent]
      i = parent
    }
    this.nodes[i] = node
    this.prio[i] = priority
  }

  pop (): number {
    const top = this.nodes[0]
    const last = --this.size
    if (last > 0) {
      const node = this.nodes[last]
      const priority = this.prio[last]
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= last) { break }
        const r = l + 1
        const c = r < last && this.prio[r] < this.prio[l] ? r : l
        if (this.prio[c] >= priority) { break }
        this.nodes[i] = this.nodes[c]
        this.prio[i] = this.prio[c]
        i = c
      }
      this.nodes[i] = node
      this.prio[i] = priority
    }
    return top
  }
}
