import { describe, expect, it } from 'vitest'
import { recordHeld } from '../../../simulations/record.ts'
import type { Deliveries, Holdings } from '../../../simulations/record.ts'

describe('recordHeld', () => {
  it('counts the first copy of a message once; a gossip or sync copy is a delivery, the node\'s own post is not', () => {
    const deliveries: Deliveries = { msg: [], node: [], t: [], origin: [] }
    const h: Holdings = { held: new Uint8Array(3), heldCount: 0 }
    let clock = 10
    const t = (): number => clock
    expect(recordHeld(deliveries, h, 7, 0, 'local', t)).toBe(true)
    expect(recordHeld(deliveries, h, 7, 1, 'gossip', t)).toBe(true)
    clock = 25
    expect(recordHeld(deliveries, h, 7, 2, 'sync', t)).toBe(true)
    // later copies change nothing
    expect(recordHeld(deliveries, h, 7, 1, 'sync', t)).toBe(false)
    expect(recordHeld(deliveries, h, 7, 0, 'gossip', t)).toBe(false)
    expect(h.heldCount).toBe(3)
    expect([...h.held]).toEqual([1, 1, 1])
    expect(deliveries).toEqual({ msg: [1, 2], node: [7, 7], t: [10, 25], origin: [0, 1] })
  })
})
