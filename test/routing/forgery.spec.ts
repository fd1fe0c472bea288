import { lpStream, pbStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeSigner } from '../../node/crypto.ts'
import { loadIdentity } from '../../node/identity.ts'
import { Beacon, RouteReply, RoutedEnvelope, TopologyUpdate } from '../../protocol/routing/pb/routing.ts'
import { peerIdToBytes } from '../../protocol/routing/peer-ids.ts'
import { BEACON_DOMAIN, signBeacon, signRoutedBody } from '../../protocol/routing/records.ts'
import { ROUTE_PROTOCOL, RouteError, TOPOLOGY_PROTOCOL } from '../../protocol/routing/routing.ts'
import { TestMesh, waitFor } from '../utils/mesh.ts'
import { addNodes, exchange, id, serveRoutes, wire } from './helpers.ts'
import type { Signer } from '../../protocol/crypto/index.ts'
import type { SignedBeacon } from '../../protocol/routing/pb/routing.ts'
import type { RoutedMessage } from '../../protocol/routing/routing.ts'
import type { TestNode } from '../utils/mesh.ts'

// nothing changes by itself during these tests: probes, beacons and far tables only
// on link changes (and the three warm-up probes)
const QUIET = { probeIntervalMs: 60_000, beaconIntervalMs: 60_000, reachIntervalMs: 60_000 }

function snapshot (n: TestNode): string {
  const t = n.node.routing.topology()
  return JSON.stringify({
    nodes: t.nodes.map(x => [x.id, x.zone, x.seq, x.reachable, x.hops]).sort(),
    links: t.links.map(l => [l.from, l.to, l.rttMs, l.loss, l.health]).sort(),
    routes: n.node.routing.routes().sort((a, b) => a.target.localeCompare(b.target))
  })
}

async function signerOf (n: TestNode): Promise<Signer> {
  const key = await loadIdentity(n.dataDir)
  if (key == null) {
    throw new Error('no identity')
  }
  return createNodeSigner(key)
}

