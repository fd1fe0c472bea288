/**
 * Knowledge entries: list with filters, full-text search with highlighted snippets, one
 * entry, its versions and related entries; write an entry (signed by this node), a new
 * version of one of this node's entries, a retraction, a rating.
 */
import { MeshError } from '../../../protocol/errors.ts'
import { KNOWLEDGE_LIMITS, KNOWLEDGE_TYPES, KnowledgeInputError } from '../../../protocol/knowledge/index.ts'
import { knowledgeBodyExample, knowledgeEntryExample, knowledgeHitExample, knowledgePatchExample, knowledgeSummaryExample, knowledgeVersionExample, ratingBodyExample } from '../examples.ts'
import { errorResponses, errorSchema, listSchema, notFoundResponse } from '../schemas.ts'
import { notFound } from '../validation.ts'
import type { EntryDraft, KnowledgeListQuery, KnowledgeSearchQuery } from '../../../protocol/knowledge/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const TAG = '^[a-z0-9][a-z0-9-]{0,31}$'
const ID = '^[0-9a-f]{64}$'

const entryProperties = {
  id: { type: 'string', description: 'hex entry id, stable across versions' },
  title: { type: 'string' },
  type: { type: 'string', enum: KNOWLEDGE_TYPES },
  tags: { type: 'array', items: { type: 'string' } },
  author: { type: 'string', description: 'peer id of the author node' },
  author_key: { type: 'string' },
  confidence: { type: 'number', minimum: 0, maximum: 1, description: "the author's confidence" },
  version: { type: 'integer' },
  versions: { type: 'integer', description: 'versions held' },
  retracted: { type: 'boolean' },
  session: { type: ['string', 'null'], description: 'the learning session it came from' },
  created_at: { type: 'integer' },
  updated_at: { type: 'integer' },
  rating: { type: 'object', properties: { mean: { type: ['number', 'null'] }, count: { type: 'integer' } } },
  record_id: { type: 'string', description: "hex id of the current version's signed record" }
} as const

export const knowledgeSummarySchema = { type: 'object', properties: entryProperties, example: knowledgeSummaryExample } as const
export const knowledgeEntrySchema = { type: 'object', properties: { ...entryProperties, content: { type: 'string', description: 'Markdown' } }, example: knowledgeEntryExample } as const

const versionSchema = {
  type: 'object',
  properties: {
    record_id: { type: 'string' },
    version: { type: 'integer' },
    title: { type: 'string' },
    content: { type: 'string' },
    type: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    confidence: { type: 'number' },
    retracted: { type: 'boolean' },
    created_at: { type: 'integer' }
  },
  example: knowledgeVersionExample
} as const

const hitSchema = {
  type: 'object',
  properties: {
    entry: knowledgeSummarySchema,
    score: { type: 'number' },
    snippet: { type: 'string', description: 'HTML-escaped excerpt, matched terms in <mark>' },
    title_html: { type: 'string' }
  },
  example: knowledgeHitExample
} as const

const filterProperties = {
  type: { type: 'string', enum: KNOWLEDGE_TYPES },
  tag: { type: 'string', pattern: TAG },
  author: { type: 'string', minLength: 1, maxLength: 128, description: 'peer id or hex key of the author' },
  since: { type: 'integer', minimum: 0, description: 'created_at >= since (ms)' },
  until: { type: 'integer', minimum: 0, description: 'created_at < until (ms)' },
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
  offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 }
} as const

const draftProperties = {
  title: { type: 'string', minLength: 1, maxLength: KNOWLEDGE_LIMITS.maxTitleBytes },
  content: { type: 'string', maxLength: KNOWLEDGE_LIMITS.maxContentBytes, description: 'Markdown' },
  type: { type: 'string', enum: KNOWLEDGE_TYPES, default: 'insight' },
  tags: { type: 'array', maxItems: KNOWLEDGE_LIMITS.maxTags, uniqueItems: true, items: { type: 'string', pattern: TAG } },
  confidence: { type: 'number', minimum: 0, maximum: 1 }
} as const

/** an edit keeps what it does not give: no defaults */
const patchProperties = { ...draftProperties, type: { type: 'string', enum: KNOWLEDGE_TYPES } } as const

const forbidden = { 403: { description: 'not the author', ...errorSchema } } as const
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ID } } } as const

/** the service's input errors name their field: pass that on with a fitting status */
export function knowledgeError (err: unknown): unknown {
  if (err instanceof KnowledgeInputError) {
    if (err.code === 'rate-limited' || err.code === 'quota') { return new MeshError('rate_limited', err.message) }
    if (err.code === 'not-found') { return new MeshError('not_found', err.message) }
    if (err.code === 'not-author' || err.code === 'not-owner' || err.code === 'not-participant') { return new MeshError('forbidden', err.message) }
    if (err.code === 'retracted' || err.code === 'closed') { return new MeshError('conflict', err.message) }
    return new MeshError('invalid_input', `${err.code}: ${err.message}`)
  }
  return err
}

