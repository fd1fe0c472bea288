import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface TruthBody {
  content: string
  source: string
  priority: number
  channels: string[]
  createdAt: number
  author: Uint8Array<ArrayBuffer>
}

export namespace TruthBody {
  let _codec: Codec<TruthBody>

  export const codec = (): Codec<TruthBody> => {
    if (_codec == null) {
      _codec = message<TruthBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.content != null && obj.content !== '')) {
          w.uint32(10)
          w.string(obj.content)
        }

        if ((obj.source != null && obj.source !== '')) {
          w.uint32(18)
          w.string(obj.source)
        }

        if ((obj.priority != null && obj.priority !== 0)) {
          w.uint32(24)
          w.uint32(obj.priority)
        }

        if (obj.channels != null && obj.channels.length > 0) {
          for (const value of obj.channels) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.author)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          content: '',
          source: '',
          priority: 0,
          channels: [],
          createdAt: 0,
          author: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.content = reader.string()
              break
            }
            case 2: {
              obj.source = reader.string()
              break
            }
            case 3: {
              obj.priority = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.channels != null && obj.channels.length === opts.limits.channels) {
                throw new MaxLengthError('Decode error - repeated field "channels" had too many elements')
              }

              obj.channels.push(reader.string())
              break
            }
            case 5: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.author = reader.bytes()
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
          channels: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.content`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.source`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.priority`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.channels != null && obj.channels === opts.limits.channels) {
                throw new MaxLengthError('Streaming decode error - repeated field "channels" had too many elements')
              }

              yield {
                field: `${prefix}.channels[]`,
                index: obj.channels,
                value: reader.string()
              }

              obj.channels++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.author`,
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

  export interface TruthBodyContentFieldEvent {
    field: '$.content'
    value: string
  }

  export interface TruthBodySourceFieldEvent {
    field: '$.source'
    value: string
  }

  export interface TruthBodyPriorityFieldEvent {
    field: '$.priority'
    value: number
  }

  export interface TruthBodyChannelsFieldEvent {
    field: '$.channels[]'
    index: number
    value: string
  }

  export interface TruthBodyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface TruthBodyAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<TruthBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TruthBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TruthBody>): TruthBody {
    return decodeMessage(buf, TruthBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TruthBody>): Generator<TruthBodyContentFieldEvent | TruthBodySourceFieldEvent | TruthBodyPriorityFieldEvent | TruthBodyChannelsFieldEvent | TruthBodyCreatedAtFieldEvent | TruthBodyAuthorFieldEvent> {
    return streamMessage(buf, TruthBody.codec(), opts)
  }
}

export interface SignedTruth {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedTruth {
  let _codec: Codec<SignedTruth>

