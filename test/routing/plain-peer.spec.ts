import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { TestMesh, connect, waitFor } from '../utils/mesh.ts'
import { addNodes, id } from './helpers.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'

describe('a neighbour that does not route (plain libp2p)', () => {
  const mesh = new TestMesh()
  let plain: MeshLibp2p | undefined
  afterAll(async () => {
    await plain?.stop()
    await mesh.cleanup()
  })

  it('is measured with the standard ping but never advertised as a relay', async () => {
    const [a, b] = await addNodes(mesh, 2)
    plain = await createMemoryLibp2p({ name: `plain-${process.pid}-${Date.now()}` })
    await plain.start()
    await connect(b.node, a.node)
    await a.node.libp2p.dial(plain.getMultiaddrs()[0])
    const plainId = plain.peerId.toString()
    await waitFor(() => a.node.routing.peers().find(p => p.peerId === plainId)?.rttMs != null, 'ping answered')
    const info = a.node.routing.peers().find(p => p.peerId === plainId)
    expect(info?.loss).toBe(0)
    expect(a.node.routing.route(plainId)?.kind).toBe('direct')
    await waitFor(() => b.node.routing.route(id(a)) != null, 'b knows a')
    // a's beacon sent once the plain peer was measured leaves it out: b holds that beacon,
    // and has no route through a to the plain peer
    const seq = a.node.routing.topology().nodes.find(n => n.id === id(a))?.seq ?? 0
    await a.node.routing.announce()
    await waitFor(() => (b.node.routing.topology().nodes.find(n => n.id === id(a))?.seq ?? 0) > seq, 'b to hold a\'s beacon sent after the plain peer came')
    expect(b.node.routing.topology().links.some(l => l.from === id(a) && l.to === id(b))).toBe(true)
    expect(b.node.routing.topology().links.some(l => l.to === plainId)).toBe(false)
    expect(b.node.routing.route(plainId)).toBeUndefined()
  })
})
