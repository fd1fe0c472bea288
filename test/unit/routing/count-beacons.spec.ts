import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { TopologyUpdate } from '../../../protocol/routing/pb/routing.ts'
import { countBeacons } from '../../../protocol/routing/topology-exchange.ts'

/** the encoded update cut into chunks of `size` bytes, as a stream delivers it */
function chunked (bytes: Uint8Array, size: number): Uint8ArrayList {
  const list = new Uint8ArrayList()
  for (let i = 0; i < bytes.length; i += size) { list.append(bytes.subarray(i, i + size)) }
  return list
}

describe('counting the beacons of an update left undecoded', () => {
  const beacon = (n: number): { beacon: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>, hops: number } =>
    ({ beacon: new Uint8Array(200 + n).fill(n), signature: new Uint8Array(64).fill(1), hops: n % 3 })

  it('counts every beacon, past a far table and across chunk boundaries', () => {
    for (const count of [0, 1, 7, 300]) {
      const bytes = TopologyUpdate.encode({
        beacons: Array.from({ length: count }, (_, i) => beacon(i)),
        reach: [{ peer: new Uint8Array(38).fill(2), cost: 12, hops: 3, seq: 99 }],
        hasReach: true
      })
      for (const size of [1, 7, 4096]) {
        expect(countBeacons(chunked(bytes, size))).toBe(count)
      }
    }
  })

  it('stops at bytes that do not parse, counting what came before', () => {
    const bytes = TopologyUpdate.encode({ beacons: [beacon(1), beacon(2)], reach: [], hasReach: false })
    // a third field claiming more bytes than there are
    const truncated = new Uint8Array([...bytes, 0x0a, 0xff, 0x01, 0x00])
    expect(countBeacons(new Uint8ArrayList(truncated))).toBe(2)
    expect(countBeacons(new Uint8ArrayList(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])))).toBe(0)
  })
})
