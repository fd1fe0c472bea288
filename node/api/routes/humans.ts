/**
 * The ledger: humans (list, register, get, deactivate/activate), the weekly distribution
 * and its history. Request and response fields follow the domain models (`HumanCreate`,
 * `DistributionRequest` with `human_ids` / `amount_override`), in snake_case; money is
 * exact: decimal strings out ("800.00"), decimal strings or two-decimal numbers in.
 */
import { MeshError } from '../../../protocol/errors.ts'
import { isLedgerError } from '../../../protocol/ledger/index.ts'
import { distributeBodyExample, distributeExample, transactionExample } from '../examples.ts'
import { DEFAULT_PAGE_SIZE, errorResponses, errorSchema, notFoundResponse, pageSchema } from '../schemas.ts'
import { notFound } from '../validation.ts'
import { epochMs } from '../wire.ts'
import type { Human, LedgerTransaction } from '../../../protocol/ledger/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const HUMAN_ID = '^[A-Za-z0-9_.@-]{1,128}$'
/** max humans in one paginated page (the ledger's own limit) */
const MAX_LEDGER_PAGE = 1000
/** a distribution's payments listed in its answer at most */
const MAX_LISTED_PAYMENTS = 1000

/** an amount: "800", "800.5", "800.00", or a number with at most two decimals; never negative */
export const amountSchema = {
  anyOf: [
    { type: 'string', pattern: '^\\d{1,13}(\\.\\d{1,2})?$' },
    { type: 'number', minimum: 0, maximum: 9_999_999_999_999.99 }
  ],
  description: 'decimal string like "800.00" (or a number with at most two decimals)'
} as const

export const humanSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    weekly_flow: { type: 'string' },
    housing_credit: { type: 'string' },
    investment_pool: { type: 'string' },
    status: { type: 'string', enum: ['active', 'inactive'] },
    created_at: { type: 'integer', description: 'epoch ms' },
    registered_by: { type: 'string', description: 'peer id of its registrar: a human is (registrar, id), and only the registrar sets its record and status' },
    registrar_key: { type: 'string', description: 'the registrar\'s public key, hex' },
    registrars: { type: 'integer', description: 'how many nodes registered this id, each its own human' },
    last_distribution: { type: ['integer', 'null'], description: 'epoch ms of the last payment' },
    last_distribution_week: { type: ['string', 'null'] },
    total_received: { type: 'string' },
    payments: { type: 'integer' },
    unfunded: { type: 'string', description: 'payments recorded for it that the pool cannot cover: shown, never counted' },
    unfunded_payments: { type: 'integer' }
  },
  example: {
    id: 'alice',
    weekly_flow: '800.00',
    housing_credit: '104000.00',
    investment_pool: '104000.00',
    status: 'active',
    created_at: 1764633600000,
    registered_by: '12D3KooWLx8cBDqT9bJpPLmWEh2XGXfSQJm3sKZCV6sBqtpmD4Ny',
    registrar_key: '8f0c6f2be4c1a7d5e3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4',
    registrars: 1,
    last_distribution: 1764637200000,
    last_distribution_week: '2026-W49',
    total_received: '800.00',
    payments: 1,
    unfunded: '0.00',
    unfunded_payments: 0
  }
} as const

export function humanView (h: Human): Record<string, unknown> {
  return {
    id: h.id,
    weekly_flow: h.weeklyFlow,
    housing_credit: h.housingCredit,
    investment_pool: h.investmentPool,
    status: h.status,
    created_at: epochMs(h.createdAt),
    registered_by: h.registeredBy,
    registrar_key: h.registrarKey,
    registrars: h.registrars,
    last_distribution: epochMs(h.lastDistribution),
    last_distribution_week: h.lastDistributionWeek,
    total_received: h.totalReceived,
    payments: h.payments,
    unfunded: h.unfunded,
    unfunded_payments: h.unfundedPayments
  }
}

const transactionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    human_id: { type: 'string' },
    registrar: { type: 'string', description: 'peer id of the human\'s registrar' },
    amount: { type: 'string' },
    type: { type: 'string' },
    week: { type: 'string' },
    timestamp: { type: 'integer', description: 'epoch ms' },
    status: { type: 'string', enum: ['completed', 'unfunded', 'superseded', 'invalid'], description: 'completed counts; unfunded: the pool cannot cover it; superseded: another payment of the same week counts; invalid: not the human\'s weekly flow, or no such human' },
    author: { type: 'string' },
    metadata: { type: 'object', properties: { doc: { type: 'string' }, clock: { type: 'integer' }, author_key: { type: 'string' }, registrar_key: { type: 'string' } } }
  },
  example: transactionExample
} as const