export function registerKnowledgeRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { knowledge } = ctx.node
  const tags = ['knowledge']
  const guard = async <T>(p: Promise<T>): Promise<T> => { try { return await p } catch (err) { throw knowledgeError(err) } }

  app.get<{ Querystring: KnowledgeListQuery }>('/knowledge', {
    schema: {
      tags,
      summary: 'knowledge entries, most recently updated first, with filters',
      querystring: { type: 'object', additionalProperties: false, properties: { ...filterProperties, include_retracted: { type: 'boolean', default: false } } },
      response: { 200: listSchema(knowledgeSummarySchema, { total: { type: 'integer' } }, { total: 1 }), ...errorResponses }
    }
  }, async request => guard(knowledge.list(request.query)))

  app.get<{ Querystring: KnowledgeSearchQuery }>('/knowledge/search', {
    schema: {
      tags,
      summary: 'full-text search over title, content and tags: ranked, with highlighted snippets',
      querystring: { type: 'object', additionalProperties: false, required: ['q'], properties: { q: { type: 'string', minLength: 1, maxLength: 256 }, ...filterProperties } },
      response: { 200: listSchema(hitSchema, { total: { type: 'integer' } }, { total: 1 }), ...errorResponses }
    }
  }, async request => guard(knowledge.search(request.query)))

  app.get<{ Params: { id: string } }>('/knowledge/:id', {
    schema: { tags, summary: 'one entry (its current version)', params: idParams, response: { 200: knowledgeEntrySchema, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    const e = await guard(knowledge.get(request.params.id))
    if (e == null) { throw notFound(`knowledge entry ${request.params.id}`) }
    return e
  })

  app.get<{ Params: { id: string } }>('/knowledge/:id/versions', {
    schema: { tags, summary: 'every version of an entry, oldest first', params: idParams, response: { 200: listSchema(versionSchema), ...errorResponses, ...notFoundResponse } }
  }, async request => {
    const v = await guard(knowledge.versions(request.params.id))
    if (v == null) { throw notFound(`knowledge entry ${request.params.id}`) }
    return { items: v }
  })

  app.get<{ Params: { id: string }, Querystring: { limit: number } }>('/knowledge/:id/related', {
    schema: {
      tags,
      summary: 'entries related by text similarity',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 50, default: 5 } } },
      response: { 200: listSchema(hitSchema), ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const r = await guard(knowledge.related(request.params.id, request.query.limit))
    if (r == null) { throw notFound(`knowledge entry ${request.params.id}`) }
    return { items: r }
  })

  app.post<{ Body: EntryDraft }>('/knowledge', {
    schema: {
      tags,
      summary: 'write an entry: signed by this node, stored, gossiped',
      body: { type: 'object', additionalProperties: false, required: ['title', 'content'], properties: draftProperties, example: knowledgeBodyExample },
      response: { 201: knowledgeEntrySchema, ...errorResponses }
    }
  }, async (request, reply) => reply.code(201).send(await guard(knowledge.add(request.body))))

  app.patch<{ Params: { id: string }, Body: Partial<EntryDraft> }>('/knowledge/:id', {
    schema: {
      tags,
      summary: "a new version of one of this node's entries (fields not given are kept)",
      params: idParams,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: patchProperties, example: knowledgePatchExample },
      response: { 200: knowledgeEntrySchema, ...forbidden, ...errorResponses, ...notFoundResponse }
    }
  }, async request => guard(knowledge.edit(request.params.id, request.body)))

  app.post<{ Params: { id: string } }>('/knowledge/:id/retract', {
    schema: { tags, summary: "retract one of this node's entries (its versions stay listed)", params: idParams, response: { 200: knowledgeEntrySchema, ...forbidden, ...errorResponses, ...notFoundResponse } }
  }, async request => guard(knowledge.retract(request.params.id)))

  app.post<{ Params: { id: string }, Body: { score: number } }>('/knowledge/:id/rating', {
    schema: {
      tags,
      summary: "rate an entry's effectiveness, 0..5 (this node's latest rating counts)",
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['score'], properties: { score: { type: 'integer', minimum: 0, maximum: 5 } }, example: ratingBodyExample },
      response: { 200: knowledgeEntrySchema, ...errorResponses, ...notFoundResponse }
    }
  }, async request => guard(knowledge.rate(request.params.id, request.body.score)))
}
