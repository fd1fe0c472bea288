/**
 * Drives the distribution ledger for the simulator: writes (human registrations) and a
 * per-node state digest, so the harness can tell when every live node holds the same
 * ledger.
 */
import type { MeshNode } from '../protocol/mesh-node.js'

export interface LedgerDriver {
  attach(index: number, node: MeshNode): void
  detach(index: number): void
  write(index: number, seq: number): Promise<void>
  /** how many distinct ledger states the given nodes hold, and how many hold the most common one */
  agreement(indices: number[]): { states: number, largest: number }
}

/** undefined while this build's MeshNode has no ledger service */
export function createLedgerDriver (): LedgerDriver | undefined {
  return undefined
}