function transactionView (t: LedgerTransaction): Record<string, unknown> {
  return {
    id: t.id,
    human_id: t.humanId,
    registrar: t.registrar,
    amount: t.amount,
    type: t.type,
    week: t.week,
    timestamp: epochMs(t.timestamp),
    status: t.status,
    author: t.author,
    metadata: { doc: t.metadata.doc, clock: t.metadata.clock, author_key: t.metadata.authorKey, registrar_key: t.metadata.registrarKey }
  }
}

const FIELD_NAMES: Record<string, string> = {
  humanIds: 'human_ids',
  amountOverride: 'amount_override',
  weeklyFlow: 'weekly_flow',
  housingCredit: 'housing_credit',
  investmentPool: 'investment_pool',
  humanId: 'human_id'
}

/** the ledger's errors carry a code and a suggested status; fields are renamed to the API's */
function ledgerError (err: unknown): unknown {
  if (!isLedgerError(err)) { return err }
  const raw = typeof err.details?.field === 'string' ? err.details.field : undefined
  const field = raw != null ? FIELD_NAMES[raw] ?? raw : undefined
  let message = err.message
  for (const [from, to] of Object.entries(FIELD_NAMES)) { message = message.replaceAll(from, to) }
  return new MeshError(err.code, message, { field, details: err.details, cause: err })
}

async function ledgerCall<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw ledgerError(err)
  }
}

interface HumanCreate {
  id: string
  weekly_flow?: string | number
  housing_credit?: string | number
  investment_pool?: string | number
  status?: 'active' | 'inactive'
}

interface DistributionRequest {
  human_ids?: string[]
  amount_override?: string | number
}

