/**
 * A malicious peer's toolbox: hand-made Yjs updates and signed batches, a raw libp2p node
 * (no ledger service) that publishes them on the ledger topic and serves them over the
 * sync protocol.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import * as Y from 'yjs'
import { createNodeSigner } from '../../node/crypto.ts'
import { toHex } from '../../protocol/crypto/index.ts'
import { buildUpdate, clientIdOf, LEDGER_ROOT, signingBytes } from '../../protocol/ledger/batch.ts'
import { LEDGER_SYNC_PROTOCOL, LEDGER_TOPIC } from '../../protocol/ledger/index.ts'
import { BatchBody, Entry, EntryKind, LedgerGossip, SignedBatch, SyncRequest, SyncResponse } from '../../protocol/ledger/pb/ledger.ts'
import { encodeRanges } from '../../protocol/reconcile/index.ts'
import { createMemoryLibp2p } from '../../simulations/nodes/memory-libp2p.ts'
import type { Signer } from '../../protocol/crypto/index.ts'
import type { Bytes } from '../../protocol/ledger/batch.ts'
import type { MeshLibp2p } from '../../protocol/mesh-node.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface Forger {
  privateKey: PrivateKey
  signer: Signer
  libp2p: MeshLibp2p
  /** what its sync handler serves */
  served: Uint8Array[]
  publish(batchOrGossip: Uint8Array, kind?: 'batch' | 'raw'): Promise<void>
  stop(): Promise<void>
}

let counter = 0

export async function createForger (opts: { topic?: string, syncProtocol?: string } = {}): Promise<Forger> {
  const topic = opts.topic ?? LEDGER_TOPIC
  const privateKey = await generateKeyPair('Ed25519')
  const libp2p = await createMemoryLibp2p({ privateKey, name: `forger-${process.pid}-${++counter}-${Date.now()}` })
  await libp2p.start()
  const served: Uint8Array[] = []
  await libp2p.handle(opts.syncProtocol ?? LEDGER_SYNC_PROTOCOL, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 8 * 1024 * 1024 })
    // claims to hold what the dialer holds (an empty reconciliation answer), then serves everything anyway
    while (SyncRequest.decode(await lp.read()).reconcile.byteLength > 0) {
      await lp.write(SyncResponse.encode({ reconcile: encodeRanges([]) as Bytes, done: false }))
    }
    for (const b of served) { await lp.write(SyncResponse.encode({ batch: SignedBatch.decode(b), done: false })) }
    await lp.write(SyncResponse.encode({ done: true }))
    await stream.close()
  })
  libp2p.services.pubsub.subscribe(topic)
  return {
    privateKey,
    signer: createNodeSigner(privateKey),
    libp2p,
    served,
    async publish (bytes, kind = 'batch') {
      const data = kind === 'batch' ? LedgerGossip.encode({ batch: SignedBatch.decode(bytes) }) : bytes
      await libp2p.services.pubsub.publish(topic, data)
    },
    async stop () { await libp2p.stop() }
  }
}

/** Sign `body` fields as `signer` (whatever author the body claims). */
/** Forgers made through `create` are stopped together by `stopAll` (a test file's afterEach). */
export interface ForgerPool {
  create(opts?: { topic?: string, syncProtocol?: string }): Promise<Forger>
  stopAll(): Promise<void>
}

export function createForgerPool (): ForgerPool {
  const live: Forger[] = []
  return {
    async create (opts = {}) {
      const f = await createForger(opts)
      live.push(f)
      return f
    },
    async stopAll () {
      await Promise.allSettled(live.splice(0).map(async f => { await f.stop() }))
    }
  }
}

export async function signBody (signer: Signer, body: { author: Uint8Array, doc: string, clockStart: number, clockEnd: number, update: Uint8Array, signedAt?: number }): Promise<Uint8Array> {
  const bodyBytes = BatchBody.encode({ ...body, author: body.author as Bytes, update: body.update as Bytes, signedAt: body.signedAt ?? Date.now() })
  const signature = await signer.sign(signingBytes(bodyBytes))
  return SignedBatch.encode({ body: bodyBytes, signature: signature as Bytes })
}

export function entryBytes (e: Partial<Entry>): Uint8Array {
  const bytes = Entry.encode({ kind: EntryKind.HUMAN, humanId: '', at: Date.now(), ...e } as Entry)
  return new Uint8Array(bytes)
}

export function registration (humanId: string, at = Date.now()): Uint8Array {
  return entryBytes({ kind: EntryKind.HUMAN, humanId, at, weeklyFlow: '800.00', housingCredit: '104000.00', investmentPool: '104000.00' })
}

/** A payment of the human (registrar, humanId); `registrar` is a raw public key. */
export function payment (humanId: string, week: string, amount: string, registrar: Uint8Array = new Uint8Array(32)): Uint8Array {
  return entryBytes({ kind: EntryKind.PAYMENT, humanId, week, amount, registrar: registrar as Entry['registrar'] })
}

/** The map key of a payment of (registrar, humanId). */
export function paymentKey (humanId: string, week: string, registrar: Uint8Array): string {
  return `p:${week}:${humanId}:${toHex(registrar)}`
}

/** A well-formed batch of `signer`'s own document from raw (key, value) items. */
export async function ownBatch (signer: Signer, doc: string, clockStart: number, items: Array<{ key: string, value: Uint8Array }>): Promise<Uint8Array> {
  const update = buildUpdate(clientIdOf(signer.publicKey), clockStart, items)
  return signBody(signer, { author: signer.publicKey, doc, clockStart, clockEnd: clockStart + items.length, update })
}

/** A Y.Doc holding another author's document, written to as `clientId`. */
export function docAs (updates: Uint8Array[], clientId: number): Y.Doc {
  const doc = new Y.Doc({ gc: false })
  for (const u of updates) { Y.applyUpdate(doc, u) }
  doc.clientID = clientId
  return doc
}

export function captureUpdate (doc: Y.Doc, fn: (map: Y.Map<unknown>) => void): Uint8Array {
  let update: Uint8Array | undefined
  const h = (u: Uint8Array): void => { update = u }
  doc.on('update', h)
  doc.transact(() => { fn(doc.getMap(LEDGER_ROOT)) })
  doc.off('update', h)
  if (update === undefined) { throw new Error('no update') }
  return update
}

/** Re-encode an update's structs with an empty delete set (hides the delete that an overwrite carries). */
export function withoutDeletes (update: Uint8Array): Uint8Array {
  const { structs } = Y.decodeUpdate(update)
  const enc = new Y.UpdateEncoderV1()
  enc.writeLen(1)
  enc.writeLen(structs.length)
  enc.writeClient(structs[0].id.client)
  enc.writeLen(structs[0].id.clock)
  for (const s of structs) { s.write(enc, 0) }
  enc.writeLen(0)
  return enc.toUint8Array()
}

export function updatesOf (batches: Uint8Array[]): Uint8Array[] {
  return batches.map(b => BatchBody.decode(SignedBatch.decode(b).body).update)
}
