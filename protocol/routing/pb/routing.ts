import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface BeaconLink {
  peer: Uint8Array<ArrayBuffer>
  rttMs: number
  jitterMs: number
  lossPermille: number
  healthPermille: number
}

export namespace BeaconLink {
  let _codec: Codec<BeaconLink>

  export const codec = (): Codec<BeaconLink> => {
    if (_codec == null) {
      _codec = message<BeaconLink>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if ((obj.rttMs != null && obj.rttMs !== 0)) {
          w.uint32(16)
          w.uint32(obj.rttMs)
        }

        if ((obj.jitterMs != null && obj.jitterMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.jitterMs)
        }

        if ((obj.lossPermille != null && obj.lossPermille !== 0)) {
          w.uint32(32)
          w.uint32(obj.lossPermille)
        }

        if ((obj.healthPermille != null && obj.healthPermille !== 0)) {
          w.uint32(40)
          w.uint32(obj.healthPermille)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0),
          rttMs: 0,
          jitterMs: 0,
          lossPermille: 0,
          healthPermille: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            case 2: {
              obj.rttMs = reader.uint32()
              break
            }
            case 3: {
              obj.jitterMs = reader.uint32()
              break
            }
            case 4: {
              obj.lossPermille = reader.uint32()
              break
            }
            case 5: {
              obj.healthPermille = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peer`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.rttMs`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.jitterMs`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.lossPermille`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.healthPermille`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BeaconLinkPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BeaconLinkRttMsFieldEvent {
    field: '$.rttMs'
    value: number
  }

  export interface BeaconLinkJitterMsFieldEvent {
    field: '$.jitterMs'
    value: number
  }

  export interface BeaconLinkLossPermilleFieldEvent {
    field: '$.lossPermille'
    value: number
  }

  export interface BeaconLinkHealthPermilleFieldEvent {
    field: '$.healthPermille'
    value: number
  }

  export function encode (obj: Partial<BeaconLink>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BeaconLink.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BeaconLink>): BeaconLink {
    return decodeMessage(buf, BeaconLink.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BeaconLink>): Generator<BeaconLinkPeerFieldEvent | BeaconLinkRttMsFieldEvent | BeaconLinkJitterMsFieldEvent | BeaconLinkLossPermilleFieldEvent | BeaconLinkHealthPermilleFieldEvent> {
    return streamMessage(buf, BeaconLink.codec(), opts)
  }
}

export interface Beacon {
  origin: Uint8Array<ArrayBuffer>
  seq: number
  timestamp: number
  scope: number
  links: BeaconLink[]
  addrs: Uint8Array<ArrayBuffer>[]
}

export namespace Beacon {
  let _codec: Codec<Beacon>

  export const codec = (): Codec<Beacon> => {
    if (_codec == null) {
      _codec = message<Beacon>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.origin)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if ((obj.scope != null && obj.scope !== 0)) {
          w.uint32(32)
          w.uint32(obj.scope)
        }

        if (obj.links != null && obj.links.length > 0) {
          for (const value of obj.links) {
            w.uint32(42)
            BeaconLink.codec().encode(value, w)
          }
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: uint8ArrayAlloc(0),
          seq: 0,
          timestamp: 0,
          scope: 0,
          links: [],
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              obj.scope = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.links != null && obj.links.length === opts.limits.links) {
                throw new MaxLengthError('Decode error - repeated field "links" had too many elements')
              }

              obj.links.push(BeaconLink.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.links$
              }))
              break
            }
            case 6: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          links: 0,
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.scope`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.links != null && obj.links === opts.limits.links) {
                throw new MaxLengthError('Streaming decode error - repeated field "links" had too many elements')
              }

              for (const evt of BeaconLink.codec().stream(reader, reader.uint32(), `${prefix}.links[]`, {
                limits: opts.limits?.links$
              })) {
                yield {
                  ...evt,
                  index: obj.links
                }
              }

              obj.links++

              break
            }
            case 6: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BeaconOriginFieldEvent {
    field: '$.origin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BeaconSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface BeaconTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface BeaconScopeFieldEvent {
    field: '$.scope'
    value: number
  }

  export interface BeaconLinksPeerFieldEvent {
    field: '$.links[].peer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BeaconLinksRttMsFieldEvent {
    field: '$.links[].rttMs'
    value: number
    index: number
  }

  export interface BeaconLinksJitterMsFieldEvent {
    field: '$.links[].jitterMs'
    value: number
    index: number
  }

  export interface BeaconLinksLossPermilleFieldEvent {
    field: '$.links[].lossPermille'
    value: number
    index: number
  }

  export interface BeaconLinksHealthPermilleFieldEvent {
    field: '$.links[].healthPermille'
    value: number
    index: number
  }

  export interface BeaconAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Beacon>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Beacon.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Beacon>): Beacon {
    return decodeMessage(buf, Beacon.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Beacon>): Generator<BeaconOriginFieldEvent | BeaconSeqFieldEvent | BeaconTimestampFieldEvent | BeaconScopeFieldEvent | BeaconLinksPeerFieldEvent | BeaconLinksRttMsFieldEvent | BeaconLinksJitterMsFieldEvent | BeaconLinksLossPermilleFieldEvent | BeaconLinksHealthPermilleFieldEvent | BeaconAddrsFieldEvent> {
    return streamMessage(buf, Beacon.codec(), opts)
  }
}

export interface BeaconHeader {
  origin: Uint8Array<ArrayBuffer>
  seq: number
  timestamp: number
  scope: number
}

export namespace BeaconHeader {
  let _codec: Codec<BeaconHeader>

