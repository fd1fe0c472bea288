import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum EntryKind {
  HUMAN = 'HUMAN',
  STATUS = 'STATUS',
  PAYMENT = 'PAYMENT'
}

enum __EntryKindValues {
  HUMAN = 0,
  STATUS = 1,
  PAYMENT = 2
}

export namespace EntryKind {
  export const codec = (): Codec<EntryKind> => {
    return enumeration<EntryKind>(__EntryKindValues)
  }
}

export enum HumanStatusPb {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE'
}

enum __HumanStatusPbValues {
  ACTIVE = 0,
  INACTIVE = 1
}

export namespace HumanStatusPb {
  export const codec = (): Codec<HumanStatusPb> => {
    return enumeration<HumanStatusPb>(__HumanStatusPbValues)
  }
}

export enum PaymentType {
  WEEKLY_FLOW = 'WEEKLY_FLOW'
}

enum __PaymentTypeValues {
  WEEKLY_FLOW = 0
}

export namespace PaymentType {
  export const codec = (): Codec<PaymentType> => {
    return enumeration<PaymentType>(__PaymentTypeValues)
  }
}

export interface Entry {
  kind: EntryKind
  humanId: string
  at: number
  status: HumanStatusPb
  weeklyFlow: string
  housingCredit: string
  investmentPool: string
  week: string
  amount: string
  type: PaymentType
  registrar: Uint8Array<ArrayBuffer>
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __EntryKindValues[obj.kind] !== 0) {
          w.uint32(8)
          EntryKind.codec().encode(obj.kind, w)
        }

        if ((obj.humanId != null && obj.humanId !== '')) {
          w.uint32(18)
          w.string(obj.humanId)
        }

        if ((obj.at != null && obj.at !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.at)
        }

        if (obj.status != null && __HumanStatusPbValues[obj.status] !== 0) {
          w.uint32(32)
          HumanStatusPb.codec().encode(obj.status, w)
        }

        if ((obj.weeklyFlow != null && obj.weeklyFlow !== '')) {
          w.uint32(42)
          w.string(obj.weeklyFlow)
        }

        if ((obj.housingCredit != null && obj.housingCredit !== '')) {
          w.uint32(50)
          w.string(obj.housingCredit)
        }

        if ((obj.investmentPool != null && obj.investmentPool !== '')) {
          w.uint32(58)
          w.string(obj.investmentPool)
        }

        if ((obj.week != null && obj.week !== '')) {
          w.uint32(66)
          w.string(obj.week)
        }

        if ((obj.amount != null && obj.amount !== '')) {
          w.uint32(74)
          w.string(obj.amount)
        }

        if (obj.type != null && __PaymentTypeValues[obj.type] !== 0) {
          w.uint32(80)
          PaymentType.codec().encode(obj.type, w)
        }

        if ((obj.registrar != null && obj.registrar.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.registrar)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: EntryKind.HUMAN,
          humanId: '',
          at: 0,
          status: HumanStatusPb.ACTIVE,
          weeklyFlow: '',
          housingCredit: '',
          investmentPool: '',
          week: '',
          amount: '',
          type: PaymentType.WEEKLY_FLOW,
          registrar: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = EntryKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.humanId = reader.string()
              break
            }
            case 3: {
              obj.at = reader.uint64Number()
              break
            }
            case 4: {
              obj.status = HumanStatusPb.codec().decode(reader)
              break
            }
            case 5: {
              obj.weeklyFlow = reader.string()
              break
            }
            case 6: {
              obj.housingCredit = reader.string()
              break
            }
            case 7: {
              obj.investmentPool = reader.string()
              break
            }
            case 8: {
              obj.week = reader.string()
              break
            }
            case 9: {
              obj.amount = reader.string()
              break
            }
            case 10: {
              obj.type = PaymentType.codec().decode(reader)
              break
            }
            case 11: {
              obj.registrar = reader.bytes()
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
                field: `${prefix}.kind`,
                value: EntryKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.humanId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.at`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.status`,
                value: HumanStatusPb.codec().decode(reader)
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.weeklyFlow`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.housingCredit`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.investmentPool`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.week`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.amount`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.type`,
                value: PaymentType.codec().decode(reader)
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.registrar`,
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

  export interface EntryKindFieldEvent {
    field: '$.kind'
    value: EntryKind
  }

  export interface EntryHumanIdFieldEvent {
    field: '$.humanId'
    value: string
  }

  export interface EntryAtFieldEvent {
    field: '$.at'
    value: number
  }

  export interface EntryStatusFieldEvent {
    field: '$.status'
    value: HumanStatusPb
  }

  export interface EntryWeeklyFlowFieldEvent {
    field: '$.weeklyFlow'
    value: string
  }

  export interface EntryHousingCreditFieldEvent {
    field: '$.housingCredit'
    value: string
  }

  export interface EntryInvestmentPoolFieldEvent {
    field: '$.investmentPool'
    value: string
  }

  export interface EntryWeekFieldEvent {
    field: '$.week'
    value: string
  }

  export interface EntryAmountFieldEvent {
    field: '$.amount'
    value: string
  }

  export interface EntryTypeFieldEvent {
    field: '$.type'
    value: PaymentType
  }

  export interface EntryRegistrarFieldEvent {
    field: '$.registrar'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryKindFieldEvent | EntryHumanIdFieldEvent | EntryAtFieldEvent | EntryStatusFieldEvent | EntryWeeklyFlowFieldEvent | EntryHousingCreditFieldEvent | EntryInvestmentPoolFieldEvent | EntryWeekFieldEvent | EntryAmountFieldEvent | EntryTypeFieldEvent | EntryRegistrarFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface BatchBody {
  author: Uint8Array<ArrayBuffer>
  doc: string
  clockStart: number
  clockEnd: number
  update: Uint8Array<ArrayBuffer>
  signedAt: number
}

export namespace BatchBody {
  let _codec: Codec<BatchBody>

  export const codec = (): Codec<BatchBody> => {
    if (_codec == null) {
      _codec = message<BatchBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.author)
        }

        if ((obj.doc != null && obj.doc !== '')) {
          w.uint32(18)
          w.string(obj.doc)
        }

        if ((obj.clockStart != null && obj.clockStart !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.clockStart)
        }

        if ((obj.clockEnd != null && obj.clockEnd !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.clockEnd)
        }

        if ((obj.update != null && obj.update.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.update)
        }

        if ((obj.signedAt != null && obj.signedAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.signedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          author: uint8ArrayAlloc(0),
          doc: '',
          clockStart: 0,
          clockEnd: 0,
          update: uint8ArrayAlloc(0),
          signedAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.author = reader.bytes()
              break
            }
            case 2: {
              obj.doc = reader.string()
              break
            }
            case 3: {
              obj.clockStart = reader.uint64Number()
              break
            }
            case 4: {
              obj.clockEnd = reader.uint64Number()
              break
            }
            case 5: {
              obj.update = reader.bytes()
              break
            }
            case 6: {
              obj.signedAt = reader.uint64Number()
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
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.doc`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.clockStart`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.clockEnd`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.update`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signedAt`,
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

  export interface BatchBodyAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BatchBodyDocFieldEvent {
    field: '$.doc'
    value: string
  }

  export interface BatchBodyClockStartFieldEvent {
    field: '$.clockStart'
    value: number
  }

  export interface BatchBodyClockEndFieldEvent {
    field: '$.clockEnd'
    value: number
  }

  export interface BatchBodyUpdateFieldEvent {
    field: '$.update'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BatchBodySignedAtFieldEvent {
    field: '$.signedAt'
    value: number
  }

  export function encode (obj: Partial<BatchBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BatchBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BatchBody>): BatchBody {
    return decodeMessage(buf, BatchBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BatchBody>): Generator<BatchBodyAuthorFieldEvent | BatchBodyDocFieldEvent | BatchBodyClockStartFieldEvent | BatchBodyClockEndFieldEvent | BatchBodyUpdateFieldEvent | BatchBodySignedAtFieldEvent> {
    return streamMessage(buf, BatchBody.codec(), opts)
  }
}

export interface SignedBatch {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedBatch {
  let _codec: Codec<SignedBatch>

  export const codec = (): Codec<SignedBatch> => {
    if (_codec == null) {
      _codec = message<SignedBatch>((obj, w, opts = {}) => {
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

  export interface SignedBatchBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedBatchSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedBatch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedBatch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBatch>): SignedBatch {
    return decodeMessage(buf, SignedBatch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBatch>): Generator<SignedBatchBodyFieldEvent | SignedBatchSignatureFieldEvent> {
    return streamMessage(buf, SignedBatch.codec(), opts)
  }
}

export interface EquivocationProof {
  a?: SignedBatch
  b?: SignedBatch
}

export namespace EquivocationProof {
  let _codec: Codec<EquivocationProof>

  export const codec = (): Codec<EquivocationProof> => {
    if (_codec == null) {
      _codec = message<EquivocationProof>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.a != null) {
          w.uint32(10)
          SignedBatch.codec().encode(obj.a, w)
        }

        if (obj.b != null) {
          w.uint32(18)
          SignedBatch.codec().encode(obj.b, w)
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
              obj.a = SignedBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.a
              })
              break
            }
            case 2: {
              obj.b = SignedBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.b
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
              yield * SignedBatch.codec().stream(reader, reader.uint32(), `${prefix}.a`, {
                limits: opts.limits?.a
              })

              break
            }
            case 2: {
              yield * SignedBatch.codec().stream(reader, reader.uint32(), `${prefix}.b`, {
                limits: opts.limits?.b
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

  export interface EquivocationProofABodyFieldEvent {
    field: '$.a.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EquivocationProofASignatureFieldEvent {
    field: '$.a.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EquivocationProofBBodyFieldEvent {
    field: '$.b.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EquivocationProofBSignatureFieldEvent {
    field: '$.b.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<EquivocationProof>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EquivocationProof.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EquivocationProof>): EquivocationProof {
    return decodeMessage(buf, EquivocationProof.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EquivocationProof>): Generator<EquivocationProofABodyFieldEvent | EquivocationProofASignatureFieldEvent | EquivocationProofBBodyFieldEvent | EquivocationProofBSignatureFieldEvent> {
    return streamMessage(buf, EquivocationProof.codec(), opts)
  }
}

export interface LedgerGossip {
  batch?: SignedBatch
  proof?: EquivocationProof
}

export namespace LedgerGossip {
  let _codec: Codec<LedgerGossip>

  export const codec = (): Codec<LedgerGossip> => {
    if (_codec == null) {
      _codec = message<LedgerGossip>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.batch != null) {
          w.uint32(10)
          SignedBatch.codec().encode(obj.batch, w)
        }

        if (obj.proof != null) {
          w.uint32(18)
          EquivocationProof.codec().encode(obj.proof, w)
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
              obj.batch = SignedBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.batch
              })
              break
            }
            case 2: {
              obj.proof = EquivocationProof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proof
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
              yield * SignedBatch.codec().stream(reader, reader.uint32(), `${prefix}.batch`, {
                limits: opts.limits?.batch
              })

              break
            }
            case 2: {
              yield * EquivocationProof.codec().stream(reader, reader.uint32(), `${prefix}.proof`, {
                limits: opts.limits?.proof
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

  export interface LedgerGossipBatchBodyFieldEvent {
    field: '$.batch.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerGossipBatchSignatureFieldEvent {
    field: '$.batch.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerGossipProofABodyFieldEvent {
    field: '$.proof.a.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerGossipProofASignatureFieldEvent {
    field: '$.proof.a.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerGossipProofBBodyFieldEvent {
    field: '$.proof.b.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerGossipProofBSignatureFieldEvent {
    field: '$.proof.b.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LedgerGossip>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerGossip.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerGossip>): LedgerGossip {
    return decodeMessage(buf, LedgerGossip.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerGossip>): Generator<LedgerGossipBatchBodyFieldEvent | LedgerGossipBatchSignatureFieldEvent | LedgerGossipProofABodyFieldEvent | LedgerGossipProofASignatureFieldEvent | LedgerGossipProofBBodyFieldEvent | LedgerGossipProofBSignatureFieldEvent> {
    return streamMessage(buf, LedgerGossip.codec(), opts)
  }
}

export interface DocClock {
  author: Uint8Array<ArrayBuffer>
  doc: string
  clock: number
  fingerprint: Uint8Array<ArrayBuffer>
}

export namespace DocClock {
  let _codec: Codec<DocClock>

  export const codec = (): Codec<DocClock> => {
    if (_codec == null) {
      _codec = message<DocClock>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.author)
        }

        if ((obj.doc != null && obj.doc !== '')) {
          w.uint32(18)
          w.string(obj.doc)
        }

        if ((obj.clock != null && obj.clock !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.clock)
        }

        if ((obj.fingerprint != null && obj.fingerprint.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.fingerprint)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          author: uint8ArrayAlloc(0),
          doc: '',
          clock: 0,
          fingerprint: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.author = reader.bytes()
              break
            }
            case 2: {
              obj.doc = reader.string()
              break
            }
            case 3: {
              obj.clock = reader.uint64Number()
              break
            }
            case 4: {
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
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.doc`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.clock`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
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

  export interface DocClockAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DocClockDocFieldEvent {
    field: '$.doc'
    value: string
  }

  export interface DocClockClockFieldEvent {
    field: '$.clock'
    value: number
  }

  export interface DocClockFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DocClock>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DocClock.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocClock>): DocClock {
    return decodeMessage(buf, DocClock.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocClock>): Generator<DocClockAuthorFieldEvent | DocClockDocFieldEvent | DocClockClockFieldEvent | DocClockFingerprintFieldEvent> {
    return streamMessage(buf, DocClock.codec(), opts)
  }
}

export interface SyncRequest {
  docs: DocClock[]
  excluded: Uint8Array<ArrayBuffer>[]
  reconcile: Uint8Array<ArrayBuffer>
  want: Uint8Array<ArrayBuffer>[]
  more: boolean
}

export namespace SyncRequest {
  let _codec: Codec<SyncRequest>

  export const codec = (): Codec<SyncRequest> => {
    if (_codec == null) {
      _codec = message<SyncRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.docs != null && obj.docs.length > 0) {
          for (const value of obj.docs) {
            w.uint32(10)
            DocClock.codec().encode(value, w)
          }
        }

        if (obj.excluded != null && obj.excluded.length > 0) {
          for (const value of obj.excluded) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.reconcile != null && obj.reconcile.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.reconcile)
        }

        if (obj.want != null && obj.want.length > 0) {
          for (const value of obj.want) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(40)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          docs: [],
          excluded: [],
          reconcile: uint8ArrayAlloc(0),
          want: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.docs != null && obj.docs.length === opts.limits.docs) {
                throw new MaxLengthError('Decode error - repeated field "docs" had too many elements')
              }

              obj.docs.push(DocClock.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.docs$
              }))
              break
            }
            case 2: {
              if (opts.limits?.excluded != null && obj.excluded.length === opts.limits.excluded) {
                throw new MaxLengthError('Decode error - repeated field "excluded" had too many elements')
              }

              obj.excluded.push(reader.bytes())
              break
            }
            case 3: {
              obj.reconcile = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.want != null && obj.want.length === opts.limits.want) {
                throw new MaxLengthError('Decode error - repeated field "want" had too many elements')
              }

              obj.want.push(reader.bytes())
              break
            }
            case 5: {
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
          docs: 0,
          excluded: 0,
          want: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.docs != null && obj.docs === opts.limits.docs) {
                throw new MaxLengthError('Streaming decode error - repeated field "docs" had too many elements')
              }

              for (const evt of DocClock.codec().stream(reader, reader.uint32(), `${prefix}.docs[]`, {
                limits: opts.limits?.docs$
              })) {
                yield {
                  ...evt,
                  index: obj.docs
                }
              }

              obj.docs++

              break
            }
            case 2: {
              if (opts.limits?.excluded != null && obj.excluded === opts.limits.excluded) {
                throw new MaxLengthError('Streaming decode error - repeated field "excluded" had too many elements')
              }

              yield {
                field: `${prefix}.excluded[]`,
                index: obj.excluded,
                value: reader.bytes()
              }

              obj.excluded++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.reconcile`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.want != null && obj.want === opts.limits.want) {
                throw new MaxLengthError('Streaming decode error - repeated field "want" had too many elements')
              }

              yield {
                field: `${prefix}.want[]`,
                index: obj.want,
                value: reader.bytes()
              }

              obj.want++

              break
            }
            case 5: {
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

  export interface SyncRequestDocsAuthorFieldEvent {
    field: '$.docs[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncRequestDocsDocFieldEvent {
    field: '$.docs[].doc'
    value: string
    index: number
  }

  export interface SyncRequestDocsClockFieldEvent {
    field: '$.docs[].clock'
    value: number
    index: number
  }

  export interface SyncRequestDocsFingerprintFieldEvent {
    field: '$.docs[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncRequestExcludedFieldEvent {
    field: '$.excluded[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestReconcileFieldEvent {
    field: '$.reconcile'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestWantFieldEvent {
    field: '$.want[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<SyncRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): SyncRequest {
    return decodeMessage(buf, SyncRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): Generator<SyncRequestDocsAuthorFieldEvent | SyncRequestDocsDocFieldEvent | SyncRequestDocsClockFieldEvent | SyncRequestDocsFingerprintFieldEvent | SyncRequestExcludedFieldEvent | SyncRequestReconcileFieldEvent | SyncRequestWantFieldEvent | SyncRequestMoreFieldEvent> {
    return streamMessage(buf, SyncRequest.codec(), opts)
  }
}

export interface SyncResponse {
  batch?: SignedBatch
  proof?: EquivocationProof
  done: boolean
  reconcile: Uint8Array<ArrayBuffer>
}

export namespace SyncResponse {
  let _codec: Codec<SyncResponse>

  export const codec = (): Codec<SyncResponse> => {
    if (_codec == null) {
      _codec = message<SyncResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.batch != null) {
          w.uint32(10)
          SignedBatch.codec().encode(obj.batch, w)
        }

        if (obj.proof != null) {
          w.uint32(18)
          EquivocationProof.codec().encode(obj.proof, w)
        }

        if ((obj.done != null && obj.done !== false)) {
          w.uint32(24)
          w.bool(obj.done)
        }

        if ((obj.reconcile != null && obj.reconcile.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.reconcile)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          done: false,
          reconcile: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.batch = SignedBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.batch
              })
              break
            }
            case 2: {
              obj.proof = EquivocationProof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proof
              })
              break
            }
            case 3: {
              obj.done = reader.bool()
              break
            }
            case 4: {
              obj.reconcile = reader.bytes()
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
              yield * SignedBatch.codec().stream(reader, reader.uint32(), `${prefix}.batch`, {
                limits: opts.limits?.batch
              })

              break
            }
            case 2: {
              yield * EquivocationProof.codec().stream(reader, reader.uint32(), `${prefix}.proof`, {
                limits: opts.limits?.proof
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.done`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.reconcile`,
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

  export interface SyncResponseBatchBodyFieldEvent {
    field: '$.batch.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseBatchSignatureFieldEvent {
    field: '$.batch.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseProofABodyFieldEvent {
    field: '$.proof.a.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseProofASignatureFieldEvent {
    field: '$.proof.a.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseProofBBodyFieldEvent {
    field: '$.proof.b.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseProofBSignatureFieldEvent {
    field: '$.proof.b.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncResponseDoneFieldEvent {
    field: '$.done'
    value: boolean
  }

  export interface SyncResponseReconcileFieldEvent {
    field: '$.reconcile'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SyncResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): SyncResponse {
    return decodeMessage(buf, SyncResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): Generator<SyncResponseBatchBodyFieldEvent | SyncResponseBatchSignatureFieldEvent | SyncResponseProofABodyFieldEvent | SyncResponseProofASignatureFieldEvent | SyncResponseProofBBodyFieldEvent | SyncResponseProofBSignatureFieldEvent | SyncResponseDoneFieldEvent | SyncResponseReconcileFieldEvent> {
    return streamMessage(buf, SyncResponse.codec(), opts)
  }
}

export interface IndexedEntry {
  doc: string
  clock: number
  entry: Uint8Array<ArrayBuffer>
}

export namespace IndexedEntry {
  let _codec: Codec<IndexedEntry>

  export const codec = (): Codec<IndexedEntry> => {
    if (_codec == null) {
      _codec = message<IndexedEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.doc != null && obj.doc !== '')) {
          w.uint32(10)
          w.string(obj.doc)
        }

        if ((obj.clock != null && obj.clock !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.clock)
        }

        if ((obj.entry != null && obj.entry.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.entry)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: '',
          clock: 0,
          entry: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.doc = reader.string()
              break
            }
            case 2: {
              obj.clock = reader.uint64Number()
              break
            }
            case 3: {
              obj.entry = reader.bytes()
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
                field: `${prefix}.doc`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.clock`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.entry`,
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

  export interface IndexedEntryDocFieldEvent {
    field: '$.doc'
    value: string
  }

  export interface IndexedEntryClockFieldEvent {
    field: '$.clock'
    value: number
  }

  export interface IndexedEntryEntryFieldEvent {
    field: '$.entry'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<IndexedEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IndexedEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexedEntry>): IndexedEntry {
    return decodeMessage(buf, IndexedEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexedEntry>): Generator<IndexedEntryDocFieldEvent | IndexedEntryClockFieldEvent | IndexedEntryEntryFieldEvent> {
    return streamMessage(buf, IndexedEntry.codec(), opts)
  }
}
