/**
 * The signed records of the routing layer: topology beacons, routed message bodies and
 * their acknowledgements. Signing and checking go through the core's Signer/Verifier
 * (the runtime's fastest Ed25519); each record type has its own domain prefix so a
 * signature over one can never be replayed as another. Decoders validate every field and
 * throw `InvalidRecordError` with a reason; nothing is stored before they pass.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH } from '../crypto/index.ts'
import { linkCost } from './health.ts'
import { Beacon, BeaconHeader, RoutedAck, RoutedBody } from './pb/routing.ts'
import { peerIdStringFromBytes, peerIdStringFromKey } from './peer-ids.ts'
import type { Signer, Verifier } from '../crypto/index.ts'
import type { SignedBeacon } from './pb/routing.ts'
import type { GraphLink } from './topology.ts'

export const BEACON_DOMAIN = uint8ArrayFromString('liberation/routing/beacon/v1\n')
export const ROUTED_DOMAIN = uint8ArrayFromString('liberation/routing/message/v1\n')
export const ACK_DOMAIN = uint8ArrayFromString('liberation/routing/ack/v1\n')

export const MESSAGE_ID_LENGTH = 16
export const MAX_BEACON_LINKS = 256
export const MAX_BEACON_ADDRS = 8
export const MAX_ADDR_BYTES = 256
export const MAX_SCOPE = 16

export class InvalidRecordError extends Error {
  static override name = 'InvalidRecordError'
  override name = 'InvalidRecordError'
}

function withDomain (domain: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(domain.length + data.length)
  out.set(domain, 0)
  out.set(data, domain.length)
  return out
}

// ---- beacons ----

export interface BeaconContent {
  seq: number
  timestamp: number
  scope: number
  links: GraphLink[]
  addrs: string[]
}

const permille = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 1000)
const ms = (x: number | undefined): number => x == null || !Number.isFinite(x) ? 0 : Math.min(0xffffffff, Math.max(0, Math.round(x)))

export async function signBeacon (signer: Signer, content: BeaconContent, peerIdToBytes: (id: string) => Uint8Array): Promise<SignedBeacon> {
  const beacon = Beacon.encode({
    origin: signer.publicKey as Uint8Array<ArrayBuffer>,
    seq: content.seq,
    timestamp: content.timestamp,
    scope: content.scope,
    links: content.links.map(l => ({
      peer: peerIdToBytes(l.peer) as Uint8Array<ArrayBuffer>,
      // 0 means unmeasured; a measured sub-millisecond RTT is sent as 1
      rttMs: l.rttMs == null ? 0 : Math.max(1, ms(l.rttMs)),
      jitterMs: ms(l.jitterMs),
      lossPermille: permille(l.loss),
      healthPermille: permille(l.health)
    })),
    addrs: content.addrs.slice(0, MAX_BEACON_ADDRS).map(a => multiaddr(a).bytes)
  })
  const signature = await signer.sign(withDomain(BEACON_DOMAIN, beacon))
  return { beacon, signature: signature as Uint8Array<ArrayBuffer>, hops: 0 }
}

/** A beacon whose header passed; its signature is not checked yet, its links not decoded. */
export interface ParsedBeacon {
  origin: string
  originKey: Uint8Array
  seq: number
  timestamp: number
  scope: number
  /** the encoded beacon: its links are decoded after the signature check (beaconLinks) */
  bytes: Uint8Array
}

export interface BeaconChecks {
  now: number
  maxAgeMs: number
  maxClockSkewMs: number
}

/**
 * Header and freshness checks that need no crypto, on the beacon's first fields only: the
 * links are not decoded here (a flood of beacons listing many links each costs no more to
 * turn away than one listing none). Throws InvalidRecordError.
 */