  export const codec = (): Codec<BeaconHeader> => {
    if (_codec == null) {
      _codec = message<BeaconHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.origin)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.timestamp)
        }

        if ((obj.scope != null && obj.scope !== 0)) {
          w.uint32(32)
          w.uint32(obj.scope)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: uint8ArrayAlloc(0),
          seq: 0,
          timestamp: 0,
          scope: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 4: {
              obj.scope = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.scope`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BeaconHeaderOriginFieldEvent {
    field: '$.origin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BeaconHeaderSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface BeaconHeaderTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface BeaconHeaderScopeFieldEvent {
    field: '$.scope'
    value: number
  }

  export function encode (obj: Partial<BeaconHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BeaconHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BeaconHeader>): BeaconHeader {
    return decodeMessage(buf, BeaconHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BeaconHeader>): Generator<BeaconHeaderOriginFieldEvent | BeaconHeaderSeqFieldEvent | BeaconHeaderTimestampFieldEvent | BeaconHeaderScopeFieldEvent> {
    return streamMessage(buf, BeaconHeader.codec(), opts)
  }
}

export interface SignedBeacon {
  beacon: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  hops: number
}

export namespace SignedBeacon {
  let _codec: Codec<SignedBeacon>

  export const codec = (): Codec<SignedBeacon> => {
    if (_codec == null) {
      _codec = message<SignedBeacon>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.beacon != null && obj.beacon.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.beacon)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if ((obj.hops != null && obj.hops !== 0)) {
          w.uint32(24)
          w.uint32(obj.hops)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          beacon: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          hops: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.beacon = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            case 3: {
              obj.hops = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.beacon`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.hops`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedBeaconBeaconFieldEvent {
    field: '$.beacon'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedBeaconSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedBeaconHopsFieldEvent {
    field: '$.hops'
    value: number
  }

  export function encode (obj: Partial<SignedBeacon>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedBeacon.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBeacon>): SignedBeacon {
    return decodeMessage(buf, SignedBeacon.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBeacon>): Generator<SignedBeaconBeaconFieldEvent | SignedBeaconSignatureFieldEvent | SignedBeaconHopsFieldEvent> {
    return streamMessage(buf, SignedBeacon.codec(), opts)
  }
}

export interface ReachEntry {
  peer: Uint8Array<ArrayBuffer>
  cost: number
  hops: number
  seq: number
}

export namespace ReachEntry {
  let _codec: Codec<ReachEntry>

  export const codec = (): Codec<ReachEntry> => {
    if (_codec == null) {
      _codec = message<ReachEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if ((obj.cost != null && obj.cost !== 0)) {
          w.uint32(16)
          w.uint32(obj.cost)
        }

        if ((obj.hops != null && obj.hops !== 0)) {
          w.uint32(24)
          w.uint32(obj.hops)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0),
          cost: 0,
          hops: 0,
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            case 2: {
              obj.cost = reader.uint32()
              break
            }
            case 3: {
              obj.hops = reader.uint32()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peer`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.cost`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.hops`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReachEntryPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReachEntryCostFieldEvent {
    field: '$.cost'
    value: number
  }

  export interface ReachEntryHopsFieldEvent {
    field: '$.hops'
    value: number
  }

  export interface ReachEntrySeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<ReachEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReachEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReachEntry>): ReachEntry {
    return decodeMessage(buf, ReachEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReachEntry>): Generator<ReachEntryPeerFieldEvent | ReachEntryCostFieldEvent | ReachEntryHopsFieldEvent | ReachEntrySeqFieldEvent> {
    return streamMessage(buf, ReachEntry.codec(), opts)
  }
}

export interface TopologyUpdate {
  beacons: SignedBeacon[]
  reach: ReachEntry[]
  hasReach: boolean
}

export namespace TopologyUpdate {
  let _codec: Codec<TopologyUpdate>

  export const codec = (): Codec<TopologyUpdate> => {
    if (_codec == null) {
      _codec = message<TopologyUpdate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.beacons != null && obj.beacons.length > 0) {
          for (const value of obj.beacons) {
            w.uint32(10)
            SignedBeacon.codec().encode(value, w)
          }
        }

        if (obj.reach != null && obj.reach.length > 0) {
          for (const value of obj.reach) {
            w.uint32(18)
            ReachEntry.codec().encode(value, w)
          }
        }

        if ((obj.hasReach != null && obj.hasReach !== false)) {
          w.uint32(24)
          w.bool(obj.hasReach)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          beacons: [],
          reach: [],
          hasReach: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.beacons != null && obj.beacons.length === opts.limits.beacons) {
                throw new MaxLengthError('Decode error - repeated field "beacons" had too many elements')
              }

              obj.beacons.push(SignedBeacon.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.beacons$
              }))
              break
            }
            case 2: {
              if (opts.limits?.reach != null && obj.reach.length === opts.limits.reach) {
                throw new MaxLengthError('Decode error - repeated field "reach" had too many elements')
              }

              obj.reach.push(ReachEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reach$
              }))
              break
            }
            case 3: {
              obj.hasReach = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          beacons: 0,
          reach: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.beacons != null && obj.beacons === opts.limits.beacons) {
                throw new MaxLengthError('Streaming decode error - repeated field "beacons" had too many elements')
              }

              for (const evt of SignedBeacon.codec().stream(reader, reader.uint32(), `${prefix}.beacons[]`, {
                limits: opts.limits?.beacons$
              })) {
                yield {
                  ...evt,
                  index: obj.beacons
                }
              }

              obj.beacons++

              break
            }
            case 2: {
              if (opts.limits?.reach != null && obj.reach === opts.limits.reach) {
                throw new MaxLengthError('Streaming decode error - repeated field "reach" had too many elements')
              }

              for (const evt of ReachEntry.codec().stream(reader, reader.uint32(), `${prefix}.reach[]`, {
                limits: opts.limits?.reach$
              })) {
                yield {
                  ...evt,
                  index: obj.reach
                }
              }

              obj.reach++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.hasReach`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TopologyUpdateBeaconsBeaconFieldEvent {
    field: '$.beacons[].beacon'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TopologyUpdateBeaconsSignatureFieldEvent {
    field: '$.beacons[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TopologyUpdateBeaconsHopsFieldEvent {
    field: '$.beacons[].hops'
    value: number
    index: number
  }

  export interface TopologyUpdateReachPeerFieldEvent {
    field: '$.reach[].peer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface TopologyUpdateReachCostFieldEvent {
    field: '$.reach[].cost'
    value: number
    index: number
  }

  export interface TopologyUpdateReachHopsFieldEvent {
    field: '$.reach[].hops'
    value: number
    index: number
  }

  export interface TopologyUpdateReachSeqFieldEvent {
    field: '$.reach[].seq'
    value: number
    index: number
  }

  export interface TopologyUpdateHasReachFieldEvent {
    field: '$.hasReach'
    value: boolean
  }

  export function encode (obj: Partial<TopologyUpdate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TopologyUpdate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TopologyUpdate>): TopologyUpdate {
    return decodeMessage(buf, TopologyUpdate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TopologyUpdate>): Generator<TopologyUpdateBeaconsBeaconFieldEvent | TopologyUpdateBeaconsSignatureFieldEvent | TopologyUpdateBeaconsHopsFieldEvent | TopologyUpdateReachPeerFieldEvent | TopologyUpdateReachCostFieldEvent | TopologyUpdateReachHopsFieldEvent | TopologyUpdateReachSeqFieldEvent | TopologyUpdateHasReachFieldEvent> {
    return streamMessage(buf, TopologyUpdate.codec(), opts)
  }
}

export interface RoutedBody {
  id: Uint8Array<ArrayBuffer>
  origin: Uint8Array<ArrayBuffer>
  target: Uint8Array<ArrayBuffer>
  timestamp: number
  payload: Uint8Array<ArrayBuffer>
}

export namespace RoutedBody {
  let _codec: Codec<RoutedBody>

  export const codec = (): Codec<RoutedBody> => {
    if (_codec == null) {
      _codec = message<RoutedBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.origin != null && obj.origin.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.origin)
        }

        if ((obj.target != null && obj.target.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.target)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.timestamp)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          origin: uint8ArrayAlloc(0),
          target: uint8ArrayAlloc(0),
          timestamp: 0,
          payload: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.origin = reader.bytes()
              break
            }
            case 3: {
              obj.target = reader.bytes()
              break
            }
            case 4: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 5: {
              obj.payload = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.origin`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.target`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoutedBodyIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedBodyOriginFieldEvent {
    field: '$.origin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedBodyTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedBodyTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface RoutedBodyPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoutedBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoutedBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedBody>): RoutedBody {
    return decodeMessage(buf, RoutedBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedBody>): Generator<RoutedBodyIdFieldEvent | RoutedBodyOriginFieldEvent | RoutedBodyTargetFieldEvent | RoutedBodyTimestampFieldEvent | RoutedBodyPayloadFieldEvent> {
    return streamMessage(buf, RoutedBody.codec(), opts)
  }
}

export interface RoutedEnvelope {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  ttl: number
  route: Uint8Array<ArrayBuffer>[]
  trace: Uint8Array<ArrayBuffer>[]
  budgetMs: number
}

export namespace RoutedEnvelope {
  let _codec: Codec<RoutedEnvelope>

  export const codec = (): Codec<RoutedEnvelope> => {
    if (_codec == null) {
      _codec = message<RoutedEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if ((obj.ttl != null && obj.ttl !== 0)) {
          w.uint32(24)
          w.uint32(obj.ttl)
        }

        if (obj.route != null && obj.route.length > 0) {
          for (const value of obj.route) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if (obj.trace != null && obj.trace.length > 0) {
          for (const value of obj.trace) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.budgetMs != null && obj.budgetMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.budgetMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          ttl: 0,
          route: [],
          trace: [],
          budgetMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            case 3: {
              obj.ttl = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.route != null && obj.route.length === opts.limits.route) {
                throw new MaxLengthError('Decode error - repeated field "route" had too many elements')
              }

              obj.route.push(reader.bytes())
              break
            }
            case 5: {
              if (opts.limits?.trace != null && obj.trace.length === opts.limits.trace) {
                throw new MaxLengthError('Decode error - repeated field "trace" had too many elements')
              }

              obj.trace.push(reader.bytes())
              break
            }
            case 6: {
              obj.budgetMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          route: 0,
          trace: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ttl`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.route != null && obj.route === opts.limits.route) {
                throw new MaxLengthError('Streaming decode error - repeated field "route" had too many elements')
              }

              yield {
                field: `${prefix}.route[]`,
                index: obj.route,
                value: reader.bytes()
              }

              obj.route++

              break
            }
            case 5: {
              if (opts.limits?.trace != null && obj.trace === opts.limits.trace) {
                throw new MaxLengthError('Streaming decode error - repeated field "trace" had too many elements')
              }

              yield {
                field: `${prefix}.trace[]`,
                index: obj.trace,
                value: reader.bytes()
              }

              obj.trace++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.budgetMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoutedEnvelopeBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedEnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedEnvelopeTtlFieldEvent {
    field: '$.ttl'
    value: number
  }

  export interface RoutedEnvelopeRouteFieldEvent {
    field: '$.route[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedEnvelopeTraceFieldEvent {
    field: '$.trace[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedEnvelopeBudgetMsFieldEvent {
    field: '$.budgetMs'
    value: number
  }

  export function encode (obj: Partial<RoutedEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoutedEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedEnvelope>): RoutedEnvelope {
    return decodeMessage(buf, RoutedEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedEnvelope>): Generator<RoutedEnvelopeBodyFieldEvent | RoutedEnvelopeSignatureFieldEvent | RoutedEnvelopeTtlFieldEvent | RoutedEnvelopeRouteFieldEvent | RoutedEnvelopeTraceFieldEvent | RoutedEnvelopeBudgetMsFieldEvent> {
    return streamMessage(buf, RoutedEnvelope.codec(), opts)
  }
}

export interface RoutedAck {
  id: Uint8Array<ArrayBuffer>
  target: Uint8Array<ArrayBuffer>
  origin: Uint8Array<ArrayBuffer>
  receivedAt: number
}

export namespace RoutedAck {
  let _codec: Codec<RoutedAck>

  export const codec = (): Codec<RoutedAck> => {
    if (_codec == null) {
      _codec = message<RoutedAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.target != null && obj.target.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.target)
        }

        if ((obj.origin != null && obj.origin.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.origin)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.receivedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          target: uint8ArrayAlloc(0),
          origin: uint8ArrayAlloc(0),
          receivedAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.target = reader.bytes()
              break
            }
            case 3: {
              obj.origin = reader.bytes()
              break
            }
            case 4: {
              obj.receivedAt = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.target`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.origin`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.receivedAt`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoutedAckIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedAckTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedAckOriginFieldEvent {
    field: '$.origin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoutedAckReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: number
  }

  export function encode (obj: Partial<RoutedAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoutedAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedAck>): RoutedAck {
    return decodeMessage(buf, RoutedAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoutedAck>): Generator<RoutedAckIdFieldEvent | RoutedAckTargetFieldEvent | RoutedAckOriginFieldEvent | RoutedAckReceivedAtFieldEvent> {
    return streamMessage(buf, RoutedAck.codec(), opts)
  }
}

export interface RouteReply {
  status: RouteReply.Status
  ack: Uint8Array<ArrayBuffer>
  ackSignature: Uint8Array<ArrayBuffer>
  failedFrom: Uint8Array<ArrayBuffer>
  failedTo: Uint8Array<ArrayBuffer>
  error: string
  trace: Uint8Array<ArrayBuffer>[]
}

export namespace RouteReply {
  export enum Status {
    ACK = 'ACK',
    NO_ROUTE = 'NO_ROUTE',
    HOP_FAILED = 'HOP_FAILED',
    TTL_EXPIRED = 'TTL_EXPIRED',
    INVALID = 'INVALID',
    BUSY = 'BUSY'
  }

  enum __StatusValues {
    ACK = 0,
    NO_ROUTE = 1,
    HOP_FAILED = 2,
    TTL_EXPIRED = 3,
    INVALID = 4,
    BUSY = 5
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<RouteReply>

  export const codec = (): Codec<RouteReply> => {
    if (_codec == null) {
      _codec = message<RouteReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          RouteReply.Status.codec().encode(obj.status, w)
        }

        if ((obj.ack != null && obj.ack.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ack)
        }

        if ((obj.ackSignature != null && obj.ackSignature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ackSignature)
        }

        if ((obj.failedFrom != null && obj.failedFrom.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.failedFrom)
        }

        if ((obj.failedTo != null && obj.failedTo.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.failedTo)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(50)
          w.string(obj.error)
        }

        if (obj.trace != null && obj.trace.length > 0) {
          for (const value of obj.trace) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.ACK,
          ack: uint8ArrayAlloc(0),
          ackSignature: uint8ArrayAlloc(0),
          failedFrom: uint8ArrayAlloc(0),
          failedTo: uint8ArrayAlloc(0),
          error: '',
          trace: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = RouteReply.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.ack = reader.bytes()
              break
            }
            case 3: {
              obj.ackSignature = reader.bytes()
              break
            }
            case 4: {
              obj.failedFrom = reader.bytes()
              break
            }
            case 5: {
              obj.failedTo = reader.bytes()
              break
            }
            case 6: {
              obj.error = reader.string()
              break
            }
            case 7: {
              if (opts.limits?.trace != null && obj.trace.length === opts.limits.trace) {
                throw new MaxLengthError('Decode error - repeated field "trace" had too many elements')
              }

              obj.trace.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          trace: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: RouteReply.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ack`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ackSignature`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.failedFrom`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.failedTo`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 7: {
              if (opts.limits?.trace != null && obj.trace === opts.limits.trace) {
                throw new MaxLengthError('Streaming decode error - repeated field "trace" had too many elements')
              }

              yield {
                field: `${prefix}.trace[]`,
                index: obj.trace,
                value: reader.bytes()
              }

              obj.trace++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RouteReplyStatusFieldEvent {
    field: '$.status'
    value: RouteReply.Status
  }

  export interface RouteReplyAckFieldEvent {
    field: '$.ack'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteReplyAckSignatureFieldEvent {
    field: '$.ackSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteReplyFailedFromFieldEvent {
    field: '$.failedFrom'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteReplyFailedToFieldEvent {
    field: '$.failedTo'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteReplyErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface RouteReplyTraceFieldEvent {
    field: '$.trace[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RouteReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RouteReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteReply>): RouteReply {
    return decodeMessage(buf, RouteReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteReply>): Generator<RouteReplyStatusFieldEvent | RouteReplyAckFieldEvent | RouteReplyAckSignatureFieldEvent | RouteReplyFailedFromFieldEvent | RouteReplyFailedToFieldEvent | RouteReplyErrorFieldEvent | RouteReplyTraceFieldEvent> {
    return streamMessage(buf, RouteReply.codec(), opts)
  }
}

export interface RouteFrame {
  id: number
  envelope?: RoutedEnvelope
  reply?: RouteReply
}

export namespace RouteFrame {
  let _codec: Codec<RouteFrame>

  export const codec = (): Codec<RouteFrame> => {
    if (_codec == null) {
      _codec = message<RouteFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.envelope != null) {
          w.uint32(18)
          RoutedEnvelope.codec().encode(obj.envelope, w)
        }

        if (obj.reply != null) {
          w.uint32(26)
          RouteReply.codec().encode(obj.reply, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.envelope = RoutedEnvelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.envelope
              })
              break
            }
            case 3: {
              obj.reply = RouteReply.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reply
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield * RoutedEnvelope.codec().stream(reader, reader.uint32(), `${prefix}.envelope`, {
                limits: opts.limits?.envelope
              })

              break
            }
            case 3: {
              yield * RouteReply.codec().stream(reader, reader.uint32(), `${prefix}.reply`, {
                limits: opts.limits?.reply
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RouteFrameIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface RouteFrameEnvelopeBodyFieldEvent {
    field: '$.envelope.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameEnvelopeSignatureFieldEvent {
    field: '$.envelope.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameEnvelopeTtlFieldEvent {
    field: '$.envelope.ttl'
    value: number
  }

  export interface RouteFrameEnvelopeRouteFieldEvent {
    field: '$.envelope.route[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameEnvelopeTraceFieldEvent {
    field: '$.envelope.trace[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameEnvelopeBudgetMsFieldEvent {
    field: '$.envelope.budgetMs'
    value: number
  }

  export interface RouteFrameReplyStatusFieldEvent {
    field: '$.reply.status'
    value: RouteReply.Status
  }

  export interface RouteFrameReplyAckFieldEvent {
    field: '$.reply.ack'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameReplyAckSignatureFieldEvent {
    field: '$.reply.ackSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameReplyFailedFromFieldEvent {
    field: '$.reply.failedFrom'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameReplyFailedToFieldEvent {
    field: '$.reply.failedTo'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteFrameReplyErrorFieldEvent {
    field: '$.reply.error'
    value: string
  }

  export interface RouteFrameReplyTraceFieldEvent {
    field: '$.reply.trace[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RouteFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RouteFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteFrame>): RouteFrame {
    return decodeMessage(buf, RouteFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteFrame>): Generator<RouteFrameIdFieldEvent | RouteFrameEnvelopeBodyFieldEvent | RouteFrameEnvelopeSignatureFieldEvent | RouteFrameEnvelopeTtlFieldEvent | RouteFrameEnvelopeRouteFieldEvent | RouteFrameEnvelopeTraceFieldEvent | RouteFrameEnvelopeBudgetMsFieldEvent | RouteFrameReplyStatusFieldEvent | RouteFrameReplyAckFieldEvent | RouteFrameReplyAckSignatureFieldEvent | RouteFrameReplyFailedFromFieldEvent | RouteFrameReplyFailedToFieldEvent | RouteFrameReplyErrorFieldEvent | RouteFrameReplyTraceFieldEvent> {
    return streamMessage(buf, RouteFrame.codec(), opts)
  }
}