  export const codec = (): Codec<SignedTruth> => {
    if (_codec == null) {
      _codec = message<SignedTruth>((obj, w, opts = {}) => {
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

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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

  export interface SignedTruthBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedTruthSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedTruth>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedTruth.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedTruth>): SignedTruth {
    return decodeMessage(buf, SignedTruth.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedTruth>): Generator<SignedTruthBodyFieldEvent | SignedTruthSignatureFieldEvent> {
    return streamMessage(buf, SignedTruth.codec(), opts)
  }
}

export interface TruthFrame {
  channel: string
  message?: SignedTruth
}

export namespace TruthFrame {
  let _codec: Codec<TruthFrame>

  export const codec = (): Codec<TruthFrame> => {
    if (_codec == null) {
      _codec = message<TruthFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.channel != null && obj.channel !== '')) {
          w.uint32(10)
          w.string(obj.channel)
        }

        if (obj.message != null) {
          w.uint32(18)
          SignedTruth.codec().encode(obj.message, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          channel: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.channel = reader.string()
              break
            }
            case 2: {
              obj.message = SignedTruth.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.message
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
                field: `${prefix}.channel`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * SignedTruth.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                limits: opts.limits?.message
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

  export interface TruthFrameChannelFieldEvent {
    field: '$.channel'
    value: string
  }

  export interface TruthFrameMessageBodyFieldEvent {
    field: '$.message.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TruthFrameMessageSignatureFieldEvent {
    field: '$.message.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<TruthFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TruthFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TruthFrame>): TruthFrame {
    return decodeMessage(buf, TruthFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TruthFrame>): Generator<TruthFrameChannelFieldEvent | TruthFrameMessageBodyFieldEvent | TruthFrameMessageSignatureFieldEvent> {
    return streamMessage(buf, TruthFrame.codec(), opts)
  }
}

export interface StoredTruth {
  signed: Uint8Array<ArrayBuffer>
  receivedAt: number
}

export namespace StoredTruth {
  let _codec: Codec<StoredTruth>

  export const codec = (): Codec<StoredTruth> => {
    if (_codec == null) {
      _codec = message<StoredTruth>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.signed != null && obj.signed.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.signed)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.receivedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          signed: uint8ArrayAlloc(0),
          receivedAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.signed = reader.bytes()
              break
            }
            case 2: {
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
                field: `${prefix}.signed`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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

  export interface StoredTruthSignedFieldEvent {
    field: '$.signed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoredTruthReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: number
  }

  export function encode (obj: Partial<StoredTruth>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoredTruth.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredTruth>): StoredTruth {
    return decodeMessage(buf, StoredTruth.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredTruth>): Generator<StoredTruthSignedFieldEvent | StoredTruthReceivedAtFieldEvent> {
    return streamMessage(buf, StoredTruth.codec(), opts)
  }
}

export interface SyncRequest {
  digest?: DigestRequest
  ids?: IdsRequest
  fetch?: FetchRequest
}

export namespace SyncRequest {
  let _codec: Codec<SyncRequest>

  export const codec = (): Codec<SyncRequest> => {
    if (_codec == null) {
      _codec = message<SyncRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.digest != null) {
          w.uint32(10)
          DigestRequest.codec().encode(obj.digest, w)
        }

        if (obj.ids != null) {
          w.uint32(18)
          IdsRequest.codec().encode(obj.ids, w)
        }

        if (obj.fetch != null) {
          w.uint32(26)
          FetchRequest.codec().encode(obj.fetch, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.digest = DigestRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.digest
              })
              break
            }
            case 2: {
              obj.ids = IdsRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ids
              })
              break
            }
            case 3: {
              obj.fetch = FetchRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
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
              yield * DigestRequest.codec().stream(reader, reader.uint32(), `${prefix}.digest`, {
                limits: opts.limits?.digest
              })

              break
            }
            case 2: {
              yield * IdsRequest.codec().stream(reader, reader.uint32(), `${prefix}.ids`, {
                limits: opts.limits?.ids
              })

              break
            }
            case 3: {
              yield * FetchRequest.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
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

  export interface SyncRequestDigestFromFieldEvent {
    field: '$.digest.from'
    value: number
  }

  export interface SyncRequestDigestToFieldEvent {
    field: '$.digest.to'
    value: number
  }

  export interface SyncRequestDigestStepFieldEvent {
    field: '$.digest.step'
    value: number
  }

  export interface SyncRequestIdsFromFieldEvent {
    field: '$.ids.from'
    value: number
  }

  export interface SyncRequestIdsToFieldEvent {
    field: '$.ids.to'
    value: number
  }

  export interface SyncRequestIdsAfterTimeFieldEvent {
    field: '$.ids.afterTime'
    value: number
  }

  export interface SyncRequestIdsAfterIdFieldEvent {
    field: '$.ids.afterId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestFetchIdsFieldEvent {
    field: '$.fetch.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SyncRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): SyncRequest {
    return decodeMessage(buf, SyncRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): Generator<SyncRequestDigestFromFieldEvent | SyncRequestDigestToFieldEvent | SyncRequestDigestStepFieldEvent | SyncRequestIdsFromFieldEvent | SyncRequestIdsToFieldEvent | SyncRequestIdsAfterTimeFieldEvent | SyncRequestIdsAfterIdFieldEvent | SyncRequestFetchIdsFieldEvent> {
    return streamMessage(buf, SyncRequest.codec(), opts)
  }
}

export interface DigestRequest {
  from: number
  to: number
  step: number
}

export namespace DigestRequest {
  let _codec: Codec<DigestRequest>

  export const codec = (): Codec<DigestRequest> => {
    if (_codec == null) {
      _codec = message<DigestRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.from != null && obj.from !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.from)
        }

        if ((obj.to != null && obj.to !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.to)
        }

        if ((obj.step != null && obj.step !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.step)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: 0,
          to: 0,
          step: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.uint64Number()
              break
            }
            case 2: {
              obj.to = reader.uint64Number()
              break
            }
            case 3: {
              obj.step = reader.uint64Number()
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
                field: `${prefix}.from`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.to`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.step`,
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

  export interface DigestRequestFromFieldEvent {
    field: '$.from'
    value: number
  }

  export interface DigestRequestToFieldEvent {
    field: '$.to'
    value: number
  }

  export interface DigestRequestStepFieldEvent {
    field: '$.step'
    value: number
  }

  export function encode (obj: Partial<DigestRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DigestRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DigestRequest>): DigestRequest {
    return decodeMessage(buf, DigestRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DigestRequest>): Generator<DigestRequestFromFieldEvent | DigestRequestToFieldEvent | DigestRequestStepFieldEvent> {
    return streamMessage(buf, DigestRequest.codec(), opts)
  }
}

export interface RangeDigest {
  start: number
  count: number
  fingerprint: Uint8Array<ArrayBuffer>
}

export namespace RangeDigest {
  let _codec: Codec<RangeDigest>

  export const codec = (): Codec<RangeDigest> => {
    if (_codec == null) {
      _codec = message<RangeDigest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.start != null && obj.start !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.start)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(16)
          w.uint32(obj.count)
        }

        if ((obj.fingerprint != null && obj.fingerprint.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.fingerprint)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          start: 0,
          count: 0,
          fingerprint: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.start = reader.uint64Number()
              break
            }
            case 2: {
              obj.count = reader.uint32()
              break
            }
            case 3: {
              obj.fingerprint = reader.bytes()
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
                field: `${prefix}.start`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fingerprint`,
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

  export interface RangeDigestStartFieldEvent {
    field: '$.start'
    value: number
  }

  export interface RangeDigestCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface RangeDigestFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RangeDigest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RangeDigest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RangeDigest>): RangeDigest {
    return decodeMessage(buf, RangeDigest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RangeDigest>): Generator<RangeDigestStartFieldEvent | RangeDigestCountFieldEvent | RangeDigestFingerprintFieldEvent> {
    return streamMessage(buf, RangeDigest.codec(), opts)
  }
}

export interface DigestResponse {
  slices: RangeDigest[]
  truncated: boolean
}

export namespace DigestResponse {
  let _codec: Codec<DigestResponse>

  export const codec = (): Codec<DigestResponse> => {
    if (_codec == null) {
      _codec = message<DigestResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.slices != null && obj.slices.length > 0) {
          for (const value of obj.slices) {
            w.uint32(10)
            RangeDigest.codec().encode(value, w)
          }
        }

        if ((obj.truncated != null && obj.truncated !== false)) {
          w.uint32(16)
          w.bool(obj.truncated)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          slices: [],
          truncated: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.slices != null && obj.slices.length === opts.limits.slices) {
                throw new MaxLengthError('Decode error - repeated field "slices" had too many elements')
              }

              obj.slices.push(RangeDigest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.slices$
              }))
              break
            }
            case 2: {
              obj.truncated = reader.bool()
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
          slices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.slices != null && obj.slices === opts.limits.slices) {
                throw new MaxLengthError('Streaming decode error - repeated field "slices" had too many elements')
              }

              for (const evt of RangeDigest.codec().stream(reader, reader.uint32(), `${prefix}.slices[]`, {
                limits: opts.limits?.slices$
              })) {
                yield {
                  ...evt,
                  index: obj.slices
                }
              }

              obj.slices++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.truncated`,
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

  export interface DigestResponseSlicesStartFieldEvent {
    field: '$.slices[].start'
    value: number
    index: number
  }

  export interface DigestResponseSlicesCountFieldEvent {
    field: '$.slices[].count'
    value: number
    index: number
  }

  export interface DigestResponseSlicesFingerprintFieldEvent {
    field: '$.slices[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DigestResponseTruncatedFieldEvent {
    field: '$.truncated'
    value: boolean
  }

  export function encode (obj: Partial<DigestResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DigestResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DigestResponse>): DigestResponse {
    return decodeMessage(buf, DigestResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DigestResponse>): Generator<DigestResponseSlicesStartFieldEvent | DigestResponseSlicesCountFieldEvent | DigestResponseSlicesFingerprintFieldEvent | DigestResponseTruncatedFieldEvent> {
    return streamMessage(buf, DigestResponse.codec(), opts)
  }
}

export interface IdsRequest {
  from: number
  to: number
  afterTime: number
  afterId: Uint8Array<ArrayBuffer>
}

export namespace IdsRequest {
  let _codec: Codec<IdsRequest>

  export const codec = (): Codec<IdsRequest> => {
    if (_codec == null) {
      _codec = message<IdsRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.from != null && obj.from !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.from)
        }

        if ((obj.to != null && obj.to !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.to)
        }

        if ((obj.afterTime != null && obj.afterTime !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.afterTime)
        }

        if ((obj.afterId != null && obj.afterId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.afterId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: 0,
          to: 0,
          afterTime: 0,
          afterId: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.uint64Number()
              break
            }
            case 2: {
              obj.to = reader.uint64Number()
              break
            }
            case 3: {
              obj.afterTime = reader.uint64Number()
              break
            }
            case 4: {
              obj.afterId = reader.bytes()
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
                field: `${prefix}.from`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.to`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.afterTime`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.afterId`,
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

  export interface IdsRequestFromFieldEvent {
    field: '$.from'
    value: number
  }

  export interface IdsRequestToFieldEvent {
    field: '$.to'
    value: number
  }

  export interface IdsRequestAfterTimeFieldEvent {
    field: '$.afterTime'
    value: number
  }

  export interface IdsRequestAfterIdFieldEvent {
    field: '$.afterId'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<IdsRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IdsRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdsRequest>): IdsRequest {
    return decodeMessage(buf, IdsRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdsRequest>): Generator<IdsRequestFromFieldEvent | IdsRequestToFieldEvent | IdsRequestAfterTimeFieldEvent | IdsRequestAfterIdFieldEvent> {
    return streamMessage(buf, IdsRequest.codec(), opts)
  }
}

export interface IdEntry {
  id: Uint8Array<ArrayBuffer>
  createdAt: number
}

export namespace IdEntry {
  let _codec: Codec<IdEntry>

  export const codec = (): Codec<IdEntry> => {
    if (_codec == null) {
      _codec = message<IdEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.createdAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          createdAt: 0
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
              obj.createdAt = reader.uint64Number()
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
                field: `${prefix}.createdAt`,
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

  export interface IdEntryIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IdEntryCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export function encode (obj: Partial<IdEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IdEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdEntry>): IdEntry {
    return decodeMessage(buf, IdEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdEntry>): Generator<IdEntryIdFieldEvent | IdEntryCreatedAtFieldEvent> {
    return streamMessage(buf, IdEntry.codec(), opts)
  }
}

export interface IdsResponse {
  ids: IdEntry[]
  more: boolean
}

export namespace IdsResponse {
  let _codec: Codec<IdsResponse>

  export const codec = (): Codec<IdsResponse> => {
    if (_codec == null) {
      _codec = message<IdsResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            IdEntry.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(16)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(IdEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ids$
              }))
              break
            }
            case 2: {
              obj.more = reader.bool()
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
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              for (const evt of IdEntry.codec().stream(reader, reader.uint32(), `${prefix}.ids[]`, {
                limits: opts.limits?.ids$
              })) {
                yield {
                  ...evt,
                  index: obj.ids
                }
              }

              obj.ids++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.more`,
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

  export interface IdsResponseIdsIdFieldEvent {
    field: '$.ids[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface IdsResponseIdsCreatedAtFieldEvent {
    field: '$.ids[].createdAt'
    value: number
    index: number
  }

  export interface IdsResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<IdsResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IdsResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdsResponse>): IdsResponse {
    return decodeMessage(buf, IdsResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdsResponse>): Generator<IdsResponseIdsIdFieldEvent | IdsResponseIdsCreatedAtFieldEvent | IdsResponseMoreFieldEvent> {
    return streamMessage(buf, IdsResponse.codec(), opts)
  }
}

export interface FetchRequest {
  ids: Uint8Array<ArrayBuffer>[]
}

export namespace FetchRequest {
  let _codec: Codec<FetchRequest>

  export const codec = (): Codec<FetchRequest> => {
    if (_codec == null) {
      _codec = message<FetchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
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
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

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

  export interface FetchRequestIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): FetchRequest {
    return decodeMessage(buf, FetchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): Generator<FetchRequestIdsFieldEvent> {
    return streamMessage(buf, FetchRequest.codec(), opts)
  }
}

export interface FetchResponse {
  messages: Uint8Array<ArrayBuffer>[]
}

export namespace FetchResponse {
  let _codec: Codec<FetchResponse>

  export const codec = (): Codec<FetchResponse> => {
    if (_codec == null) {
      _codec = message<FetchResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(reader.bytes())
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
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              yield {
                field: `${prefix}.messages[]`,
                index: obj.messages,
                value: reader.bytes()
              }

              obj.messages++

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

  export interface FetchResponseMessagesFieldEvent {
    field: '$.messages[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): FetchResponse {
    return decodeMessage(buf, FetchResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): Generator<FetchResponseMessagesFieldEvent> {
    return streamMessage(buf, FetchResponse.codec(), opts)
  }
}

export interface SyncResponse {
  digest?: DigestResponse
  ids?: IdsResponse
  fetch?: FetchResponse
  error: string
}

export namespace SyncResponse {
  let _codec: Codec<SyncResponse>

  export const codec = (): Codec<SyncResponse> => {
    if (_codec == null) {
      _codec = message<SyncResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.digest != null) {
          w.uint32(10)
          DigestResponse.codec().encode(obj.digest, w)
        }

        if (obj.ids != null) {
          w.uint32(18)
          IdsResponse.codec().encode(obj.ids, w)
        }

        if (obj.fetch != null) {
          w.uint32(26)
          FetchResponse.codec().encode(obj.fetch, w)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(34)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.digest = DigestResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.digest
              })
              break
            }
            case 2: {
              obj.ids = IdsResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ids
              })
              break
            }
            case 3: {
              obj.fetch = FetchResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 4: {
              obj.error = reader.string()
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
              yield * DigestResponse.codec().stream(reader, reader.uint32(), `${prefix}.digest`, {
                limits: opts.limits?.digest
              })

              break
            }
            case 2: {
              yield * IdsResponse.codec().stream(reader, reader.uint32(), `${prefix}.ids`, {
                limits: opts.limits?.ids
              })

              break
            }
            case 3: {
              yield * FetchResponse.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
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

  export interface SyncResponseDigestSlicesStartFieldEvent {
    field: '$.digest.slices[].start'
    value: number
    index: number
  }

  export interface SyncResponseDigestSlicesCountFieldEvent {
    field: '$.digest.slices[].count'
    value: number
    index: number
  }

  export interface SyncResponseDigestSlicesFingerprintFieldEvent {
    field: '$.digest.slices[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncResponseDigestTruncatedFieldEvent {
    field: '$.digest.truncated'
    value: boolean
  }

  export interface SyncResponseIdsIdsIdFieldEvent {
    field: '$.ids.ids[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncResponseIdsIdsCreatedAtFieldEvent {
    field: '$.ids.ids[].createdAt'
    value: number
    index: number
  }

  export interface SyncResponseIdsMoreFieldEvent {
    field: '$.ids.more'
    value: boolean
  }

  export interface SyncResponseFetchMessagesFieldEvent {
    field: '$.fetch.messages[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<SyncResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): SyncResponse {
    return decodeMessage(buf, SyncResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): Generator<SyncResponseDigestSlicesStartFieldEvent | SyncResponseDigestSlicesCountFieldEvent | SyncResponseDigestSlicesFingerprintFieldEvent | SyncResponseDigestTruncatedFieldEvent | SyncResponseIdsIdsIdFieldEvent | SyncResponseIdsIdsCreatedAtFieldEvent | SyncResponseIdsMoreFieldEvent | SyncResponseFetchMessagesFieldEvent | SyncResponseErrorFieldEvent> {
    return streamMessage(buf, SyncResponse.codec(), opts)
  }
}