export function parseBeacon (signed: SignedBeacon, checks: BeaconChecks): ParsedBeacon {
  if (signed.signature.length !== ED25519_SIGNATURE_LENGTH) { throw new InvalidRecordError('beacon signature has the wrong length') }
  let raw: BeaconHeader
  try {
    raw = BeaconHeader.decode(signed.beacon)
  } catch (err: any) {
    throw new InvalidRecordError(`beacon does not decode: ${err?.message}`)
  }
  if (raw.origin.length !== ED25519_PUBLIC_KEY_LENGTH) { throw new InvalidRecordError('beacon origin is not an Ed25519 key') }
  if (!Number.isSafeInteger(raw.seq) || raw.seq <= 0) { throw new InvalidRecordError('beacon seq out of range') }
  if (!Number.isSafeInteger(raw.timestamp) || raw.timestamp > checks.now + checks.maxClockSkewMs) {
    throw new InvalidRecordError('beacon timestamp is in the future')
  }
  if (raw.scope < 1 || raw.scope > MAX_SCOPE) { throw new InvalidRecordError('beacon scope out of range') }
  if (signed.hops >= raw.scope) { throw new InvalidRecordError('beacon travelled beyond its scope') }
  let origin: string
  try {
    origin = peerIdStringFromKey(raw.origin)
  } catch {
    throw new InvalidRecordError('beacon origin is not a valid key')
  }
  return { origin, originKey: raw.origin, seq: raw.seq, timestamp: raw.timestamp, scope: raw.scope, bytes: signed.beacon }
}

export function isExpiredBeacon (parsed: ParsedBeacon, checks: BeaconChecks): boolean {
  return parsed.timestamp < checks.now - checks.maxAgeMs
}

export async function verifyBeacon (verifier: Verifier, signed: SignedBeacon, parsed: ParsedBeacon): Promise<boolean> {
  return verifier.verify(parsed.originKey, withDomain(BEACON_DOMAIN, signed.beacon), signed.signature)
}

/**
 * The links and addresses of a verified beacon. Throws InvalidRecordError. Past `maxLinks`
 * only the cheapest links are kept (`cut` says how many went), chosen before their peer ids
 * are decoded: decoding is what a beacon with many made-up links would make expensive.
 */
export function beaconLinks (parsed: ParsedBeacon, maxLinks = Number.POSITIVE_INFINITY): { links: GraphLink[], addrs: string[], cut: number } {
  let beacon: Beacon
  try {
    beacon = Beacon.decode(parsed.bytes, { limits: { links: MAX_BEACON_LINKS, addrs: MAX_BEACON_ADDRS } })
  } catch (err: any) {
    throw new InvalidRecordError(`beacon does not decode: ${err?.message}`)
  }
  const links: GraphLink[] = []
  const seen = new Set<string>()
  let raw = beacon.links
  for (const l of raw) {
    if (l.lossPermille > 1000 || l.healthPermille > 1000) { throw new InvalidRecordError('beacon link quality out of range') }
  }
  const quality = (l: typeof raw[number]): GraphLink => ({
    peer: '',
    rttMs: l.rttMs === 0 ? undefined : l.rttMs,
    jitterMs: l.rttMs === 0 ? undefined : l.jitterMs,
    loss: l.lossPermille / 1000,
    health: l.healthPermille / 1000
  })
  let cut = 0
  if (raw.length > maxLinks) {
    cut = raw.length - maxLinks
    raw = raw.map(l => ({ l, cost: linkCost(quality(l)) })).sort((a, b) => a.cost - b.cost).slice(0, maxLinks).map(x => x.l)
  }
  for (const l of raw) {
    let peer: string
    try {
      peer = peerIdStringFromBytes(l.peer)
    } catch {
      throw new InvalidRecordError('beacon link has a malformed peer id')
    }
    if (peer === parsed.origin) { throw new InvalidRecordError('beacon lists a link to its own origin') }
    if (seen.has(peer)) { throw new InvalidRecordError('beacon lists a link twice') }
    if (l.lossPermille > 1000 || l.healthPermille > 1000) { throw new InvalidRecordError('beacon link quality out of range') }
    seen.add(peer)
    links.push({ ...quality(l), peer })
  }
  const addrs: string[] = []
  for (const a of beacon.addrs) {
    if (a.length > MAX_ADDR_BYTES) { throw new InvalidRecordError('beacon address too long') }
    try {
      addrs.push(multiaddr(a).toString())
    } catch {
      throw new InvalidRecordError('beacon address is not a multiaddr')
    }
  }
  return { links, addrs, cut }
}

