/**
 * Watches the distribution ledger (`node.ledger`) of the in-process nodes: each node's
 * `derivedState()` (every derived figure in one canonical string, identical on converged
 * nodes) tells whether the live nodes agree. The writes go through the node drivers.
 */
import type { MeshNode } from '../protocol/mesh-node.ts'

export interface LedgerDriver {
  attach(index: number, node: MeshNode): void
  detach(index: number): void
  /** how many distinct ledger states the given nodes hold, and how many hold the most common one */
  agreement(indices: number[]): { states: number, largest: number }
  /** whether the given nodes hold one ledger state (stops at the first that differs) */
  agrees(indices: number[]): boolean
}

export function createLedgerDriver (): LedgerDriver {
  const nodes = new Map<number, MeshNode>()
  return {
    attach (index, node) { nodes.set(index, node) },
    detach (index) { nodes.delete(index) },
    agreement (indices) {
      const counts = new Map<string, number>()
      for (const i of indices) {
        const node = nodes.get(i)
        if (node == null) { continue }
        const state = node.ledger.derivedState()
        counts.set(state, (counts.get(state) ?? 0) + 1)
      }
      let largest = 0
      for (const c of counts.values()) { largest = Math.max(largest, c) }
      return { states: counts.size, largest }
    },
    agrees (indices) {
      let first: string | undefined
      for (const i of indices) {
        const state = nodes.get(i)?.ledger.derivedState()
        if (state === undefined) { continue }
        first ??= state
        if (state !== first) { return false }
      }
      return true
    }
  }
}
