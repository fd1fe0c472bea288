/**
 * The attacker of the routes bench's beacon flood (bench/routes.ts), in a process of its
 * own so that the victim's memory figures hold the victim only (an attacker's unsent
 * backlog is its own). A mesh node over TCP on 127.0.0.1 with keys of its
 * own: it builds the flood (beacons signed by fresh origin keys, each listing made-up
 * links), connects to the victim and writes the flood on a topology stream. A persistent
 * attacker: when the victim resets or refuses a stream it tries another a second later,
 * for up to `persistSeconds` after the first failure, then gives up and counts what it
 * could not send.
 *
 * argv: the victim's multiaddr, beacons, links per beacon, beacons per update, persist
 * seconds. Driven over IPC: child → { type: 'ready', peerId, frames, floodBytes } once
 * built and connected; parent → { type: 'flood' }; child → { type: 'written', ... } once
 * every frame is written or it gave up; parent → { type: 'stop' }; the child stops its node
 * and exits.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createNodeRecordCrypto, createNodeSigner } from '../node/crypto.ts'
import { createNodeLibp2p } from '../node/libp2p.ts'
import { openNodeDatabase } from '../node/storage.ts'
import { generateIdentity } from '../protocol/crypto/index.ts'
import { createMeshNode } from '../protocol/mesh-node.ts'
import { TOPOLOGY_PROTOCOL } from '../protocol/routing/api.ts'
import { Beacon, TopologyUpdate } from '../protocol/routing/pb/routing.ts'
import { BEACON_DOMAIN } from '../protocol/routing/records.ts'
import type { BeaconLink, SignedBeacon } from '../protocol/routing/pb/routing.ts'

export interface FloodReady { type: 'ready', peerId: string, frames: number, floodBytes: number }
export interface FloodWritten {
  type: 'written'
  /** frames whose write returned (handed to the muxer: not necessarily delivered) */
  framesSent: number
  /** beacons in those frames, and in the frames never written */
  beaconsWritten: number
  beaconsUnsent: number
  /** streams that failed (reset, or refused at once), and the last error */
  resets: number
  lastError: string
  /** ms from the first write to giving up (or the last frame written) */
  ms: number
  /** the attacker node's own beacons sent so far (its routing's, not the flood's) */
  ownBeacons: number
}

/** a made-up Ed25519 peer id (identity multihash of a random key) */
function madeUpPeer (): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(38)
  out.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
  crypto.getRandomValues(out.subarray(6))
  return out
}

async function buildFlood (beacons: number, linksPerBeacon: number, perFrame: number): Promise<Array<{ bytes: Uint8Array, beacons: number }>> {
  const now = Date.now()
  const frames: Array<{ bytes: Uint8Array, beacons: number }> = []
  let batch: SignedBeacon[] = []
  for (let i = 0; i < beacons; i++) {
    const signer = createNodeSigner(await generateKeyPair('Ed25519'))
    const links: Array<BeaconLink & { peer: Uint8Array<ArrayBuffer> }> = Array.from({ length: linksPerBeacon }, () => ({ peer: madeUpPeer(), rttMs: 1, jitterMs: 0, lossPermille: 0, healthPermille: 1000 }))
    const beacon = Beacon.encode({ origin: signer.publicKey as Uint8Array<ArrayBuffer>, seq: now, timestamp: now, scope: 3, links, addrs: [] })
    const data = new Uint8Array(BEACON_DOMAIN.length + beacon.length)
    data.set(BEACON_DOMAIN)
    data.set(beacon, BEACON_DOMAIN.length)
    batch.push({ beacon, signature: await signer.sign(data) as Uint8Array<ArrayBuffer>, hops: 0 })
    if (batch.length === perFrame || i === beacons - 1) {
      frames.push({ bytes: TopologyUpdate.encode({ beacons: batch, reach: [], hasReach: false }), beacons: batch.length })
      batch = []
    }
  }
  return frames
}

async function main (): Promise<void> {
  const [victimAddr, beaconsArg, linksArg, perFrameArg, persistArg] = process.argv.slice(2)
  const persistMs = Number(persistArg ?? 15) * 1000
  const send = (msg: FloodReady | FloodWritten): void => { process.send?.(msg) }
  const next = async (type: string): Promise<void> => {
    await new Promise<void>(resolve => {
      const on = (msg: any): void => {
        if (msg?.type === type) {
          process.off('message', on)
          resolve()
        }
      }
      process.on('message', on)
    })
  }

  const dir = await mkdtemp(join(tmpdir(), 'liberation-bench-flood-'))
  const privateKey = await generateIdentity()
  const db = await openNodeDatabase(dir)
  const libp2p = await createNodeLibp2p({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, relay: false, start: false })
  const node = createMeshNode({ libp2p, db, crypto: createNodeRecordCrypto(privateKey) }, { connections: { minConnections: 0 } })
  await node.start()
  try {
    // built before connecting: building keeps this process too busy to answer the victim's probes
    const frames = await buildFlood(Number(beaconsArg), Number(linksArg), Number(perFrameArg))
    const victim = multiaddr(victimAddr)
    await libp2p.dial(victim)
    send({ type: 'ready', peerId: libp2p.peerId.toString(), frames: frames.length, floodBytes: frames.reduce((n, f) => n + f.bytes.length, 0) })
    await next('flood')

    const ownBefore = node.routing.stats().beaconsSent
    let framesSent = 0
    let beaconsWritten = 0
    let resets = 0
    let lastError = ''
    // set when the parent says stop (the loop awaits, so the flag can change under it)
    const state = { stopping: false }
    const stopped = next('stop').then(() => { state.stopping = true })
    let stream: Awaited<ReturnType<typeof libp2p.dialProtocol>> | undefined
    const started = Date.now()
    let firstFailure: number | undefined
    while (framesSent < frames.length && !state.stopping && (firstFailure == null || Date.now() - firstFailure < persistMs)) {
      try {
        stream = await libp2p.dialProtocol(victim, TOPOLOGY_PROTOCOL)
        const lp = lpStream(stream)
        while (framesSent < frames.length) {
          // resolves once the muxer took the frame: the victim's window bounds what is in flight
          await lp.write(frames[framesSent].bytes)
          beaconsWritten += frames[framesSent].beacons
          framesSent++
        }
      } catch (err: any) {
        resets++
        lastError = err?.name ?? err?.type ?? String(err)
        firstFailure ??= Date.now()
        await new Promise(resolve => setTimeout(resolve, 1000))
      }
    }
    const beaconsUnsent = frames.slice(framesSent).reduce((n, f) => n + f.beacons, 0)
    send({ type: 'written', framesSent, beaconsWritten, beaconsUnsent, resets, lastError, ms: Date.now() - started, ownBeacons: node.routing.stats().beaconsSent - ownBefore })
    // closing now would discard what the victim has not read yet: the parent says when
    await stopped
    await stream?.close().catch(() => {})
  } finally {
    await node.stop().catch(() => {})
    await db.close().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), err => {
  // eslint-disable-next-line no-console
  console.error(err)
  process.exit(1)
})