export function registerHumanRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { ledger } = ctx.node
  const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: HUMAN_ID } } } as const

  app.get<{ Querystring: { status?: 'active' | 'inactive', cursor?: string, limit: number } }>('/humans', {
    schema: {
      tags: ['humans'],
      summary: 'humans in the resource pool, by id',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['active', 'inactive'] },
          cursor: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,128}(![0-9a-f]{64})?$' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LEDGER_PAGE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(humanSchema), ...errorResponses }
    }
  }, async request => {
    const page = await ledgerCall(async () => ledger.listHumans(request.query))
    return { items: page.items.map(humanView), next_cursor: page.nextCursor ?? null }
  })

  app.post<{ Body: HumanCreate }>('/humans', {
    schema: {
      tags: ['humans'],
      summary: 'register a human',
      description: 'Registers a human in the resource pool. There is no verification of the person (open participation); the record is signed by this node and gossiped. Amounts default to 800.00 weekly flow, 104000.00 housing credit and investment pool.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: { type: 'string', pattern: HUMAN_ID, description: '1-128 of A-Z a-z 0-9 _ . @ -' },
          weekly_flow: amountSchema,
          housing_credit: amountSchema,
          investment_pool: amountSchema,
          status: { type: 'string', enum: ['active', 'inactive'], default: 'active' }
        },
        example: { id: 'alice', weekly_flow: '800.00' }
      },
      response: { 201: humanSchema, ...errorResponses, 409: { ...errorSchema, description: 'already registered' } }
    }
  }, async (request, reply) => {
    const b = request.body
    const human = await ledgerCall(async () => ledger.registerHuman({
      id: b.id,
      weeklyFlow: b.weekly_flow,
      housingCredit: b.housing_credit,
      investmentPool: b.investment_pool,
      status: b.status
    }, { correlationId: request.id }))
    return reply.code(201).send(humanView(human))
  })

  app.get<{ Params: { id: string }, Querystring: { registrar?: string } }>('/humans/:id', {
    schema: {
      tags: ['humans'],
      summary: 'one human: the record of `registrar` (peer id or hex key), else the id\'s primary record (smallest registrar key)',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { registrar: { type: 'string', minLength: 1, maxLength: 100 } } },
      response: { 200: humanSchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const h = await ledgerCall(async () => ledger.getHuman(request.params.id, request.query.registrar))
    if (h == null) { throw notFound(`human ${request.params.id}`, 'id') }
    return humanView(h)
  })

  const setStatus = (status: 'active' | 'inactive') => async (request: { params: { id: string }, id: string }) =>
    humanView(await ledgerCall(async () => ledger.setStatus(request.params.id, status, { correlationId: request.id })))
  const statusResponses = { 200: humanSchema, ...errorResponses, ...notFoundResponse, 403: { ...errorSchema, description: 'only the nodes that registered a human may change its status' } }
  app.delete<{ Params: { id: string } }>('/humans/:id', {
    schema: { tags: ['humans'], summary: 'deactivate a human (entries are never erased)', params: idParams, response: statusResponses }
  }, setStatus('inactive'))
  app.post<{ Params: { id: string } }>('/humans/:id/activate', {
    schema: { tags: ['humans'], summary: 'activate a human again', params: idParams, response: statusResponses }
  }, setStatus('active'))

  app.post<{ Body: DistributionRequest | undefined }>('/distribute', {
    // the body is optional: no body means everyone, this week's flow
    preValidation: async request => { request.body ??= {} },
    schema: {
      tags: ['distribution'],
      summary: 'run this week\'s distribution',
      description: 'Pays this ISO week\'s flow to every active human not yet paid this week (or only `human_ids`). At most one payment per human and week across the whole mesh, whichever nodes run it. Refused whole (409 `insufficient_pool`) when the pool cannot cover it.',
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          human_ids: { type: 'array', minItems: 1, maxItems: 100_000, uniqueItems: true, items: { type: 'string', pattern: HUMAN_ID } },
          amount_override: { ...amountSchema, description: 'refused (400): a payment\'s amount is always the human\'s weekly flow' }
        },
        example: distributeBodyExample
      },
      response: {
        200: {
          type: 'object',
          properties: {
            week: { type: 'string' },
            paid: { type: 'integer' },
            total: { type: 'string' },
            skipped: { type: 'object', properties: { already_paid: { type: 'integer' }, inactive: { type: 'integer' }, zero_flow: { type: 'integer' } } },
            remaining_wealth: { type: 'string' },
            payments: { type: 'array', items: { type: 'object', properties: { human_id: { type: 'string' }, registrar: { type: 'string' }, amount: { type: 'string' } } } },
            payments_listed: { type: 'integer', description: `payments listed here (at most ${MAX_LISTED_PAYMENTS})` }
          },
          example: distributeExample
        },
        ...errorResponses,
        ...notFoundResponse,
        409: { ...errorSchema, description: 'the pool cannot cover the distribution: nothing was paid' }
      }
    }
  }, async request => {
    const b = request.body ?? {}
    const r = await ledgerCall(async () => ledger.distributeWeekly({ humanIds: b.human_ids, amountOverride: b.amount_override }, { correlationId: request.id }))
    const payments = r.payments.slice(0, MAX_LISTED_PAYMENTS).map(p => ({ human_id: p.humanId, registrar: p.registrar, amount: p.amount }))
    return {
      week: r.week,
      paid: r.paid,
      total: r.total,
      skipped: { already_paid: r.skipped.alreadyPaid, inactive: r.skipped.inactive, zero_flow: r.skipped.zeroFlow },
      remaining_wealth: r.remainingWealth,
      payments,
      payments_listed: payments.length
    }
  })

  app.get<{ Querystring: { human_id?: string, week?: string, include_superseded?: boolean, cursor?: string, limit: number } }>('/distribution/history', {
    schema: {
      tags: ['distribution'],
      summary: 'payments by week, human and author',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          human_id: { type: 'string', pattern: HUMAN_ID },
          week: { type: 'string', pattern: '^\\d{4}-W\\d{2}$', description: 'ISO week like 2026-W47' },
          include_superseded: { type: 'boolean', default: false, description: 'also list payments that do not count (superseded, invalid)' },
          cursor: { type: 'string', minLength: 1, maxLength: 300 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LEDGER_PAGE, default: DEFAULT_PAGE_SIZE }
        }
      },
      response: { 200: pageSchema(transactionSchema), ...errorResponses }
    }
  }, async request => {
    const q = request.query
    const page = await ledgerCall(async () => ledger.history({ humanId: q.human_id, week: q.week, includeSuperseded: q.include_superseded, cursor: q.cursor, limit: q.limit }))
    return { items: page.items.map(transactionView), next_cursor: page.nextCursor ?? null }
  })
}
