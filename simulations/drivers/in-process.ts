/**
 * The in-process driver: a node of this process, driven by calling its services. What the
 * API driver does over HTTP, without the HTTP.
 */
import type { NodeDriver } from './driver.ts'
import type { MeshNode } from '../../protocol/mesh-node.ts'

export function createInProcessDriver (mesh: MeshNode): NodeDriver {
  return {
    async postTruth (content, channel) {
      const res = await mesh.truth.post(content, { channels: [channel] })
      return { id: res.id }
    },
    async registerHuman (id) {
      await mesh.ledger.registerHuman({ id })
    }
  }
}