async function sendUpdate (from: TestNode, to: TestNode, update: TopologyUpdate | Uint8Array): Promise<void> {
  const stream = await from.node.libp2p.dialProtocol(to.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
  if (update instanceof Uint8Array) {
    await lpStream(stream).write(update)
  } else {
    await pbStream(stream).write(update, TopologyUpdate)
  }
  await stream.close()
}

async function sendEnvelope (from: TestNode, to: TestNode, envelope: RoutedEnvelope): Promise<RouteReply> {
  return exchange(from, to, envelope)
}

/** bytes that are no route frame: the receiver drops the stream */
async function sendGarbage (from: TestNode, to: TestNode, bytes: Uint8Array): Promise<void> {
  const stream = await from.node.libp2p.dialProtocol(to.node.libp2p.peerId, ROUTE_PROTOCOL)
  stream.send(bytes)
  await stream.close().catch(() => {})
}

function invalidCount (at: TestNode, peer: TestNode): number {
  return at.node.routing.peers().find(p => p.peerId === id(peer))?.invalidMessages ?? 0
}

describe('forged and malformed beacons and routed messages', () => {
  const mesh = new TestMesh()
  // evil — v — d
  let evil: TestNode, v: TestNode, d: TestNode
  const delivered: RoutedMessage[] = []
  const deliveredAtD: RoutedMessage[] = []

  beforeAll(async () => {
    [evil, v, d] = await addNodes(mesh, 3, { routing: QUIET })
    await wire([evil, v, d], [[0, 1], [1, 2]])
    await waitFor(() => evil.node.routing.route(id(d)) != null && d.node.routing.route(id(evil)) != null, 'routes settle')
    // settled: the warm-up probes are done and nothing moves for a second
    await waitFor(() => v.node.routing.peers().every(p => p.probesSent >= 3), 'warm-up probes', 10_000)
    let last = ''
    await waitFor(async () => {
      const now = snapshot(v)
      const same = now === last
      last = now
      await new Promise(resolve => setTimeout(resolve, 500))
      return same && snapshot(v) === now
    }, 'topology at rest', 15_000, 1)
    v.node.routing.addEventListener('message', evt => { delivered.push(evt.detail) })
    d.node.routing.addEventListener('message', evt => { deliveredAtD.push(evt.detail) })
  })
  afterAll(async () => { await mesh.cleanup() })

  async function expectBeaconRejected (update: TopologyUpdate | Uint8Array): Promise<void> {
    const before = snapshot(v)
    const stats = v.node.routing.stats()
    const invalid = invalidCount(v, evil)
    await sendUpdate(evil, v, update)
    await waitFor(() => invalidCount(v, evil) > invalid, 'the update to be judged invalid')
    expect(snapshot(v)).toBe(before)
    expect(v.node.routing.stats().beaconsAccepted).toBe(stats.beaconsAccepted)
    expect(v.node.routing.health(id(evil))?.components.validity).toBeLessThan(1)
  }

  async function evilBeacon (over: Partial<Beacon> = {}, signer?: Signer): Promise<SignedBeacon> {
    const s = signer ?? evil.node.crypto.signer
    const beacon = Beacon.encode({
      origin: s.publicKey as Uint8Array<ArrayBuffer>,
      seq: Date.now() + 1_000_000,
      timestamp: Date.now(),
      scope: 3,
      links: [{ peer: peerIdToBytes(id(v)) as Uint8Array<ArrayBuffer>, rttMs: 1, jitterMs: 0, lossPermille: 0, healthPermille: 1000 }],
      addrs: [],
      ...over
    })
    const data = new Uint8Array([...BEACON_DOMAIN, ...beacon])
    return { beacon, signature: await s.sign(data) as Uint8Array<ArrayBuffer>, hops: 0 }
  }

  it('rejects a garbage topology update', async () => {
    await expectBeaconRejected(crypto.getRandomValues(new Uint8Array(200)))
  })

  it('rejects a beacon that claims another origin (signed with the wrong key)', async () => {
    const dKey = d.node.crypto.signer.publicKey
    // d's origin, a fake link list, but evil's signature
    const forged = await evilBeacon({
      origin: dKey as Uint8Array<ArrayBuffer>,
      links: [{ peer: peerIdToBytes(id(evil)) as Uint8Array<ArrayBuffer>, rttMs: 1, jitterMs: 0, lossPermille: 0, healthPermille: 1000 }]
    })
    await expectBeaconRejected({ beacons: [forged], reach: [], hasReach: false })
    expect(v.node.routing.topology().links.some(l => l.from === id(d) && l.to === id(evil))).toBe(false)
  })

  it('rejects a beacon altered after signing', async () => {
    const genuine = await evilBeacon()
    const decoded = Beacon.decode(genuine.beacon)
    decoded.links.push({ peer: peerIdToBytes(id(d)) as Uint8Array<ArrayBuffer>, rttMs: 1, jitterMs: 0, lossPermille: 0, healthPermille: 1000 })
    await expectBeaconRejected({ beacons: [{ ...genuine, beacon: Beacon.encode(decoded) }], reach: [], hasReach: false })
  })

  it('rejects signed but malformed beacons (bad link id, scope, hops, future timestamp, duplicate link)', async () => {
    const linkV = { peer: peerIdToBytes(id(v)) as Uint8Array<ArrayBuffer>, rttMs: 1, jitterMs: 0, lossPermille: 0, healthPermille: 1000 }
    const cases: SignedBeacon[] = [
      await evilBeacon({ links: [{ ...linkV, peer: new Uint8Array([1, 2, 3]) }] }),
      await evilBeacon({ scope: 0 }),
      await evilBeacon({ scope: 99 }),
      { ...await evilBeacon({ scope: 2 }), hops: 2 },
      await evilBeacon({ timestamp: Date.now() + 3_600_000 }),
      await evilBeacon({ links: [linkV, linkV] }),
      await evilBeacon({ links: [{ ...linkV, lossPermille: 5000 }] }),
      { ...await evilBeacon(), signature: new Uint8Array(10) }
    ]
    for (const beacon of cases) {
      await expectBeaconRejected({ beacons: [beacon], reach: [], hasReach: false })
    }
    expect(v.node.routing.stats().beaconsRejected).toBeGreaterThanOrEqual(cases.length + 2)
  })

  it('rejects a far table with a malformed entry as a whole', async () => {
    await expectBeaconRejected({
      beacons: [],
      reach: [
        { peer: peerIdToBytes(id(d)) as Uint8Array<ArrayBuffer>, cost: 1, hops: 1, seq: 1 },
        { peer: new Uint8Array([9, 9, 9]), cost: 1, hops: 1, seq: 1 }
      ],
      hasReach: true
    })
  })

  it('ignores a replayed old beacon (genuinely signed) without any change', async () => {
    const dSigner = await signerOf(d)
    const old = await signBeacon(dSigner, { seq: 1000, timestamp: Date.now() - 1000, scope: 3, links: [{ peer: id(evil), loss: 0, health: 1 }], addrs: [] }, peerIdToBytes)
    const before = snapshot(v)
    const received = v.node.routing.stats().updatesReceived
    const invalid = invalidCount(v, evil)
    await sendUpdate(evil, v, { beacons: [old], reach: [], hasReach: false })
    await waitFor(() => v.node.routing.stats().updatesReceived > received, 'the update to arrive')
    expect(snapshot(v)).toBe(before)
    // the counter only decays: nothing was added
    expect(invalidCount(v, evil)).toBeLessThanOrEqual(invalid)
  })

  it('on its long-lived topology stream, rejects a malformed frame and reads the next one; an oversized frame ends the stream', async () => {
    const stream = await evil.node.libp2p.dialProtocol(v.node.libp2p.peerId, TOPOLOGY_PROTOCOL)
    const lp = lpStream(stream)
    const before = snapshot(v)
    const invalid = invalidCount(v, evil)
    const health = v.node.routing.health(id(evil))?.health ?? 1
    const received = v.node.routing.stats().updatesReceived
    // a well-framed update whose first field runs past the end of the frame
    await lp.write(new Uint8Array([0x0a, 0x40, 0x01, 0x02]))
    await waitFor(() => invalidCount(v, evil) > invalid, 'the frame to be judged invalid')
    expect(snapshot(v)).toBe(before)
    expect(v.node.routing.stats().updatesReceived).toBe(received)
    expect(v.node.routing.health(id(evil))?.health).toBeLessThan(health)
    // the same stream goes on: the next, well-formed update (an old beacon: no change) is read
    const dSigner = await signerOf(d)
    const old = await signBeacon(dSigner, { seq: 1001, timestamp: Date.now() - 1000, scope: 3, links: [{ peer: id(evil), loss: 0, health: 1 }], addrs: [] }, peerIdToBytes)
    await lp.write(TopologyUpdate.encode({ beacons: [old], reach: [], hasReach: false }))
    await waitFor(() => v.node.routing.stats().updatesReceived === received + 1, 'the next frame on the same stream')
    expect(stream.status).toBe('open')
    expect(snapshot(v)).toBe(before)
    // a length prefix of 5 MiB, over the limit: the framing is lost, the stream is reset
    const invalidBefore = invalidCount(v, evil)
    stream.send(new Uint8Array([0x80, 0x80, 0xc0, 0x02]))
    await waitFor(() => invalidCount(v, evil) > invalidBefore, 'the oversized frame to be judged invalid')
    await waitFor(() => stream.status !== 'open', 'the stream to be reset')
    expect(snapshot(v)).toBe(before)
    // and v goes on routing
    const result = await evil.node.routing.send(id(d), new TextEncoder().encode('still routing'))
    expect(result.path).toEqual([id(evil), id(v), id(d)])
    await waitFor(() => deliveredAtD.some(m => new TextDecoder().decode(m.payload) === 'still routing'), 'delivery at d')
    deliveredAtD.length = 0
  })

  async function envelope (opts: { signer?: Signer, origin?: Uint8Array, target?: TestNode, payload?: Uint8Array, tamper?: Uint8Array, trace?: Uint8Array[] } = {}): Promise<RoutedEnvelope> {
    const signer = opts.signer ?? evil.node.crypto.signer
    const signed = await signRoutedBody(signer, {
      id: crypto.getRandomValues(new Uint8Array(16)),
      origin: (opts.origin ?? signer.publicKey) as Uint8Array<ArrayBuffer>,
      target: peerIdToBytes(id(opts.target ?? v)) as Uint8Array<ArrayBuffer>,
      timestamp: Date.now(),
      payload: (opts.payload ?? new TextEncoder().encode('hi')) as Uint8Array<ArrayBuffer>
    })
    let body = signed.body
    if (opts.tamper != null) {
      body = new Uint8Array(body)
      body[body.length - 1] ^= 0xff
    }
    return {
      body: body as Uint8Array<ArrayBuffer>,
      signature: signed.signature as Uint8Array<ArrayBuffer>,
      ttl: 8,
      route: [],
      trace: (opts.trace ?? [peerIdToBytes(id(evil))]) as Array<Uint8Array<ArrayBuffer>>,
      budgetMs: 5000
    }
  }

  async function expectRoutedRejected (env: RoutedEnvelope | Uint8Array): Promise<void> {
    const stats = v.node.routing.stats()
    const invalid = invalidCount(v, evil)
    if (env instanceof Uint8Array) {
      await sendGarbage(evil, v, env)
      await waitFor(() => invalidCount(v, evil) > invalid, 'the garbage to be judged invalid')
    } else {
      const reply = await sendEnvelope(evil, v, env)
      expect(reply.status).toBe(RouteReply.Status.INVALID)
      expect(reply.error).not.toBe('')
    }
    expect(v.node.routing.stats().routedDelivered).toBe(stats.routedDelivered)
    expect(v.node.routing.stats().routedForwarded).toBe(stats.routedForwarded)
    expect(invalidCount(v, evil)).toBeGreaterThan(invalid)
    expect(delivered).toHaveLength(0)
  }

  it('rejects garbage, forged and altered routed messages', async () => {
    await expectRoutedRejected(new Uint8Array([5, 1, 2, 3, 4, 5]))
    // claims to come from d, signed by evil
    const dKey = d.node.crypto.signer.publicKey
    await expectRoutedRejected(await envelope({ origin: dKey, trace: [peerIdToBytes(id(d))] }))
    // altered after signing
    await expectRoutedRejected(await envelope({ tamper: new Uint8Array(1) }))
    // trace does not start at the signer
    await expectRoutedRejected(await envelope({ trace: [peerIdToBytes(id(d))] }))
    // payload over the limit
    await expectRoutedRejected(await envelope({ payload: new Uint8Array(70 * 1024) }))
  })

  it('does not relay a forged message: the next hop never sees it', async () => {
    const dKey = d.node.crypto.signer.publicKey
    await expectRoutedRejected(await envelope({ origin: dKey, target: d, tamper: new Uint8Array(1) }))
    await expectRoutedRejected(await envelope({ target: d, tamper: new Uint8Array(1) }))
    expect(deliveredAtD).toHaveLength(0)
    expect(d.node.routing.stats().routedRejected).toBe(0)
  })

  it('delivers a genuine message once, and acknowledges its replay without delivering it again', async () => {
    const env = await envelope({ payload: new TextEncoder().encode('once') })
    const first = await sendEnvelope(evil, v, env)
    const again = await sendEnvelope(evil, v, env)
    expect(first.status).toBe(RouteReply.Status.ACK)
    expect(again.status).toBe(RouteReply.Status.ACK)
    expect(again.ack).toEqual(first.ack)
    await waitFor(() => delivered.length === 1, 'one delivery')
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(delivered).toHaveLength(1)
    expect(delivered[0].from).toBe(id(evil))
    expect(new TextDecoder().decode(delivered[0].payload)).toBe('once')
    delivered.length = 0
  })

  it('bounds a flood: past the per-neighbour rate, messages are answered BUSY and not delivered', async () => {
    const [w] = await addNodes(mesh, 1, { routing: { ...QUIET, rateLimits: { routedPerSecond: 3 } } })
    await wire([evil, w], [[0, 1]])
    const got: RoutedMessage[] = []
    w.node.routing.addEventListener('message', evt => { got.push(evt.detail) })
    const started = Date.now()
    const replies = await Promise.all(Array.from({ length: 30 }, async () => sendEnvelope(evil, w, await envelope({ target: w }))))
    const windows = Math.ceil((Date.now() - started) / 1000) + 1
    const busy = replies.filter(r => r.status === RouteReply.Status.BUSY).length
    const acked = replies.filter(r => r.status === RouteReply.Status.ACK).length
    expect(acked + busy).toBe(30)
    expect(acked).toBeLessThanOrEqual(3 * windows)
    expect(busy).toBeGreaterThan(0)
    await waitFor(() => got.length === acked, 'the accepted ones delivered')
  })

  it('refuses an acknowledgement that the target did not sign', async () => {
    // evil answers every routed message with an ack signed by nobody
    await serveRoutes(evil, () => ({
      status: RouteReply.Status.ACK,
      ack: crypto.getRandomValues(new Uint8Array(40)),
      ackSignature: crypto.getRandomValues(new Uint8Array(64)),
      failedFrom: new Uint8Array(0),
      failedTo: new Uint8Array(0),
      error: '',
      trace: []
    }))
    const err = await v.node.routing.send(id(evil), new Uint8Array([1])).catch(e => e)
    expect(err).toBeInstanceOf(RouteError)
    expect((err as RouteError).reason).toBe('INVALID')
    expect((err as RouteError).message).toMatch(/acknowledgement/)
  })

  it('rejects bad input to the API with a clear error', async () => {
    await expect(v.node.routing.send('not-a-peer-id', new Uint8Array(1))).rejects.toThrow(/not a peer id/)
    await expect(v.node.routing.send(id(v), new Uint8Array(1))).rejects.toThrow(/itself/)
    await expect(v.node.routing.send(id(d), new Uint8Array(70 * 1024))).rejects.toThrow(/exceeds/)
    expect(() => v.node.routing.route('nope')).toThrow(/not a peer id/)
    expect(v.node.routing.health(id(d))?.status).toBe('connected')
  })
})
