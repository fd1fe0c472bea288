/**
 * Learning sessions: list, create, show (the document's fields and who is present),
 * invite (owner), edit a field (participants), set this node's presence, close (owner:
 * publishes the solution as a knowledge entry).
 */
import { SESSION_FIELDS, SESSION_LIMITS } from '../../../protocol/knowledge/index.ts'
import { editBodyExample, participantsBodyExample, presenceBodyExample, sessionBodyExample, sessionExample, sessionSummaryExample } from '../examples.ts'
import { errorResponses, errorSchema, listSchema, notFoundResponse } from '../schemas.ts'
import { knowledgeError } from './knowledge.ts'
import type { SessionEdit, SessionField } from '../../../protocol/knowledge/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } as const
const forbidden = { 403: { description: 'not the owner, or not a participant', ...errorSchema }, 409: { description: 'the session is closed', ...errorSchema } } as const
const PEER = { type: 'string', minLength: 1, maxLength: 128, description: 'peer id of a node' } as const

const summaryProperties = {
  id: { type: 'string' },
  title: { type: 'string' },
  description: { type: 'string' },
  owner: { type: 'string' },
  participants: { type: 'array', items: { type: 'string' } },
  closed: { type: 'boolean' },
  solution_entry: { type: ['string', 'null'] },
  created_at: { type: 'integer' },
  updates: { type: 'integer' },
  joined: { type: 'boolean' }
} as const

const sessionSchema = {
  type: 'object',
  properties: {
    ...summaryProperties,
    fields: { type: 'object', properties: Object.fromEntries(SESSION_FIELDS.map(f => [f, { type: 'string' }])) },
    presence: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          peer: { type: 'string' },
          name: { type: 'string' },
          cursor: { type: ['object', 'null'], properties: { field: { type: 'string' }, index: { type: 'integer' } } }
        }
      }
    }
  },
  example: sessionExample
} as const

export function registerKnowledgeSessionRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const { sessions } = ctx.node.knowledge
  const tags = ['knowledge']
  const guard = async <T>(p: Promise<T> | (() => T)): Promise<T> => {
    try { return typeof p === 'function' ? p() : await p } catch (err) { throw knowledgeError(err) }
  }

  app.get('/knowledge/sessions', {
    schema: { tags, summary: 'learning sessions known to this node, newest first', response: { 200: listSchema({ type: 'object', properties: summaryProperties, example: sessionSummaryExample }), ...errorResponses } }
  }, async () => ({ items: sessions.list() }))

  app.post<{ Body: { title: string, description?: string, problem?: string, participants?: string[] } }>('/knowledge/sessions', {
    schema: {
      tags,
      summary: 'open a session owned by this node',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['title'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: SESSION_LIMITS.maxTitleBytes },
          description: { type: 'string', maxLength: SESSION_LIMITS.maxDescriptionBytes },
          problem: { type: 'string', maxLength: 8192 },
          participants: { type: 'array', maxItems: SESSION_LIMITS.maxParticipants, uniqueItems: true, items: PEER }
        },
        example: sessionBodyExample
      },
      response: { 201: sessionSchema, ...errorResponses }
    }
  }, async (request, reply) => reply.code(201).send(await guard(sessions.create(request.body))))

  app.get<{ Params: { id: string } }>('/knowledge/sessions/:id', {
    schema: { tags, summary: 'a session: charter, document fields, presence (this node follows it from now on)', params: idParams, response: { 200: sessionSchema, ...forbidden, ...errorResponses, ...notFoundResponse } }
  }, async request => {
    await guard(sessions.join(request.params.id))
    return sessions.view(request.params.id)
  })

  app.post<{ Params: { id: string }, Body: { participants: string[] } }>('/knowledge/sessions/:id/participants', {
    schema: {
      tags,
      summary: 'invite nodes (owner only)',
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['participants'], properties: { participants: { type: 'array', minItems: 1, maxItems: SESSION_LIMITS.maxParticipants, items: PEER } }, example: participantsBodyExample },
      response: { 200: sessionSchema, ...forbidden, ...errorResponses, ...notFoundResponse }
    }
  }, async request => guard(sessions.invite(request.params.id, request.body.participants)))

  app.post<{ Params: { id: string }, Body: { field: SessionField, text?: string, at?: number, delete?: number, insert?: string } }>('/knowledge/sessions/:id/edit', {
    schema: {
      tags,
      summary: 'edit a field: replace its text, or delete/insert at a position (participants only)',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['field'],
        properties: {
          field: { type: 'string', enum: SESSION_FIELDS },
          text: { type: 'string', maxLength: 8192 },
          at: { type: 'integer', minimum: 0 },
          delete: { type: 'integer', minimum: 0 },
          insert: { type: 'string', maxLength: 8192 }
        },
        example: editBodyExample
      },
      response: { 200: sessionSchema, ...forbidden, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    const b = request.body
    const edit: SessionEdit = b.text != null ? { field: b.field, text: b.text } : { field: b.field, at: b.at ?? 0, delete: b.delete, insert: b.insert }
    return guard(sessions.edit(request.params.id, edit))
  })

  app.post<{ Params: { id: string }, Body: { name?: string, cursor?: { field: SessionField, index: number } | null } }>('/knowledge/sessions/:id/presence', {
    schema: {
      tags,
      summary: "this node's presence and cursor in a session",
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', maxLength: 64 },
          cursor: { type: ['object', 'null'], additionalProperties: false, required: ['field', 'index'], properties: { field: { type: 'string', enum: SESSION_FIELDS }, index: { type: 'integer', minimum: 0 } } }
        },
        example: presenceBodyExample
      },
      response: { 200: sessionSchema, ...forbidden, ...errorResponses, ...notFoundResponse }
    }
  }, async request => {
    await guard(sessions.setPresence(request.params.id, request.body))
    return sessions.view(request.params.id)
  })

  app.post<{ Params: { id: string } }>('/knowledge/sessions/:id/close', {
    schema: { tags, summary: 'close a session (owner only): its solution becomes a knowledge entry of type solution', params: idParams, response: { 200: sessionSchema, ...forbidden, ...errorResponses, ...notFoundResponse } }
  }, async request => guard(sessions.close(request.params.id)))
}