// ---- routed messages ----

export interface RoutedBodyChecks {
  now: number
  maxAgeMs: number
  maxClockSkewMs: number
  maxPayloadBytes: number
}

export interface ParsedRoutedBody {
  id: Uint8Array
  origin: string
  originKey: Uint8Array
  target: string
  timestamp: number
  payload: Uint8Array
}

export async function signRoutedBody (signer: Signer, body: RoutedBody): Promise<{ body: Uint8Array, signature: Uint8Array }> {
  const bytes = RoutedBody.encode(body)
  return { body: bytes, signature: await signer.sign(withDomain(ROUTED_DOMAIN, bytes)) }
}

export function parseRoutedBody (bytes: Uint8Array, signature: Uint8Array, checks: RoutedBodyChecks): ParsedRoutedBody {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) { throw new InvalidRecordError('message signature has the wrong length') }
  let body: RoutedBody
  try {
    body = RoutedBody.decode(bytes)
  } catch (err: any) {
    throw new InvalidRecordError(`message body does not decode: ${err?.message}`)
  }
  if (body.id.length !== MESSAGE_ID_LENGTH) { throw new InvalidRecordError('message id has the wrong length') }
  if (body.origin.length !== ED25519_PUBLIC_KEY_LENGTH) { throw new InvalidRecordError('message origin is not an Ed25519 key') }
  if (body.payload.length > checks.maxPayloadBytes) { throw new InvalidRecordError('message payload too large') }
  if (!Number.isSafeInteger(body.timestamp) || body.timestamp > checks.now + checks.maxClockSkewMs) {
    throw new InvalidRecordError('message timestamp is in the future')
  }
  if (body.timestamp < checks.now - checks.maxAgeMs) { throw new InvalidRecordError('message is too old') }
  let origin: string
  let target: string
  try {
    origin = peerIdStringFromKey(body.origin)
  } catch {
    throw new InvalidRecordError('message origin is not a valid key')
  }
  try {
    target = peerIdStringFromBytes(body.target)
  } catch {
    throw new InvalidRecordError('message target is not a peer id')
  }
  return { id: body.id, origin, originKey: body.origin, target, timestamp: body.timestamp, payload: body.payload }
}

export async function verifyRoutedBody (verifier: Verifier, bytes: Uint8Array, signature: Uint8Array, originKey: Uint8Array): Promise<boolean> {
  return verifier.verify(originKey, withDomain(ROUTED_DOMAIN, bytes), signature)
}

export async function signAck (signer: Signer, ack: RoutedAck): Promise<{ ack: Uint8Array, signature: Uint8Array }> {
  const bytes = RoutedAck.encode(ack)
  return { ack: bytes, signature: await signer.sign(withDomain(ACK_DOMAIN, bytes)) }
}

/** Checks an acknowledgement against what we sent; returns the target's receive time. */
export async function verifyAck (verifier: Verifier, bytes: Uint8Array, signature: Uint8Array, expected: { id: Uint8Array, targetKey: Uint8Array, originKey: Uint8Array }): Promise<number> {
  let ack: RoutedAck
  try {
    ack = RoutedAck.decode(bytes)
  } catch {
    throw new InvalidRecordError('acknowledgement does not decode')
  }
  if (!equal(ack.id, expected.id) || !equal(ack.target, expected.targetKey) || !equal(ack.origin, expected.originKey)) {
    throw new InvalidRecordError('acknowledgement is for another message')
  }
  if (signature.length !== ED25519_SIGNATURE_LENGTH || !await verifier.verify(expected.targetKey, withDomain(ACK_DOMAIN, bytes), signature)) {
    throw new InvalidRecordError('acknowledgement signature does not verify')
  }
  return ack.receivedAt
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) { return false }
  for (let i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false } }
  return true
}
