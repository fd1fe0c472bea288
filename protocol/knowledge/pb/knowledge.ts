import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface EntryVersion {
  entryId: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  version: number
  title: string
  content: string
  type: string
  tags: string[]
  confidence: number
  retracted: boolean
  session: string
}

export namespace EntryVersion {
  let _codec: Codec<EntryVersion>

  export const codec = (): Codec<EntryVersion> => {
    if (_codec == null) {
      _codec = message<EntryVersion>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.entryId != null && obj.entryId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.entryId)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint32(obj.version)
        }

        if ((obj.title != null && obj.title !== '')) {
          w.uint32(34)
          w.string(obj.title)
        }

        if ((obj.content != null && obj.content !== '')) {
          w.uint32(42)
          w.string(obj.content)
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(50)
          w.string(obj.type)
        }

        if (obj.tags != null && obj.tags.length > 0) {
          for (const value of obj.tags) {
            w.uint32(58)
            w.string(value)
          }
        }

        if ((obj.confidence != null && obj.confidence !== 0)) {
          w.uint32(64)
          w.uint32(obj.confidence)
        }

        if ((obj.retracted != null && obj.retracted !== false)) {
          w.uint32(72)
          w.bool(obj.retracted)
        }

        if ((obj.session != null && obj.session !== '')) {
          w.uint32(82)
          w.string(obj.session)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entryId: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0),
          version: 0,
          title: '',
          content: '',
          type: '',
          tags: [],
          confidence: 0,
          retracted: false,
          session: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.entryId = reader.bytes()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              obj.version = reader.uint32()
              break
            }
            case 4: {
              obj.title = reader.string()
              break
            }
            case 5: {
              obj.content = reader.string()
              break
            }
            case 6: {
              obj.type = reader.string()
              break
            }
            case 7: {
              if (opts.limits?.tags != null && obj.tags.length === opts.limits.tags) {
                throw new MaxLengthError('Decode error - repeated field "tags" had too many elements')
              }

              obj.tags.push(reader.string())
              break
            }
            case 8: {
              obj.confidence = reader.uint32()
              break
            }
            case 9: {
              obj.retracted = reader.bool()
              break
            }
            case 10: {
              obj.session = reader.string()
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
          tags: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.entryId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.title`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.content`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            case 7: {
              if (opts.limits?.tags != null && obj.tags === opts.limits.tags) {
                throw new MaxLengthError('Streaming decode error - repeated field "tags" had too many elements')
              }

              yield {
                field: `${prefix}.tags[]`,
                index: obj.tags,
                value: reader.string()
              }

              obj.tags++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.confidence`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.retracted`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.session`,
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

  export interface EntryVersionEntryIdFieldEvent {
    field: '$.entryId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryVersionNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryVersionVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EntryVersionTitleFieldEvent {
    field: '$.title'
    value: string
  }

  export interface EntryVersionContentFieldEvent {
    field: '$.content'
    value: string
  }

  export interface EntryVersionTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export interface EntryVersionTagsFieldEvent {
    field: '$.tags[]'
    index: number
    value: string
  }

  export interface EntryVersionConfidenceFieldEvent {
    field: '$.confidence'
    value: number
  }

  export interface EntryVersionRetractedFieldEvent {
    field: '$.retracted'
    value: boolean
  }

  export interface EntryVersionSessionFieldEvent {
    field: '$.session'
    value: string
  }

  export function encode (obj: Partial<EntryVersion>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EntryVersion.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryVersion>): EntryVersion {
    return decodeMessage(buf, EntryVersion.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryVersion>): Generator<EntryVersionEntryIdFieldEvent | EntryVersionNonceFieldEvent | EntryVersionVersionFieldEvent | EntryVersionTitleFieldEvent | EntryVersionContentFieldEvent | EntryVersionTypeFieldEvent | EntryVersionTagsFieldEvent | EntryVersionConfidenceFieldEvent | EntryVersionRetractedFieldEvent | EntryVersionSessionFieldEvent> {
    return streamMessage(buf, EntryVersion.codec(), opts)
  }
}

export interface Rating {
  entryId: Uint8Array<ArrayBuffer>
  score: number
}

export namespace Rating {
  let _codec: Codec<Rating>

  export const codec = (): Codec<Rating> => {
    if (_codec == null) {
      _codec = message<Rating>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.entryId != null && obj.entryId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.entryId)
        }

        if ((obj.score != null && obj.score !== 0)) {
          w.uint32(16)
          w.uint32(obj.score)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entryId: uint8ArrayAlloc(0),
          score: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.entryId = reader.bytes()
              break
            }
            case 2: {
              obj.score = reader.uint32()
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
                field: `${prefix}.entryId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.score`,
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

  export interface RatingEntryIdFieldEvent {
    field: '$.entryId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RatingScoreFieldEvent {
    field: '$.score'
    value: number
  }

  export function encode (obj: Partial<Rating>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Rating.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rating>): Rating {
    return decodeMessage(buf, Rating.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rating>): Generator<RatingEntryIdFieldEvent | RatingScoreFieldEvent> {
    return streamMessage(buf, Rating.codec(), opts)
  }
}

export interface KnowledgeBody {
  entry?: EntryVersion
  rating?: Rating
  createdAt: number
  author: Uint8Array<ArrayBuffer>
}

export namespace KnowledgeBody {
  let _codec: Codec<KnowledgeBody>

  export const codec = (): Codec<KnowledgeBody> => {
    if (_codec == null) {
      _codec = message<KnowledgeBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entry != null) {
          w.uint32(10)
          EntryVersion.codec().encode(obj.entry, w)
        }

        if (obj.rating != null) {
          w.uint32(18)
          Rating.codec().encode(obj.rating, w)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.author)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          createdAt: 0,
          author: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.entry = EntryVersion.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entry
              })
              break
            }
            case 2: {
              obj.rating = Rating.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rating
              })
              break
            }
            case 3: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 4: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * EntryVersion.codec().stream(reader, reader.uint32(), `${prefix}.entry`, {
                limits: opts.limits?.entry
              })

              break
            }
            case 2: {
              yield * Rating.codec().stream(reader, reader.uint32(), `${prefix}.rating`, {
                limits: opts.limits?.rating
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
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

  export interface KnowledgeBodyEntryEntryIdFieldEvent {
    field: '$.entry.entryId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KnowledgeBodyEntryNonceFieldEvent {
    field: '$.entry.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KnowledgeBodyEntryVersionFieldEvent {
    field: '$.entry.version'
    value: number
  }

  export interface KnowledgeBodyEntryTitleFieldEvent {
    field: '$.entry.title'
    value: string
  }

  export interface KnowledgeBodyEntryContentFieldEvent {
    field: '$.entry.content'
    value: string
  }

  export interface KnowledgeBodyEntryTypeFieldEvent {
    field: '$.entry.type'
    value: string
  }

  export interface KnowledgeBodyEntryTagsFieldEvent {
    field: '$.entry.tags[]'
    index: number
    value: string
  }

  export interface KnowledgeBodyEntryConfidenceFieldEvent {
    field: '$.entry.confidence'
    value: number
  }

  export interface KnowledgeBodyEntryRetractedFieldEvent {
    field: '$.entry.retracted'
    value: boolean
  }

  export interface KnowledgeBodyEntrySessionFieldEvent {
    field: '$.entry.session'
    value: string
  }

  export interface KnowledgeBodyRatingEntryIdFieldEvent {
    field: '$.rating.entryId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KnowledgeBodyRatingScoreFieldEvent {
    field: '$.rating.score'
    value: number
  }

  export interface KnowledgeBodyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface KnowledgeBodyAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KnowledgeBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KnowledgeBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KnowledgeBody>): KnowledgeBody {
    return decodeMessage(buf, KnowledgeBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KnowledgeBody>): Generator<KnowledgeBodyEntryEntryIdFieldEvent | KnowledgeBodyEntryNonceFieldEvent | KnowledgeBodyEntryVersionFieldEvent | KnowledgeBodyEntryTitleFieldEvent | KnowledgeBodyEntryContentFieldEvent | KnowledgeBodyEntryTypeFieldEvent | KnowledgeBodyEntryTagsFieldEvent | KnowledgeBodyEntryConfidenceFieldEvent | KnowledgeBodyEntryRetractedFieldEvent | KnowledgeBodyEntrySessionFieldEvent | KnowledgeBodyRatingEntryIdFieldEvent | KnowledgeBodyRatingScoreFieldEvent | KnowledgeBodyCreatedAtFieldEvent | KnowledgeBodyAuthorFieldEvent> {
    return streamMessage(buf, KnowledgeBody.codec(), opts)
  }
}

export interface SignedKnowledge {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedKnowledge {
  let _codec: Codec<SignedKnowledge>

  export const codec = (): Codec<SignedKnowledge> => {
    if (_codec == null) {
      _codec = message<SignedKnowledge>((obj, w, opts = {}) => {
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

  export interface SignedKnowledgeBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedKnowledgeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedKnowledge>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedKnowledge.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKnowledge>): SignedKnowledge {
    return decodeMessage(buf, SignedKnowledge.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKnowledge>): Generator<SignedKnowledgeBodyFieldEvent | SignedKnowledgeSignatureFieldEvent> {
    return streamMessage(buf, SignedKnowledge.codec(), opts)
  }
}

export interface StoredKnowledge {
  signed: Uint8Array<ArrayBuffer>
  receivedAt: number
}

export namespace StoredKnowledge {
  let _codec: Codec<StoredKnowledge>

  export const codec = (): Codec<StoredKnowledge> => {
    if (_codec == null) {
      _codec = message<StoredKnowledge>((obj, w, opts = {}) => {
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

  export interface StoredKnowledgeSignedFieldEvent {
    field: '$.signed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoredKnowledgeReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: number
  }

  export function encode (obj: Partial<StoredKnowledge>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoredKnowledge.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredKnowledge>): StoredKnowledge {
    return decodeMessage(buf, StoredKnowledge.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredKnowledge>): Generator<StoredKnowledgeSignedFieldEvent | StoredKnowledgeReceivedAtFieldEvent> {
    return streamMessage(buf, StoredKnowledge.codec(), opts)
  }
}

export interface SessionCharter {
  sessionId: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  version: number
  title: string
  description: string
  participants: Uint8Array<ArrayBuffer>[]
  closed: boolean
  solutionEntry: Uint8Array<ArrayBuffer>
  createdAt: number
  owner: Uint8Array<ArrayBuffer>
}

export namespace SessionCharter {
  let _codec: Codec<SessionCharter>

  export const codec = (): Codec<SessionCharter> => {
    if (_codec == null) {
      _codec = message<SessionCharter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sessionId != null && obj.sessionId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sessionId)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint32(obj.version)
        }

        if ((obj.title != null && obj.title !== '')) {
          w.uint32(34)
          w.string(obj.title)
        }

        if ((obj.description != null && obj.description !== '')) {
          w.uint32(42)
          w.string(obj.description)
        }

        if (obj.participants != null && obj.participants.length > 0) {
          for (const value of obj.participants) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if ((obj.closed != null && obj.closed !== false)) {
          w.uint32(56)
          w.bool(obj.closed)
        }

        if ((obj.solutionEntry != null && obj.solutionEntry.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.solutionEntry)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.owner)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sessionId: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0),
          version: 0,
          title: '',
          description: '',
          participants: [],
          closed: false,
          solutionEntry: uint8ArrayAlloc(0),
          createdAt: 0,
          owner: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sessionId = reader.bytes()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              obj.version = reader.uint32()
              break
            }
            case 4: {
              obj.title = reader.string()
              break
            }
            case 5: {
              obj.description = reader.string()
              break
            }
            case 6: {
              if (opts.limits?.participants != null && obj.participants.length === opts.limits.participants) {
                throw new MaxLengthError('Decode error - repeated field "participants" had too many elements')
              }

              obj.participants.push(reader.bytes())
              break
            }
            case 7: {
              obj.closed = reader.bool()
              break
            }
            case 8: {
              obj.solutionEntry = reader.bytes()
              break
            }
            case 9: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 10: {
              obj.owner = reader.bytes()
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
          participants: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sessionId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.title`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.description`,
                value: reader.string()
              }
              break
            }
            case 6: {
              if (opts.limits?.participants != null && obj.participants === opts.limits.participants) {
                throw new MaxLengthError('Streaming decode error - repeated field "participants" had too many elements')
              }

              yield {
                field: `${prefix}.participants[]`,
                index: obj.participants,
                value: reader.bytes()
              }

              obj.participants++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.closed`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.solutionEntry`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.owner`,
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

  export interface SessionCharterSessionIdFieldEvent {
    field: '$.sessionId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionCharterNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionCharterVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SessionCharterTitleFieldEvent {
    field: '$.title'
    value: string
  }

  export interface SessionCharterDescriptionFieldEvent {
    field: '$.description'
    value: string
  }

  export interface SessionCharterParticipantsFieldEvent {
    field: '$.participants[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionCharterClosedFieldEvent {
    field: '$.closed'
    value: boolean
  }

  export interface SessionCharterSolutionEntryFieldEvent {
    field: '$.solutionEntry'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionCharterCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface SessionCharterOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SessionCharter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionCharter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionCharter>): SessionCharter {
    return decodeMessage(buf, SessionCharter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionCharter>): Generator<SessionCharterSessionIdFieldEvent | SessionCharterNonceFieldEvent | SessionCharterVersionFieldEvent | SessionCharterTitleFieldEvent | SessionCharterDescriptionFieldEvent | SessionCharterParticipantsFieldEvent | SessionCharterClosedFieldEvent | SessionCharterSolutionEntryFieldEvent | SessionCharterCreatedAtFieldEvent | SessionCharterOwnerFieldEvent> {
    return streamMessage(buf, SessionCharter.codec(), opts)
  }
}

export interface SessionUpdate {
  sessionId: Uint8Array<ArrayBuffer>
  kind: number
  data: Uint8Array<ArrayBuffer>
  createdAt: number
  author: Uint8Array<ArrayBuffer>
}

export namespace SessionUpdate {
  let _codec: Codec<SessionUpdate>

  export const codec = (): Codec<SessionUpdate> => {
    if (_codec == null) {
      _codec = message<SessionUpdate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sessionId != null && obj.sessionId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sessionId)
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(16)
          w.uint32(obj.kind)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.data)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.author)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sessionId: uint8ArrayAlloc(0),
          kind: 0,
          data: uint8ArrayAlloc(0),
          createdAt: 0,
          author: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sessionId = reader.bytes()
              break
            }
            case 2: {
              obj.kind = reader.uint32()
              break
            }
            case 3: {
              obj.data = reader.bytes()
              break
            }
            case 4: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 5: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sessionId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
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

  export interface SessionUpdateSessionIdFieldEvent {
    field: '$.sessionId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionUpdateKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export interface SessionUpdateDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionUpdateCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface SessionUpdateAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SessionUpdate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionUpdate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionUpdate>): SessionUpdate {
    return decodeMessage(buf, SessionUpdate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionUpdate>): Generator<SessionUpdateSessionIdFieldEvent | SessionUpdateKindFieldEvent | SessionUpdateDataFieldEvent | SessionUpdateCreatedAtFieldEvent | SessionUpdateAuthorFieldEvent> {
    return streamMessage(buf, SessionUpdate.codec(), opts)
  }
}

export interface SignedSessionRecord {
  charter: Uint8Array<ArrayBuffer>
  update: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedSessionRecord {
  let _codec: Codec<SignedSessionRecord>

  export const codec = (): Codec<SignedSessionRecord> => {
    if (_codec == null) {
      _codec = message<SignedSessionRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.charter != null && obj.charter.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.charter)
        }

        if ((obj.update != null && obj.update.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.update)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          charter: uint8ArrayAlloc(0),
          update: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.charter = reader.bytes()
              break
            }
            case 2: {
              obj.update = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.charter`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.update`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
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

  export interface SignedSessionRecordCharterFieldEvent {
    field: '$.charter'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedSessionRecordUpdateFieldEvent {
    field: '$.update'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedSessionRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedSessionRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedSessionRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedSessionRecord>): SignedSessionRecord {
    return decodeMessage(buf, SignedSessionRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedSessionRecord>): Generator<SignedSessionRecordCharterFieldEvent | SignedSessionRecordUpdateFieldEvent | SignedSessionRecordSignatureFieldEvent> {
    return streamMessage(buf, SignedSessionRecord.codec(), opts)
  }
}

export interface SessionSyncRequest {
  sessionId: Uint8Array<ArrayBuffer>
  offset: number
  stateVector: Uint8Array<ArrayBuffer>
}

export namespace SessionSyncRequest {
  let _codec: Codec<SessionSyncRequest>

  export const codec = (): Codec<SessionSyncRequest> => {
    if (_codec == null) {
      _codec = message<SessionSyncRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sessionId != null && obj.sessionId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sessionId)
        }

        if ((obj.offset != null && obj.offset !== 0)) {
          w.uint32(16)
          w.uint32(obj.offset)
        }

        if ((obj.stateVector != null && obj.stateVector.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.stateVector)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sessionId: uint8ArrayAlloc(0),
          offset: 0,
          stateVector: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sessionId = reader.bytes()
              break
            }
            case 2: {
              obj.offset = reader.uint32()
              break
            }
            case 3: {
              obj.stateVector = reader.bytes()
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
                field: `${prefix}.sessionId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.stateVector`,
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

  export interface SessionSyncRequestSessionIdFieldEvent {
    field: '$.sessionId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionSyncRequestOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export interface SessionSyncRequestStateVectorFieldEvent {
    field: '$.stateVector'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SessionSyncRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionSyncRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionSyncRequest>): SessionSyncRequest {
    return decodeMessage(buf, SessionSyncRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionSyncRequest>): Generator<SessionSyncRequestSessionIdFieldEvent | SessionSyncRequestOffsetFieldEvent | SessionSyncRequestStateVectorFieldEvent> {
    return streamMessage(buf, SessionSyncRequest.codec(), opts)
  }
}

export interface SessionSyncResponse {
  charter: Uint8Array<ArrayBuffer>
  updates: Uint8Array<ArrayBuffer>[]
  more: boolean
  error: string
  nextOffset: number
}

export namespace SessionSyncResponse {
  let _codec: Codec<SessionSyncResponse>

  export const codec = (): Codec<SessionSyncResponse> => {
    if (_codec == null) {
      _codec = message<SessionSyncResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.charter != null && obj.charter.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.charter)
        }

        if (obj.updates != null && obj.updates.length > 0) {
          for (const value of obj.updates) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(24)
          w.bool(obj.more)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(34)
          w.string(obj.error)
        }

        if ((obj.nextOffset != null && obj.nextOffset !== 0)) {
          w.uint32(40)
          w.uint32(obj.nextOffset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          charter: uint8ArrayAlloc(0),
          updates: [],
          more: false,
          error: '',
          nextOffset: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.charter = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.updates != null && obj.updates.length === opts.limits.updates) {
                throw new MaxLengthError('Decode error - repeated field "updates" had too many elements')
              }

              obj.updates.push(reader.bytes())
              break
            }
            case 3: {
              obj.more = reader.bool()
              break
            }
            case 4: {
              obj.error = reader.string()
              break
            }
            case 5: {
              obj.nextOffset = reader.uint32()
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
          updates: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.charter`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.updates != null && obj.updates === opts.limits.updates) {
                throw new MaxLengthError('Streaming decode error - repeated field "updates" had too many elements')
              }

              yield {
                field: `${prefix}.updates[]`,
                index: obj.updates,
                value: reader.bytes()
              }

              obj.updates++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.nextOffset`,
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

  export interface SessionSyncResponseCharterFieldEvent {
    field: '$.charter'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionSyncResponseUpdatesFieldEvent {
    field: '$.updates[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionSyncResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface SessionSyncResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface SessionSyncResponseNextOffsetFieldEvent {
    field: '$.nextOffset'
    value: number
  }

  export function encode (obj: Partial<SessionSyncResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionSyncResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionSyncResponse>): SessionSyncResponse {
    return decodeMessage(buf, SessionSyncResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionSyncResponse>): Generator<SessionSyncResponseCharterFieldEvent | SessionSyncResponseUpdatesFieldEvent | SessionSyncResponseMoreFieldEvent | SessionSyncResponseErrorFieldEvent | SessionSyncResponseNextOffsetFieldEvent> {
    return streamMessage(buf, SessionSyncResponse.codec(), opts)
  }
}
