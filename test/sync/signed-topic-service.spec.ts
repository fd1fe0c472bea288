/**
 * The signed-topic service skeleton on two real libp2p nodes (memory transport, real
 * gossipsub): start joins the topics (validator, subscription) and handles the catch-up
 * protocol; a peer that connects is tracked and synced with; the interval picks a peer;
 * stop aborts and waits for sessions and writes in flight, leaves, unhandles, and
 * refuses new sessions.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { afterEach, describe, expect, it } from 'vitest'
import { createSignedTopicService } from '../../protocol/sync/signed-topic-service.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import { waitFor } from '../utils/wait.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { SignedTopicService, SignedTopicServiceInit } from '../../protocol/sync/signed-topic-service.ts'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const PROTOCOL = '/liberation/test-sync/1.0.0'
const TOPIC = 'liberation/test/1'

let counter = 0
const nodes: MeshLibp2p[] = []

async function node (): Promise<MeshLibp2p> {
  const libp2p = await createMemoryLibp2p({ name: `signed-topic-${process.pid}-${++counter}` })
  await libp2p.start()
  nodes.push(libp2p)
  return libp2p
}

interface Probe { service: SignedTopicService, synced: PeerId[], picked: number }

function service (libp2p: MeshLibp2p, init: Partial<SignedTopicServiceInit> = {}): Probe {
  const probe: Probe = { synced: [], picked: 0 } as unknown as Probe
  probe.service = createSignedTopicService({ libp2p }, {
    name: 'test',
    protocol: PROTOCOL,
    createHandler: () => (stream) => { stream.abort(new Error('not used here')) },
    validator: async () => TopicValidatorResult.Accept,
    topics: () => [TOPIC],
    syncInBackground: peer => { probe.synced.push(peer) },
    intervalMs: 0,
    ...init
  })
  return probe
}

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map(async n => n.stop()))
})

describe('signed-topic service skeleton', () => {
  it('start joins the topics and handles the protocol; stop leaves and unhandles; opens once', async () => {
    const libp2p = await node()
    let opened = 0
    const { service: s } = service(libp2p, { open: async () => { opened++ } })
    expect(s.running).toBe(false)
    await s.start()
    await s.start()
    expect(s.running).toBe(true)
    expect(libp2p.services.pubsub.getTopics()).toContain(TOPIC)
    expect(libp2p.services.pubsub.topicValidators.has(TOPIC)).toBe(true)
    expect(libp2p.getProtocols()).toContain(PROTOCOL)
    s.join('liberation/test/2')
    expect(libp2p.services.pubsub.getTopics()).toContain('liberation/test/2')

    await s.stop()
    expect(s.running).toBe(false)
    expect(libp2p.services.pubsub.getTopics()).toEqual([])
    expect(libp2p.services.pubsub.topicValidators.size).toBe(0)
    expect(libp2p.getProtocols()).not.toContain(PROTOCOL)
    await s.start()
    expect(opened).toBe(1)
    await s.stop()
  })

  it('tracks peers that speak the protocol and syncs with each as it connects', async () => {
    const [a, b] = [await node(), await node()]
    const pa = service(a)
    const pb = service(b, { syncOnConnect: false })
    await pa.service.start()
    await pb.service.start()
    await a.dial(b.getMultiaddrs()[0] as Multiaddr)
    await waitFor(() => pa.service.peers.has(b.peerId.toString()) && pb.service.peers.has(a.peerId.toString()), 'both sides see the other')
    expect(pa.synced.map(p => p.toString())).toEqual([b.peerId.toString()])
    // syncOnConnect false: tracked, not synced
    expect(pb.synced).toEqual([])
    await b.hangUp(a.peerId)
    await waitFor(() => !pa.service.peers.has(b.peerId.toString()), 'a forgets b once disconnected')
  })

  it('syncs with the peer the interval picks', async () => {
    const [a, b] = [await node(), await node()]
    const picks: number[] = []
    const pa = service(a, { syncOnConnect: false, intervalMs: 20, pickPeer: peers => { picks.push(peers.size); return peers.values().next().value } })
    await pa.service.start()
    await service(b).service.start()
    await a.dial(b.getMultiaddrs()[0] as Multiaddr)
    await waitFor(() => pa.synced.length >= 2, 'two periodic syncs')
    expect(pa.synced.every(p => p.equals(b.peerId))).toBe(true)
    expect(Math.max(...picks)).toBe(1)
    await pa.service.stop()
  })

  it('stop aborts sessions, waits for them and for writes in flight; then refuses sessions', async () => {
    const { service: s } = service(await node())
    await s.start()
    let release!: () => void
    const write = s.track(new Promise<string>(resolve => { release = () => { resolve('written') } }))
    let aborted = false
    const session = s.session(async signal => new Promise<string>(resolve => {
      signal.addEventListener('abort', () => { aborted = true; setTimeout(() => { resolve('ended') }, 20) })
    }))
    expect(s.sessions).toBe(1)
    let stopped = false
    const stopping = s.stop().then(() => { stopped = true })
    await expect(session).resolves.toBe('ended')
    expect(aborted).toBe(true)
    // the write is still in flight: stop waits for it
    await waitFor(() => s.sessions === 0, 'the session is done')
    expect(stopped).toBe(false)
    release()
    await stopping
    await expect(write).resolves.toBe('written')
    expect(stopped).toBe(true)
    await expect(s.session(async () => 'late')).rejects.toThrow('test service is not running')
    expect(() => { s.assertRunning() }).toThrow('test service is not running')
  })
})
